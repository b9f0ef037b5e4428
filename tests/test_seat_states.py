"""The seat check under the show lock is one hand-written statement (for speed, see core.services.booking): it
must answer what the equivalent ORM queries answer, on SQLite and PostgreSQL (datetimes are stored differently)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import Booking, Hold, HoldSeat
from core.services.booking import HeldSeat, seat_states
from tests.factories import BookingFactory, ShowFactory, UserFactory

pytestmark = pytest.mark.django_db


def orm_seat_states(show, seat_numbers, now):
    booked = set(Booking.objects.filter(show=show, status="booked", seat_number__in=seat_numbers)
                 .values_list("seat_number", flat=True))
    held = {seat: HeldSeat(row_id, hold_id, user_id) for seat, row_id, hold_id, user_id in
            HoldSeat.objects.filter(show=show, seat_number__in=seat_numbers, hold__expires_at__gt=now)
            .values_list("seat_number", "pk", "hold_id", "hold__user_id")}
    return booked, held


def hold(show, user, seats, expires_at):
    h = Hold.objects.create(user=user, show=show, expires_at=expires_at, created_at=expires_at - timedelta(minutes=8))
    HoldSeat.objects.bulk_create(HoldSeat(hold=h, show=show, seat_number=s) for s in seats)
    return h


def test_answers_what_the_orm_answers(show):
    now = timezone.now()
    alice, bob = UserFactory(), UserFactory()
    BookingFactory(show=show, seat_number=2)
    BookingFactory(show=show, seat_number=3, status="cancelled", cancelled_at=now)
    BookingFactory(show=ShowFactory(), seat_number=4)  # another show's
    live = hold(show, alice, [5, 6], now + timedelta(minutes=5))
    hold(show, bob, [7], now - timedelta(microseconds=1))  # expired a moment ago
    hold(show, bob, [8], now)  # expires exactly now: no longer live
    hold(ShowFactory(), bob, [9], now + timedelta(minutes=5))  # another show's

    for seats in ([1, 2, 3, 4], [5], [2, 5, 6, 7, 8, 9], [7, 8], list(range(1, 11))):
        assert seat_states(show, seats, now=now) == orm_seat_states(show, seats, now)

    booked, held = seat_states(show, list(range(1, 11)), now=now)
    assert booked == {2}
    assert set(held) == {5, 6} and {h.hold_id for h in held.values()} == {live.id}
    assert {h.user_id for h in held.values()} == {alice.id}


def test_a_later_now_sees_the_hold_expired(show):
    now = timezone.now()
    hold(show, UserFactory(), [5], now + timedelta(minutes=5))

    assert set(seat_states(show, [5], now=now).held) == {5}
    assert seat_states(show, [5], now=now + timedelta(minutes=5)).held == {}


def test_no_seats_asked_is_an_empty_answer(show):
    BookingFactory(show=show, seat_number=1)

    assert seat_states(show, [], now=timezone.now()) == (set(), {})
