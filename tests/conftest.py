"""The fixtures every test folder shares, and the session's set-up (PostgreSQL required or not, the live server's
address, the compiled translations).

tests/<app>/ mirrors the application's apps; tests/project/ holds the whole-system tests. The helper modules beside
this file are shared too: factories.py (models), outside_parts.py (localstripe, SMTP, Redis, a Celery worker, as
fixtures), concurrency_helpers.py (real threads), web_fixtures.py (the pages' auditorium), seat_prices.py,
api_tools.py, make_run_server.py, localstripe_server.py. Only the browser tests keep a conftest of their own
(tests/web/e2e/conftest.py), for what applies to them alone.
"""
import os
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.tokens import RefreshToken

from common.throttles import LoggedRateThrottle
from tests import web_fixtures
from tests.factories import MovieFactory, ShowFactory, StaffFactory, UserFactory
from tests.outside_parts import (  # noqa: F401 -- fixtures
    LIVE_SERVER_ADDRESS,
    celery_worker_process,
    localstripe_server,
    smtp_server,
    stripe_server,
    stripe_settings,
)
from tests.outside_parts import REDIS_URL as TEST_REDIS_URL
from tests.seat_prices import set_seat_prices

ON_POSTGRES = connection.vendor == "postgresql"


def pytest_configure(config):
    # CI sets REQUIRE_POSTGRES for its PostgreSQL run: a misconfigured run must fail, not quietly test SQLite.
    if os.environ.get("REQUIRE_POSTGRES") and not ON_POSTGRES:
        raise pytest.UsageError(f"REQUIRE_POSTGRES is set but the test database is {connection.vendor}")
    # The live server (the app that localstripe sends its webhooks to) on a known loopback port, not a random one.
    if not config.getoption("liveserver", default=None):
        config.option.liveserver = LIVE_SERVER_ADDRESS


def pytest_collection_modifyitems(config, items):
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run with TEST_DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _english():
    # LocaleMiddleware activates the request's language in the thread and leaves it active; a test that asked for
    # Spanish must not make the next test compare English bodies with Spanish messages.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_throttle_cache():
    # Throttle counters live in the cache: each test starts with none, so no test depends on another's requests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _waiting_lines_of_this_test(settings):
    # The waiting lines (onsales.line) go to the test Redis, under a prefix of the test's own: ids repeat from test
    # to test, lines must not (tests/onsales' `onsale_redis` also deletes them afterwards).
    settings.ONSALE_REDIS_URL = TEST_REDIS_URL
    settings.ONSALE_REDIS_PREFIX = f"test-onsale-{uuid.uuid4().hex[:12]}"
    # The same for the processes' capacity reports (common/capacity.py): a test reads only the reports it wrote.
    settings.CAPACITY_REDIS_URL = TEST_REDIS_URL
    settings.CAPACITY_REDIS_PREFIX = f"test-capacity-{uuid.uuid4().hex[:12]}"


@pytest.fixture(autouse=True)
def _no_onsales_known():
    # The sale gate's per-process map of gated shows (onsales.gate) outlives a test, and is read at most every few
    # seconds: each test starts on a database without on-sales, so it starts with an empty map, read just now (a
    # booking's query count is the booking's own; an on-sale a test saves invalidates the map).
    from onsales import gate

    gate.assume_none()
    yield
    gate.assume_none()


@pytest.fixture(autouse=True)
def _no_seat_state_copies():
    # The live map's in-process copies (web/live.py) outlive a test like the cache would: each test starts with none.
    from web import live

    live.forget_all()
    yield
    live.forget_all()


def bearer(user) -> str:
    return f"Bearer {RefreshToken.for_user(user).access_token}"


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=bearer(user))
    return client


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return StaffFactory()


@pytest.fixture
def auth_client(user):
    return client_for(user)


@pytest.fixture
def staff_client(staff_user):
    return client_for(staff_user)


@pytest.fixture
def movie(db):
    return MovieFactory(title="Inception", duration_minutes=148)


@pytest.fixture
def show(movie):
    return ShowFactory(movie=movie, total_seats=50)


@pytest.fixture
def priced_seats(settings, show):
    """`show`'s seats at 12.50 EUR, for the tests that sell them (ShowFactory's seats are free)."""
    set_seat_prices("12.50", show)
    settings.CURRENCY = "EUR"


@pytest.fixture
def auditorium_show(movie):
    """`movie` in the web pages' auditorium: rows A–F, an aisle, categories and prices (tests/web_fixtures.py)."""
    return web_fixtures.laid_out_show(movie=movie)


@pytest.fixture
def user_client(user):
    """Django's test client with `user` logged in, as the web pages see a signed-in moviegoer."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(db, client):
    """The admin site's client: a staff superuser made by the factory, logged in (overrides pytest-django's)."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def clock(monkeypatch):
    """The limits' clock, frozen: the throttles' timer and the time the login delay reads (time.time, through
    accounts.throttles). Advance it with `clock.now += seconds`, so "a minute later" needs no sleep."""

    class Clock:
        now = 1_000_020.0  # the start of a minute (and of an hour's 60 windows): windows are clock-aligned

    monkeypatch.setattr(LoggedRateThrottle, "timer", staticmethod(lambda: Clock.now))
    monkeypatch.setattr("accounts.throttles.time.time", lambda: Clock.now)
    return Clock


@pytest.fixture
def rates(monkeypatch):
    """`rates(scope, "3/min")` sets a throttle's rate for one test. On the throttle classes, not in settings: DRF
    copies DEFAULT_THROTTLE_RATES into SimpleRateThrottle.THROTTLE_RATES at import, so overriding the setting
    would change nothing."""

    def set_rate(scope, rate):
        assert scope in SimpleRateThrottle.THROTTLE_RATES, scope
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, rate)

    return set_rate


def pytest_sessionstart(session):
    # The translations the suite checks must be the ones in locale/*.po (make test compiles them too; this also
    # covers a plain `pytest`). Pure Python (Babel), a few milliseconds.
    from common.translations import compile_catalogues

    compile_catalogues()


class Migrator:
    """Moves the test database's schema to the given migrations (`to`), for a test of a data migration against
    rows in the old schema; the `migrator` fixture moves it back to the latest schema afterwards."""

    def to(self, targets: list[tuple[str, str]]):
        """Migrate to `targets` (later migrations, of other apps too, are unapplied); the historical models' apps."""
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps


@pytest.fixture
def migrator():
    yield Migrator()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
