"""Booking and cancelling seats: the rules that keep a seat sold once.

Each service owns its transaction: lock the show row, re-read the seat state under the lock, decide, write.
See `core.locks` for why the show row is the lock. A seat is free when it has no active booking and is in no
unexpired hold of another user (`core.services.holds`); the helpers at the bottom read that state for a whole
set of seats in one query each and are shared with the hold services.
"""
import functools
import logging
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from core.events import log_event_on_commit
from core.exceptions import (
    AlreadyCancelled,
    BookingNotFound,
    CancellationClosed,
    CheckedInCannotCancel,
    InvalidSeat,
    InvalidSeats,
    InvalidSeatSelection,
    PaymentRequired,
    SeatHeld,
    SeatsUnavailable,
    SeatTaken,
    ShowStarted,
)
from core.locks import lock_show, locked_transaction, violates_unique
from core.models import Booking, Hold, HoldSeat, Show
from notifications import services as mail
from orders.pricing import priced_seats
from tickets.models import Checkin

logger = logging.getLogger(__name__)

ACTIVE_SEAT_CONSTRAINT = "booking_one_active_per_seat"


def _is_active_seat_conflict(exc: IntegrityError) -> bool:
    return violates_unique(exc, constraint=ACTIVE_SEAT_CONSTRAINT, table="core_booking",
                           columns=("show_id", "seat_number"))


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
        booked, held = seat_states(show, [seat_number], now=now)
        if booked:
            raise SeatTaken()
        if any(h.user_id != user.pk for h in held.values()) or _held_for_orders(held):
            raise SeatHeld()
        payment_status = reservation_payment_statuses(show, [seat_number])[seat_number]
        # The customer's own hold on this seat is used up by the booking (the rest of that hold stays).
        consume_hold_seats(held)
        try:
            booking = Booking.objects.create(user=user, show=show, seat_number=seat_number,
                                             payment_status=payment_status)
        except IntegrityError as exc:
            if not _is_active_seat_conflict(exc):
                raise
            # Unreachable while every writer takes the show lock. If it happens, something wrote a booking
            # without the lock: the constraint saved the seat, the client gets a clean 409, and we want to know.
            logger.warning("Seat %s of show %s was double-booked past the lock; the constraint refused it.",
                           seat_number, show.pk)
            raise SeatTaken() from exc
        # Logged on commit: only a booking that exists is logged as made.
        log_event_on_commit("booking_created", user_id=user.pk, booking_id=booking.pk, show_id=show.pk,
                            seat_number=seat_number)
        mail.bookings_reserved([booking])
    return booking


def booking_create_many(*, user, show_id: int, seat_numbers: list[int], now: datetime | None = None) -> list[Booking]:
    """Book several seats of a show for `user`, all or none.

    Seats held by `user` are taken out of their hold; seats booked or held by someone else make the whole request
    fail with `SeatsUnavailable`, which lists them. Bookings are inserted in seat order (as every multi-seat
    writer does), so two requests for overlapping seats in opposite orders cannot deadlock: they queue on the
    show lock anyway, and the fixed order is the second guard should that lock ever be narrowed to seats.
    """
    now = now or timezone.now()
    seats = validated_seat_selection(seat_numbers)
    with locked_transaction():
        show = lock_show(show_id)
        check_seats_bookable(show, seats, now=now)
        booked, held = seat_states(show, seats, now=now)
        order_held = _held_for_orders(held)
        unavailable = booked | {seat for seat, h in held.items() if h.user_id != user.pk or h.hold_id in order_held}
        if unavailable:
            raise SeatsUnavailable(unavailable)
        consume_hold_seats(held)
        bookings = insert_bookings(user=user, show=show, seats=seats)
        log_event_on_commit("booking_created", user_id=user.pk, booking_ids=[b.pk for b in bookings],
                            show_id=show.pk, seat_numbers=seats)
        mail.bookings_reserved(bookings)
    return bookings


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
        # The booking's row too: check-in (tickets.services) locks only this row, so a cancel and a check-in of
        # one ticket are serialised and a ticket is never both checked in and cancelled.
        booking = Booking.objects.select_for_update().get(pk=booking_id)
        if booking.status == Booking.Status.CANCELLED:
            raise AlreadyCancelled()
        cutoff_minutes = settings.BOOKING_CANCEL_CUTOFF_MINUTES
        if now >= show.date_time - timedelta(minutes=cutoff_minutes):
            raise CancellationClosed() if cutoff_minutes else ShowStarted()
        if Checkin.objects.filter(booking=booking).exists():
            raise CheckedInCannotCancel()
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.save(update_fields=["status", "cancelled_at"])
        # A seat of a paid order: its price goes back through the provider that took it. (Imported here: the
        # order services build on this module.)
        from orders.services import booking_cancelled_refund

        booking_cancelled_refund(booking=booking, now=now)
        log_event_on_commit("booking_cancelled", user_id=user.pk, booking_id=booking.pk, show_id=show.pk,
                            seat_number=booking.seat_number)
        mail.booking_cancelled(booking)
    booking.show = show
    return booking


# --- Seat state, shared with core.services.holds. All of these expect the show to be locked. -------------------
def validated_seat_selection(seat_numbers: list[int]) -> list[int]:
    """The requested seats in ascending order (the order every writer locks and inserts in), or `InvalidSeatSelection`.

    Only what needs no show: the range check needs `total_seats` and is done under the lock.
    """
    limit = settings.MAX_SEATS_PER_BOOKING
    if not seat_numbers:
        raise InvalidSeatSelection(InvalidSeatSelection.EMPTY)
    if len(set(seat_numbers)) != len(seat_numbers):
        raise InvalidSeatSelection(InvalidSeatSelection.DUPLICATES)
    if len(seat_numbers) > limit:
        raise InvalidSeatSelection(InvalidSeatSelection.TOO_MANY.format(limit=limit))
    return sorted(seat_numbers)


def check_seats_bookable(show: Show, seats: list[int], *, now: datetime) -> None:
    """Booking and holding close when the show starts; every seat must exist in the show."""
    if show.date_time <= now:
        raise ShowStarted()
    outside = [seat for seat in seats if not 1 <= seat <= show.total_seats]
    if outside:
        raise InvalidSeats(outside)


class HeldSeat(NamedTuple):
    row_id: int
    hold_id: int
    user_id: int


class SeatStates(NamedTuple):
    booked: set[int]  # seats with an active booking
    held: dict[int, HeldSeat]  # seats in an unexpired hold, and whose


def seat_states(show: Show, seat_numbers: list[int], *, now: datetime) -> SeatStates:
    """Which of `seat_numbers` are booked, and which are in unexpired holds (by whom): one round trip.

    Call with the show locked. This runs inside the show's lock, which every other booking of the show waits for,
    so it is one precomposed statement (booked rows UNION ALL live hold rows) rather than two ORM queries: the ORM
    spent more CPU composing the hold query's join than the database spent answering it (`make bench`, profiled).
    tests/test_seat_states.py checks it answers what the equivalent ORM queries answer.
    """
    if not seat_numbers:
        return SeatStates(set(), {})
    with connection.cursor() as cursor:
        cursor.execute(
            _seat_states_sql(connection.vendor, len(seat_numbers)),
            [show.pk, Booking.Status.BOOKED.value, *seat_numbers,
             show.pk, connection.ops.adapt_datetimefield_value(now), *seat_numbers],
        )
        booked, held = set(), {}
        for seat, row_id, hold_id, user_id in cursor.fetchall():
            if row_id is None:
                booked.add(seat)
            else:
                held[seat] = HeldSeat(row_id, hold_id, user_id)
    return SeatStates(booked, held)


@functools.cache
def _seat_states_sql(vendor: str, seat_count: int) -> str:
    q = connection.ops.quote_name
    booking, hold_seat, hold = Booking._meta, HoldSeat._meta, Hold._meta
    seats = ", ".join(["%s"] * seat_count)
    # Identifiers come from the models' metadata, quoted, and only the number of placeholders varies; every value
    # is a bound parameter: no input reaches the SQL text.
    return (
        f"SELECT b.{q(booking.get_field('seat_number').column)}, NULL, NULL, NULL "  # nosec B608
        f"FROM {q(booking.db_table)} b "
        f"WHERE b.{q(booking.get_field('show').column)} = %s AND b.{q(booking.get_field('status').column)} = %s "
        f"AND b.{q(booking.get_field('seat_number').column)} IN ({seats}) "
        "UNION ALL "
        f"SELECT hs.{q(hold_seat.get_field('seat_number').column)}, hs.{q(hold_seat.pk.column)}, "
        f"hs.{q(hold_seat.get_field('hold').column)}, h.{q(hold.get_field('user').column)} "
        f"FROM {q(hold_seat.db_table)} hs "
        f"JOIN {q(hold.db_table)} h ON h.{q(hold.pk.column)} = hs.{q(hold_seat.get_field('hold').column)} "
        f"WHERE hs.{q(hold_seat.get_field('show').column)} = %s AND h.{q(hold.get_field('expires_at').column)} > %s "
        f"AND hs.{q(hold_seat.get_field('seat_number').column)} IN ({seats})"
    )


def consume_hold_seats(held: dict[int, HeldSeat]) -> None:
    """Remove seats from their holds because their holder is booking them; a hold left empty is deleted."""
    if not held:
        return
    hold_ids = {h.hold_id for h in held.values()}
    HoldSeat.objects.filter(pk__in=[h.row_id for h in held.values()]).delete()
    Hold.objects.filter(pk__in=hold_ids).exclude(Exists(HoldSeat.objects.filter(hold=OuterRef("pk")))).delete()


def reservation_payment_statuses(show: Show, seats: list[int]) -> dict[int, str]:
    """The payment status of seats reserved without an order: "free" at price 0, "unpaid" (pay at the box office)
    otherwise, or PaymentRequired when ALLOW_UNPAID_RESERVATIONS is off and some seat has a price."""
    priced = priced_seats(show=show, seat_numbers=seats)
    if not settings.ALLOW_UNPAID_RESERVATIONS and any(seat.price > 0 for seat in priced):
        raise PaymentRequired()
    return {seat.number: Booking.PaymentStatus.UNPAID if seat.price > 0 else Booking.PaymentStatus.FREE
            for seat in priced}


def _held_for_orders(held: dict[int, HeldSeat]) -> set[int]:
    """The ids, among the holds in `held`, of those keeping seats for a pending order: not even their owner may
    book those seats directly (that would bypass the payment). One query, only when some seat is held."""
    if not held:
        return set()
    return set(Hold.objects.filter(pk__in={h.hold_id for h in held.values()}, order__isnull=False)
               .values_list("pk", flat=True))


def insert_bookings(*, user, show: Show, seats: list[int], order=None, payment_status: str | None = None
                    ) -> list[Booking]:
    """Insert one booking per seat, in ascending seat order. Call with the show locked and the seats checked free.

    With an `order`, the bookings are that order's, all with `payment_status`; without, they are reservations
    (free, or unpaid at the box office: `reservation_payment_statuses`).
    """
    seats = sorted(seats)
    statuses = ({seat: payment_status for seat in seats} if payment_status
                else reservation_payment_statuses(show, seats))
    bookings = [Booking(user=user, show=show, seat_number=seat, order=order, payment_status=statuses[seat])
                for seat in seats]
    try:
        # One INSERT for all seats; ids come back through RETURNING (PostgreSQL, SQLite >= 3.35).
        return Booking.objects.bulk_create(bookings)
    except IntegrityError as exc:
        if not _is_active_seat_conflict(exc):
            raise
        # As in booking_create: unreachable while every writer takes the show lock; the constraint held.
        logger.warning("Seats %s of show %s were double-booked past the lock; the constraint refused it.",
                       seats, show.pk)
        raise SeatsUnavailable(seats) from exc


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
    # As in _seat_states_sql: quoted identifiers from the model and placeholders only.
    return (
        f"SELECT {q(field('seat_number').column)} FROM {q(Booking._meta.db_table)} "  # nosec B608
        f"WHERE {q(field('show').column)} = %s AND {q(field('status').column)} = %s "
        f"AND {q(field('seat_number').column)} IN ({placeholders})"
    )
