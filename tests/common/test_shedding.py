"""Load shedding (common/shedding.py): over the in-flight limit, or after too long in the proxy's queue, a request is
answered 503 `overloaded` with Retry-After at once, without reaching the application; /health/ is never refused."""
import json
import threading
import time

from common.error_codes import lookup
from common.shedding import LoadShedder


class _App:
    """A WSGI application that holds each request until told to finish, so requests can be kept in flight."""

    def __init__(self):
        self.calls = 0
        self.entered = threading.Semaphore(0)
        self.release = threading.Event()

    def __call__(self, environ, start_response):
        self.calls += 1
        self.entered.release()
        if environ.get("PATH_INFO") != "/health/":
            assert self.release.wait(10)
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]


def _call(app, path="/shows/1/", **environ):
    captured = {}

    def start_response(status, headers):
        captured["status"], captured["headers"] = status, dict(headers)

    result = app({"PATH_INFO": path, "REQUEST_METHOD": "GET", **environ}, start_response)
    body = b"".join(result)
    if hasattr(result, "close"):
        result.close()
    return int(captured["status"].split()[0]), captured["headers"], body


def _hold(app, count, path="/shows/1/"):
    """`count` requests in flight in background threads; returns the threads and their results."""
    results = []
    threads = [threading.Thread(target=lambda: results.append(_call(app, path))) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads, results


def test_a_request_over_the_limit_is_refused_at_once_with_retry_after():
    inner = _App()
    shedder = LoadShedder(inner, max_in_flight=2, retry_after_seconds=3)
    threads, results = _hold(shedder, 2)
    for _ in range(2):
        assert inner.entered.acquire(timeout=5)

    status, headers, body = _call(shedder)

    assert status == 503
    assert headers["Retry-After"] == "3"
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-store"
    assert json.loads(body)["code"] == "overloaded"
    assert lookup("overloaded").status == 503
    assert inner.calls == 2  # the refused request never reached the application
    assert shedder.shed_count == 1
    inner.release.set()
    for thread in threads:
        thread.join(5)
    assert [r[0] for r in results] == [200, 200]


def test_a_finished_request_frees_its_place():
    inner = _App()
    inner.release.set()
    shedder = LoadShedder(inner, max_in_flight=1)

    assert [_call(shedder)[0] for _ in range(5)] == [200] * 5
    assert shedder.in_flight == 0
    assert shedder.shed_count == 0


def test_an_application_error_frees_its_place():
    def broken(environ, start_response):
        raise RuntimeError("boom")

    shedder = LoadShedder(broken, max_in_flight=1)
    for _ in range(3):
        try:
            _call(shedder)
        except RuntimeError:
            pass
    assert shedder.in_flight == 0


def test_health_is_answered_while_the_service_sheds():
    inner = _App()
    shedder = LoadShedder(inner, max_in_flight=1)
    threads, _ = _hold(shedder, 1)
    assert inner.entered.acquire(timeout=5)
    assert _call(shedder)[0] == 503

    status, _, _ = _call(shedder, "/health/")

    assert status == 200
    inner.release.set()
    for thread in threads:
        thread.join(5)


def test_a_request_that_waited_too_long_in_the_proxy_queue_is_refused():
    inner = _App()
    inner.release.set()
    now = 1_700_000_000.0
    shedder = LoadShedder(inner, max_in_flight=0, queue_deadline_ms=100, trust_request_start=True,
                          clock=lambda: now)

    fresh = _call(shedder, HTTP_X_REQUEST_START=f"t={int((now - 0.05) * 1000)}")
    stale = _call(shedder, HTTP_X_REQUEST_START=f"t={int((now - 0.5) * 1000)}")
    stale_health = _call(shedder, "/health/", HTTP_X_REQUEST_START=f"t={int((now - 0.5) * 1000)}")
    garbage = _call(shedder, HTTP_X_REQUEST_START="t=yesterday")

    assert fresh[0] == 200
    assert stale[0] == 503 and json.loads(stale[2])["code"] == "overloaded"
    assert stale_health[0] == 200
    assert garbage[0] == 200


def test_the_request_start_stamp_is_ignored_unless_the_proxy_is_trusted():
    inner = _App()
    inner.release.set()
    shedder = LoadShedder(inner, max_in_flight=0, queue_deadline_ms=100, trust_request_start=False)

    assert _call(shedder, HTTP_X_REQUEST_START="t=1")[0] == 200


def test_the_served_application_is_wrapped_by_the_shedder(settings):
    from ticketing_system import wsgi

    assert isinstance(wsgi.application, LoadShedder)
    assert wsgi.application.max_in_flight == settings.SHED_MAX_IN_FLIGHT
    assert "/health/" in wsgi.application.exempt_paths


def test_the_server_runs_more_threads_than_the_shedding_limit(settings, monkeypatch):
    from ticketing_system import serve

    monkeypatch.delenv("SERVE_THREADS", raising=False)
    args = serve.granian_args()
    threads = int(args[args.index("--blocking-threads") + 1])

    assert threads > settings.SHED_MAX_IN_FLIGHT


def test_a_request_over_the_limit_waits_briefly_for_a_place_and_is_served_if_one_frees():
    inner = _App()
    shedder = LoadShedder(inner, max_in_flight=1, wait_ms=5000)
    threads, results = _hold(shedder, 1)
    assert inner.entered.acquire(timeout=5)
    waiting, waiting_results = _hold(shedder, 1)  # over the limit: waits for the place

    inner.release.set()  # the first finishes within the wait
    for thread in (*threads, *waiting):
        thread.join(10)

    assert [r[0] for r in results + waiting_results] == [200, 200]
    assert shedder.shed_count == 0
    assert shedder.in_flight == 0


def test_a_request_over_the_limit_is_refused_when_no_place_frees_within_the_wait():
    inner = _App()
    shedder = LoadShedder(inner, max_in_flight=1, wait_ms=30)
    threads, _ = _hold(shedder, 1)
    assert inner.entered.acquire(timeout=5)

    status, headers, _ = _call(shedder)

    assert status == 503 and headers["Retry-After"] == "1"
    inner.release.set()
    for thread in threads:
        thread.join(5)


def test_after_a_wait_timed_out_requests_over_the_limit_are_refused_without_waiting():
    inner = _App()
    now = [1000.0]
    shedder = LoadShedder(inner, max_in_flight=1, wait_ms=300, clock=lambda: now[0])
    threads, _ = _hold(shedder, 1)
    assert inner.entered.acquire(timeout=5)
    assert _call(shedder)[0] == 503  # waited 300 ms, timed out: the queue is standing

    began = time.monotonic()
    assert _call(shedder)[0] == 503
    assert time.monotonic() - began < 0.15  # refused at once, without the wait

    now[0] += 2  # a second later it absorbs bursts again: this one waits and is served when the place frees
    waiting, results = _hold(shedder, 1)
    time.sleep(0.005)
    inner.release.set()
    for thread in (*threads, *waiting):
        thread.join(5)
    assert shedder.shed_count == 2


def test_a_body_read_to_its_end_frees_its_place_even_without_close():
    inner = _App()
    inner.release.set()
    shedder = LoadShedder(inner, max_in_flight=1)

    for _ in range(3):
        result = shedder({"PATH_INFO": "/shows/1/", "REQUEST_METHOD": "GET"}, lambda status, headers: None)
        assert b"".join(result) == b"{}"  # read, never closed

    assert shedder.in_flight == 0
