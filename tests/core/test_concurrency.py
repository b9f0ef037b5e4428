"""Races with real threads, each on its own database connection, through the whole HTTP stack.

These run on SQLite (`make test`) and again on PostgreSQL (`TEST_DATABASE_URL`, CI). They assert the promise:
a seat is sold once however many people press "book" at the same moment, and nobody gets a 5xx for it.
"""
import logging
import threading
from unittest import mock

import pytest
from django.test import override_settings

from common.errors import Busy
from core.models import Booking, Show, ShowSeat
from core.services import booking as booking_service
from tests.concurrency_helpers import Outcome, row_locked_elsewhere, run_concurrently
from tests.conftest import client_for
from tests.factories import ShowFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 24
BACKSTOP_MESSAGE = "double-booked past the lock"


def booker(user, show_id: int, seat_number: int):
    client = client_for(user)
    return lambda: client.post(f"/shows/{show_id}/book/", {"seat_number": seat_number}, format="json").status_code


def backstop_hits(caplog) -> int:
    return sum(BACKSTOP_MESSAGE in r.getMessage() for r in caplog.records)


def assert_one_winner(outcome: Outcome, show: Show, seat: int, caplog) -> None:
    assert not outcome.errors, outcome.errors
    assert outcome.counts == {201: 1, 409: CLIENTS - 1}, outcome.counts
    assert Booking.objects.filter(show=show, seat_number=seat, status="booked").count() == 1
    # Every loser was refused by the check under the lock; none got as far as the unique constraint. If the
    # constraint had to step in, the lock did not do its job (see the control test below).
    assert backstop_hits(caplog) == 0, f"{backstop_hits(caplog)} requests got past the lock to the constraint"


def test_many_clients_one_seat_exactly_one_wins(caplog):
    caplog.set_level(logging.WARNING)
    show = ShowFactory(total_seats=10)
    users = UserFactory.create_batch(CLIENTS)

    outcome = run_concurrently([booker(u, show.id, 5) for u in users])

    assert_one_winner(outcome, show, 5, caplog)


def test_more_clients_than_seats_never_overbooks():
    show = ShowFactory(total_seats=5)
    users = UserFactory.create_batch(CLIENTS)

    # Every seat is wanted by several clients at once.
    outcome = run_concurrently([booker(u, show.id, i % 5 + 1) for i, u in enumerate(users)])

    assert not outcome.errors, outcome.errors
    assert outcome.counts == {201: 5, 409: CLIENTS - 5}
    active = Booking.objects.filter(show=show, status="booked")
    assert active.count() == 5
    assert sorted(active.values_list("seat_number", flat=True)) == [1, 2, 3, 4, 5]


def test_book_cancel_rebook_cycles_of_one_seat():
    show = ShowFactory(total_seats=3)
    users = UserFactory.create_batch(8)
    rounds = 6

    def cycle(user):
        client = client_for(user)

        def run():
            statuses = []
            for _ in range(rounds):
                response = client.post(f"/shows/{show.id}/book/", {"seat_number": 2}, format="json")
                statuses.append(response.status_code)
                if response.status_code == 201:
                    statuses.append(client.post(f"/bookings/{response.json()['id']}/cancel/").status_code)
            return statuses

        return run

    outcome = run_concurrently([cycle(u) for u in users])

    assert not outcome.errors, outcome.errors
    counts = outcome.counts
    assert set(counts) <= {200, 201, 409}, counts
    assert counts[201] >= 1
    # Every booking that succeeded was cancelled by its owner, exactly once; the history keeps them all.
    assert counts[200] == counts[201]
    assert Booking.objects.filter(show=show, seat_number=2, status="cancelled").count() == counts[201]
    assert not Booking.objects.filter(show=show, status="booked").exists()


@pytest.mark.postgres_only
def test_control_without_the_lock_the_race_happens_and_the_test_sees_it(caplog):
    """Proves the race test can fail: patch the lock out and the same assertions catch it.

    Without the seat row lock, every client reads "seat free" before any of them writes (a barrier after the read
    makes that certain rather than likely). The unique constraint still refuses the extra bookings, so the
    seat is not sold twice, but only thanks to the last line of defence, and `assert_one_winner` reports it.
    """
    caplog.set_level(logging.WARNING)
    show = ShowFactory(total_seats=10)
    users = UserFactory.create_batch(CLIENTS)
    everyone_has_read = threading.Barrier(CLIENTS)
    real_classify = booking_service.classify

    def read_seats_without_locking(show_id, seat_numbers):
        return list(ShowSeat.objects.filter(show_id=show_id, number__in=seat_numbers).order_by("number"))

    def classify_then_wait(seats, *, user, now):
        classes = real_classify(seats, user=user, now=now)
        everyone_has_read.wait(timeout=30)
        return classes

    # The general path (PostgreSQL's fast path for a free seat is left out here; its control is the next test).
    with mock.patch.object(booking_service, "_book_free_seat", return_value=None), \
            mock.patch.object(booking_service, "lock_seats", read_seats_without_locking), \
            mock.patch.object(booking_service, "classify", classify_then_wait):
        outcome = run_concurrently([booker(u, show.id, 5) for u in users])

    with pytest.raises(AssertionError, match="got past the lock"):
        assert_one_winner(outcome, show, 5, caplog)
    assert backstop_hits(caplog) == CLIENTS - 1
    # ... and the constraint did hold: still one booking, no 5xx.
    assert outcome.counts == {201: 1, 409: CLIENTS - 1}


@pytest.mark.postgres_only
def test_control_without_the_claims_condition_the_race_happens_and_the_test_sees_it(caplog):
    """The same proof for the fast path (core.services.booking): its conditional UPDATE is the seat's lock and
    check in one statement. With the condition made always true, every client "claims" the seat; only the unique
    constraint stops the extra bookings, and `assert_one_winner` reports that they got past the lock."""
    caplog.set_level(logging.WARNING)
    show = ShowFactory(total_seats=10)
    users = UserFactory.create_batch(CLIENTS)
    claim, _ = booking_service._fast_sql("postgresql", ())
    condition = claim[claim.index("AND (") + 4:claim.index(" RETURNING")]
    unconditional = claim.replace(condition, "(%s IS NOT NULL OR %s IS NOT NULL OR %s IS NOT NULL)")
    assert unconditional != claim

    real_fast_sql = booking_service._fast_sql
    with mock.patch.object(booking_service, "_fast_sql",
                           lambda vendor, extensions, counted=True:
                           (unconditional, real_fast_sql(vendor, extensions, counted)[1])):
        outcome = run_concurrently([booker(u, show.id, 5) for u in users])

    with pytest.raises(AssertionError, match="got past the lock"):
        assert_one_winner(outcome, show, 5, caplog)
    assert backstop_hits(caplog) == CLIENTS - 1
    assert outcome.counts == {201: 1, 409: CLIENTS - 1}


@pytest.mark.postgres_only
@override_settings(BOOKING_LOCK_TIMEOUT_MS=200, BUSY_RETRY_AFTER_SECONDS=2)
def test_lock_wait_is_bounded_and_answered_with_503_busy():
    show = ShowFactory()
    user = UserFactory()

    with row_locked_elsewhere(ShowSeat.objects.filter(show=show, number=1)):
        response = client_for(user).post(f"/shows/{show.id}/book/", {"seat_number": 1}, format="json")

    assert response.status_code == 503
    assert response.json() == {"detail": Busy.message, "code": "busy"}
    assert response["Retry-After"] == "2"
    assert not Booking.objects.exists()
    # Once the lock is free, the same request goes through.
    assert client_for(user).post(f"/shows/{show.id}/book/", {"seat_number": 1}, format="json").status_code == 201
