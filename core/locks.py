"""Transactions and row locks for the services that change seat state.

The rule (as in Zulip's database-concurrency notes and pretix's `lock_objects`): whenever a decision is made
from what was read ("is seat 15 free?") and then written, the read happens under a lock that every other writer
of that state also takes. For seats, that lock is the seat's own row (`core.models.ShowSeat`): it always exists
(a show's seat rows are created with the show), and its `state` is the truth the decision is about.

- A seat writer (book, hold, confirm, release, cancel a booking, block, unblock) locks the rows of the seats it
  changes, in seat-number order (`lock_seats`), so bookings of *different* seats of one show run in parallel and
  two writers of overlapping seats queue instead of deadlocking.
- A show-wide writer (cancel the show, reschedule it, change its prices or movie, delete it) locks the show row
  and then *all* of its seat rows, in the same seat-number order (`lock_show_and_all_seats`). It therefore waits
  for every seat writer in flight and every later seat writer waits for it: a cancel can never miss a booking
  that commits "at the same moment". Locking all rows costs a show-wide writer one statement over the show's
  seats (at most MAX_TOTAL_SEATS rows), which is rare staff work; the alternative (seat writers taking the show
  row FOR SHARE) would add a lock to every booking, the hot path, for the benefit of the rare path.
- A seat writer reads the show (status, start time) *after* it holds its seat locks, in a statement of its own:
  under READ COMMITTED each statement sees what was committed when it started, so a cancel or reschedule that
  committed while we waited for the seats is seen. (Reading the show joined into the locking statement would
  not: PostgreSQL re-checks only the locked rows after a lock wait, not the joined ones.)

On SQLite `select_for_update` is a no-op; the settings make every transaction `BEGIN IMMEDIATE`, which takes
the database's single write lock up front and gives the same serialisation (only without the parallelism).
"""

import functools

from django.db import connection, connections, router

from common import precomposed
from core.errors import ShowNotFound
from core.models import Show

# How many seats a composed seat lock takes at most: one statement text per count (`_composed_seat_lock`), so a
# process keeps at most this many. A booking or hold asks for a few seats; more fall back to the queryset.
COMPOSED_SEAT_LOCK_MAX = 16


def _require_transaction(what: str) -> None:
    if not connection.in_atomic_block:
        raise RuntimeError(f"{what}() must be called inside a transaction")


def lock_seats(show_id: int, seat_numbers: list[int]) -> list:
    """Lock and return the show's seat rows for `seat_numbers` (those that exist), in seat-number order.

    Call inside `locked_transaction()`. Seats that do not exist are simply missing from the result.
    """
    from core.models import ShowSeat

    _require_transaction("lock_seats")
    # Numbers no layout has cannot exist (and a huge one would not even fit the database's integer).
    seat_numbers = [n for n in seat_numbers if 1 <= n <= Show.MAX_TOTAL_SEATS]
    if not seat_numbers:
        return []
    if len(seat_numbers) > COMPOSED_SEAT_LOCK_MAX:
        return list(_seats_to_lock(show_id, seat_numbers))
    # The same queryset, composed once per process and count of seats: composing it through the ORM cost more CPU
    # than PostgreSQL spends running it, on every hold, every multi-seat booking and every refused one (the
    # 409 of a seat just sold, docs/performance.md).
    using = router.db_for_write(ShowSeat)
    composed = _composed_seat_lock(connections[using].vendor, len(seat_numbers))
    return composed.fetch(using, show_id=show_id, **{f"n{i}": n for i, n in enumerate(seat_numbers)})


def _seats_to_lock(show_id: int, seat_numbers: list[int]):
    """The seat rows `lock_seats` locks. ORDER BY number: every seat writer locks in the same order, so two of them
    never wait for each other in a cycle. of=("self",) is implied (no join), and no row of any other table is
    locked."""
    from core.models import ShowSeat

    return ShowSeat.objects.select_for_update().filter(show_id=show_id, number__in=seat_numbers).order_by("number")


@functools.cache
def _composed_seat_lock(vendor: str, count: int) -> precomposed.Instances:
    names = [f"n{i}" for i in range(count)]
    # Two sets of sample values, all distinct (common.precomposed.query finds each value's place by them).
    samples = tuple({"show_id": 900_000_000 + run, **{name: 1_000 * (run + 1) + i for i, name in enumerate(names)}}
                    for run in (0, 1))
    return precomposed.instances(
        lambda show_id, **numbers: _seats_to_lock(show_id, [numbers[name] for name in names]), samples)


def lock_show_and_all_seats(show_id: int) -> Show:
    """For show-wide writers: lock the show row, then every seat row of the show in seat-number order.

    Holding all the seat rows means no seat writer is in flight and none can start until we commit (see the
    module docstring). The show row lock serialises show-wide writers among themselves first, so two of them
    never contend seat by seat.
    """
    from core.models import ShowSeat

    _require_transaction("lock_show_and_all_seats")
    # FOR NO KEY UPDATE, not FOR UPDATE: every booking inserts a row referencing the show, which takes FOR KEY SHARE
    # on the show row. FOR UPDATE would conflict with that, so a booking holding seat 5 would wait for us on the
    # show row while we wait for it on seat 5: a deadlock. NO KEY UPDATE still serialises show-wide writers.
    shows = Show.objects.select_for_update(no_key=True).with_relations()
    if connection.features.has_select_for_update_of:
        shows = shows.select_for_update(no_key=True, of=("self",))
    show = shows.filter(pk=show_id).first()
    if show is None:
        raise ShowNotFound()
    # values_list keeps it cheap: the rows are locked, nothing of them is needed here.
    list(ShowSeat.objects.select_for_update().filter(show_id=show_id).order_by("number").values_list("pk", flat=True))
    return show
