"""Door check-in: a scanned code admits its holder once.

As pretix does, the decision is taken with the ticket's row locked (`SELECT ... FOR UPDATE` on the booking), so
ten scanners reading one ticket at the same moment queue on that row and exactly one admits it; the unique
check-in per booking is the database's last line of defence. Cancelling a booking takes the same row lock
(core.services.booking.booking_cancel), so a ticket is never both admitted and cancelled.
"""
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from common.db import locked_transaction
from common.events import log_event_on_commit
from core.errors import ShowNotFound
from core.models import Booking, Show
from tickets.errors import (
    AlreadyCheckedIn,
    CheckedInCannotCancel,
    CheckinNotOpen,
    TicketCancelled,
    TicketNotFound,
    TicketPaymentRequired,
    WrongShow,
)
from tickets.models import Checkin

logger = logging.getLogger(__name__)

_iso = lambda value: value.isoformat().replace("+00:00", "Z")  # noqa: E731 -- as DRF formats datetimes


def checkin(*, code: str, show_id: int | None, staff_user, now: datetime | None = None) -> Checkin:
    now = now or timezone.now()
    with locked_transaction():
        booking = (Booking.objects.select_for_update(of=("self",)).with_show()
                   .filter(ticket_code=code).first())
        if booking is None:
            raise TicketNotFound()
        existing = Checkin.objects.filter(booking=booking).first()
        if existing is not None:
            raise AlreadyCheckedIn(_iso(existing.checked_in_at))
        if booking.status == Booking.Status.CANCELLED or booking.payment_status == Booking.PaymentStatus.REFUNDED:
            raise TicketCancelled()
        if show_id is not None and booking.show_id != show_id:
            raise WrongShow(booking.show_id)
        opens_at = booking.show.date_time - timedelta(minutes=settings.CHECKIN_OPENS_MINUTES)
        if now < opens_at:
            raise CheckinNotOpen(_iso(opens_at))
        if booking.payment_status == Booking.PaymentStatus.UNPAID:
            raise TicketPaymentRequired()
        try:
            entry = Checkin.objects.create(booking=booking, checked_in_at=now,
                                           checked_in_by=staff_user)
        except IntegrityError as exc:
            # Unreachable while every check-in locks the booking row first.
            logger.warning("Booking %s was checked in twice past the row lock; the constraint refused it.",
                           booking.pk)
            raise AlreadyCheckedIn(_iso(now)) from exc
        log_event_on_commit("checked_in", booking_id=booking.pk, show_id=booking.show_id,
                            staff_user_id=staff_user.pk)
    entry.booking = booking
    return entry


def refuse_cancel_if_admitted(bookings) -> None:
    """A ticket admitted at the door cannot be cancelled (nor refunded): the rule for every cancel, whether of one
    booking (core's booking_cancelled, tickets.receivers) or of a whole order (orders.services). Call with the
    bookings' rows locked, as check-in locks them, so a cancel and a check-in of one ticket are serialised."""
    if Checkin.objects.filter(booking__in=[booking.pk for booking in bookings]).exists():
        raise CheckedInCannotCancel()


def checkin_list(*, show_id: int) -> dict:
    """Who is in, and how many of the show's valid tickets are still expected."""
    show = Show.objects.filter(pk=show_id).select_related("movie").first()
    if show is None:
        raise ShowNotFound()
    entries = list(Checkin.objects.filter(booking__show_id=show_id).select_related("booking__user")
                   .order_by("checked_in_at"))
    admitted = (Booking.objects.filter(show_id=show_id, status=Booking.Status.BOOKED)
                .exclude(payment_status=Booking.PaymentStatus.REFUNDED).count())
    return {
        "show_id": show.pk,
        "checked_in": len(entries),
        "expected": admitted - sum(1 for e in entries if e.booking.status == Booking.Status.BOOKED),
        "checkins": [
            {"booking_id": e.booking_id, "seat_number": e.booking.seat_number, "username": e.booking.user.username,
             "checked_in_at": _iso(e.checked_in_at)}
            for e in entries
        ],
    }
