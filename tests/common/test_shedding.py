"""Load shedding (common/shedding.py): requests are served by the shedder's own threads, from a queue; a request whose
expected wait in it exceeds the budget is answered 503 `overloaded` with Retry-After at once, without reaching the
application; one still queued after twice the budget is refused then and never served; /health/ is never refused and
never waits behind the rest."""
import json
import threading
import time

from common.error_codes import lookup
from common.shedding import LoadShedder


class _App:
    """A WSGI application that holds each request until told to finish, so requests can be kept in hand."""

    def __init__(self):
        self.calls = 0
        self.threads = []
        self.entered = threading.Semaphore(0)
        self.release = threading.Event()
        self.environs = []

    def __call__(self, environ, start_response):
        self.calls += 1
        self.threads.append(threading.current_thread().name)
        self.environs.append(environ)
        self.entered.release()
        if environ.get("PATH_INFO") != "/health/":
            assert self.release.wait(10)
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]


def _call(app, path="/shows/1/", **environ):
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, dict(headers)

    result = app({"PATH_INFO": path, "REQUEST_METHOD": "GET", **environ}, start_response)
    body = b"".join(result)
    if hasattr(result, "close"):
        result.close()
    return int(captured["status"].split()[0]), captured["headers"], body


def _in_background(app, count, path="/shows/1/"):
    """`count` requests sent from background threads; returns the threads and their results."""
    results = []
    threads = [threading.Thread(target=lambda: results.append(_call(app, path))) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads, results


def _until(condition, seconds=5):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.001)


def test_a_request_whose_wait_would_exceed_the_budget_is_refused_at_once_with_retry_after():
    inner = _App()
    shedder = LoadShedder(inner, max_in_flight=1, max_queue_ms=50, initial_service_ms=40, retry_after_seconds=3)
    running, results = _in_background(shedder, 1)
    assert inner.entered.acquire(timeout=5)
    queued, queued_results = _in_background(shedder, 1)  # one ahead of it: 40 ms expected, within the budget
    _until(lambda: shedder.servers.waiting == 1)

    began = time.monotonic()
    status, headers, body = _call(shedder)  # two ahead: 80 ms expected
    refused_in = time.monotonic() - began

    assert status == 503
    assert refused_in < 0.03  # refused at once, not after a wait
    assert headers["Retry-After"] == "3"
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-store"
    assert json.loads(body)["code"] == "overloaded"
    assert lookup("overloaded").status == 503
    assert inner.calls == 1  # the refused request never reached the application
    assert shedder.shed_count == 1
    inner.release.set()
    for thread in (*running, *queued):
        thread.join(5)
    assert [r[0] for r in results + queued_results] == [200, 200]


def test_a_refusal_is_answered_after_the_pause_so_a_client_retrying_at_once_cannot_flood_the_process():
    inner = _App()
    shedder = LoadShedder(inner, max_in_flight=1, max_queue_ms=10, initial_service_ms=50, refusal_pause_ms=30)
    running, _ = _in_background(shedder, 1)
    assert inner.entered.acquire(timeout=5)

    began = time.monotonic()
    refusals = [_call(shedder)[0] for _ in range(3)]
    elapsed = time.monotonic() - began

    assert refusals == [503] * 3
    assert elapsed >= 3 * 0.03
    inner.release.set()
    for thread in running:
        thread.join(5)


def test_refusals_within_the_allowance_are_answered_at_once_and_those_beyond_it_after_the_pause():
    inner = _App()
    shedder = LoadShedder(inner, max_in_flight=1, max_queue_ms=10, initial_service_ms=50, refusal_pause_ms=200,
                          unpaused_refusals_per_s=3)
    running, _ = _in_background(shedder, 1)
    assert inner.entered.acquire(timeout=5)

    def timed_refusal() -> float:
        began = time.monotonic()
        assert _call(shedder)[0] == 503
        return time.monotonic() - began

    within = [timed_refusal() for _ in range(3)]  # the bucket holds one second's worth: 3
    beyond = timed_refusal()
    time.sleep(0.4)  # refills at 3 a second: one token again
    refilled = timed_refusal()

    assert max(within) < 0.1
    assert beyond >= 0.2
    assert refilled < 0.1
    inner.release.set()
    for thread in running:
        thread.join(5)


def test_the_application_runs_in_the_shedders_threads_at_most_max_in_flight_at_once():
    lock = threading.Lock()
    in_app, most = [0], [0]

    def app(environ, start_response):
        with lock:
            in_app[0] += 1
            most[0] = max(most[0], in_app[0])
        time.sleep(0.005)
        with lock:
            in_app[0] -= 1
        start_response("200 OK", [])
        return [threading.current_thread().name.encode()]

    shedder = LoadShedder(app, max_in_flight=2, max_queue_ms=10_000)
    threads, results = _in_background(shedder, 12)
    for thread in threads:
        thread.join(10)

    assert [r[0] for r in results] == [200] * 12
    assert most[0] == 2
    assert {r[2].decode() for r in results} <= {"shed-server-0", "shed-server-1"}


def test_a_queued_request_not_served_within_twice_the_budget_is_refused_and_never_served():
    inner = _App()
    shedder = LoadShedder(inner, max_in_flight=1, max_queue_ms=30)
    running, results = _in_background(shedder, 1)
    assert inner.entered.acquire(timeout=5)

    began = time.monotonic()
    status, _, body = _call(shedder)  # queued (nothing measured yet), then given up
    waited = time.monotonic() - began

    assert status == 503 and json.loads(body)["code"] == "overloaded"
    assert 0.05 <= waited < 1
    assert shedder.servers.waiting == 0
    inner.release.set()
    for thread in running:
        thread.join(5)
    assert _call(shedder)[0] == 200
    assert inner.calls == 2  # the given-up request was never run


def test_an_application_error_reaches_the_caller_and_frees_the_server():
    def broken(environ, start_response):
        raise RuntimeError("boom")

    shedder = LoadShedder(broken, max_in_flight=1)
    for _ in range(3):
        try:
            _call(shedder)
        except RuntimeError as exc:
            assert str(exc) == "boom"
        else:
            raise AssertionError("the error was swallowed")
    assert shedder.servers.busy == 0 and shedder.servers.waiting == 0


def test_health_is_answered_while_the_service_sheds_and_never_waits_behind_it():
    inner = _App()
    shedder = LoadShedder(inner, max_in_flight=1, max_queue_ms=20, initial_service_ms=50)
    running, _ = _in_background(shedder, 1)
    assert inner.entered.acquire(timeout=5)
    assert _call(shedder)[0] == 503

    status, _, _ = _call(shedder, "/health/")

    assert status == 200
    assert inner.threads[-1] == "shed-exempt-0"
    inner.release.set()
    for thread in running:
        thread.join(5)


def test_the_body_is_read_and_closed_in_the_server_thread():
    seen = {}

    class Body:
        def __iter__(self):
            seen["read"] = threading.current_thread().name
            yield b"a"
            yield b"b"

        def close(self):
            seen["closed"] = threading.current_thread().name

    def app(environ, start_response):
        seen["file_wrapper"] = "wsgi.file_wrapper" in environ
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Body()

    shedder = LoadShedder(app, max_in_flight=1)
    status, headers, body = _call(shedder, **{"wsgi.file_wrapper": object()})

    assert (status, headers, body) == (200, {"Content-Type": "text/plain"}, b"ab")
    assert seen == {"file_wrapper": False, "read": "shed-server-0", "closed": "shed-server-0"}


def test_the_service_time_is_measured():
    def app(environ, start_response):
        time.sleep(0.01)
        start_response("200 OK", [])
        return [b""]

    shedder = LoadShedder(app, max_in_flight=1)
    for _ in range(5):
        _call(shedder)

    assert shedder.servers.service_s > 0.001


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
    assert wsgi.application.app is wsgi.served_application
    assert wsgi.application.max_in_flight == settings.SHED_MAX_IN_FLIGHT
    assert wsgi.application.max_queue_s == settings.SHED_MAX_QUEUE_MS / 1000
    assert wsgi.application.refusal_pause_s == settings.SHED_REFUSAL_PAUSE_MS / 1000
    assert wsgi.application.unpaused_refusals_per_s == settings.SHED_UNPAUSED_REFUSALS_PER_S
    assert "/health/" in wsgi.application.exempt_paths


def test_the_server_runs_far_more_threads_than_the_shedder_serves_with(settings, monkeypatch):
    from ticketing_system import serve

    monkeypatch.delenv("SERVE_THREADS", raising=False)
    args = serve.granian_args()
    threads = int(args[args.index("--blocking-threads") + 1])

    # Each of them only waits for an answer; the shedder's own threads (1 by default, or a few) run Django.
    assert threads >= 32
