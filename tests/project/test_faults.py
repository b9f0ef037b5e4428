"""The database going away: a JSON 503 `unavailable` (no traceback), and recovery without a restart.

"Unreachable" is made for real, not mocked: the connection's settings are pointed at a database that cannot be
opened (a closed port on PostgreSQL, a path in a missing directory on SQLite) and the open connection is closed,
so the next query has to connect and fails as it would during an outage. Pointing them back is the database
returning.
"""
import contextlib
import logging
import time

import psycopg2
import pytest
from django.db import close_old_connections, connection

from common.middleware import UNAVAILABLE_BODY
from tests.conftest import client_for
from tests.factories import MovieFactory, ShowFactory, UserFactory

# Real connections are closed and reopened, which the per-test transaction of `django_db` would not survive.
pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def database_unreachable():
    saved = dict(connection.settings_dict)
    if connection.vendor == "postgresql":
        connection.settings_dict["PORT"] = "1"  # nothing listens there
    else:
        connection.settings_dict["NAME"] = "/nonexistent-directory/db.sqlite3"
    connection.close()
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def test_unreachable_database_is_503_unavailable_then_recovers(caplog):
    show = ShowFactory(movie=MovieFactory())
    user = UserFactory()
    client = client_for(user)

    with database_unreachable(), caplog.at_level(logging.WARNING):
        anonymous_read = client_for(None).get(f"/shows/{show.id}/")
        booking = client.post(f"/shows/{show.id}/book/", {"seat_number": 1}, format="json")
        login = client_for(None).post("/login", {"username": user.username, "password": "x"}, format="json")

    for response in (anonymous_read, booking, login):
        assert (response.status_code, response.json()) == (503, UNAVAILABLE_BODY)
        assert response["Retry-After"] == "1"
    # Logged as an outage, one line each, without a traceback.
    outage_lines = [r for r in caplog.records if "Database unavailable" in r.getMessage()]
    assert len(outage_lines) == 3 and all(r.exc_info is None for r in outage_lines)

    # The database is back: the very next requests work, with no restart of anything.
    assert client_for(None).get(f"/shows/{show.id}/").status_code == 200
    assert client.post(f"/shows/{show.id}/book/", {"seat_number": 1}, format="json").status_code == 201


def test_unreachable_database_outside_drf_views_is_the_same_json_503():
    client = client_for(None)
    client.cookies["sessionid"] = "a-session-to-look-up"  # the admin reads the session from the database
    with database_unreachable():
        response = client.get("/admin/")
    assert (response.status_code, response.json()) == (503, UNAVAILABLE_BODY)


@pytest.mark.postgres_only
def test_a_server_side_disconnect_is_survived_by_the_next_request():
    """A PostgreSQL restart kills every open connection. The persistent connection (CONN_MAX_AGE) then looks
    fine to Django until used; CONN_HEALTH_CHECKS tests it before the first query of a request, so the next
    request reconnects and works."""
    show = ShowFactory(movie=MovieFactory())
    client = client_for(None)
    # The seat map, not the show: an anonymous show read may be answered from the catalogue cache without the
    # database (common.httpcache), and this test is about the database connection.
    seat_map = f"/shows/{show.id}/seats/"
    assert client.get(seat_map).status_code == 200
    backend_pid = connection.connection.get_backend_pid()

    params = connection.get_connection_params()
    killer = psycopg2.connect(**{k: v for k, v in params.items() if k in {"dbname", "user", "host", "port",
                                                                           "password"}})
    killer.autocommit = True
    with killer.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
        # pg_terminate_backend only signals; wait until the backend is gone, as after a restart.
        for _ in range(100):
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [backend_pid])
            if not cursor.fetchone()[0]:
                break
            time.sleep(0.05)
    killer.close()

    # Django runs close_old_connections at the start and end of every request; the test client switches that
    # off, so it is called here where a server would call it.
    close_old_connections()
    assert client.get(seat_map).status_code == 200
    assert connection.connection.get_backend_pid() != backend_pid




@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_health_check_costs_no_round_trip_on_a_healthy_idle_connection():
    """ticketing_system.postgresql: the idle socket has nothing to read, so no `SELECT 1` is sent."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    raw = connection.connection
    sent = []
    real_cursor = raw.cursor

    class Spy:
        def cursor(self, *args, **kwargs):
            sent.append("cursor")
            return real_cursor(*args, **kwargs)

        def __getattr__(self, name):
            return getattr(raw, name)

    connection.connection = Spy()
    try:
        assert connection.is_usable()
    finally:
        connection.connection = raw
    assert sent == []
