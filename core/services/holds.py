"""Timed seat holds: seats set aside for one customer while they pay, then confirmed into bookings or let go.

A hold changes seat state exactly like a booking does, so every service here follows `core.locks`: lock the show
row, re-read under the lock, decide, write. Expiry needs no job: a hold whose `expires_at` has passed is ignored by
every read and every check (they all compare with `now`), and its rows are deleted lazily.
"""
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from core.events import log_event_on_commit
from core.exceptions import HoldExpired, HoldLimitReached, HoldNotFound, SeatsUnavailable, ShowNotFound, ShowStarted
from core.locks import lock_show, locked_transaction, violates_unique
from core.models import Booking, Hold, HoldSeat
from core.services.booking import (
    _booked_seats,
    check_seats_bookable,
    insert_bookings,
    seat_states,
    validated_seat_selection,
)
from notifications import services as mail

logger = logging.getLogger(__name__)

HOLD_SEAT_CONSTRAINT = "holdseat_one_per_seat"


def _is_hold_seat_conflict(exc: IntegrityError) -> bool:
    return violates_unique(exc, constraint=HOLD_SEAT_CONSTRAINT, table="core_holdseat",
                           columns=("show_id", "seat_number"))


def hold_create(*, user, show_id: int, seat_numbers: list[int], now: datetime | None = None) -> Hold:
    """Hold the seats for `user` for SEAT_HOLD_MINUTES (never past the show's start), all or none.

    A seat already in an unexpired hold is unavailable, whoever holds it: a seat is in at most one hold, so a
    customer who wants it in another hold releases the first one (or confirms it).
    """
    now = now or timezone.now()
    seats = validated_seat_selection(seat_numbers)
    limit = settings.MAX_SEATS_PER_BOOKING
    with locked_transaction():
        show = lock_show(show_id)
        check_seats_bookable(show, seats, now=now)
        booked, held = seat_states(show, seats, now=now)
        unavailable = booked | set(held)
        if unavailable:
            raise SeatsUnavailable(unavailable)
        already_held = HoldSeat.objects.filter(show=show, hold__user=user, hold__expires_at__gt=now).count()
        if already_held + len(seats) > limit:
            raise HoldLimitReached(limit)
        # Expired hold seats still occupy their rows in the unique (show, seat) index; free them before inserting.
        # Their Hold rows stay, so the owner confirming late still hears "expired" (410), not "not found".
        HoldSeat.objects.filter(show=show, hold__expires_at__lte=now).delete()
        expires_at = min(now + timedelta(minutes=settings.SEAT_HOLD_MINUTES), show.date_time)
        hold = Hold.objects.create(user=user, show=show, expires_at=expires_at, created_at=now)
        try:
            HoldSeat.objects.bulk_create([HoldSeat(hold=hold, show=show, seat_number=seat) for seat in seats])
        except IntegrityError as exc:
            if not _is_hold_seat_conflict(exc):
                raise
            # Unreachable while every writer of hold seats takes the show lock; the constraint caught one that didn't.
            logger.warning("Seats %s of show %s were held twice past the lock; the constraint refused it.",
                           seats, show.pk)
            raise SeatsUnavailable(seats) from exc
        log_event_on_commit("hold_created", user_id=user.pk, hold_id=hold.pk, show_id=show.pk, seat_numbers=seats,
                            expires_at=hold.expires_at.isoformat())
    return hold


def hold_confirm(*, user, hold_id: int, now: datetime | None = None) -> list[Booking]:
    """Turn the user's unexpired hold into bookings of all its seats and consume the hold, atomically."""
    now = now or timezone.now()
    with locked_transaction():
        hold, show = _lock_own_hold(user=user, hold_id=hold_id)
        # The decision is taken under the lock with one `now`: a confirm and a booking of the same seats by
        # someone who sees the hold expired are serialised, and exactly one of them gets the seats.
        if hold.expires_at <= now:
            raise HoldExpired()
        if show.date_time <= now:
            raise ShowStarted()
        seats = list(HoldSeat.objects.filter(hold=hold).order_by("seat_number").values_list("seat_number", flat=True))
        if not seats:
            # Its seat rows were cleared by a hold_create that, by its own `now`, saw this hold expired and got the
            # lock first (see below). (A hold whose seats its owner booked directly is deleted, not left empty.)
            raise HoldExpired()
        # Usually empty: booking checks holds under the same lock. But each request judges expiry by its own `now`
        # (taken when it arrived), so a booking that arrived just after the expiry can get the lock before this
        # confirm, which arrived just before it, and take the seats. Then this confirm is refused, all or nothing.
        booked = _booked_seats(show, seats)
        if booked:
            raise SeatsUnavailable(booked)
        hold_pk = hold.pk
        hold.delete()
        bookings = insert_bookings(user=user, show=show, seats=seats)
        log_event_on_commit("hold_confirmed", user_id=user.pk, hold_id=hold_pk, show_id=show.pk,
                            booking_ids=[b.pk for b in bookings], seat_numbers=seats)
        mail.bookings_reserved(bookings)
        return bookings


def hold_release(*, user, hold_id: int) -> None:
    """Delete the user's hold: its seats are free at once. An expired hold may be released too (a no-op for seats)."""
    with locked_transaction():
        hold, show = _lock_own_hold(user=user, hold_id=hold_id)
        log_event_on_commit("hold_released", user_id=user.pk, hold_id=hold.pk, show_id=show.pk)
        hold.delete()


def release_expired_holds(*, now: datetime | None = None) -> int:
    """Delete holds that expired; returns how many. Safe at any time, next to live traffic.

    Seats of expired holds are already free for every read and write, so this only tidies rows. It still takes each
    show's lock (one short transaction per show), so it never interleaves with a confirm deciding about the same hold.
    """
    now = now or timezone.now()
    deleted = 0
    show_ids = (Hold.objects.filter(expires_at__lte=now).order_by("show_id").values_list("show_id", flat=True)
                .distinct())
    for show_id in list(show_ids):
        with locked_transaction():
            try:
                lock_show(show_id)
            except ShowNotFound:
                continue  # deleted meanwhile, its holds with it
            _, per_model = Hold.objects.filter(show_id=show_id, expires_at__lte=now).delete()
            deleted += per_model.get(Hold._meta.label, 0)
    return deleted


def _lock_own_hold(*, user, hold_id: int):
    """Lock the show of the user's hold and return (hold, show), re-read under the lock. Call in a transaction.

    Someone else's hold is reported as not found, revealing nothing. So is a hold that keeps the seats of a
    pending order (orders.services): it belongs to the order now, and is paid, cancelled or expires with it.
    """
    show_id = Hold.objects.filter(pk=hold_id, user=user, order__isnull=True).values_list("show_id", flat=True).first()
    if show_id is None:
        raise HoldNotFound()
    show = lock_show(show_id)
    # Re-read: a confirm or release that held the lock before us may have consumed the hold.
    hold = Hold.objects.filter(pk=hold_id, user=user, order__isnull=True).first()
    if hold is None:
        raise HoldNotFound()
    return hold, show
