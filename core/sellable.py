"""What "this seat can be sold now" means: the one home of the rule, in the two forms the code needs.

A seat row (`core.models.ShowSeat`) can be sold at `now` when it is free, or when it is held and its hold is
*proven* expired: `held_until` is set and not after `now`. Booked and blocked seats cannot be sold.

The rule is written twice, side by side, because the code needs it in two places that cannot share one text:
`sellable_now` is the condition the database evaluates (querysets, and the booking fast path's claim UPDATE,
which is compiled from it once per process: `core.services.booking._fast_sql`); `is_sellable` is the same rule
for rows already in Python (locked seats in the services, the seat map's tuples). Everything else calls one of
these two; tests/core/test_sellable_rule.py runs both, the fast path's SQL and the benchmark's pgbench scripts over one
table of cases, so a change to one form that the others do not follow fails there.

A held seat with no `held_until` is NOT sellable. A seat is sold only when its hold is proven expired, and a hold
with no end proves nothing: counting it as free would sell a seat someone may be paying for, while counting it
as held at worst keeps a seat off sale until staff look at it. The database makes that row impossible anyway
(`showseat_hold_fields_match_state` in core.models; migration 0008 repaired older rows), so this choice only
keeps SQL (where `NULL <= now` is not true) and Python saying the same thing about it.

Whether the seat row still names its hold does not enter the rule: the expiry is what is proven or not. (The same
constraint makes a held seat without its hold impossible too.)

Imports only core.models, so every layer that reads or writes seats can use it.
"""
from datetime import datetime

from django.db.models import Q

from core.models import ShowSeat


def sellable_now(*, now: datetime, prefix: str = "") -> Q:
    """The seat rows that can be sold at `now`; `prefix` reaches them through a relation (e.g. "seats__").

    `held_until IS NOT NULL` is spelled out although SQL's `held_until <= now` is already not true for NULL: so the
    condition reads as `is_sellable` does, and stays right when negated (`~`, `.exclude()`).
    """
    return (Q(**{f"{prefix}state": ShowSeat.State.FREE})
            | Q(**{f"{prefix}state": ShowSeat.State.HELD, f"{prefix}held_until__isnull": False,
                   f"{prefix}held_until__lte": now}))


def is_sellable(state: str, held_until: datetime | None, *, now: datetime) -> bool:
    """`sellable_now` for one row already read: its `state` and `held_until`."""
    if state == ShowSeat.State.FREE:
        return True
    return state == ShowSeat.State.HELD and held_until is not None and held_until <= now
