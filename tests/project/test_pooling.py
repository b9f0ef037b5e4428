"""Behind PgBouncer in transaction mode (DATABASE_POOL_MODE=transaction) no connection option survives.

PgBouncer hands each transaction whichever server connection is free, opened by PgBouncer itself: a
`-c lock_timeout=...` startup option sent by Django is refused (or, with `ignore_startup_parameters`, silently
dropped). The lock wait bound must then be part of every seat-changing transaction (`SET LOCAL`). `make cluster`
checks this through a real PgBouncer; here the setting's effect is checked on a connection that, like one behind
PgBouncer, carries no bound of its own.
"""
import pytest
from django.db import connection
from django.test import override_settings

from common.db import locked_transaction

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _show_lock_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        return cursor.fetchone()[0]


def test_without_a_connection_bound_every_seat_transaction_sets_its_own(settings):
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = 0")  # as a PgBouncer server connection: no bound from the startup
    try:
        with override_settings(DATABASE_LOCK_TIMEOUT_MS=None, BOOKING_LOCK_TIMEOUT_MS=3000):
            with locked_transaction():
                assert _show_lock_timeout() == "3s"
            # SET LOCAL: gone with the transaction, nothing leaks to the next client of that server connection.
            assert _show_lock_timeout() == "0"
    finally:
        connection.close()  # the next test gets a connection with the normal startup options


def test_transaction_pool_mode_sends_no_connection_options(monkeypatch):
    import importlib

    import ticketing_system.settings as real_settings

    monkeypatch.setenv("DATABASE_POOL_MODE", "transaction")
    try:
        pooled = importlib.reload(real_settings)
        db = pooled.DATABASES["default"]
        assert "lock_timeout" not in db.get("OPTIONS", {}).get("options", "")
        assert pooled.DATABASE_LOCK_TIMEOUT_MS is None
        assert db["DISABLE_SERVER_SIDE_CURSORS"] is True
    finally:
        monkeypatch.delenv("DATABASE_POOL_MODE")
        importlib.reload(real_settings)
