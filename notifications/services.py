"""Sending e-mail: write an outbox row in the caller's transaction, send it once that transaction commits.

`mail_send_on_commit` records a message in the caller's transaction, so work that rolls back sends nothing, and
after the commit hands it on (notifications.dispatch). The functions below it are the customer mails of orders,
bookings and shows, which the receivers (notifications.receivers) call when the layers below announce an event;
what each mail says is composed in notifications.composing.
"""
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from core.models import Booking
from notifications.composing import (
    RESERVATION,
    collect_deadline,
    compose,
    mail_language,
    money,
    reservation_dedupe_key,
    show_title,
    subject_line,
    when,
)
from notifications.dispatch import dispatch_on_commit
from notifications.models import OutboxMessage


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
    _record(OutboxMessage(dedupe_key=dedupe_key, kind=kind, to=to, subject=subject_line(subject), body_text=text,
                          body_html=html, ticket_codes=list(ticket_codes), attach_order_pdf=attach_order,
                          language=language))


def _record(message: OutboxMessage) -> None:
    # One INSERT ... ON CONFLICT DO NOTHING: no savepoint and no read first, since this often runs under a show's
    # lock. A duplicate event inserts nothing; dispatching it again is harmless (a sent message is not resent).
    OutboxMessage.objects.bulk_create([message], ignore_conflicts=True)
    dispatch_on_commit(message.dedupe_key)


def _send(*, user, language: str, kind: str, dedupe_key: str, subject: str, intro: str, bookings=(),
          attach_order=None, note: str = "", to: str | None = None) -> None:
    """Render and queue the mail. Call under `translation.override(language)` (subject and intro already in it).
    `to`: another address than the user's (an order's own `email`: a box-office sale's buyer)."""
    composed = compose(user=user, intro=intro, bookings=bookings, note=note)
    mail_send_on_commit(
        to=user.email if to is None else to, subject=subject, kind=kind, dedupe_key=dedupe_key, language=language,
        text=composed["body_text"], html=composed["body_html"], ticket_codes=composed["ticket_codes"],
        attach_order=attach_order,
    )


def order_recipient(order) -> str:
    """An order's mail goes to its own `email` when it has one (a box-office buyer's), else to the account's."""
    return order.email or order.user.email


def order_paid(order) -> None:
    bookings = list(Booking.objects.filter(order=order, status=Booking.Status.BOOKED)
                    .with_show().select_related("order").order_by("seat_number"))
    language = mail_language(order.user)
    with translation.override(language):
        _send(user=order.user, to=order_recipient(order), language=language,
              kind="order_paid", dedupe_key=f"order_paid:{order.pk}",
              subject=gettext("Your tickets: %(show)s") % {"show": show_title(order.show)},
              intro=gettext("Thank you: order #%(order)s is paid (%(total)s). Show these codes at the door.")
              % {"order": order.pk, "total": money(order.total)},
              bookings=bookings, attach_order=order)


def bookings_reserved(bookings) -> None:
    """The reservation mail of `bookings` (one user, one show, seat order), written uncomposed: it is composed,
    in the recipient's language, when it is sent (`compose_deferred`)."""
    if not bookings:
        return
    first = bookings[0]
    if first.user.email:
        _record(reservation_row(to=first.user.email, booking_id=first.pk,
                                ticket_codes=[b.ticket_code for b in bookings]))


def reservation_row(*, to: str, booking_id, ticket_codes) -> OutboxMessage:
    """The reservation mail's outbox row, uncomposed, keyed by its first booking: what `bookings_reserved` writes,
    and what the booking fast path's statement writes (notifications.receivers, with the id completed in SQL)."""
    return OutboxMessage(dedupe_key=reservation_dedupe_key(booking_id), kind=RESERVATION, to=to, subject="",
                         body_text="", body_html="", ticket_codes=list(ticket_codes))


def reservations_reminder(bookings) -> None:
    """Unpaid reservations due for collection soon (core.services.reservations): pay at the box office by then."""
    first = bookings[0]
    language = mail_language(first.user)
    with translation.override(language):
        intro = gettext("Please pay for your reserved seats at the box office by %(deadline)s. Seats not paid by "
                        "then are released for sale.") % {"deadline": collect_deadline(first.show)}
        _send(user=first.user, language=language, kind="reservation_reminder",
              dedupe_key=f"reservation_reminder:{first.pk}",
              subject=gettext("Reminder: pay by %(deadline)s for %(show)s") % {
                  "deadline": collect_deadline(first.show), "show": show_title(first.show)},
              intro=intro, bookings=bookings)


def reservations_released(bookings) -> None:
    """Unpaid reservations released at their collection deadline (core.services.reservations)."""
    first = bookings[0]
    language = mail_language(first.user)
    with translation.override(language):
        intro = gettext("Your reserved seats were not paid for by %(deadline)s and have been released.") % {
            "deadline": collect_deadline(first.show)}
        _send(user=first.user, language=language, kind="reservation_released",
              dedupe_key=f"reservation_released:{first.pk}",
              subject=gettext("Released: %(show)s") % {"show": show_title(first.show)}, intro=intro,
              bookings=bookings)


def booking_cancelled(booking) -> None:
    refunded = booking.payment_status == "refunded"
    language = mail_language(booking.user)
    with translation.override(language):
        intro = gettext("Your booking of seat %(seat)s is cancelled.") % {"seat": booking.seat_number}
        if refunded:
            intro += " " + gettext("Its price is being refunded.")
        _send(user=booking.user, language=language, kind="booking_cancelled",
              dedupe_key=f"booking_cancelled:{booking.pk}",
              subject=gettext("Cancelled: %(show)s") % {"show": show_title(booking.show)}, intro=intro)


def order_cancelled(order) -> None:
    refunded = sum((r.amount for r in order.refunds.all()), 0)
    language = mail_language(order.user)
    with translation.override(language):
        intro = gettext("Order #%(order)s is cancelled.") % {"order": order.pk}
        if refunded:
            intro += " " + gettext("%(amount)s is being refunded.") % {"amount": money(refunded)}
        _send(user=order.user, to=order_recipient(order), language=language,
              kind="order_cancelled", dedupe_key=f"order_cancelled:{order.pk}",
              subject=gettext("Order #%(order)s cancelled: %(show)s") % {"order": order.pk,
                                                                         "show": show_title(order.show)},
              intro=intro)


def order_refunded_after_expiry(order) -> None:
    language = mail_language(order.user)
    with translation.override(language):
        _send(user=order.user, to=order_recipient(order), language=language, kind="order_refunded",
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
    bookings = list(Booking.objects.filter(order=order, status=Booking.Status.BOOKED)
                    .with_show().select_related("order").order_by("seat_number"))
    language = mail_language(order.user)
    with translation.override(language):
        _send(user=order.user, to=order_recipient(order), language=language, kind="tickets_resent",
              dedupe_key=f"tickets_resent:{order.pk}:{timezone.now().isoformat()}",
              subject=gettext("Your tickets (again): %(show)s") % {"show": show_title(order.show)},
              intro=gettext("Your tickets of order #%(order)s.") % {"order": order.pk},
              bookings=bookings, attach_order=order)


def waitlist_offer(*, entry, hold) -> None:
    """Seats came back for a customer on a waiting list: they are held for them; the link goes to the web app's
    checkout of that hold (by its URL name: the web layer is above this one)."""
    user, show = entry.user, hold.show
    link = settings.SITE_URL.rstrip("/") + reverse("web:checkout", args=[hold.pk])
    language = mail_language(user)
    with translation.override(language):
        until = date_format(hold.expires_at.astimezone(show.local_date_time().tzinfo), "DATETIME_FORMAT")
        seats = ", ".join(str(number) for number in hold.seat_numbers)
        intro = (ngettext("A seat came back for %(show)s and is held for you until %(until)s: seat %(seats)s.",
                          "Seats came back for %(show)s and are held for you until %(until)s: seats %(seats)s.",
                          len(hold.seat_numbers))
                 % {"show": show_title(show), "until": until, "seats": seats})
        note = gettext("Complete your order here: %(link)s. If you do not, the seats pass to the next person on "
                       "the waiting list.") % {"link": link}
        composed = compose(user=user, intro=intro, note=note)
        mail_send_on_commit(to=user.email, kind="waitlist_offer", dedupe_key=f"waitlist_offer:{entry.pk}:{hold.pk}",
                            language=language,
                            subject=gettext("Seats for you: %(show)s") % {"show": show_title(show)},
                            text=composed["body_text"], html=composed["body_html"])
