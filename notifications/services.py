"""Sending e-mail: write an outbox row now, send it once the transaction commits.

`mail_send_on_commit` is the public service (other domains, e.g. accounts' password reset, call it): it records
the message in the caller's transaction, so work that rolls back sends nothing, and after the commit wakes the
Celery worker (CELERY_BROKER_URL / REDIS_URL; notifications.kick) or, without a broker (`make run`), sends it in
this process. The functions below it are the customer mails of orders, bookings and shows.

A reservation's mail (the booking hot path) is written *uncomposed*: its row names the bookings by their ticket
codes and has no subject or body yet; whoever sends it composes it first (`compose_deferred`, in the worker), in
the recipient's language. Rendering two templates in the request measured about a tenth of a booking's CPU
(issue 13), and it lets the booking's own SQL statement write the row (core.services.booking).
"""
import logging

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop

from notifications.models import OutboxMessage

logger = logging.getLogger(__name__)


def mail_send_on_commit(*, to: str, subject: str, text: str, html: str = "", kind: str, dedupe_key: str,
                        ticket_codes: list[str] | tuple = (), attach_order=None, language: str = "") -> None:
    """Send this mail once the current transaction commits (at once outside a transaction).

    `dedupe_key` names the event ("order_paid:12"): a second call with the same key sends nothing, so code that
    runs twice for one event (a retried webhook) mails once. `ticket_codes` are rendered as inline QR images
    (reference them in `html` as <img src="cid:qr-CODE">); `attach_order` attaches that order's tickets as a PDF.
    `language` is the one subject and bodies are written in (the recipient's: accounts.languages); what the
    sender renders later is rendered in it too.
    """
    if not to:
        return
    # One INSERT ... ON CONFLICT DO NOTHING: no savepoint and no read first, since this often runs under a show's
    # lock. A duplicate event inserts nothing; dispatching it again is harmless (a sent message is not resent).
    OutboxMessage.objects.bulk_create(
        [OutboxMessage(dedupe_key=dedupe_key, kind=kind, to=to, subject=subject[:255], body_text=text,
                       body_html=html, ticket_codes=list(ticket_codes), attach_order_pdf=attach_order,
                       language=language)],
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
# Each is written in its recipient's language (accounts.languages: chosen at signup, changed with PATCH /me), not
# the active one: the request that causes a mail is often someone else's (staff cancel a show, a webhook pays an
# order) or has no language at all (a Celery task, a command). Subject and bodies are rendered here, under
# `translation.override`, and stored in the outbox row with the language; the sender (in process, or the Celery
# worker) renders what it adds at send time under the same language (notifications.sending).
PAYMENT_STATUS_NAMES = {
    "paid": gettext_noop("paid"),
    "unpaid": gettext_noop("to pay at the box office"),
    "free": gettext_noop("free"),
    "refunded": gettext_noop("refunded"),
}


def mail_language(user) -> str:
    from accounts.languages import account_language

    return account_language(user)


def when(show) -> str:
    """The show's start in its cinema's time zone, written the recipient's way ("26 de noviembre de 2026 a las
    18:00"). Call under the recipient's language."""
    return date_format(show.local_date_time(), "DATETIME_FORMAT")


def money(amount) -> str:
    """An amount in CURRENCY as the recipient's language writes it ("12,50 €"). Call under that language."""
    from web.templatetags.web_tags import money as format_money

    return format_money(amount)


def _compose(*, user, intro: str, bookings=(), note: str = "") -> dict:
    """The message's texts and the codes of its inline QR images, as OutboxMessage fields. Call under
    `translation.override` of the recipient's language."""
    from tickets.selectors import ticket_data

    tickets = []
    for booking in bookings:
        ticket = ticket_data(booking, checked_in=False)  # mails go out before anyone is admitted
        ticket["when"] = when(booking.show)
        ticket["payment"] = gettext(PAYMENT_STATUS_NAMES.get(ticket["payment_status"], ticket["payment_status"]))
        tickets.append(ticket)
    context = {"user": user, "intro": intro, "tickets": tickets, "note": note}
    return {
        "body_text": render_to_string("notifications/message.txt", context),
        "body_html": render_to_string("notifications/message.html", context),
        "ticket_codes": [t["code"] for t in tickets if t["status"] != "cancelled"],
    }


def _send(*, user, language: str, kind: str, dedupe_key: str, subject: str, intro: str, bookings=(),
          attach_order=None, note: str = "") -> None:
    """Render and queue the mail. Call under `translation.override(language)` (subject and intro already in it)."""
    composed = _compose(user=user, intro=intro, bookings=bookings, note=note)
    mail_send_on_commit(
        to=user.email, subject=subject, kind=kind, dedupe_key=dedupe_key, language=language,
        text=composed["body_text"], html=composed["body_html"], ticket_codes=composed["ticket_codes"],
        attach_order=attach_order,
    )


def _show_title(show) -> str:
    # The cinema's local time, as on the ticket: a customer in Paris must not read the UTC start.
    return f"{show.movie.title}, {when(show)}"


def order_paid(order) -> None:
    from core.models import Booking

    bookings = list(Booking.objects.filter(order=order, status=Booking.Status.BOOKED)
                    .select_related("show__movie", "show__screen__cinema", "order").order_by("seat_number"))
    language = mail_language(order.user)
    with translation.override(language):
        _send(user=order.user, language=language, kind="order_paid", dedupe_key=f"order_paid:{order.pk}",
              subject=gettext("Your tickets: %(show)s") % {"show": _show_title(order.show)},
              intro=gettext("Thank you: order #%(order)s is paid (%(total)s). Show these codes at the door.")
              % {"order": order.pk, "total": money(order.total)},
              bookings=bookings, attach_order=order)


RESERVATION = "reservation"


def reservation_dedupe_key(booking_id: int) -> str:
    """A reservation's mail is keyed by its first booking (core.services.booking composes the same in SQL)."""
    return f"{RESERVATION}:{booking_id}"


def bookings_reserved(bookings) -> None:
    """The reservation mail of `bookings` (one user, one show, seat order), written uncomposed: it is composed,
    in the recipient's language, when it is sent (`compose_deferred`)."""
    if not bookings:
        return
    first = bookings[0]
    mail_send_on_commit(to=first.user.email, subject="", text="", kind=RESERVATION,
                        dedupe_key=reservation_dedupe_key(first.pk), ticket_codes=[b.ticket_code for b in bookings])


def _reservation(message) -> dict:
    from core.models import Booking, ShowSeat

    # The user's account too, for the language (accounts.languages.account_language: no query more).
    bookings = list(Booking.objects.filter(ticket_code__in=message.ticket_codes)
                    .select_related("user__account", "show__movie", "show__screen__cinema").order_by("seat_number"))
    if not bookings:
        raise LookupError(f"the bookings of mail {message.dedupe_key} do not exist")
    first = bookings[0]
    # The seats' labels in one query (tickets.selectors.seat_label would ask once per booking).
    labels = dict(ShowSeat.objects.filter(show_id=first.show_id, number__in=[b.seat_number for b in bookings])
                  .values_list("number", "label"))
    for booking in bookings:
        booking.known_seat_label = labels.get(booking.seat_number, str(booking.seat_number))
    unpaid = any(b.payment_status == "unpaid" for b in bookings)
    # The recipient's language as it is when the mail is written (the row was written in the booking's hot path,
    # before anyone looked the language up).
    language = mail_language(first.user)
    with translation.override(language):
        return {"language": language,
                "subject": (gettext("Your reservation: %(show)s") % {"show": _show_title(first.show)})[:255],
                **_compose(user=first.user, intro=gettext("Your seats are reserved. Show these codes at the door."),
                           bookings=bookings,
                           note=gettext("Please pay at the box office before the show.") if unpaid else "")}


# Kinds whose rows may be written uncomposed (an empty body), and what composes them from the row.
_DEFERRED = {RESERVATION: _reservation}


def needs_composing(message) -> bool:
    return not message.body_text and message.kind in _DEFERRED


def compose_deferred(message) -> None:
    """Fill in the language, subject, texts and QR codes of an uncomposed row, from the database as it is now (a
    ticket cancelled before its mail went out is shown cancelled, without its QR code)."""
    for field, value in _DEFERRED[message.kind](message).items():
        setattr(message, field, value)


def booking_cancelled(booking) -> None:
    refunded = booking.payment_status == "refunded"
    language = mail_language(booking.user)
    with translation.override(language):
        intro = gettext("Your booking of seat %(seat)s is cancelled.") % {"seat": booking.seat_number}
        if refunded:
            intro += " " + gettext("Its price is being refunded.")
        _send(user=booking.user, language=language, kind="booking_cancelled",
              dedupe_key=f"booking_cancelled:{booking.pk}",
              subject=gettext("Cancelled: %(show)s") % {"show": _show_title(booking.show)}, intro=intro)


def order_cancelled(order) -> None:
    refunded = sum((r.amount for r in order.refunds.all()), 0)
    language = mail_language(order.user)
    with translation.override(language):
        intro = gettext("Order #%(order)s is cancelled.") % {"order": order.pk}
        if refunded:
            intro += " " + gettext("%(amount)s is being refunded.") % {"amount": money(refunded)}
        _send(user=order.user, language=language, kind="order_cancelled", dedupe_key=f"order_cancelled:{order.pk}",
              subject=gettext("Order #%(order)s cancelled: %(show)s") % {"order": order.pk,
                                                                         "show": _show_title(order.show)},
              intro=intro)


def order_refunded_after_expiry(order) -> None:
    language = mail_language(order.user)
    with translation.override(language):
        _send(user=order.user, language=language, kind="order_refunded",
              dedupe_key=f"order_refunded_after_expiry:{order.pk}",
              subject=gettext("Order #%(order)s expired: your payment is refunded") % {"order": order.pk},
              intro=gettext("Your payment for order #%(order)s arrived after it expired and its seats had been "
                            "sold. The full amount (%(total)s) is being refunded.")
              % {"order": order.pk, "total": money(order.total)})


def show_changed(*, show, bookings, cancelled: bool) -> None:
    """Tell every holder of an active (or just cancelled) booking of the show that it was cancelled or moved."""
    by_user = {}
    for booking in bookings:
        booking.show = show  # one show: no query per booking for it
        by_user.setdefault(booking.user_id, []).append(booking)
    stamp = "cancelled" if cancelled else f"rescheduled:{show.date_time.isoformat()}"
    for user_bookings in by_user.values():
        user = user_bookings[0].user
        language = mail_language(user)
        with translation.override(language):
            if cancelled:
                subject = gettext("%(movie)s: the show was cancelled") % {"movie": show.movie.title}
                intro = (gettext("The show of %(movie)s you have tickets for was cancelled.")
                         % {"movie": show.movie.title} + " " + gettext("Paid tickets are refunded."))
            else:
                # The new start in the cinema's time zone, like every other date in the mails.
                subject = gettext("%(movie)s: the show was moved to %(when)s") % {"movie": show.movie.title,
                                                                                  "when": when(show)}
                intro = (gettext("The show of %(movie)s you have tickets for was moved to %(when)s.")
                         % {"movie": show.movie.title, "when": when(show)} + " "
                         + gettext("Your tickets stay valid."))
            _send(user=user, language=language, kind="show_cancelled" if cancelled else "show_rescheduled",
                  dedupe_key=f"show_{stamp}:{show.pk}:{user.pk}", subject=subject, intro=intro,
                  bookings=[] if cancelled else user_bookings)


def order_tickets_resend(order) -> None:
    """Staff resend a paid order's tickets: a new message (a resend is its own event), sent after the commit."""
    from django.utils import timezone

    from core.models import Booking

    bookings = list(Booking.objects.filter(order=order, status=Booking.Status.BOOKED)
                    .select_related("show__movie", "show__screen__cinema", "order").order_by("seat_number"))
    language = mail_language(order.user)
    with translation.override(language):
        _send(user=order.user, language=language, kind="tickets_resent",
              dedupe_key=f"tickets_resent:{order.pk}:{timezone.now().isoformat()}",
              subject=gettext("Your tickets (again): %(show)s") % {"show": _show_title(order.show)},
              intro=gettext("Your tickets of order #%(order)s.") % {"order": order.pk},
              bookings=bookings, attach_order=order)
