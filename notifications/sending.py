"""Sending one outbox message, exactly once.

The row is locked while it is sent and marked sent in the same transaction, so two workers (a retried task, the
sweep and the original) never both send it: the second waits for the lock and then sees it sent. The one gap
left is the one every mail system has: the SMTP server accepted the mail and the process died before the commit;
that mail is sent again (at least once, never lost).
"""
import logging
from email.mime.image import MIMEImage

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation

from core.models import Booking
from notifications import composing
from notifications.models import OutboxMessage
from tickets.rendering import qr_png, tickets_pdf
from tickets.selectors import printable_ticket, ticket_type_names_for

logger = logging.getLogger(__name__)


def build(message: OutboxMessage) -> EmailMultiAlternatives:
    """The mail of an outbox row, with what is rendered only now (QR images, the PDF) rendered in the row's
    language: the Celery worker has no request and no active language of its own."""
    with translation.override(message.language or settings.LANGUAGE_CODE):
        return _build(message)


def _build(message: OutboxMessage) -> EmailMultiAlternatives:
    mail = EmailMultiAlternatives(subject=composing.subject_line(message.subject), body=message.body_text,
                                  from_email=settings.DEFAULT_FROM_EMAIL, to=[message.to],
                                  # RFC 3282: mail clients (and screen readers) read the text in this language.
                                  headers={"Content-Language": translation.get_language()})
    if message.body_html:
        mail.attach_alternative(message.body_html, "text/html")
        # Inline images need a multipart/related body around the HTML.
        mail.mixed_subtype = "related"
        for code in message.ticket_codes:
            image = MIMEImage(qr_png(code), "png")
            image.add_header("Content-ID", f"<qr-{code}>")
            image.add_header("Content-Disposition", "inline", filename=f"ticket-{code}.png")
            mail.attach(image)
    if message.attach_order_pdf_id:
        bookings = (Booking.objects.filter(order_id=message.attach_order_pdf_id, status=Booking.Status.BOOKED)
                    .with_show().select_related("order").order_by("seat_number"))
        bookings = list(bookings)
        names = ticket_type_names_for(bookings)
        mail.attach(f"tickets-order-{message.attach_order_pdf_id}.pdf",
                    tickets_pdf([printable_ticket(b, checked_in=False, names=names) for b in bookings]),
                    "application/pdf")
    return mail


def deliver(dedupe_key: str, *, skip_locked: bool = False) -> bool:
    """Send the message unless it was sent already; True when it is sent. SMTP errors propagate (the caller
    retries) after the attempt is counted.

    `skip_locked`: if another sender holds the row (it is sending it now), return False at once instead of waiting
    to find it sent (the outbox's drain, which has other rows to send meanwhile)."""
    skip_locked = skip_locked and connection.features.has_select_for_update_skip_locked
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update(skip_locked=skip_locked).filter(dedupe_key=dedupe_key).first()
        if message is None:
            # Gone (never written, or deleted), or locked by another sender when skip_locked.
            return not skip_locked
        if message.state == OutboxMessage.State.SENT:
            return True
        # An uncomposed row (a reservation's) is composed now; what was sent is saved with the "sent" mark.
        composed = (["language", "subject", "body_text", "body_html", "ticket_codes"]
                    if composing.needs_composing(message) else [])
        try:
            if composed:
                composing.compose_deferred(message)
            build(message).send(fail_silently=False)
        except Exception as exc:
            failure = exc
        else:
            message.state = OutboxMessage.State.SENT
            message.sent_at = timezone.now()
            message.attempts += 1
            message.last_error = ""
            message.save(update_fields=["state", "sent_at", "attempts", "last_error", *composed])
            return True
    OutboxMessage.objects.filter(dedupe_key=dedupe_key).update(attempts=F("attempts") + 1,
                                                       last_error=f"{type(failure).__name__}: {failure}"[:1000])
    raise failure


def mark_failed(dedupe_key: str) -> None:
    OutboxMessage.objects.filter(dedupe_key=dedupe_key, state=OutboxMessage.State.PENDING).update(
        state=OutboxMessage.State.FAILED)
