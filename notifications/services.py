"""Sending e-mail: write an outbox row now, send it once the transaction commits.

`mail_send_on_commit` is the public service (other domains, e.g. accounts' password reset, call it): it records
the message in the caller's transaction, so work that rolls back sends nothing, and after the commit hands it to
the Celery worker (CELERY_BROKER_URL / REDIS_URL) or, without a broker (`make run`), sends it in this process.
The functions below it are the customer mails of orders, bookings and shows.
"""
import logging

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from notifications.models import OutboxMessage

logger = logging.getLogger(__name__)


def mail_send_on_commit(*, to: str, subject: str, text: str, html: str = "", kind: str, dedupe_key: str,
                        ticket_codes: list[str] | tuple = (), attach_order=None) -> None:
    """Send this mail once the current transaction commits (at once outside a transaction).

    `dedupe_key` names the event ("order_paid:12"): a second call with the same key sends nothing, so code that
    runs twice for one event (a retried webhook) mails once. `ticket_codes` are rendered as inline QR images
    (reference them in `html` as <img src="cid:qr-CODE">); `attach_order` attaches that order's tickets as a PDF.
    """
    if not to:
        return
    # One INSERT ... ON CONFLICT DO NOTHING: no savepoint and no read first, since this often runs under a show's
    # lock. A duplicate event inserts nothing; dispatching it again is harmless (a sent message is not resent).
    OutboxMessage.objects.bulk_create(
        [OutboxMessage(dedupe_key=dedupe_key, kind=kind, to=to, subject=subject[:255], body_text=text,
                       body_html=html, ticket_codes=list(ticket_codes), attach_order_pdf=attach_order)],
        ignore_conflicts=True,
    )
    transaction.on_commit(lambda: dispatch(dedupe_key))


def dispatch(dedupe_key: str) -> None:
    """Hand the message to the worker, or send it here when there is no broker. Never raises: the row stays
    pending and `send_pending_mail` (the worker runs it every few minutes) picks it up."""
    from notifications import sending, tasks

    if settings.CELERY_BROKER_URL:
        try:
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


# --- The customer mails -----------------------------------------------------------------------------------
def _send(*, user, kind: str, dedupe_key: str, subject: str, intro: str, bookings=(), attach_order=None,
          note: str = "") -> None:
    from tickets.selectors import ticket_data

    tickets = [ticket_data(b, checked_in=False) for b in bookings]  # mails go out before anyone is admitted
    context = {"user": user, "intro": intro, "tickets": tickets, "note": note}
    mail_send_on_commit(
        to=user.email, subject=subject, kind=kind, dedupe_key=dedupe_key,
        text=render_to_string("notifications/message.txt", context),
        html=render_to_string("notifications/message.html", context),
        ticket_codes=[t["code"] for t in tickets if t["status"] != "cancelled"], attach_order=attach_order,
    )


def _show_title(show) -> str:
    # The cinema's local time, as on the ticket: a customer in Paris must not read the UTC start.
    return f"{show.movie.title}, {show.local_date_time():%Y-%m-%d %H:%M}"


def order_paid(order) -> None:
    from core.models import Booking

    bookings = list(Booking.objects.filter(order=order, status=Booking.Status.BOOKED)
                    .select_related("show__movie", "show__screen__cinema", "order").order_by("seat_number"))
    _send(user=order.user, kind="order_paid", dedupe_key=f"order_paid:{order.pk}",
          subject=f"Your tickets: {_show_title(order.show)}",
          intro=f"Thank you: order #{order.pk} is paid ({order.total} {order.currency}). Show these codes at the door.",
          bookings=bookings, attach_order=order)


def bookings_reserved(bookings) -> None:
    if not bookings:
        return
    first = bookings[0]
    unpaid = any(b.payment_status == "unpaid" for b in bookings)
    _send(user=first.user, kind="reservation", dedupe_key=f"reservation:{first.pk}",
          subject=f"Your reservation: {_show_title(first.show)}",
          intro="Your seats are reserved. Show these codes at the door.", bookings=bookings,
          note="Please pay at the box office before the show." if unpaid else "")


def booking_cancelled(booking) -> None:
    refunded = booking.payment_status == "refunded"
    _send(user=booking.user, kind="booking_cancelled", dedupe_key=f"booking_cancelled:{booking.pk}",
          subject=f"Cancelled: {_show_title(booking.show)}",
          intro=f"Your booking of seat {booking.seat_number} is cancelled."
                + (" Its price is being refunded." if refunded else ""))


def order_cancelled(order) -> None:
    refunded = sum((r.amount for r in order.refunds.all()), 0)
    _send(user=order.user, kind="order_cancelled", dedupe_key=f"order_cancelled:{order.pk}",
          subject=f"Order #{order.pk} cancelled: {_show_title(order.show)}",
          intro=f"Order #{order.pk} is cancelled."
                + (f" {refunded} {order.currency} is being refunded." if refunded else ""))


def order_refunded_after_expiry(order) -> None:
    _send(user=order.user, kind="order_refunded", dedupe_key=f"order_refunded_after_expiry:{order.pk}",
          subject=f"Order #{order.pk} expired: your payment is refunded",
          intro=f"Your payment for order #{order.pk} arrived after it expired and its seats had been sold. "
                f"The full amount ({order.total} {order.currency}) is being refunded.")


def show_changed(*, show, bookings, cancelled: bool) -> None:
    """Tell every holder of an active (or just cancelled) booking of the show that it was cancelled or moved."""
    by_user = {}
    for booking in bookings:
        booking.show = show  # one show: no query per booking for it
        by_user.setdefault(booking.user_id, []).append(booking)
    what = "cancelled" if cancelled else f"moved to {show.date_time:%Y-%m-%d %H:%M}"
    stamp = "cancelled" if cancelled else f"rescheduled:{show.date_time.isoformat()}"
    for user_bookings in by_user.values():
        user = user_bookings[0].user
        _send(user=user, kind="show_cancelled" if cancelled else "show_rescheduled",
              dedupe_key=f"show_{stamp}:{show.pk}:{user.pk}",
              subject=f"{show.movie.title}: the show was {what}",
              intro=f"The show of {show.movie.title} you have tickets for was {what}."
                    + (" Paid tickets are refunded." if cancelled else " Your tickets stay valid."),
              bookings=[] if cancelled else user_bookings)


def order_tickets_resend(order) -> None:
    """Staff resend a paid order's tickets: a new message (a resend is its own event), sent after the commit."""
    from django.utils import timezone

    from core.models import Booking

    bookings = list(Booking.objects.filter(order=order, status=Booking.Status.BOOKED)
                    .select_related("show__movie", "show__screen__cinema", "order").order_by("seat_number"))
    _send(user=order.user, kind="tickets_resent", dedupe_key=f"tickets_resent:{order.pk}:{timezone.now().isoformat()}",
          subject=f"Your tickets (again): {_show_title(order.show)}", intro=f"Your tickets of order #{order.pk}.",
          bookings=bookings, attach_order=order)
