"""Abuse limits: login (per IP and per username), signup (per IP), booking and cancel (per user).

The suite's settings make every rate generous so other tests never meet a limit; these tests set the rate they
test on the throttle classes (the `rates` fixture: DRF copies DEFAULT_THROTTLE_RATES into
SimpleRateThrottle.THROTTLE_RATES at import, so overriding the setting would change nothing) and drive the
throttles' clock (the `clock` fixture), so "a minute later" needs no sleep.
"""
import json
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from tests.conftest import client_for
from tests.factories import BookingFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]  # the repository
THROTTLED_DETAIL = "Request was throttled. Expected available in 60 seconds."


def login(client, username, password="wrong-password", **extra):
    return client.post("/login", {"username": username, "password": password}, format="json", **extra)


def assert_throttled(response, retry_after="60"):
    assert response.status_code == 429
    assert response.json() == {"detail": f"Request was throttled. Expected available in {retry_after} seconds.",
                               "code": "throttled"}
    assert response["Retry-After"] == retry_after


class TestLogin:
    def test_per_ip_limit_then_429_with_retry_after_until_the_window_passes(self, api_client, rates, clock):
        rates("login_ip", "3/min")

        statuses = [login(api_client, f"someone{i}").status_code for i in range(3)]
        assert statuses == [401, 401, 401]
        assert_throttled(login(api_client, "someone-else"))

        clock.now += 30
        assert_throttled(login(api_client, "someone-else"), retry_after="30")
        clock.now += 30
        assert login(api_client, "someone-else").status_code == 401

    def test_per_ip_limit_counts_successful_logins_too(self, api_client, user, rates, clock):
        from tests.factories import PASSWORD

        rates("login_ip", "2/min")
        assert login(api_client, user.username, PASSWORD).status_code == 200
        assert login(api_client, user.username, PASSWORD).status_code == 200
        assert_throttled(login(api_client, user.username, PASSWORD))

    def test_per_username_and_address_limit_holds_across_letter_case_but_not_addresses(
            self, api_client, user, rates, clock):
        # Per (username, address), not per username alone: counted across addresses, anyone could lock a user
        # out. The across-address delay is in tests/accounts/test_login_limits.py.
        rates("login_username", "2/min")
        assert login(api_client, user.username, REMOTE_ADDR="10.0.0.1").status_code == 401
        assert login(api_client, user.username.upper(), REMOTE_ADDR="10.0.0.1").status_code == 401
        assert_throttled(login(api_client, user.username, REMOTE_ADDR="10.0.0.1"))
        # Another address is not affected, nor another account from the same address.
        assert login(api_client, user.username, REMOTE_ADDR="10.0.0.3").status_code == 401
        assert login(api_client, "another-account", REMOTE_ADDR="10.0.0.1").status_code == 401

    def test_x_forwarded_for_is_ignored_without_proxies(self, api_client, rates, clock):
        rates("login_ip", "2/min")
        assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0
        for spoofed in ("1.1.1.1", "2.2.2.2"):
            assert login(api_client, f"u{spoofed}", HTTP_X_FORWARDED_FOR=spoofed).status_code == 401
        # Same REMOTE_ADDR: a made-up X-Forwarded-For does not buy a fresh quota.
        assert_throttled(login(api_client, "u3", HTTP_X_FORWARDED_FOR="3.3.3.3"))

    def test_behind_one_proxy_the_proxy_appended_address_is_the_client(self, api_client, rates, clock):
        rates("login_ip", "2/min")
        with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}):
            # The client forges a first entry; the proxy appends the real address (203.0.113.7) last.
            for forged in ("1.1.1.1", "2.2.2.2"):
                response = login(api_client, f"u{forged}", HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.7")
                assert response.status_code == 401
            assert_throttled(login(api_client, "u3", HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7"))
            # Another real client behind the same proxy has its own quota.
            assert login(api_client, "u4", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 401


class TestSignup:
    def test_per_ip_limit(self, api_client, rates, clock):
        rates("signup_ip", "2/min")
        bodies = [{"username": f"new{i}", "email": f"new{i}@example.com", "password": "Str0ng-enough-pass"}
                  for i in range(3)]
        assert api_client.post("/signup", bodies[0], format="json").status_code == 201
        assert api_client.post("/signup", bodies[1], format="json").status_code == 201
        assert_throttled(api_client.post("/signup", bodies[2], format="json"))
        assert api_client.post("/signup", bodies[2], format="json", REMOTE_ADDR="10.9.9.9").status_code == 201


class TestBookingAndCancel:
    def test_booking_is_limited_per_user(self, show, rates, clock):
        rates("booking_user", "2/min")
        alice, bob = client_for(UserFactory()), client_for(UserFactory())

        assert alice.post(f"/shows/{show.id}/book/", {"seat_number": 1}, format="json").status_code == 201
        assert alice.post(f"/shows/{show.id}/book/", {"seat_number": 1}, format="json").status_code == 409
        assert_throttled(alice.post(f"/shows/{show.id}/book/", {"seat_number": 2}, format="json"))
        # Per user, not per address: Bob books from the same address.
        assert bob.post(f"/shows/{show.id}/book/", {"seat_number": 2}, format="json").status_code == 201

    def test_cancel_is_limited_per_user(self, user, show, rates, clock):
        rates("cancel_user", "1/min")
        first, second = (BookingFactory(user=user, show=show, seat_number=n) for n in (1, 2))
        client = client_for(user)
        assert client.post(f"/bookings/{first.id}/cancel/").status_code == 200
        assert_throttled(client.post(f"/bookings/{second.id}/cancel/"))

    def test_holds_are_limited_per_user_and_confirm_counts_as_booking(self, user, show, rates, clock):
        rates("hold_user", "1/min")
        rates("booking_user", "1/min")
        client = client_for(user)
        hold = client.post(f"/shows/{show.id}/hold/", {"seat_numbers": [1]}, format="json")
        assert hold.status_code == 201
        assert_throttled(client.post(f"/shows/{show.id}/hold/", {"seat_numbers": [2]}, format="json"))
        assert client.post(f"/holds/{hold.json()['id']}/confirm/").status_code == 201
        assert_throttled(client.post(f"/shows/{show.id}/book/", {"seat_number": 3}, format="json"))

    def test_hold_release_counts_as_cancel(self, user, show, rates, clock):
        rates("cancel_user", "1/min")
        client = client_for(user)
        first, second = (client.post(f"/shows/{show.id}/hold/", {"seat_numbers": [n]}, format="json").json()
                         for n in (1, 2))
        assert client.delete(f"/holds/{first['id']}/").status_code == 204
        assert_throttled(client.delete(f"/holds/{second['id']}/"))

    def test_anonymous_booking_is_401_not_counted(self, api_client, show, rates, clock):
        rates("booking_user", "1/min")
        for _ in range(2):
            assert api_client.post(f"/shows/{show.id}/book/", {"seat_number": 1}, format="json").status_code == 401


def test_throttling_is_logged_as_json_fields(show, user, rates, clock, caplog):
    rates("booking_user", "1/min")
    client = client_for(user)
    client.post(f"/shows/{show.id}/book/", {"seat_number": 1}, format="json")
    with caplog.at_level(logging.INFO, logger="ticketing.events"):
        client.post(f"/shows/{show.id}/book/", {"seat_number": 2}, format="json", HTTP_X_REQUEST_ID="req-42")
    [record] = [r for r in caplog.records if getattr(r, "event", None) == "throttled"]
    assert (record.scope, record.user_id, record.path, record.request_id) == (
        "booking_user", user.pk, f"/shows/{show.id}/book/", "req-42")


def test_an_unreachable_cache_lets_requests_through(api_client, rates):
    """Fail open: with Redis down the limits are off (and a warning logged), the API still answers."""
    rates("login_ip", "1/min")
    unreachable = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                               "LOCATION": "redis://127.0.0.1:1/0"}}
    with override_settings(CACHES=unreachable):
        assert [login(api_client, "x").status_code for _ in range(3)] == [401, 401, 401]


def test_default_rates_come_from_one_environment_variable_per_scope():
    env = {**os.environ, "DJANGO_SECRET_KEY": "k3#pZ9vQ!rT2wX8yB5nM@cL7hJ4fG1dS6aE0uI9oP3lK8jH2gF5dS",
           "THROTTLE_LOGIN_IP": "7/hour", "THROTTLE_BOOKING_USER": "99/min"}
    for name in ("THROTTLE_LOGIN_USERNAME", "THROTTLE_SIGNUP_IP", "THROTTLE_CANCEL_USER", "THROTTLE_HOLD_USER",
                 "THROTTLE_REFRESH_IP", "THROTTLE_ACCOUNT_USER", "THROTTLE_PASSWORD_CHANGE_USER",
                 "THROTTLE_PASSWORD_RESET_IP", "THROTTLE_CARD_USER", "THROTTLE_CARD_IP",
                 "THROTTLE_VOUCHER_CHECK_USER"):
        env.pop(name, None)
    code = ("import json; from ticketing_system import settings as s; "
            "print(json.dumps(s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']))")
    out = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out) == {"login_ip": "7/hour", "login_username": "5/min", "signup_ip": "10/min",
                               "booking_user": "99/min", "hold_user": "30/min", "cancel_user": "30/min",
                               "refresh_ip": "30/min", "account_user": "60/min", "password_change_user": "5/min",
                               "password_reset_ip": "5/min", "card_user": "10/hour", "card_ip": "20/hour",
                               "voucher_check_user": "30/min"}


# --- Several processes, one limit ---------------------------------------------------------------------------
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")

# Each process signs up with an empty body: the throttle counts it, the serializer refuses it (400), and no
# database is needed, so the processes share nothing but the cache.
_SIGNUP_ATTEMPTS = """
import json, django
django.setup()
from django.test import Client
client = Client()
print(json.dumps([client.post("/signup", "{}", content_type="application/json").status_code for _ in range({n})]))
"""


# The same, from several threads at once in each process, all starting at one moment (START_AT).
_CONCURRENT_SIGNUP_ATTEMPTS = """
import json, os, threading, time, django
django.setup()
from django.test import Client
statuses, lock = [], threading.Lock()
def attempts():
    client = Client()
    for _ in range({n}):
        status = client.post("/signup", "{}", content_type="application/json").status_code
        with lock:
            statuses.append(status)
start_at = float(os.environ["START_AT"])
while time.time() < start_at:
    time.sleep(0.001)
threads = [threading.Thread(target=attempts) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps(statuses))
"""


def _redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        # CI starts Redis and sets REQUIRE_REDIS: there, a missing Redis must fail the run, not skip the test.
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail(f"REQUIRE_REDIS is set but Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    return client


def _process_env(*, redis_url: str, prefix: str, tmp_path, rate: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ticketing_system.settings",
        "DJANGO_SECRET_KEY": "process-test-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": prefix,
        "THROTTLE_SIGNUP_IP": rate,
        "LOG_LEVEL": "ERROR",
    }


def _attempts_in_a_new_process(n: int, *, redis_url: str, prefix: str, tmp_path) -> list[int]:
    # Windows are clock-aligned (core.throttles): with a per-minute rate, a run straddling a minute boundary
    # started counting afresh and failed (seen once in a plain `make test`). A day's window makes that negligible.
    env = _process_env(redis_url=redis_url, prefix=prefix, tmp_path=tmp_path, rate="3/day")
    result = subprocess.run([sys.executable, "-c", _SIGNUP_ATTEMPTS.replace("{n}", str(n))], cwd=BASE_DIR,
                            env=env, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def redis_prefix():
    client = _redis_or_skip()
    prefix = f"test-{uuid.uuid4().hex}"
    yield prefix
    # Only this test's keys, in this test's Redis database: other runs share the server.
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def test_processes_share_one_limit_through_redis(redis_prefix, tmp_path):
    first = _attempts_in_a_new_process(2, redis_url=REDIS_URL, prefix=redis_prefix, tmp_path=tmp_path)
    second = _attempts_in_a_new_process(2, redis_url=REDIS_URL, prefix=redis_prefix, tmp_path=tmp_path)
    assert first == [400, 400]
    assert second == [400, 429]


def test_without_redis_each_process_counts_alone(redis_prefix, tmp_path):
    """The control: the same two processes with the local-memory cache each grant the full quota, so the test
    above would fail if the counters were not shared."""
    first = _attempts_in_a_new_process(2, redis_url="", prefix=redis_prefix, tmp_path=tmp_path)
    second = _attempts_in_a_new_process(2, redis_url="", prefix=redis_prefix, tmp_path=tmp_path)
    assert (first, second) == ([400, 400], [400, 400])


def test_concurrent_processes_grant_exactly_the_rate_between_them(redis_prefix, tmp_path):
    """3 processes x 4 threads x 3 attempts = 36 at once against 10/day: exactly 10 pass. The counter is one
    atomic Redis INCR per window; read-modify-write counting (DRF's default) lets extra requests through here.
    A day's window, so the run cannot straddle two windows (unless it runs across midnight UTC)."""
    import time

    env = {**_process_env(redis_url=REDIS_URL, prefix=redis_prefix, tmp_path=tmp_path, rate="10/day"),
           "START_AT": str(time.time() + 5)}
    code = _CONCURRENT_SIGNUP_ATTEMPTS.replace("{n}", "3")
    processes = [subprocess.Popen([sys.executable, "-c", code], cwd=BASE_DIR, env=env, stdout=subprocess.PIPE,
                                  text=True) for _ in range(3)]
    statuses = []
    for process in processes:
        out, _ = process.communicate(timeout=60)
        assert process.returncode == 0
        statuses += json.loads(out.strip().splitlines()[-1])
    assert sorted(statuses).count(400) == 10
    assert sorted(statuses).count(429) == 26
