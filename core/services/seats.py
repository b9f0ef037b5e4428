"""Seat state shared by every service that changes seats: read a show for sale, classify locked seats, write states.

Everything here expects the seat rows concerned to be locked (`core.locks.lock_seats`) by the caller's
transaction; the seat row's `state` is the truth (`core.models.ShowSeat`).
"""
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.db.models import Exists, OuterRef

from core import selectors, signals
from core.errors import InvalidSeats, InvalidSeatSelection, ShowCancelled, ShowNotFound, ShowStarted
from core.models import Hold, HoldSeat, Show, ShowSeat
from core.sellable import is_sellable


def check_sale_gates(*, user, show_id: int, queue_pass: str | None, now: datetime) -> None:
    """Ask every registered sale gate (core.signals.register_sale_gate) whether `user` may hold or book seats of
    `show_id` now; a gate that refuses raises its domain error. Called before the transaction: a gate decides from
    the request (its pass) and its own state, never from the seat rows, so it needs no lock. Without a registered
    gate it costs a loop over an empty tuple."""
    for gate in signals.sale_gates():
        gate.check(user=user, show_id=show_id, queue_pass=queue_pass, now=now)


def validated_seat_selection(seat_numbers: list[int]) -> list[int]:
    """The requested seats in ascending order (the order every writer locks and inserts in), or `InvalidSeatSelection`.

    Only what needs no show: whether the seats exist is known once their rows are locked.
    """
    limit = settings.MAX_SEATS_PER_BOOKING
    if not seat_numbers:
        raise InvalidSeatSelection(InvalidSeatSelection.EMPTY)
    if len(set(seat_numbers)) != len(seat_numbers):
        raise InvalidSeatSelection(InvalidSeatSelection.DUPLICATES)
    if len(seat_numbers) > limit:
        raise InvalidSeatSelection(InvalidSeatSelection.TOO_MANY, limit=limit)
    return sorted(seat_numbers)


def show_for_sale(show_id: int, *, now: datetime) -> Show:
    """The show, read *after* the caller locked its seats (see core.locks), if seats can still be sold.

    Raises ShowNotFound, ShowCancelled (409) or ShowStarted (400), in that order.
    """
    show = selectors.show_with_relations(show_id=show_id)
    if show is None:
        raise ShowNotFound()
    if show.status == Show.Status.CANCELLED:
        raise ShowCancelled()
    if show.date_time <= now:
        raise ShowStarted()
    return show


def check_seats_exist(seats: list[ShowSeat], seat_numbers: list[int]) -> None:
    found = {seat.number for seat in seats}
    outside = [n for n in seat_numbers if n not in found]
    if outside:
        raise InvalidSeats(outside)


def is_live_hold(seat: ShowSeat, now: datetime) -> bool:
    """Held, and its hold not proven expired: the complement of `core.sellable` among held seats."""
    return seat.state == ShowSeat.State.HELD and not is_sellable(seat.state, seat.held_until, now=now)


class SeatClasses(NamedTuple):
    free: list[ShowSeat]  # free, or in a hold that has expired
    booked: list[ShowSeat]
    blocked: list[ShowSeat]
    held_by_user: list[ShowSeat]  # in an unexpired hold of the given user
    held_by_others: list[ShowSeat]


def classify(seats: Iterable[ShowSeat], *, user, now: datetime) -> SeatClasses:
    """Sort locked seats by what they mean to `user`. At most one query: who holds the live held seats."""
    free, booked, blocked, live_held = [], [], [], []
    for seat in seats:
        if seat.state == ShowSeat.State.BOOKED:
            booked.append(seat)
        elif seat.state == ShowSeat.State.BLOCKED:
            blocked.append(seat)
        elif is_sellable(seat.state, seat.held_until, now=now):
            free.append(seat)
        else:
            live_held.append(seat)
    mine, others = [], []
    if live_held:
        # A hold that keeps the seats of a pending order (orders.services) is the order's: even its owner may not
        # book those seats directly, which would bypass the payment. The same query tells.
        holders = {pk: (user_id, order_id) for pk, user_id, order_id in
                   Hold.objects.filter(pk__in={s.hold_id for s in live_held}).values_list("pk", "user_id", "order")}
        user_id = getattr(user, "pk", None)
        for seat in live_held:
            holder, order_id = holders.get(seat.hold_id, (None, None))
            (mine if user_id is not None and holder == user_id and order_id is None else others).append(seat)
    return SeatClasses(free, booked, blocked, mine, others)


def consume_own_hold_seats(seats: list[ShowSeat]) -> set[int]:
    """Take seats out of their holder's hold (its hold seat rows) because the holder is booking them.

    Returns the holds concerned: once the seats' rows have been rewritten (booked), pass them to
    `delete_emptied_holds`. Not before: a seat row may not point at a deleted hold (ShowSeat.hold is RESTRICT).
    """
    if not seats:
        return set()
    hold_ids = {seat.hold_id for seat in seats}
    HoldSeat.objects.filter(hold_id__in=hold_ids, show_id=seats[0].show_id,
                            seat_number__in=[seat.number for seat in seats]).delete()
    return hold_ids


def delete_emptied_holds(hold_ids: set[int]) -> None:
    """Delete those of the holds that have no seat left: no hold seat row, and no seat row naming them.

    Call after the booked seats' rows were rewritten. A hold can have seat rows naming it but no hold seat rows:
    a `hold_create` whose `now` found it expired took the hold seat rows of all its seats, but rewrote only the
    seats it took; the others still say "held by it" until it expires (each request judges by its own `now`, so
    ours may still see it live). Such a hold stays, for `release_expired_holds` to free its seats and delete it.
    """
    if hold_ids:
        (Hold.objects.filter(pk__in=hold_ids)
         .exclude(Exists(HoldSeat.objects.filter(hold=OuterRef("pk"))))
         .exclude(Exists(ShowSeat.objects.filter(hold=OuterRef("pk"))))
         .delete())


def set_state(seats: list[ShowSeat], state: str, *, hold: Hold | None = None) -> None:
    """Write `state` to the locked seats (one UPDATE), clearing or setting their hold."""
    if not seats:
        return
    held_until = hold.expires_at if hold is not None else None
    ShowSeat.objects.filter(pk__in=[seat.pk for seat in seats]).update(state=state, hold=hold, held_until=held_until)
    for seat in seats:
        seat.state, seat.hold, seat.held_until = state, hold, held_until
    if state == ShowSeat.State.FREE:
        signals.seats_returned.send(sender=ShowSeat, show_id=seats[0].show_id,
                                    seat_numbers=sorted(seat.number for seat in seats))
