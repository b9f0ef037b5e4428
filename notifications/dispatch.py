"""Getting an outbox row sent once its transaction commits: wake the Celery worker, or send it in this process.

With a broker (CELERY_BROKER_URL / REDIS_URL) the web process only sets a flag in Redis and, if it was not set,
queues one drain of the outbox (notifications.kick explains the flag); without one (`make run`), it sends the mail
itself after the commit. Whatever fails here, the row stays pending and the worker's periodic sweep sends it.
"""
import logging

from django.conf import settings
from django.db import transaction

from notifications import kick, sending, tasks

logger = logging.getLogger(__name__)


def dispatch_on_commit(dedupe_key: str) -> None:
    """`dispatch` the outbox row `dedupe_key` once the current transaction commits (for code that wrote the row
    itself, e.g. inside the booking's own statement)."""
    transaction.on_commit(lambda: dispatch(dedupe_key))


def dispatch(dedupe_key: str) -> None:
    """Wake the worker for the message, or send it here when there is no broker. Never raises: the row stays
    pending and `send_pending_mail` (the worker runs it every few minutes) picks it up."""
    if settings.CELERY_BROKER_URL:
        try:
            if kick.redis_client() is not None:
                kick_worker()  # one Redis round trip; the worker's drain sends it (notifications.kick)
            else:
                tasks.send_outbox_message.apply_async(args=[dedupe_key], retry=False)
        except Exception as exc:  # the broker is down: the mail is safe in the outbox, sent by the next sweep
            logger.warning("Could not enqueue mail %s (%s); it stays pending in the outbox.", dedupe_key,
                           type(exc).__name__)
        return
    try:
        sending.deliver(dedupe_key)
    except Exception as exc:
        logger.warning("Could not send mail %s (%s); it stays pending in the outbox.", dedupe_key,
                       type(exc).__name__)


def kick_worker() -> bool:
    """Make sure a drain of the outbox is queued after this moment. True if this call enqueued it."""
    kicker = kick.redis_client()
    key = kick.kick_key()
    if not kicker.set_flag(key):
        return False  # a drain is queued and has not started: it will read what we committed
    try:
        tasks.drain_outbox.apply_async(retry=False)
    except Exception:
        # Not enqueued: take the flag back, so the next mail tries again instead of waiting for it to expire.
        kicker.delete(key)
        raise
    return True
