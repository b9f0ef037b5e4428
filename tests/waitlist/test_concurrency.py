"""Races around the waiting list, with real threads on their own connections (PostgreSQL: `postgres_only`).

The promise: however cancels, joins and offers interleave, a seat is offered to one person at most, a person gets
one offer at most, the first in line are offered first, and a customer is never left waiting while a seat they
could have is free.
"""
from unittest import mock

import pytest

from core.models import Hold, HoldSeat, ShowSeat
from core.services import booking as booking_service
from tests.concurrency_helpers import calls_meet, run_concurrently
from tests.conftest import client_for
from tests.factories import BookingFactory, ShowFactory, UserFactory
from waitlist import services
from waitlist.models import Entry, WaitingList

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]


def _sold_out(seats: int):
    show = ShowFactory(total_seats=seats)
    buyer = UserFactory()
    return show, [BookingFactory(show=show, user=buyer, seat_number=n) for n in range(1, seats + 1)]


def _canceller(booking):
    # The offer runs in the same thread, right after the cancel's commit (waitlist.receivers).
    return lambda: booking_service.booking_cancel(user=booking.user, booking_id=booking.pk) and 200


def _offers_meet_each_other():
    """Make offer rounds that run at once read the free seats at the same moment (a barrier in front of the read).
    Under the list lock only one round is ever there: it waits out the timeout and goes on alone."""
    return calls_meet(services, "sellable_seats", 3)


def assert_offered_once_in_order(show, entries):
    entries = [Entry.objects.get(pk=entry.pk) for entry in entries]
    held = list(HoldSeat.objects.filter(show=show).values_list("seat_number", flat=True))
    assert len(held) == len(set(held)), "a seat is in two holds"
    per_user = {}
    for user_id in Hold.objects.filter(show=show).values_list("user_id", flat=True):
        per_user[user_id] = per_user.get(user_id, 0) + 1
    assert all(count == 1 for count in per_user.values()), f"someone was offered twice: {per_user}"
    offered = [entry for entry in entries if entry.status == "offered"]
    for entry in offered:
        assert Hold.objects.get(pk=entry.hold_id).user_id == entry.user_id
    # First come, first served: the offered entries are the first in line.
    assert [e.pk for e in offered] == [e.pk for e in entries[:len(offered)]]
    return offered


def test_three_seats_returning_at_once_are_offered_once_each_in_order():
    show, bookings = _sold_out(6)
    entries = [services.join(user=UserFactory(), show_id=show.pk, seats=1) for _ in range(2)]

    with _offers_meet_each_other():
        outcome = run_concurrently([_canceller(b) for b in bookings[:3]])

    assert not outcome.errors, outcome.errors
    offered = assert_offered_once_in_order(show, entries)
    assert len(offered) == 2
    # The third seat had nobody to go to: it is on sale again.
    free = ShowSeat.objects.filter(show=show, state="free").values_list("number", flat=True)
    assert len(free) == 1


def test_control_without_the_list_lock_the_race_happens_and_the_test_sees_it():
    """Proves the test above can fail: without the list's lock, rounds that run at once each see the first in
    line still waiting and offer them seats again."""
    show, bookings = _sold_out(6)
    entries = [services.join(user=UserFactory(), show_id=show.pk, seats=1) for _ in range(2)]

    def without_locking(show_id):
        return WaitingList.objects.filter(show_id=show_id).first()

    with _offers_meet_each_other(), mock.patch.object(services, "_lock_list", without_locking):
        outcome = run_concurrently([_canceller(b) for b in bookings[:3]])

    assert not outcome.errors, outcome.errors
    with pytest.raises(AssertionError, match="offered twice"):
        assert_offered_once_in_order(show, entries)


def test_cancels_and_joins_at_once_never_leave_a_customer_waiting_beside_a_free_seat():
    for _round in range(5):
        show, bookings = _sold_out(4)
        first = services.join(user=UserFactory(), show_id=show.pk, seats=1)
        joiners = [UserFactory() for _ in range(3)]
        statuses = {}

        def joiner(user, show=show, statuses=statuses):
            def join():
                response = client_for(user).post(f"/shows/{show.pk}/waitlist/", {"seats": 1}, format="json")
                statuses[user.pk] = (response.status_code, response.json().get("code"))
                return response.status_code
            return join

        outcome = run_concurrently([_canceller(bookings[0]), _canceller(bookings[1]),
                                    *[joiner(u) for u in joiners]])

        assert not outcome.errors, outcome.errors
        assert set(outcome.counts) <= {200, 201, 409}, outcome.counts
        assert all(code in (None, "seats_available") for _, code in statuses.values()), statuses
        entries = list(Entry.objects.filter(waiting_list__show=show).order_by("id"))
        assert entries[0].pk == first.pk
        offered = assert_offered_once_in_order(show, entries)
        free = ShowSeat.objects.filter(show=show, state="free").count()
        waiting = [e for e in entries if e.status == "waiting"]
        # Two seats came back: the first in line got one; a seat left free means nobody is still waiting.
        assert first.pk in [e.pk for e in offered]
        assert not (free and waiting), (free, [e.pk for e in waiting])
