"""Unpaid reservations (to pay at the box office) have an end: the customer is reminded before the collection
deadline (core.reservations.collect_by) and, if still unpaid at it, the seats are released for sale again.

Run every minute by the Celery beat (core.tasks) or `manage.py release_unpaid_reservations` from cron; safe at any
time and any number of times, next to live traffic. Each (customer, show) group is handled in a short transaction
of its own that locks the seats first and re-reads the bookings under the locks, as every seat writer does, so a
booking paid or cancelled meanwhile is left alone. The mails are written by notifications' receivers of
`reservations_reminder_due` and `reservations_released` (core.signals), in the customer's language.
"""
from datetime import datetime
from itertools import groupby

from django.conf import settings
from django.utils import timezone

from common.db import locked_transaction
from common.events import log_event_on_commit
from core import signals
from core.locks import lock_seats
from core.models import Booking, Show, ShowSeat
from core.reservations import due_by, reminder_due_by
from core.services.seats import set_state


def _unpaid(**filters):
    return Booking.objects.filter(status=Booking.Status.BOOKED, order__isnull=True,
                                  payment_status=Booking.PaymentStatus.UNPAID,
                                  show__status=Show.Status.SCHEDULED, **filters)


def _groups(queryset) -> list[tuple[tuple[int, int], list[int]]]:
    """(user id, show id) -> booking ids, for the bookings of `queryset`."""
    rows = queryset.order_by("user_id", "show_id", "pk").values_list("user_id", "show_id", "pk")
    return [(key, [pk for _, _, pk in group]) for key, group in groupby(rows, key=lambda row: row[:2])]


def remind_unpaid_reservations(*, now: datetime | None = None) -> int:
    """Remind each customer whose unpaid reservations are due within RESERVATION_REMINDER_HOURS (once per
    reservation: `Booking.reminded_at`); returns how many reservations. 0 hours: no reminders."""
    now = now or timezone.now()
    if settings.RESERVATION_REMINDER_HOURS <= 0:
        return 0
    reminded = 0
    for _key, ids in _groups(_unpaid(reminded_at__isnull=True, show__date_time__gt=due_by(now),
                                                    show__date_time__lte=reminder_due_by(now))):
        with locked_transaction():
            bookings = list(_unpaid(pk__in=ids, reminded_at__isnull=True).select_for_update(of=("self",))
                            .with_show().select_related("user").order_by("seat_number"))
            if not bookings:
                continue
            Booking.objects.filter(pk__in=[b.pk for b in bookings]).update(reminded_at=now)
            signals.reservations_reminder_due.send(sender=Booking, bookings=bookings)
            reminded += len(bookings)
    return reminded


def release_unpaid_reservations(*, now: datetime | None = None) -> int:
    """Cancel the unpaid reservations whose collection deadline has passed and free their seats; returns how many."""
    now = now or timezone.now()
    released = 0
    for (_user_id, show_id), ids in _groups(_unpaid(show__date_time__lte=due_by(now))):
        with locked_transaction():
            numbers = list(Booking.objects.filter(pk__in=ids).values_list("seat_number", flat=True))
            seats = lock_seats(show_id, sorted(numbers))
            # Re-read under the seat locks: paid, cancelled, or the show moved meanwhile -> left alone.
            bookings = list(_unpaid(pk__in=ids, show__date_time__lte=due_by(now)).select_for_update(of=("self",))
                            .with_show().select_related("user").order_by("seat_number"))
            if not bookings:
                continue
            Booking.objects.filter(pk__in=[b.pk for b in bookings]).update(status=Booking.Status.CANCELLED,
                                                                          cancelled_at=now)
            for booking in bookings:
                booking.status, booking.cancelled_at = Booking.Status.CANCELLED, now
            released_numbers = {b.seat_number for b in bookings}
            set_state([seat for seat in seats if seat.number in released_numbers], ShowSeat.State.FREE)
            log_event_on_commit("reservations_released", user_id=bookings[0].user_id, show_id=show_id,
                                booking_ids=[b.pk for b in bookings])
            signals.reservations_released.send(sender=Booking, bookings=bookings)
            released += len(bookings)
    return released


def unpaid_reservations_upkeep(*, now: datetime | None = None) -> tuple[int, int]:
    """Remind, then release: (reminded, released)."""
    now = now or timezone.now()
    return remind_unpaid_reservations(now=now), release_unpaid_reservations(now=now)
