"""Transactions and row locks for the services that change seat state.

The rule (as in Zulip's database-concurrency notes and pretix's `lock_objects`): whenever a decision is made
from what was read ("is seat 15 free?") and then written, the read happens under a lock that every other writer
of that state also takes. For seats, that lock is the show's row: it always exists (unlike "the bookings that
might exist", which a `SELECT ... FOR UPDATE` returning no rows cannot lock), and every booking, cancellation
or capacity change of a show takes it first, so they are serialised per show and never deadlock each other.

On SQLite `select_for_update` is a no-op; the settings make every transaction `BEGIN IMMEDIATE`, which takes
the database's single write lock up front and gives the same serialisation.
"""
import functools
from contextlib import contextmanager

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction

from core.exceptions import Busy, ShowNotFound
from core.models import Movie, Show

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
    # The ORM spelling, Show.objects.select_related("movie").select_for_update(of=("self",)).get(pk=show_id),
    # took ~0.5 ms of CPU per call to compile (measured): the most expensive step of a booking, and one taken
    # while holding the lock every other booking of the show waits for. The SQL below is the same query,
    # written once per database vendor; raw() still converts the show's values exactly as the ORM does.
    show = next(iter(Show.objects.raw(_lock_show_sql(), [show_id])), None)
    if show is None:
        raise ShowNotFound()
    show.movie = Movie.from_db(
        connection.alias, _MOVIE_ATTNAMES, [getattr(show, f"movie__{name}") for name in _MOVIE_ATTNAMES]
    )
    return show


_MOVIE_ATTNAMES = [f.attname for f in Movie._meta.concrete_fields]


@functools.cache
def _lock_show_sql_for(vendor: str, lock_of: bool, lock: bool) -> str:
    q = connection.ops.quote_name
    show_columns = [f's.{q(f.column)}' for f in Show._meta.concrete_fields]
    movie_columns = [f'm.{q(f.column)} AS {q("movie__" + f.attname)}' for f in Movie._meta.concrete_fields]
    movie_fk = Show._meta.get_field("movie")
    # Identifiers come from the models' metadata, quoted; the show id is a bound parameter: no input in the SQL text.
    sql = (
        f"SELECT {', '.join(show_columns + movie_columns)} "  # nosec B608
        f"FROM {q(Show._meta.db_table)} s INNER JOIN {q(Movie._meta.db_table)} m "
        f"ON m.{q(movie_fk.target_field.column)} = s.{q(movie_fk.column)} "
        f"WHERE s.{q(Show._meta.pk.column)} = %s"
    )
    if lock:
        # Only the show's row: locking the movie's too would queue the bookings of all its shows together.
        sql += " FOR UPDATE OF s" if lock_of else " FOR UPDATE"
    return sql


def _lock_show_sql() -> str:
    # SQLite has no row locks (BEGIN IMMEDIATE already serialises writers, see the module docstring).
    features = connection.features
    return _lock_show_sql_for(connection.vendor, features.has_select_for_update_of, features.has_select_for_update)


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
