"""The waiting list's rules: joining and leaving it, offering seats that come back, closing it.

Every writer locks the show's `WaitingList` row first (`_lock_list`), then (offers) the customer's row and the
seats through `core.services.holds.hold_create`, the order every other hold takes them in. So per show, joins,
leaves, offers and closing happen one at a time: an offer sees every join committed before it, and a join sees
every offer committed before it (READ COMMITTED: each statement after the lock sees what committed while we
waited). A seat is never offered twice because an offer IS a hold (core: a seat is in at most one live hold); an
entry is never offered twice because its status changes under the list lock.

What is decided here (docs/decisions/0041-waiting-list-offers-are-holds.md):
- An offer is the customer's own hold of the seats for WAITLIST_OFFER_MINUTES (never past the show's start):
  it is in /my-holds/, POST /orders/ turns it into an order, and if it lapses the seats come back again.
- First come, first served by the order of joining, but an entry that needs more seats than are free (or of
  another category) does not block those behind it who can be served ("skip, keep the place"): the seats go to
  the first entry they fit.
- Seats that come back are offered after the commit that freed them (`core.signals.seats_returned`,
  waitlist.receivers), and by the periodic `offer_sweep` for seats that came back without an event (a hold or an
  unpaid order that simply ran out).
"""
import logging
from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from common.db import locked_transaction
from common.errors import Busy
from common.events import log_event_on_commit
from core.errors import (
    HoldLimitReached,
    HoldNotFound,
    SeatLimitReached,
    SeatsUnavailable,
    ShowCancelled,
    ShowNotFound,
    ShowStarted,
)
from core.models import Booking, Hold, Show, ShowSeat
from core.sellable import sellable_now
from core.services import holds
from core.services.seats import show_for_sale
from waitlist import signals
from waitlist.errors import AlreadyOnWaitlist, EntryNotFound, InvalidCategory, SeatsAvailable, WaitlistClosed
from waitlist.models import Entry, WaitingList

logger = logging.getLogger(__name__)


def _lock_list(show_id: int) -> WaitingList | None:
    """Lock and return the show's waiting list (None: nobody ever joined it). Call in a transaction."""
    return WaitingList.objects.select_for_update().filter(show_id=show_id).first()


def _lock_or_create_list(show_id: int, *, now: datetime) -> WaitingList:
    # ON CONFLICT DO NOTHING: two first joins at once both get the one row (the second waits for the first's
    # insert to commit on the unique index, then finds it).
    WaitingList.objects.bulk_create([WaitingList(show_id=show_id, created_at=now)], ignore_conflicts=True)
    return _lock_list(show_id)


def sellable_seats(*, show_id: int, now: datetime, category: str = "") -> list:
    """The show's seats that can be sold at `now` (core.sellable), of `category` if given, in seat order."""
    seats = ShowSeat.objects.filter(show_id=show_id).filter(sellable_now(now=now))
    if category:
        seats = seats.filter(category=category)
    return list(seats.order_by("number").values_list("number", "row_index", "column", "category", named=True))


def join(*, user, show_id: int, seats: int, category: str = "", now: datetime | None = None) -> Entry:
    """Put `user` at the end of the show's waiting list for `seats` seats (of `category`, or any).

    Refused while the show still has that many seats on sale (409 seats_available: they can simply be bought),
    when the list is closed, or when the customer is already on it.
    """
    now = now or timezone.now()
    with locked_transaction():
        show = show_for_sale(show_id, now=now)
        if category and not ShowSeat.objects.filter(show_id=show.pk, category=category).exists():
            raise InvalidCategory()
        waiting_list = _lock_or_create_list(show.pk, now=now)
        if waiting_list.is_closed:
            raise WaitlistClosed()
        # An offer that lapsed since the last offer round is written down first: the customer's list already
        # shows it expired, so they may join again.
        _settle_offers(waiting_list, now=now)
        if Entry.objects.filter(waiting_list=waiting_list, user=user, status__in=Entry.ACTIVE).exists():
            raise AlreadyOnWaitlist()
        if len(sellable_seats(show_id=show.pk, now=now, category=category)) >= seats:
            raise SeatsAvailable()
        entry = Entry.objects.create(waiting_list=waiting_list, user=user, seats=seats, category=category,
                                     created_at=now)
        log_event_on_commit("waitlist_joined", user_id=user.pk, show_id=show.pk, entry_id=entry.pk, seats=seats,
                            category=category)
    return entry


def leave(*, user, entry_id: int, now: datetime | None = None) -> None:
    """The customer leaves the list. An offer not yet taken is declined: its hold is released (the seats go to
    the next in line). Leaving twice is a no-op; someone else's entry is 404."""
    now = now or timezone.now()
    show_id = Entry.objects.filter(pk=entry_id, user=user).values_list("waiting_list__show_id", flat=True).first()
    if show_id is None:
        raise EntryNotFound()
    with locked_transaction():
        _lock_list(show_id)
        entry = Entry.objects.get(pk=entry_id)
        if entry.status not in Entry.ACTIVE:
            return
        if entry.status == Entry.Status.OFFERED:
            try:
                # Announces the seats' return (core.signals.seats_returned): offered to the next after the commit.
                holds.hold_release(user=user, hold_id=entry.hold_id)
            except HoldNotFound:
                pass  # already paid for, made into an order, or tidied after expiry
        entry.status = Entry.Status.LEFT
        entry.ended_at = now
        entry.save(update_fields=["status", "ended_at"])
        log_event_on_commit("waitlist_left", user_id=user.pk, show_id=show_id, entry_id=entry.pk)


def active_entry_ids(*, user) -> list[int]:
    return list(Entry.objects.filter(user=user, status__in=Entry.ACTIVE).order_by("pk").values_list("pk", flat=True))


def offer_outcomes(entries, *, now: datetime) -> dict[int, str]:
    """What became of each offered entry at `now`: still `offered` while its hold lives (also while an order made
    from it waits for payment: the order extends the hold), `accepted` once the customer has bookings of the show
    made since the offer (paid, or confirmed as a reservation), else `expired` (lapsed, or released).

    The one home of the rule: the offer process writes it down (`_settle_offers`), the reads show it at once.
    """
    offered = [entry for entry in entries if entry.status == Entry.Status.OFFERED]
    if not offered:
        return {}
    live = set(Hold.objects.filter(pk__in=[e.hold_id for e in offered], expires_at__gt=now)
               .values_list("pk", flat=True))
    outcomes = {}
    for entry in offered:
        if entry.hold_id in live:
            outcomes[entry.pk] = Entry.Status.OFFERED
        elif Booking.objects.filter(user_id=entry.user_id, show_id=entry.waiting_list.show_id,
                                    created_at__gte=entry.offered_at).exists():
            outcomes[entry.pk] = Entry.Status.ACCEPTED
        else:
            outcomes[entry.pk] = Entry.Status.EXPIRED
    return outcomes


def _settle_offers(waiting_list: WaitingList, *, now: datetime) -> None:
    """Write down the offers that ended (taken or not): under the list lock, before offering anew."""
    offered = list(Entry.objects.filter(waiting_list=waiting_list, status=Entry.Status.OFFERED)
                   .select_related("waiting_list"))
    for entry in offered:
        outcome = offer_outcomes([entry], now=now)[entry.pk]
        if outcome != Entry.Status.OFFERED:
            entry.status, entry.ended_at = outcome, now
            entry.save(update_fields=["status", "ended_at"])
            log_event_on_commit("waitlist_offer_ended", entry_id=entry.pk, outcome=outcome)


def choose_seats(candidates: list, count: int) -> list[int]:
    """`count` of the free `candidates` (seat order) for one party: side by side in one row if any row has them
    (the front-most such run), else the lowest numbers."""
    by_row = {}
    for seat in candidates:
        by_row.setdefault(seat.row_index, []).append(seat)
    for row in sorted(by_row):
        seats = sorted(by_row[row], key=lambda seat: seat.column)
        for start in range(len(seats) - count + 1):
            run = seats[start:start + count]
            if run[-1].column - run[0].column == count - 1:
                return sorted(seat.number for seat in run)
    return sorted(seat.number for seat in candidates[:count])


def offer_returned_seats(*, show_id: int, now: datetime | None = None) -> list[Entry]:
    """Offer the show's sellable seats to its waiting list: each waiting entry in turn that the free seats can
    serve gets them held for it (its own hold, WAITLIST_OFFER_MINUTES) and a mail. Returns the entries offered.

    Safe to call at any time and as often as wanted (after every commit that freed seats, and by the sweep): it
    decides under the list lock from what is free now.
    """
    now = now or timezone.now()
    offered = []
    with locked_transaction():
        waiting_list = _lock_list(show_id)
        if waiting_list is None:
            return []
        _settle_offers(waiting_list, now=now)
        if waiting_list.is_closed:
            return []
        show = Show.objects.filter(pk=show_id).first()
        if show is None or show.status != Show.Status.SCHEDULED or show.date_time <= now:
            return []
        free = sellable_seats(show_id=show_id, now=now)
        for entry in Entry.objects.filter(waiting_list=waiting_list, status=Entry.Status.WAITING).select_related(
                "user").order_by("id"):
            if not free:
                break
            hold = _offer_to(entry, free=free, show_id=show_id, now=now)
            if hold is None:
                continue  # cannot be served by what is free: keeps its place, those behind may be served
            entry.status = Entry.Status.OFFERED
            entry.hold_id = hold.pk
            entry.offered_at = now
            entry.offer_expires_at = hold.expires_at
            entry.save(update_fields=["status", "hold_id", "offered_at", "offer_expires_at"])
            taken = set(hold.seat_numbers)
            free = [seat for seat in free if seat.number not in taken]
            log_event_on_commit("waitlist_offered", entry_id=entry.pk, user_id=entry.user_id, show_id=show_id,
                                hold_id=hold.pk, seat_numbers=sorted(taken),
                                expires_at=hold.expires_at.isoformat())
            signals.offer_made.send(sender=Entry, entry=entry, hold=hold)
            offered.append(entry)
    return offered


def _offer_to(entry: Entry, *, free: list, show_id: int, now: datetime) -> Hold | None:
    """Hold seats for `entry` out of `free` (re-read if another writer took some meanwhile), or None."""
    for _attempt in range(3):
        candidates = [seat for seat in free if not entry.category or seat.category == entry.category]
        if len(candidates) < entry.seats:
            return None
        numbers = choose_seats(candidates, entry.seats)
        try:
            # Its own savepoint (locked_transaction nests): a refusal undoes only this attempt. Past the waiting
            # room's gate: the customer's turn came from this list.
            return holds.hold_create(user=entry.user, show_id=show_id, seat_numbers=numbers, now=now,
                                     minutes=settings.WAITLIST_OFFER_MINUTES, past_the_gates=True)
        except SeatsUnavailable:
            # Someone bought or held one of them between our read and the seat locks: read again.
            free[:] = sellable_seats(show_id=show_id, now=now)
        except (HoldLimitReached, SeatLimitReached):
            return None  # the customer holds the most seats one may: skipped this time, keeps the place
        except (ShowStarted, ShowCancelled):
            return None
    return None


def offer_sweep(*, now: datetime | None = None) -> int:
    """Offer the seats that came back without an event (a hold or unpaid order that ran out) and settle lapsed
    offers, for every open list of a show to come with someone on it; returns the number of offers made.
    Run by the worker every minute (ticketing_system.celery) and by `manage.py offer_waitlist_seats`."""
    now = now or timezone.now()
    # A closed list offers nothing more, but its last offers still lapse and are written down (offer_returned_seats
    # settles them before it looks at whether the list is closed).
    show_ids = list(WaitingList.objects.filter(
        Q(closed_at__isnull=True, entries__status__in=Entry.ACTIVE) | Q(entries__status=Entry.Status.OFFERED),
        show__date_time__gt=now).order_by("show_id").values_list("show_id", flat=True).distinct())
    made = 0
    for show_id in show_ids:
        try:
            made += len(offer_returned_seats(show_id=show_id, now=now))
        except Busy:
            logger.info("Waiting list of show %s busy; offered on the next sweep.", show_id)
    return made


def close(*, show_id: int, now: datetime | None = None) -> WaitingList:
    """Staff close the show's waiting list: nobody joins any more, and those waiting are told by their entry's
    status (`closed`). Offers already made stay valid until they lapse."""
    now = now or timezone.now()
    with locked_transaction():
        if not Show.objects.filter(pk=show_id).exists():
            raise ShowNotFound()
        waiting_list = _lock_or_create_list(show_id, now=now)
        if not waiting_list.is_closed:
            waiting_list.closed_at = now
            waiting_list.save(update_fields=["closed_at"])
            closed = Entry.objects.filter(waiting_list=waiting_list, status=Entry.Status.WAITING).update(
                status=Entry.Status.CLOSED, ended_at=now)
            log_event_on_commit("waitlist_closed", show_id=show_id, entries_closed=closed)
    return waiting_list

