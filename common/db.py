"""Database helpers every app's services use: the bounded-wait transaction, and naming a violated constraint."""
from contextlib import contextmanager

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction

from common.errors import Busy


def violates_unique(exc: IntegrityError, *, constraint: str, table: str, columns: tuple[str, ...]) -> bool:
    """Whether `exc` is a violation of the unique constraint `constraint` on `table` (`columns`).

    The services' constraint backstops use it to answer 409 only for the seat conflict they guard, and let any
    other integrity error surface as the bug it is. PostgreSQL names the violated constraint; SQLite names the
    columns of the violated unique index instead.
    """
    diag = getattr(exc.__cause__, "diag", None)
    if diag is not None:
        return diag.constraint_name == constraint
    return ", ".join(f"{table}.{column}" for column in columns) in str(exc)


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
