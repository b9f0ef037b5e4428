"""Reads of the waiting lists: a customer's entries with their place in line, and a show's list for staff."""
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from core.errors import ShowNotFound
from core.models import Show, ShowSeat
from core.prices import adult_prices
from core.selectors import from_price
from waitlist.models import Entry, WaitingList
from waitlist.services import offer_outcomes


def _with_positions(entries: list[Entry], *, now: datetime) -> list[Entry]:
    """Set each entry's `position` (1 = next to be offered; None once it is not waiting) and its status as of
    `now` (an offer that lapsed shows `expired` before the next offer round writes it down)."""
    outcomes = offer_outcomes(entries, now=now)
    for entry in entries:
        entry.status = outcomes.get(entry.pk, entry.status)
        entry.position = None
        if entry.status == Entry.Status.WAITING:
            entry.position = Entry.objects.filter(waiting_list_id=entry.waiting_list_id, status=Entry.Status.WAITING,
                                                  id__lte=entry.pk).count()
    return entries


def entry_get(*, entry_id: int, now: datetime | None = None) -> Entry:
    entry = Entry.objects.select_related("waiting_list__show__movie").get(pk=entry_id)
    return _with_positions([entry], now=now or timezone.now())[0]


def entry_list_for_user(*, user, now: datetime | None = None, active_only: bool = False) -> list[Entry]:
    """The user's entries, newest first: waiting and offered ones with their place, and (unless `active_only`)
    their history. One query, plus one per waiting entry (its place) and one per offer (what became of it)."""
    entries = Entry.objects.filter(user=user).select_related("waiting_list__show__movie").order_by("-id")
    if active_only:
        entries = entries.filter(status__in=Entry.ACTIVE)
    entries = list(entries)
    return _with_positions(entries, now=now or timezone.now())


def active_entry_for_show(*, user, show_id: int, now: datetime | None = None) -> Entry | None:
    entry = (Entry.objects.filter(user=user, waiting_list__show_id=show_id, status__in=Entry.ACTIVE)
             .select_related("waiting_list__show__movie").first())
    return _with_positions([entry], now=now or timezone.now())[0] if entry else None


def seat_price(show: Show, category: str) -> Decimal:
    """The Adult price of one seat of `category`; for "any category", the show's "from" price (core.selectors:
    what the list is worth at the least)."""
    prices = adult_prices(show.prices)
    if category in prices:
        return prices[category]
    least = from_price([show])
    if least is not None:
        return least
    cheapest = ShowSeat.objects.filter(show=show).order_by("price").values_list("price", flat=True).first()
    return cheapest if cheapest is not None else Decimal("0.00")


def show_waitlist(*, show_id: int, now: datetime | None = None) -> dict:
    """A show's waiting list for staff: its active entries in line order, how many seats they wait for, and the
    revenue that represents at the standard price (pretix's "you could sell N more tickets")."""
    now = now or timezone.now()
    show = Show.objects.filter(pk=show_id).first()
    if show is None:
        raise ShowNotFound()
    waiting_list = WaitingList.objects.filter(show=show).first()
    entries = []
    if waiting_list is not None:
        entries = _with_positions(list(Entry.objects.filter(waiting_list=waiting_list, status__in=Entry.ACTIVE)
                                       .select_related("user", "waiting_list__show__movie").order_by("id")), now=now)
        entries = [entry for entry in entries if entry.status in Entry.ACTIVE]
    waiting = [entry for entry in entries if entry.status == Entry.Status.WAITING]
    return {
        "show": show.pk,
        "closed": waiting_list is not None and waiting_list.is_closed,
        "waiting_entries": len(waiting),
        "waiting_seats": sum(entry.seats for entry in waiting),
        "offered_seats": sum(entry.seats for entry in entries if entry.status == Entry.Status.OFFERED),
        "revenue": sum((entry.seats * seat_price(show, entry.category) for entry in waiting), Decimal("0.00")),
        "entries": entries,
    }
