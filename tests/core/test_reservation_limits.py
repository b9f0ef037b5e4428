"""An account cannot tie up a show, or the sale, without paying (core.limits): MAX_SEATS_PER_CUSTOMER_PER_SHOW seats
of a show held or reserved unpaid, counted together, and MAX_UNPAID_RESERVATIONS_PER_ACCOUNT unpaid reservations
open, on every path that reserves; with 20 parallel requests of one account on PostgreSQL too (and a control)."""
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from common import precomposed
from core import limits
from core.errors import SeatLimitReached
from core.models import Booking
from core.services import booking as booking_service
from tests.concurrency_helpers import calls_meet, run_concurrently
from tests.conftest import client_for
from tests.factories import ShowFactory, UserFactory
from tests.seat_prices import set_seat_prices


def priced_show(**kwargs):
    show = ShowFactory(**kwargs)
    set_seat_prices("9.50", show)
    return show


def book(client, show, seat):
    return client.post(f"/shows/{show.id}/book/", {"seat_number": seat}, format="json")


def unpaid_count(user, show=None):
    bookings = Booking.objects.filter(user=user, status="booked", payment_status="unpaid")
    return (bookings if show is None else bookings.filter(show=show)).count()


@pytest.mark.django_db
@override_settings(MAX_SEATS_PER_CUSTOMER_PER_SHOW=3)
def test_direct_bookings_stop_at_the_per_show_limit_with_a_clear_409():
    show, user = priced_show(total_seats=20), UserFactory()
    client = client_for(user)
    assert [book(client, show, n).status_code for n in (1, 2, 3)] == [201, 201, 201]

    response = book(client, show, 4)

    assert response.status_code == 409
    assert response.json() == {"code": "seat_limit_reached", "limit": 3,
                               "limit_name": "MAX_SEATS_PER_CUSTOMER_PER_SHOW",
                               "detail": SeatLimitReached.PER_SHOW.format(limit=3)}
    assert unpaid_count(user, show) == 3
    # Another account is not affected, nor is this one at another show.
    assert book(client_for(UserFactory()), show, 4).status_code == 201
    assert book(client, priced_show(total_seats=20), 1).status_code == 201


@pytest.mark.django_db
@override_settings(MAX_SEATS_PER_CUSTOMER_PER_SHOW=4)
def test_holds_and_unpaid_reservations_count_together_on_every_path():
    show, user = priced_show(total_seats=20), UserFactory()
    client = client_for(user)
    assert client.post(f"/shows/{show.id}/hold/", {"seat_numbers": [1, 2]}, format="json").status_code == 201
    assert client.post(f"/shows/{show.id}/book/", {"seat_numbers": [3, 4]}, format="json").status_code == 201

    # Full: a hold, a booking of several seats, a booking of one seat are all refused.
    refused = [client.post(f"/shows/{show.id}/hold/", {"seat_numbers": [5]}, format="json"),
               client.post(f"/shows/{show.id}/book/", {"seat_numbers": [5, 6]}, format="json"),
               book(client, show, 5)]
    assert [(r.status_code, r.json()["code"]) for r in refused] == [(409, "seat_limit_reached")] * 3
    # Confirming the held seats adds nothing to the show's count: allowed.
    hold_id = client.get("/my-holds/").json()
    hold_id = (hold_id["results"] if isinstance(hold_id, dict) else hold_id)[0]["id"]
    assert client.post(f"/holds/{hold_id}/confirm/").status_code == 201
    assert unpaid_count(user, show) == 4


@pytest.mark.django_db
@override_settings(MAX_UNPAID_RESERVATIONS_PER_ACCOUNT=3)
def test_the_account_wide_limit_counts_unpaid_reservations_across_shows_and_confirming_a_hold():
    user = UserFactory()
    client = client_for(user)
    shows = [priced_show(total_seats=10) for _ in range(3)]
    assert book(client, shows[0], 1).status_code == 201
    assert client.post(f"/shows/{shows[1].id}/book/", {"seat_numbers": [1, 2]}, format="json").status_code == 201
    # Holding is not reserving: allowed; confirming the hold would be the fourth unpaid reservation.
    held = client.post(f"/shows/{shows[2].id}/hold/", {"seat_numbers": [1]}, format="json")
    assert held.status_code == 201

    refused = client.post(f"/holds/{held.json()['id']}/confirm/")

    assert refused.status_code == 409
    assert refused.json()["limit_name"] == "MAX_UNPAID_RESERVATIONS_PER_ACCOUNT"
    assert refused.json()["detail"] == SeatLimitReached.PER_ACCOUNT.format(limit=3)
    assert book(client, shows[2], 2).json()["code"] == "seat_limit_reached"
    assert unpaid_count(user) == 3
    # Free seats are not unpaid reservations.
    assert book(client, ShowFactory(total_seats=10), 1).status_code == 201


@pytest.mark.django_db
@override_settings(MAX_SEATS_PER_CUSTOMER_PER_SHOW=2)
def test_bookings_through_the_bookings_endpoint_are_limited_too():
    show, user = priced_show(total_seats=10), UserFactory()
    client = client_for(user)
    statuses = [client.post(f"/shows/{show.id}/bookings/", {"seat_numbers": [n]}, format="json").status_code
                for n in (1, 2, 3)]
    assert statuses[:2] == [201, 201] and statuses[2] == 409
    assert unpaid_count(user, show) == 2


PARALLEL = 20


def _counts_meet_each_other():
    """Make the requests count the account's seats at the same moment (a barrier just before the count, on both
    paths), so the control does not depend on the machine's scheduling: without the lock each counts before any
    other has written. (With the lock only one would ever be there; the real test has no barrier.)"""
    return calls_meet(limits, "allowances", PARALLEL, timeout=5)


def _race(show, user):
    client = client_for(user)
    return run_concurrently([lambda n=n: book(client, show, n).status_code for n in range(1, PARALLEL + 1)])


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@override_settings(MAX_SEATS_PER_CUSTOMER_PER_SHOW=5)
def test_twenty_parallel_bookings_of_one_account_never_exceed_the_limit():
    show, user = priced_show(total_seats=30), UserFactory()

    outcome = _race(show, user)

    assert not outcome.errors
    assert outcome.counts == {201: 5, 409: PARALLEL - 5}
    assert unpaid_count(user, show) == 5


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@override_settings(MAX_SEATS_PER_CUSTOMER_PER_SHOW=5)
def test_control_without_the_account_lock_the_limit_is_exceeded_and_the_test_sees_it():
    """The account's row lock removed (from the general path and from the fast path's claim): the counts of
    parallel requests no longer see each other, and more than the limit gets through."""
    show, user = priced_show(total_seats=30), UserFactory()
    unlocked = precomposed.rows(lambda user_id: get_user_model().objects.filter(pk=user_id).values_list("pk"),
                                ({"user_id": 900_000_001}, {"user_id": 900_000_002}))
    booking_service._fast_sql.cache_clear()
    try:
        with mock.patch.object(limits, "lock_account", lambda user_id: None), \
                mock.patch.object(limits, "composed_account_lock", lambda vendor: unlocked), \
                _counts_meet_each_other():
            outcome = _race(show, user)
    finally:
        booking_service._fast_sql.cache_clear()

    assert not outcome.errors
    assert unpaid_count(user, show) > 5


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_the_fast_path_takes_the_account_lock_before_the_seat():
    """Account, then seats: the order every writer keeps (core.limits), so the fast path cannot deadlock with a
    hold of the same account. The lock is the plan's one-time filter, evaluated before any seat row is read."""
    user, show = UserFactory(), priced_show(total_seats=5)
    claim, _ = booking_service._fast_sql(connection.vendor, ())
    params = [*limits.composed_account_lock(connection.vendor).query.bind(user_id=user.pk), "booked", show.pk, 1,
              *booking_service._claim_condition(connection.vendor).bind(show.date_time)]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + claim, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "One-Time Filter" in plan and "LockRows" in plan, plan


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_the_limits_count_reads_only_the_accounts_open_unpaid_reservations():
    """Every booking runs the limits' counts (in the fast path's INSERT). They must read the account's few unpaid
    reservations through their partial index, not every active booking of the show or of the sale filtered by
    account: that made each booking dearer as the sale went on (docs/performance.md)."""
    show, customers = priced_show(total_seats=300), UserFactory.create_batch(3)
    user = UserFactory()
    Booking.objects.bulk_create([Booking(user=customers[n % 3], show=show, seat_number=n, price="9.50",
                                         payment_status=Booking.PaymentStatus.FREE if n % 2
                                         else Booking.PaymentStatus.UNPAID)
                                 for n in range(1, 301)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE core_booking")
        # A table this small is read whole more cheaply than through any index; which index the counts use is
        # what is asked here (the test's transaction ends the setting).
        cursor.execute("SET LOCAL enable_seqscan = off")
    query = limits.within_limits(user_id=user.pk, show_id=show.pk, now=show.date_time, seats_allowed=10,
                                 unpaid_allowed=20)
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # Both unpaid counts (the show's and the account's open ones) go through the index, and no booking is read
    # through another index of the table.
    assert plan.count("booking_unpaid_open_idx") == 2, plan
    other_indexes = [index for index in _indexes_of("core_booking") if index != "booking_unpaid_open_idx"]
    assert not [index for index in other_indexes if index in plan], plan


def _indexes_of(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.postgres_only
@pytest.mark.django_db
@override_settings(MAX_UNPAID_RESERVATIONS_PER_ACCOUNT=1)
def test_the_fast_path_counts_only_for_a_booking_that_adds_to_the_counts():
    """A free seat adds nothing to what the limits count (core.limits.adds_to_counts): its booking statement does not
    count the account's reservations, as the general path does not check it; a priced seat's does, and is refused at
    the limit. Both are booked by the fast path (one INSERT into the bookings' table each)."""
    user = UserFactory()
    client = client_for(user)

    def inserts(show, seat):
        with CaptureQueriesContext(connection) as queries:
            response = book(client, show, seat)
        return response, [q["sql"] for q in queries.captured_queries if 'INSERT INTO "core_booking"' in q["sql"]]

    priced, refused_show, free = priced_show(total_seats=5), priced_show(total_seats=5), ShowFactory(total_seats=5)
    response, statements = inserts(priced, 1)
    assert response.status_code == 201 and len(statements) == 1
    assert 'COUNT(' in statements[0]
    # The account now has its one unpaid reservation: another priced seat is refused, a free one is booked.
    assert book(client, refused_show, 1).json()["code"] == "seat_limit_reached"
    response, statements = inserts(free, 1)
    assert response.status_code == 201 and len(statements) == 1
    assert 'COUNT(' not in statements[0]
    assert response.json()["seat_number"] == 1
