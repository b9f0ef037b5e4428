"""Booking and cancelling seats: the rules that keep a seat sold once.

Each service owns its transaction: lock the show row, re-read the seat state under the lock, decide, write.
See `core.locks` for why the show row is the lock.
"""
import functools
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection
from django.utils import timezone

from core.exceptions import (
    AlreadyCancelled,
    BookingNotFound,
    CancellationClosed,
    InvalidSeat,
    SeatTaken,
    ShowStarted,
)
from core.locks import locked_transaction, lock_show
from core.models import Booking, Show

logger = logging.getLogger(__name__)

ACTIVE_SEAT_CONSTRAINT = "booking_one_active_per_seat"


def booking_create(*, user, show_id: int, seat_number: int, now: datetime | None = None) -> Booking:
    """Book one seat of a show for `user`, or raise a domain error (nothing is written then)."""
    now = now or timezone.now()
    with locked_transaction():
        show = lock_show(show_id)
        if show.date_time <= now:
            raise ShowStarted()
        if not 1 <= seat_number <= show.total_seats:
            raise InvalidSeat()
        # Read under the show lock: every writer of this show's seats holds the same lock, so the answer
        # cannot change between this read and our insert.
        if _booked_seats(show, [seat_number]):
            raise SeatTaken()
        try:
            booking = Booking.objects.create(user=user, show=show, seat_number=seat_number)
        except IntegrityError as exc:
            if not _is_active_seat_conflict(exc):
                raise
            # Unreachable while every writer takes the show lock. If it happens, something wrote a booking
            # without the lock: the constraint saved the seat, the client gets a clean 409, and we want to know.
            logger.warning("Seat %s of show %s was double-booked past the lock; the constraint refused it.",
                           seat_number, show.pk)
            raise SeatTaken() from exc
    return booking


def booking_cancel(*, user, booking_id: int, now: datetime | None = None) -> Booking:
    """Cancel the user's booking. Someone else's booking is reported as not found, revealing nothing."""
    now = now or timezone.now()
    show_id = Booking.objects.filter(pk=booking_id, user=user).values_list("show_id", flat=True).first()
    if show_id is None:
        raise BookingNotFound()
    with locked_transaction():
        # The show lock first, as in booking_create, so a cancel and a booking of the same show queue behind
        # each other instead of deadlocking; then re-read the booking under it (another cancel may have won).
        show = lock_show(show_id)
        booking = Booking.objects.get(pk=booking_id)
        if booking.status == Booking.Status.CANCELLED:
            raise AlreadyCancelled()
        cutoff_minutes = settings.BOOKING_CANCEL_CUTOFF_MINUTES
        if now >= show.date_time - timedelta(minutes=cutoff_minutes):
            raise CancellationClosed() if cutoff_minutes else ShowStarted()
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.save(update_fields=["status", "cancelled_at"])
    booking.show = show
    return booking


def _booked_seats(show: Show, seat_numbers: list[int]) -> set[int]:
    """The seats among `seat_numbers` that have an active booking. Call with the show locked."""
    if not seat_numbers:
        return set()
    # The ORM's Booking.objects.filter(show=show, status=BOOKED, seat_number__in=seat_numbers) spent ~0.32 ms of
    # CPU composing its SQL, against ~0.07 ms for this precomposed statement (measured): ~11% of a booking's
    # CPU, and spent inside the show's lock, which every other booking of the show is waiting for.
    with connection.cursor() as cursor:
        cursor.execute(
            _booked_seats_sql(connection.vendor, len(seat_numbers)),
            [show.pk, Booking.Status.BOOKED.value, *seat_numbers],
        )
        return {seat for (seat,) in cursor.fetchall()}


@functools.cache
def _booked_seats_sql(vendor: str, seat_count: int) -> str:
    q = connection.ops.quote_name
    field = Booking._meta.get_field
    placeholders = ", ".join(["%s"] * seat_count)
    return (
        f"SELECT {q(field('seat_number').column)} FROM {q(Booking._meta.db_table)} "
        f"WHERE {q(field('show').column)} = %s AND {q(field('status').column)} = %s "
        f"AND {q(field('seat_number').column)} IN ({placeholders})"
    )


def _is_active_seat_conflict(exc: IntegrityError) -> bool:
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    if diag is not None:  # PostgreSQL names the violated constraint
        return diag.constraint_name == ACTIVE_SEAT_CONSTRAINT
    # SQLite names the columns of the violated unique index instead
    return "core_booking.show_id, core_booking.seat_number" in str(exc)
