"""What the customer mails say: each composed in its recipient's language, from the database as it is.

Each mail is written in its recipient's language (accounts.languages: chosen at signup, changed with PATCH /me),
not the active one: the request that causes a mail is often someone else's (staff cancel a show, a webhook pays an
order) or has no language at all (a Celery task, a command). Subject and bodies are rendered under
`translation.override` and stored in the outbox row with the language; the sender (in process, or the Celery
worker) renders what it adds at send time under the same language (notifications.sending).

A reservation's mail (the booking hot path) is written *uncomposed*: its row names the bookings by their ticket
codes and has no subject or body yet; whoever sends it composes it first (`compose_deferred`, in the worker), in
the recipient's language. Rendering two templates in the request cost about a tenth of a booking's CPU
(docs/decisions), and it lets the booking's own SQL statement write the row (notifications.receivers).
"""
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop

from accounts.languages import account_language
from common.money import money_text
from common.text import one_line
from core.models import Booking, ShowSeat
from core.reservations import collect_by
from tickets.selectors import printable_ticket, ticket_type_names_for

PAYMENT_STATUS_NAMES = {
    "paid": gettext_noop("paid"),
    "unpaid": gettext_noop("to pay at the box office"),
    "free": gettext_noop("free"),
    "refunded": gettext_noop("refunded"),
}


def mail_language(user) -> str:
    return account_language(user)


def when(show) -> str:
    """The show's start in its cinema's time zone, written the recipient's way ("26 de noviembre de 2026 a las
    18:00"). Call under the recipient's language."""
    return date_format(show.local_date_time(), "DATETIME_FORMAT")


def collect_deadline(show) -> str:
    """When the show's unpaid reservations must be collected (core.reservations.collect_by), written as `when`."""
    return date_format(collect_by(show.local_date_time()), "DATETIME_FORMAT")


def money(amount) -> str:
    """An amount in CURRENCY as the recipient's language writes it ("12,50 €"). Call under that language."""
    return money_text(amount)


def compose(*, user, intro: str, bookings=(), note: str = "") -> dict:
    """The message's texts and the codes of its inline QR images, as OutboxMessage fields. Call under
    `translation.override` of the recipient's language."""
    tickets = []
    bookings = list(bookings)
    names = ticket_type_names_for(bookings)  # in the recipient's language: called under its override
    for booking in bookings:
        ticket = printable_ticket(booking, checked_in=False, names=names)  # mails go out before anyone is admitted
        ticket["when"] = when(booking.show)
        ticket["price_text"] = money(ticket["price"])
        ticket["payment"] = gettext(PAYMENT_STATUS_NAMES.get(ticket["payment_status"], ticket["payment_status"]))
        tickets.append(ticket)
    context = {"user": user, "intro": intro, "tickets": tickets, "note": note}
    return {
        "body_text": render_to_string("notifications/message.txt", context),
        "body_html": render_to_string("notifications/message.html", context),
        "ticket_codes": [t["code"] for t in tickets if t["status"] != "cancelled"],
    }


def subject_line(subject: str) -> str:
    """A mail's subject as the header carries it: one line (common.text.one_line: a CR, LF or other control
    character from a stored title becomes a space, so no stored value can end the header and add another one,
    nor make Django refuse the mail with BadHeaderError), at most the outbox column's 255 characters. Applied when
    a subject is stored and again when the mail is built, so a row written before still sends."""
    return one_line(subject)[:255]


def show_title(show) -> str:
    # The cinema's local time, as on the ticket: a customer in Paris must not read the UTC start.
    return f"{show.movie.title}, {when(show)}"


RESERVATION = "reservation"


def reservation_dedupe_key(booking_id: int) -> str:
    """A reservation's mail is keyed by its first booking (core.services.booking composes the same in SQL)."""
    return f"{RESERVATION}:{booking_id}"


def _reservation(message) -> dict:
    # The user's account too, for the language (accounts.languages.account_language: no query more).
    bookings = list(Booking.objects.filter(ticket_code__in=message.ticket_codes)
                    .with_show().select_related("user__account").order_by("seat_number"))
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
                "subject": subject_line(gettext("Your reservation: %(show)s") % {"show": show_title(first.show)}),
                **compose(user=first.user, intro=gettext("Your seats are reserved. Show these codes at the door."),
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
