"""Booking and cancelling seats: the rules that keep a seat sold once.

Each service owns its transaction: lock the rows of the seats concerned (`core.locks.lock_seats`, in seat-number
order), read the show after that, decide from the seat rows' state, write. See `core.locks` for why the seat rows
are the lock and how show-wide changes (cancel, reschedule) stay consistent with it. A seat is bookable when it is
free or in a hold that has expired; a seat in the caller's own unexpired hold is bookable by the caller.
"""
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from core.events import log_event_on_commit
from core.exceptions import (
    AlreadyCancelled,
    BookingNotFound,
    CancellationClosed,
    InvalidSeat,
    SeatBlocked,
    SeatHeld,
    SeatsUnavailable,
    SeatTaken,
    ShowStarted,
)
from core.locks import lock_seats, locked_transaction, violates_unique
from core.models import Booking, Show, ShowSeat
from core.services.seats import (
    check_seats_exist,
    classify,
    consume_own_hold_seats,
    set_state,
    show_for_sale,
    validated_seat_selection,
)

logger = logging.getLogger(__name__)

ACTIVE_SEAT_CONSTRAINT = "booking_one_active_per_seat"


def _is_active_seat_conflict(exc: IntegrityError) -> bool:
    return violates_unique(exc, constraint=ACTIVE_SEAT_CONSTRAINT, table="core_booking",
                           columns=("show_id", "seat_number"))


def booking_create(*, user, show_id: int, seat_number: int, now: datetime | None = None) -> Booking:
    """Book one seat of a show for `user`, or raise a domain error (nothing is written then)."""
    now = now or timezone.now()
    with locked_transaction():
        seats = lock_seats(show_id, [seat_number])
        show = show_for_sale(show_id, now=now)
        if not seats:
            raise InvalidSeat()
        classes = classify(seats, user=user, now=now)
        if classes.booked:
            raise SeatTaken()
        if classes.blocked:
            raise SeatBlocked()
        if classes.held_by_others:
            raise SeatHeld()
        # The customer's own hold on this seat is used up by the booking (the rest of that hold stays).
        consume_own_hold_seats(classes.held_by_user)
        [booking] = _book(user=user, show=show, seats=seats)
        # Logged on commit: only a booking that exists is logged as made.
        log_event_on_commit("booking_created", user_id=user.pk, booking_id=booking.pk, show_id=show.pk,
                            seat_number=seat_number, price=str(booking.price))
    return booking


def booking_create_many(*, user, show_id: int, seat_numbers: list[int], now: datetime | None = None) -> list[Booking]:
    """Book several seats of a show for `user`, all or none.

    Seats held by `user` are taken out of their hold; seats booked, blocked or held by someone else make the
    whole request fail with `SeatsUnavailable`, which lists them.
    """
    now = now or timezone.now()
    numbers = validated_seat_selection(seat_numbers)
    with locked_transaction():
        seats = lock_seats(show_id, numbers)
        show = show_for_sale(show_id, now=now)
        check_seats_exist(seats, numbers)
        classes = classify(seats, user=user, now=now)
        unavailable = classes.booked + classes.blocked + classes.held_by_others
        if unavailable:
            raise SeatsUnavailable(seat.number for seat in unavailable)
        consume_own_hold_seats(classes.held_by_user)
        bookings = _book(user=user, show=show, seats=seats)
        log_event_on_commit("booking_created", user_id=user.pk, booking_ids=[b.pk for b in bookings],
                            show_id=show.pk, seat_numbers=numbers)
    return bookings


def booking_cancel(*, user, booking_id: int, now: datetime | None = None) -> Booking:
    """Cancel the user's booking. Someone else's booking is reported as not found, revealing nothing."""
    now = now or timezone.now()
    found = Booking.objects.filter(pk=booking_id, user=user).values_list("show_id", "seat_number").first()
    if found is None:
        raise BookingNotFound()
    show_id, seat_number = found
    with locked_transaction():
        # The seat's row, as every writer of this seat takes it; then re-read the booking under it (another
        # cancel of it may have won, or the show may have been cancelled meanwhile).
        seats = lock_seats(show_id, [seat_number])
        booking = Booking.objects.get(pk=booking_id)
        if booking.status == Booking.Status.CANCELLED:
            raise AlreadyCancelled()
        show = Show.objects.select_related("movie", "screen__cinema").get(pk=show_id)
        cutoff_minutes = settings.BOOKING_CANCEL_CUTOFF_MINUTES
        if now >= show.date_time - timedelta(minutes=cutoff_minutes):
            raise CancellationClosed() if cutoff_minutes else ShowStarted()
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.save(update_fields=["status", "cancelled_at"])
        set_state(seats, ShowSeat.State.FREE)
        log_event_on_commit("booking_cancelled", user_id=user.pk, booking_id=booking.pk, show_id=show.pk,
                            seat_number=booking.seat_number)
    booking.show = show
    return booking


def _book(*, user, show: Show, seats: list[ShowSeat]) -> list[Booking]:
    """Mark the locked seats booked and insert one booking per seat at the seat's price, in seat order.

    Call with the seats locked and checked bookable.
    """
    set_state(seats, ShowSeat.State.BOOKED)
    return insert_bookings(user=user, show=show, seats=seats)


def insert_bookings(*, user, show: Show, seats: list[ShowSeat]) -> list[Booking]:
    """Insert one booking per seat (ascending), each at the seat's current price. Call with the seats locked."""
    bookings = [Booking(user=user, show=show, seat_number=seat.number, price=seat.price)
                for seat in sorted(seats, key=lambda s: s.number)]
    try:
        # One INSERT for all seats; ids come back through RETURNING (PostgreSQL, SQLite >= 3.35).
        return Booking.objects.bulk_create(bookings)
    except IntegrityError as exc:
        if not _is_active_seat_conflict(exc):
            raise
        # Unreachable while every writer decides from the locked seat rows. If it happens, something wrote a
        # booking past them: the constraint saved the seat, the client gets a clean 409, and we want to know.
        numbers = [b.seat_number for b in bookings]
        logger.warning("Seats %s of show %s were double-booked past the lock; the constraint refused it.",
                       numbers, show.pk)
        if len(numbers) == 1:
            raise SeatTaken() from exc
        raise SeatsUnavailable(numbers) from exc
