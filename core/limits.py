"""How much of the sale one account may tie up without paying: the one home of the limits.

Two settings: MAX_SEATS_PER_CUSTOMER_PER_SHOW, the most seats of one show an account may have held (live holds,
including those keeping a pending order's seats) *or* reserved unpaid (to pay at the box office), the two counted
together; and MAX_UNPAID_RESERVATIONS_PER_ACCOUNT, the most unpaid reservations (seats of shows not yet started)
it may have open across all shows. Free seats and paid ones are not counted: they cost the cinema nothing or were
paid. MAX_SEATS_PER_BOOKING stays what it was, the size of one request and of what is held at once.

The counts span rows no seat lock covers (other seats, other shows), so every writer that adds to them first
locks the account's row (`lock_account`), then its seats: requests of one account queue, other accounts' do not.
The rule is written once, as a queryset (`within_limits`); the booking fast path runs the same queryset's SQL,
compiled once per process (common.precomposed.query), inside its INSERT (core.services.booking).
"""
import functools
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, connections, router
from django.db.models import F, Func, IntegerField, OuterRef, QuerySet, Subquery

from common import precomposed
from core.errors import SeatLimitReached
from core.models import Booking, ShowSeat
from core.sellable import sellable_now


def _count(queryset: QuerySet) -> Subquery:
    # COUNT as a plain function, not the Count aggregate: the aggregate made each subquery GROUP BY, which PostgreSQL
    # planned in several times as long, on every booking (docs/performance.md). Without GROUP BY a count always has
    # its one row, 0 when nothing matches.
    return Subquery(queryset.order_by().annotate(n=Func("pk", function="COUNT")).values("n"),
                    output_field=IntegerField())


def within_limits(*, user_id: int, show_id: int, now: datetime, seats_allowed: int, unpaid_allowed: int) -> QuerySet:
    """The account's row if it has at most `seats_allowed` seats of the show held or reserved unpaid and at most
    `unpaid_allowed` unpaid reservations open at `now`; empty otherwise. (Allowed = the limit minus what a request
    adds: `check_limits`.)"""
    held = (ShowSeat.objects.filter(show_id=show_id, state=ShowSeat.State.HELD, hold__user_id=OuterRef("pk"))
            .exclude(sellable_now(now=now)))
    unpaid = Booking.objects.filter(user_id=OuterRef("pk"), status=Booking.Status.BOOKED, order__isnull=True,
                                    payment_status=Booking.PaymentStatus.UNPAID)
    return (get_user_model().objects.filter(pk=user_id)
            .annotate(held_in_show=_count(held),
                      unpaid_in_show=_count(unpaid.filter(show_id=show_id)),
                      unpaid_open=_count(unpaid.filter(show__date_time__gt=now)))
            .filter(unpaid_open__lte=unpaid_allowed)
            .alias(in_show=F("held_in_show") + F("unpaid_in_show"))
            .filter(in_show__lte=seats_allowed)
            .values("pk"))


def adds_to_counts(*, adding_seats: int, adding_unpaid: int) -> bool:
    """Whether a request adding `adding_seats` seats to the show's count and `adding_unpaid` unpaid reservations
    can take the account past a limit at all. A request that adds nothing (a free seat, a paid one) cannot: it is
    not counted, and nothing is checked for it."""
    return adding_seats > 0 or adding_unpaid > 0


def allowances(*, adding_seats: int, adding_unpaid: int) -> dict:
    """`within_limits`'s `seats_allowed` and `unpaid_allowed` for a request adding `adding_seats` seats to the show's
    count (newly held or newly reserved unpaid) and `adding_unpaid` unpaid reservations."""
    return {"seats_allowed": settings.MAX_SEATS_PER_CUSTOMER_PER_SHOW - adding_seats,
            "unpaid_allowed": settings.MAX_UNPAID_RESERVATIONS_PER_ACCOUNT - adding_unpaid}


def lock_account(user_id: int) -> None:
    """Lock the account's row (call first in the transaction, before any seat: the order every writer keeps).

    NO KEY UPDATE, not UPDATE: it does not conflict with the KEY SHARE locks that inserting a row referencing the
    account takes (bookings, idempotency keys), so only requests of the same account wait for each other. On
    SQLite every writing transaction already holds the database's one write lock (BEGIN IMMEDIATE, core.locks)
    and FOR UPDATE is not sent: the statement would be a plain read, so it is not run."""
    if connection.features.has_select_for_update:
        # The queryset composed once per process (composing it cost more than running it, on every hold and every
        # booking the fast path leaves to the general one).
        using = router.db_for_write(get_user_model())
        composed_account_lock(connections[using].vendor).fetch(using, user_id=user_id)


def lock_account_query(user_id: int) -> QuerySet:
    return get_user_model().objects.select_for_update(no_key=True).filter(pk=user_id).values_list("pk")


@functools.cache
def composed_account_lock(vendor: str) -> precomposed.Rows:
    """`lock_account_query` compiled once per process: `fetch` runs it; `query` is its SQL, to compose into another
    statement (the booking fast path's claim, core.services.booking)."""
    return precomposed.rows(lambda user_id: lock_account_query(user_id),
                            ({"user_id": 900_000_001}, {"user_id": 900_000_002}))


def check_limits(*, user_id: int, show_id: int, now: datetime, adding_seats: int, adding_unpaid: int) -> None:
    """Raise SeatLimitReached if the request would take the account past a limit. Call after `lock_account`."""
    if not adds_to_counts(adding_seats=adding_seats, adding_unpaid=adding_unpaid):
        return
    allowed = allowances(adding_seats=adding_seats, adding_unpaid=adding_unpaid)
    if within_limits(user_id=user_id, show_id=show_id, now=now, **allowed).exists():
        return
    # Which limit: the per-show one alone, asked the same way.
    if not within_limits(user_id=user_id, show_id=show_id, now=now, seats_allowed=allowed["seats_allowed"],
                         unpaid_allowed=settings.MAX_UNPAID_RESERVATIONS_PER_ACCOUNT + 10**6).exists():
        raise SeatLimitReached(limit=settings.MAX_SEATS_PER_CUSTOMER_PER_SHOW, per_account=False)
    raise SeatLimitReached(limit=settings.MAX_UNPAID_RESERVATIONS_PER_ACCOUNT, per_account=True)
