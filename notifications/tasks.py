"""Celery tasks: drain the outbox (what the web processes' kicks enqueue, notifications.kick), send one outbox
message (retried with exponential backoff while SMTP is unreachable), and the periodic sweep that re-enqueues
messages still pending."""
import logging
import smtplib

from celery import shared_task
from django.conf import settings

from notifications import kick, sending
from notifications.models import OutboxMessage

logger = logging.getLogger(__name__)

# Connection refused, timeouts, DNS, TLS, an SMTP server saying "try later": all worth retrying.
RETRYABLE = (smtplib.SMTPException, OSError)


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_outbox_message(self, dedupe_key: str) -> str:
    try:
        sending.deliver(dedupe_key)
    except RETRYABLE as exc:
        if self.request.retries >= settings.MAIL_MAX_RETRIES:
            logger.error("Giving up on mail %s after %s attempts: %s", dedupe_key, self.request.retries + 1,
                         type(exc).__name__)
            sending.mark_failed(dedupe_key)
            return "failed"
        countdown = min(settings.MAIL_RETRY_BASE_SECONDS * 2 ** self.request.retries, 3600)
        logger.warning("Mail %s not sent (%s); retry %s in %ss.", dedupe_key, type(exc).__name__,
                       self.request.retries + 1, countdown)
        raise self.retry(exc=exc, countdown=countdown) from exc
    return "sent"


# Rows read per query by a drain; a drain keeps reading until the outbox has no more new rows.
DRAIN_BATCH = 200


@shared_task(acks_late=True)
def drain_outbox() -> int:
    """Send every outbox message nobody has tried yet, here; hand the ones that fail to `send_outbox_message`,
    whose retries (with backoff) take over. Returns how many were sent."""
    # First, before reading: a row committed after this point kicks (and enqueues) the next drain.
    kick.clear_kick()
    sent, last_id = 0, 0
    while True:
        # attempts=0: never tried. Rows that failed once belong to their retrying task (and the periodic sweep).
        batch = list(OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING, attempts=0, id__gt=last_id)
                     .order_by("id").values_list("id", "dedupe_key")[:DRAIN_BATCH])
        for row_id, dedupe_key in batch:
            last_id = row_id
            try:
                # A row another drain is sending right now (locked) is skipped: that one sends it.
                if sending.deliver(dedupe_key, skip_locked=True):
                    sent += 1
            except RETRYABLE as exc:
                logger.warning("Mail %s not sent (%s); retry 1 in %ss.", dedupe_key, type(exc).__name__,
                               settings.MAIL_RETRY_BASE_SECONDS)
                # This was attempt one: the task continues the backoff from its second attempt on.
                send_outbox_message.apply_async(args=[dedupe_key], countdown=settings.MAIL_RETRY_BASE_SECONDS,
                                                retries=1)
            except Exception:
                # Not an SMTP problem (a bug rendering it, say): counted by deliver(), left pending for the sweep.
                logger.exception("Mail %s could not be sent.", dedupe_key)
        if len(batch) < DRAIN_BATCH:
            return sent


@shared_task
def send_pending_mail() -> int:
    keys = list(OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING).values_list("dedupe_key", flat=True))
    for dedupe_key in keys:
        send_outbox_message.delay(dedupe_key)
    return len(keys)
