"""Celery tasks: send an outbox message (retried with exponential backoff while SMTP is unreachable), and the
periodic sweep that re-enqueues messages still pending."""
import logging
import smtplib

from celery import shared_task
from django.conf import settings

from notifications import sending
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


@shared_task
def send_pending_mail() -> int:
    keys = list(OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING).values_list("dedupe_key", flat=True))
    for dedupe_key in keys:
        send_outbox_message.delay(dedupe_key)
    return len(keys)
