"""Sending e-mail: write an outbox row now, send it once the transaction commits.

`mail_send_on_commit` is the public service (other domains, e.g. accounts' password reset, call it): it records
the message in the caller's transaction, so work that rolls back sends nothing, and after the commit wakes the
Celery worker (CELERY_BROKER_URL / REDIS_URL; notifications.kick) or, without a broker (`make run`), sends it in
this process. The functions below it are the customer mails of orders, bookings and shows.

A reservation's mail (the booking hot path) is written *uncomposed*: its row names the bookings by their ticket
codes and has no subject or body yet; whoever sends it composes it first (`compose_deferred`, in the worker).
Rendering two templates in the request measured about a tenth of a booking's CPU (issue 13), and it lets the
booking's own SQL statement write the row (core.services.booking).
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
    dispatch_on_commit(dedupe_key)


def dispatch_on_commit(dedupe_key: str) -> None:
    """`dispatch` the outbox row `dedupe_key` once the current transaction commits (for code that wrote the row
    itself, e.g. inside the booking's own statement)."""
    transaction.on_commit(lambda: dispatch(dedupe_key))


def dispatch(dedupe_key: str) -> None:
    """Wake the worker for the message, or send it here when there is no broker. Never raises: the row stays
    pending and `send_pending_mail` (the worker runs it every few minutes) picks it up."""
    from notifications import kick, sending, tasks

    if settings.CELERY_BROKER_URL:
        try:
            if kick.redis_client() is not None:
                kick.kick_worker()  # one Redis round trip; the worker's drain sends it (notifications.kick)
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


# --- The customer mails -----------------------------------------------------------------------------------
def _compose(*, user, intro: str, bookings=(), note: str = "") -> dict:
    """The message's texts and the codes of its inline QR images, as OutboxMessage fields."""
    from tickets.selectors import ticket_data

    tickets = [ticket_data(b, checked_in=False) for b in bookings]  # mails go out before anyone is admitted
    context = {"user": user, "intro": intro, "tickets": tickets, "note": note}
    return {
        "body_text": render_to_string("notifications/message.txt", context),
        "body_html": render_to_string("notifications/message.html", context),
        "ticket_codes": [t["code"] for t in tickets if t["status"] != "cancelled"],
    }


def _send(*, user, kind: str, dedupe_key: str, subject: str, intro: str, bookings=(), attach_order=None,
          note: str = "") -> None:
    composed = _compose(user=user, intro=intro, bookings=bookings, note=note)
    mail_send_on_commit(
        to=user.email, subject=subject, kind=kind, dedupe_key=dedupe_key, text=composed["body_text"],
        html=composed["body_html"], ticket_codes=composed["ticket_codes"], attach_order=attach_order,
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


RESERVATION = "reservation"


def reservation_dedupe_key(booking_id: int) -> str:
    """A reservation's mail is keyed by its first booking (core.services.booking composes the same in SQL)."""
    return f"{RESERVATION}:{booking_id}"


def bookings_reserved(bookings) -> None:
    """The reservation mail of `bookings` (one user, one show, seat order), written uncomposed: it is composed
    when it is sent (`compose_deferred`)."""
    if not bookings:
        return
    first = bookings[0]
    mail_send_on_commit(to=first.user.email, subject="", text="", kind=RESERVATION,
                        dedupe_key=reservation_dedupe_key(first.pk), ticket_codes=[b.ticket_code for b in bookings])


def _reservation(message) -> dict:
    from core.models import Booking, ShowSeat

    bookings = list(Booking.objects.filter(ticket_code__in=message.ticket_codes)
                    .select_related("user", "show__movie", "show__screen__cinema").order_by("seat_number"))
    if not bookings:
        raise LookupError(f"the bookings of mail {message.dedupe_key} do not exist")
    first = bookings[0]
    # The seats' labels in one query (tickets.selectors.seat_label would ask once per booking).
    labels = dict(ShowSeat.objects.filter(show_id=first.show_id, number__in=[b.seat_number for b in bookings])
                  .values_list("number", "label"))
    for booking in bookings:
        booking.known_seat_label = labels.get(booking.seat_number, str(booking.seat_number))
    unpaid = any(b.payment_status == "unpaid" for b in bookings)
    return {"subject": f"Your reservation: {_show_title(first.show)}"[:255],
            **_compose(user=first.user, intro="Your seats are reserved. Show these codes at the door.",
                       bookings=bookings, note="Please pay at the box office before the show." if unpaid else "")}


# Kinds whose rows may be written uncomposed (an empty body), and what composes them from the row.
_DEFERRED = {RESERVATION: _reservation}


def needs_composing(message) -> bool:
    return not message.body_text and message.kind in _DEFERRED


def compose_deferred(message) -> None:
    """Fill in the subject, texts and QR codes of an uncomposed row, from the database as it is now (a ticket
    cancelled before its mail went out is shown cancelled, without its QR code)."""
    for field, value in _DEFERRED[message.kind](message).items():
        setattr(message, field, value)


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
