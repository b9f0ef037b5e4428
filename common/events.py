"""Structured log lines for events of record: booking, cancel, hold, login failure, throttling.

`log_event("booking_created", user_id=7, show_id=3, seat_number=15)` writes one JSON line (see LOGGING in the
settings) whose `event` is the name and whose other keys are the fields, plus the request id that
common.middleware attaches to every record. Fields are named explicitly by the caller: never pass a request, a
token, a password or a whole request body, since whatever is passed is written out as is.
"""
import functools
import logging

from django.db import transaction

logger = logging.getLogger("ticketing.events")

# Keys a caller must never log; refusing them here makes a slip fail loudly in tests instead of leaking.
_FORBIDDEN_KEYS = frozenset({"password", "token", "access", "refresh", "authorization", "secret"})


def log_event(event: str, *, level: int = logging.INFO, **fields) -> None:
    forbidden = _FORBIDDEN_KEYS.intersection(fields)
    if forbidden:
        raise ValueError(f"log_event() refuses secret fields: {sorted(forbidden)}")
    logger.log(level, event, extra={"event": event, **fields})


def log_event_on_commit(event: str, **fields) -> None:
    """Log an event of record once the surrounding transaction commits, never for work that is rolled back.

    A service's transaction may itself be a savepoint inside a larger one (an idempotent request commits its work
    together with the stored response), so "after the service's `atomic` block" is not yet "committed".
    Outside any transaction the line is written at once.
    """
    transaction.on_commit(functools.partial(log_event, event, **fields))
