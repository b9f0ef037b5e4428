"""Transactions and row locks for the services that change seat state.

The rule (as in Zulip's database-concurrency notes and pretix's `lock_objects`): whenever a decision is made
from what was read ("is seat 15 free?") and then written, the read happens under a lock that every other writer
of that state also takes. For seats, that lock is the show's row: it always exists (unlike "the bookings that
might exist", which a `SELECT ... FOR UPDATE` returning no rows cannot lock), and every booking, cancellation
or capacity change of a show takes it first, so they are serialised per show and never deadlock each other.

On SQLite `select_for_update` is a no-op; the settings make every transaction `BEGIN IMMEDIATE`, which takes
the database's single write lock up front and gives the same serialisation.
"""
from contextlib import contextmanager

from django.conf import settings
from django.db import OperationalError, connection, transaction

from core.exceptions import Busy, ShowNotFound
from core.models import Show

# PostgreSQL SQLSTATEs meaning "could not get the lock in time" and "deadlock detected": both are a busy show,
# not a bug, and the client should simply retry.
_PG_LOCK_ERRORS = {"55P03", "40P01"}


def _is_lock_error(exc: OperationalError) -> bool:
    if connection.vendor == "postgresql":
        return getattr(exc.__cause__, "pgcode", None) in _PG_LOCK_ERRORS
    if connection.vendor == "sqlite":
        return "database is locked" in str(exc)
    return False


@contextmanager
def locked_transaction():
    """`transaction.atomic()` for seat-changing services: lock waits are bounded and become `Busy` (503).

    On PostgreSQL the bound is normally already the connection's own `lock_timeout` (set at connect time, see
    DATABASE_LOCK_TIMEOUT_MS in the settings), which saves a round trip per transaction. Should the two differ
    (BOOKING_LOCK_TIMEOUT_MS changed at run time, as tests do), the bound is `SET LOCAL` here, so it ends with
    this transaction and never leaks into other work done on the same (persistent) connection.
    """
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql" and settings.BOOKING_LOCK_TIMEOUT_MS != getattr(
                settings, "DATABASE_LOCK_TIMEOUT_MS", None
            ):
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT set_config('lock_timeout', %s, true)", [f"{settings.BOOKING_LOCK_TIMEOUT_MS}ms"]
                    )
            yield
    except OperationalError as exc:
        if _is_lock_error(exc):
            raise Busy() from exc
        raise


def lock_show(show_id: int) -> Show:
    """Lock and return the show (with its movie, which is read but not locked).

    Call inside `locked_transaction()`; it refuses to run outside a transaction, where the lock would be
    released as soon as the query returned.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("lock_show() must be called inside a transaction")
    try:
        return Show.objects.select_related("movie").select_for_update(of=("self",)).get(pk=show_id)
    except Show.DoesNotExist:
        raise ShowNotFound() from None
