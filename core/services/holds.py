"""Timed seat holds: seats set aside for one customer while they pay, then confirmed into bookings or let go.

A hold changes seat state exactly like a booking does, so every service here follows `core.locks`: lock the seat
rows concerned in seat-number order, read the show after that, decide from the seat rows, write. A held seat row
carries its hold and `held_until`; expiry needs no job: a seat whose `held_until` has passed counts as free in
every read and every check, and its stale rows are tidied by the next writer of that seat or by
`release_expired_holds`.
"""
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone

from common.db import locked_transaction, violates_unique
from common.events import log_event_on_commit
from core import limits, signals
from core.errors import HoldExpired, HoldLimitReached, HoldNotFound, SeatsUnavailable
from core.locks import lock_seats
from core.models import Booking, Hold, HoldRecord, HoldSeat, ShowSeat
from core.sellable import is_sellable, sellable_now
from core.services.booking import insert_bookings, reservation_payment_statuses
from core.services.seats import (
    check_sale_gates,
    check_seats_exist,
    classify,
    set_state,
    show_for_sale,
    validated_seat_selection,
)
from core.ticket_types import check_ticket_types
from venues.models import ADULT

logger = logging.getLogger(__name__)

HOLD_SEAT_CONSTRAINT = "holdseat_one_per_seat"


def _is_hold_seat_conflict(exc: IntegrityError) -> bool:
    return violates_unique(exc, constraint=HOLD_SEAT_CONSTRAINT, table="core_holdseat",
                           columns=("show_id", "seat_number"))


def hold_create(*, user, show_id: int, seat_numbers: list[int], now: datetime | None = None,
                queue_pass: str | None = None, past_the_gates: bool = False, minutes: int | None = None,
                ticket_types: dict[int, str] | None = None) -> Hold:
    """Hold the seats for `user` for SEAT_HOLD_MINUTES (or `minutes`: the waiting list's offers), never past the
    show's start, all or none.

    A seat already in an unexpired hold is unavailable, whoever holds it: a seat is in at most one hold, so a
    customer who wants it in another hold releases the first one (or confirms it). `queue_pass`: the request's
    waiting-room pass, for the sale gates (`check_sale_gates`). `past_the_gates`: a sale at the counter, to
    someone standing there; a waiting room orders the online crowd, not the queue at the till. `ticket_types`:
    seat number -> ticket type code for seats named with one (core.ticket_types checks them); the others are Adult.
    """
    now = now or timezone.now()
    if not past_the_gates:
        check_sale_gates(user=user, show_id=show_id, queue_pass=queue_pass, now=now)
    numbers = validated_seat_selection(seat_numbers)
    limit = settings.MAX_SEATS_PER_BOOKING
    with locked_transaction():
        # The per-user limits count the user's seats across the whole show, which no seat lock covers: two holds of
        # different seats by the same user would both pass them. So requests of one user queue on the user's row.
        limits.lock_account(user.pk)
        seats = lock_seats(show_id, numbers)
        show = show_for_sale(show_id, now=now)
        check_seats_exist(seats, numbers)
        if ticket_types:
            check_ticket_types(show, seats, ticket_types)
        classes = classify(seats, user=user, now=now)
        unavailable = classes.booked + classes.blocked + classes.held_by_user + classes.held_by_others
        if unavailable:
            raise SeatsUnavailable(seat.number for seat in unavailable)
        already_held = (ShowSeat.objects.filter(show_id=show.pk, state=ShowSeat.State.HELD, hold__user=user)
                        .exclude(sellable_now(now=now)).count())
        if already_held + len(numbers) > limit:
            raise HoldLimitReached(limit)
        limits.check_limits(user_id=user.pk, show_id=show.pk, now=now, adding_seats=len(numbers), adding_unpaid=0)
        # Hold seat rows of expired holds still occupy these seats in the unique (show, seat) index. An expired hold
        # that loses a seat to us loses all its seat rows (its other seats are free already: their rows say the
        # hold expired), so its owner confirming late hears "expired" (410): its Hold row stays for that.
        # (Expiry checked again here rather than trusted from the classification: deleting a live hold's seat rows
        # would be worse than the 409 the unique index gives.)
        stale_holds = {seat.hold_id for seat in classes.free
                       if seat.hold_id is not None and is_sellable(seat.state, seat.held_until, now=now)}
        HoldSeat.objects.filter(Q(hold_id__in=stale_holds)
                                | Q(show_id=show.pk, seat_number__in=numbers, hold__expires_at__lte=now)).delete()
        minutes = settings.SEAT_HOLD_MINUTES if minutes is None else minutes
        expires_at = min(now + timedelta(minutes=minutes), show.date_time)
        hold = Hold.objects.create(user=user, show=show, expires_at=expires_at, created_at=now)
        try:
            HoldSeat.objects.bulk_create([HoldSeat(hold=hold, show=show, seat_number=n,
                                                   ticket_type=(ticket_types or {}).get(n, ADULT)) for n in numbers])
        except IntegrityError as exc:
            if not _is_hold_seat_conflict(exc):
                raise
            # Unreachable while every writer of hold seats locks the seat rows; the constraint caught one that didn't.
            logger.warning("Seats %s of show %s were held twice past the lock; the constraint refused it.",
                           numbers, show.pk)
            raise SeatsUnavailable(numbers) from exc
        set_state(seats, ShowSeat.State.HELD, hold=hold)
        # The hold row goes once it is confirmed, paid, released or expired; this record stays for the report.
        HoldRecord.objects.create(hold_id=hold.pk, show=show, created_at=now, seat_count=len(numbers))
        log_event_on_commit("hold_created", user_id=user.pk, hold_id=hold.pk, show_id=show.pk, seat_numbers=numbers,
                            expires_at=hold.expires_at.isoformat())
    return hold


def hold_confirm(*, user, hold_id: int, now: datetime | None = None) -> list[Booking]:
    """Turn the user's unexpired hold into bookings of all its seats and consume the hold, atomically."""
    now = now or timezone.now()
    with locked_transaction():
        limits.lock_account(user.pk)  # before the seats, as every writer (core.limits)
        hold, locked = hold_lock_own(user=user, hold_id=hold_id)
        still_held = hold_seat_types(hold_id)
        seats = [seat for seat in locked if seat.number in still_held]
        # The decision is taken under the seat locks with one `now`: a confirm and a booking of the same seats by
        # someone who sees the hold expired are serialised, and exactly one of them gets the seats.
        if hold.expires_at <= now:
            raise HoldExpired()
        show = show_for_sale(hold.show_id, now=now)
        if not seats:
            # Its seat rows were cleared by a hold_create that, by its own `now`, saw this hold expired and got the
            # seats first. (A hold whose seats its owner booked directly is deleted, not left empty.)
            raise HoldExpired()
        # Usually empty: each request judges expiry by its own `now` (taken when it arrived), so a booking that
        # arrived just after the expiry can get the seats before this confirm, which arrived just before it. Then
        # this confirm is refused, all or nothing.
        lost = [seat.number for seat in seats if seat.state != ShowSeat.State.HELD or seat.hold_id != hold.pk]
        if lost:
            raise SeatsUnavailable(lost)
        # Its seats are counted already (held); those to pay at the box office become unpaid reservations.
        unpaid = sum(status == Booking.PaymentStatus.UNPAID for status in reservation_payment_statuses(
            seats, still_held, show.prices).values())
        limits.check_limits(user_id=user.pk, show_id=show.pk, now=now, adding_seats=0, adding_unpaid=unpaid)
        hold_pk = hold.pk
        set_state(seats, ShowSeat.State.BOOKED)
        hold.delete()
        hold_record_converted(hold_id=hold_pk, to=HoldRecord.ConvertedTo.RESERVATION, now=now)
        bookings = insert_bookings(user=user, show=show, seats=seats, ticket_types=still_held)
        log_event_on_commit("hold_confirmed", user_id=user.pk, hold_id=hold_pk, show_id=show.pk,
                            booking_ids=[b.pk for b in bookings], seat_numbers=[s.number for s in seats])
        signals.bookings_reserved.send(sender=Booking, bookings=bookings, statement_rows=False)
        return bookings


def hold_release(*, user, hold_id: int) -> None:
    """Delete the user's hold: its seats are free at once. An expired hold may be released too (a no-op for seats)."""
    with locked_transaction():
        hold, seats = hold_lock_own(user=user, hold_id=hold_id)
        set_state([seat for seat in seats if seat.hold_id == hold.pk], ShowSeat.State.FREE)
        log_event_on_commit("hold_released", user_id=user.pk, hold_id=hold.pk, show_id=hold.show_id)
        hold.delete()


def release_expired_holds(*, now: datetime | None = None) -> int:
    """Delete holds that expired; returns how many. Safe at any time, next to live traffic.

    Seats of expired holds are already free for every read and write, so this only tidies rows. Each hold is
    deleted in a short transaction of its own that locks its seats first, as every writer of them does.
    """
    now = now or timezone.now()
    deleted = 0
    for hold_id, show_id in list(Hold.objects.filter(expires_at__lte=now).order_by("pk")
                                 .values_list("pk", "show_id")):
        with locked_transaction():
            numbers = ShowSeat.objects.filter(show_id=show_id, hold_id=hold_id).values_list("number", flat=True)
            seats = lock_seats(show_id, list(numbers))
            hold = Hold.objects.filter(pk=hold_id, expires_at__lte=now).first()
            if hold is None:
                continue  # released, or its show deleted, meanwhile
            set_state([seat for seat in seats if seat.hold_id == hold_id], ShowSeat.State.FREE)
            hold.delete()
            deleted += 1
    return deleted


def hold_record_converted(*, hold_id: int, to: str, now: datetime) -> None:
    """Stamp the hold's record as turned into a sale (`to`: a reservation or an order). Call in the transaction
    that converts it. A hold made before records existed has none: nothing to stamp."""
    HoldRecord.objects.filter(hold_id=hold_id).update(converted_at=now, converted_to=to)


def hold_record_unconverted(*, hold_id: int) -> None:
    """The order made from the hold was undone and the hold given back (orders.services): not converted."""
    HoldRecord.objects.filter(hold_id=hold_id).update(converted_at=None, converted_to="")


def hold_seat_types(hold_id: int) -> dict[int, str]:
    """The hold's seats (seat number -> ticket type), in one query: what confirming or ordering it sells."""
    return dict(HoldSeat.objects.filter(hold_id=hold_id).order_by("seat_number")
                .values_list("seat_number", "ticket_type"))


def _hold_seat_numbers(hold_id: int) -> list[int]:
    return list(HoldSeat.objects.filter(hold_id=hold_id).order_by("seat_number").values_list("seat_number", flat=True))


def hold_lock_own(*, user, hold_id: int) -> tuple[Hold, list[ShowSeat]]:
    """Lock the seats of the user's hold and return (hold, locked seats), the hold re-read under the locks: what
    confirming, releasing or ordering a hold (orders.services) starts with.

    Call in a transaction. Someone else's hold is reported as not found, revealing nothing. So is a hold that keeps
    the seats of a pending order (orders.services): it belongs to the order now, and is paid, cancelled or expires
    with it. The locked seats are those of its hold seat rows and those whose seat row still points at it.
    """
    show_id = Hold.objects.filter(pk=hold_id, user=user, order__isnull=True).values_list("show_id", flat=True).first()
    if show_id is None:
        raise HoldNotFound()
    # A hold's seats only ever shrink (its owner books some directly, or a new hold takes over seats after it
    # expired), both under these seats' locks: locking the seats read here covers every seat the hold can still
    # have once we hold the locks; the caller re-reads which it does have. (An order takes a hold under the same
    # locks, so the re-read also sees a hold that became an order's meanwhile.)
    numbers = {*_hold_seat_numbers(hold_id),
               *ShowSeat.objects.filter(show_id=show_id, hold_id=hold_id).values_list("number", flat=True)}
    seats = lock_seats(show_id, sorted(numbers))
    hold = Hold.objects.filter(pk=hold_id, user=user, order__isnull=True).first()
    if hold is None:
        raise HoldNotFound()
    return hold, seats

