"""The service's measured capacity (common/capacity.py): each process whose shedder serves reports count / service_s
to Redis at most once a second, under `<prefix>:<hostname>:<pid>` with a short TTL; the reader adds up the live
reports and forgets a dead process's by itself; nothing is reported with the shedder off, and a Redis that does not
answer breaks nothing (decision 0054). On the test run's own Redis (TEST_REDIS_URL), under a prefix per test."""
import logging
import os
import socket
import time

import pytest
import redis

from common import capacity
from common.capacity import Reporter, measured_requests_per_second
from common.shedding import LoadShedder, from_settings
from tests.outside_parts import redis_or_skip

_DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def reports(settings):
    """The test's Redis and capacity prefix (tests/conftest.py gives each test its own); its keys go afterwards."""
    settings.CAPACITY_REDIS_URL = redis_or_skip()
    capacity.forget_last_read()
    r = redis.Redis.from_url(settings.CAPACITY_REDIS_URL, decode_responses=True)
    yield r, settings.CAPACITY_REDIS_PREFIX
    keys = list(r.scan_iter(f"{settings.CAPACITY_REDIS_PREFIX}:*"))
    if keys:
        r.delete(*keys)
    capacity.forget_last_read()


def _reporter(settings, **kwargs):
    return Reporter(url=settings.CAPACITY_REDIS_URL, prefix=settings.CAPACITY_REDIS_PREFIX, **kwargs)


def _own_key(prefix):
    return f"{prefix}:{socket.gethostname()}:{os.getpid()}"


def test_a_process_reports_count_over_service_time_once_enough_requests_were_measured(reports, settings):
    r, prefix = reports
    reporter = _reporter(settings, ttl_s=5, min_requests=20)

    reporter.served(100.0, count=2, service_s=0.010, measured=19)  # too few measured yet
    assert r.keys(f"{prefix}:*") == []
    assert measured_requests_per_second() is None

    reporter.served(100.5, count=2, service_s=0.010, measured=20)
    assert float(r.get(_own_key(prefix))) == 200.0  # 2 threads, 10 ms each: 200 requests a second
    assert 0 < r.ttl(_own_key(prefix)) <= 5
    capacity.forget_last_read()
    assert measured_requests_per_second() == 200.0


def test_at_most_one_report_a_second(reports, settings):
    r, prefix = reports
    reporter = _reporter(settings, min_requests=1)
    reporter.served(100.0, count=1, service_s=0.010, measured=50)
    reporter.served(100.9, count=1, service_s=0.020, measured=51)  # within the second: not written
    assert float(r.get(_own_key(prefix))) == 100.0
    reporter.served(101.0, count=1, service_s=0.020, measured=52)
    assert float(r.get(_own_key(prefix))) == 50.0


def test_the_reports_of_the_live_processes_are_summed_and_a_dead_ones_disappears_by_itself(reports, settings,
                                                                                           monkeypatch):
    r, prefix = reports
    # Three processes of this host (the pid decides the key; a process that forks gets a new one).
    for pid, service_s in ((1001, 0.010), (1002, 0.020), (1003, 0.040)):
        monkeypatch.setattr(capacity.os, "getpid", lambda pid=pid: pid)
        _reporter(settings, ttl_s=5, min_requests=1).served(100.0, count=2, service_s=service_s, measured=99)
    host = socket.gethostname()
    assert sorted(r.smembers(capacity.index_key(prefix))) == [f"{prefix}:{host}:{pid}" for pid in (1001, 1002, 1003)]
    assert measured_requests_per_second() == pytest.approx(200 + 100 + 50)

    # Process 1002 is killed: it reports no more, and its key's TTL runs out (shortened here rather than waited for).
    r.pexpire(f"{prefix}:{host}:1002", 1)
    time.sleep(0.01)
    assert measured_requests_per_second() == pytest.approx(350)  # read at most once a second per process...
    capacity.forget_last_read()
    assert measured_requests_per_second() == pytest.approx(250)  # ...then without it
    assert f"{prefix}:{host}:1002" not in r.smembers(capacity.index_key(prefix))  # and the index forgets it

    for pid in (1001, 1003):
        r.pexpire(f"{prefix}:{host}:{pid}", 1)
    time.sleep(0.01)
    capacity.forget_last_read()
    assert measured_requests_per_second() is None


def test_the_sum_is_read_from_redis_at_most_once_a_second(reports, settings):
    _reporter(settings, min_requests=1).served(1.0, count=1, service_s=0.01, measured=5)
    assert measured_requests_per_second(now=1000.0) == 100.0
    _reporter(settings, min_requests=1).served(2.0, count=1, service_s=0.02, measured=5)
    assert measured_requests_per_second(now=1000.9) == 100.0
    assert measured_requests_per_second(now=1001.0) == 50.0


def test_the_shedders_servers_report_their_measured_capacity(reports, settings):
    r, prefix = reports

    def app(environ, start_response):
        time.sleep(0.005)
        start_response("200 OK", [])
        return [b""]

    # The average starts at initial_service_ms (production starts it at 0 and reports only after
    # CAPACITY_REPORT_MIN_REQUESTS, when it has converged; here it starts near the truth so that 6 requests do).
    shedder = LoadShedder(app, max_in_flight=2, initial_service_ms=5,
                          capacity_reporter=_reporter(settings, min_requests=6))
    for i in range(6):
        _call(shedder, "/health/" if i % 2 else "/shows/1/")
    time.sleep(0.05)
    assert r.get(_own_key(prefix)) is None  # 3 judged requests measured: not yet (the probes do not count)
    for _ in range(3):
        _call(shedder)

    # Written by the server thread just after it handed the answer over.
    _until(lambda: r.get(_own_key(prefix)) is not None)
    reported = float(r.get(_own_key(prefix)))
    assert reported == pytest.approx(2 / shedder.servers.service_s, rel=0.01)
    assert 2 / 0.05 < reported <= 2 / 0.005  # 5 ms of sleep a request, and some slack for a busy machine


def test_nothing_is_reported_with_the_shedder_off(reports, settings):
    r, prefix = reports
    calls = []

    def app(environ, start_response):
        calls.append(1)
        start_response("200 OK", [])
        return [b""]

    shedder = LoadShedder(app, max_in_flight=0, capacity_reporter=_reporter(settings, min_requests=1))
    for _ in range(5):
        _call(shedder)
    assert len(calls) == 5
    assert r.keys(f"{prefix}:*") == []
    assert measured_requests_per_second() is None

    settings.SHED_MAX_IN_FLIGHT = 0
    assert from_settings(app).servers is None
    settings.SHED_MAX_IN_FLIGHT = 2
    assert from_settings(app).servers.capacity_reporter.prefix == prefix
    settings.CAPACITY_REDIS_URL = ""
    assert from_settings(app).servers.capacity_reporter is None
    assert measured_requests_per_second() is None  # reports off: nothing to read either


def test_an_unreachable_redis_breaks_no_request_and_is_logged_once(settings, caplog):
    def app(environ, start_response):
        start_response("200 OK", [])
        return [b"ok"]

    reporter = Reporter(url=_DEAD_REDIS, prefix="capacity-test", min_requests=1)
    shedder = LoadShedder(app, max_in_flight=1, capacity_reporter=reporter)
    with caplog.at_level(logging.WARNING, logger="common.capacity"):
        assert [_call(shedder)[0] for _ in range(3)] == [200, 200, 200]
        _until(lambda: reporter._error_logged)
        reporter._next_report_at = 0  # the pause after an error over, it tries (and fails) again
        reporter.served(time.monotonic(), count=1, service_s=0.01, measured=5)
    assert len([rec for rec in caplog.records if "Capacity reports" in rec.getMessage()]) == 1
    assert reporter._next_report_at > time.monotonic() + capacity.ERROR_PAUSE_S - 2  # paused, not every second
    assert _call(shedder)[0] == 200

    settings.CAPACITY_REDIS_URL = _DEAD_REDIS
    capacity.forget_last_read()
    assert measured_requests_per_second() is None


def _until(condition, seconds=5):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.005)


def _call(app, path="/shows/1/"):
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"] = status

    body = b"".join(app({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, start_response))
    return int(captured["status"].split()[0]), body
