"""Races around holds, multi-seat bookings and idempotency keys, with real threads on their own connections.

Run on SQLite and on PostgreSQL (CI runs both). The promise under test: however requests interleave, a seat is
in at most one of {an active booking, an unexpired hold}, every request gets 201 or a clean 4xx (never a 5xx, never
a deadlock), and a retried idempotent request creates nothing twice.
"""
import logging
import threading
from datetime import timedelta
from functools import partial
from itertools import combinations

import pytest
from django.utils import timezone

from common.errors import DomainError
from core.models import Booking, Hold, HoldSeat
from core.services import booking as booking_service
from core.services import holds as hold_service
from tests.concurrency_helpers import run_concurrently
from tests.conftest import client_for
from tests.factories import ShowFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 16
PAST_THE_LOCK = ("double-booked past the lock", "held twice past the lock")


class Responses:
    """Thread-safe record of (status, JSON body) per request."""

    def __init__(self):
        self._lock = threading.Lock()
        self.items: list[tuple[int, object]] = []

    def post(self, client, path, body=None, **kwargs):
        def request():
            response = client.post(path, body, format="json", **kwargs)
            with self._lock:
                self.items.append((response.status_code, response.json(), response.content))
            return response.status_code

        return request

    def bodies(self, status):
        return [body for s, body, _ in self.items if s == status]

    def contents(self, status):
        return [content for s, _, content in self.items if s == status]


def past_the_lock(caplog) -> int:
    return sum(any(m in r.getMessage() for m in PAST_THE_LOCK) for r in caplog.records)


def assert_seats_taken_once(show):
    """No seat is both booked and in an unexpired hold, or in two holds, or booked twice."""
    booked = list(Booking.objects.filter(show=show, status="booked").values_list("seat_number", flat=True))
    held = list(HoldSeat.objects.filter(show=show, hold__expires_at__gt=timezone.now())
                .values_list("seat_number", flat=True))
    assert len(booked) == len(set(booked))
    assert len(held) == len(set(held))
    assert not set(booked) & set(held), set(booked) & set(held)
    return set(booked), set(held)


def test_many_users_holding_and_booking_overlapping_seats(caplog):
    caplog.set_level(logging.WARNING)
    show = ShowFactory(total_seats=30)
    users = UserFactory.create_batch(CLIENTS)
    responses = Responses()
    wanted = {}
    requests = []
    for i, user in enumerate(users):
        seats = [i + 1, i + 2, i + 3]  # each set overlaps its neighbours'
        wanted[user.pk] = seats
        path = f"/shows/{show.id}/hold/" if i % 2 == 0 else f"/shows/{show.id}/book/"
        requests.append(responses.post(client_for(user), path, {"seat_numbers": seats}))

    outcome = run_concurrently(requests)

    assert not outcome.errors, outcome.errors
    assert set(outcome.counts) <= {201, 409}, outcome.counts
    assert outcome.counts[201] >= 1
    for body in responses.bodies(409):
        assert body["code"] == "seats_unavailable" and body["seats"], body
    booked, held = assert_seats_taken_once(show)
    # What the winners were told is exactly what the database holds: nothing more, nothing less.
    won_holds = [b["seat_numbers"] for b in responses.bodies(201) if isinstance(b, dict)]
    won_bookings = [[x["seat_number"] for x in b] for b in responses.bodies(201) if isinstance(b, list)]
    assert held == {s for seats in won_holds for s in seats}
    assert booked == {s for seats in won_bookings for s in seats}
    winners = won_holds + won_bookings
    assert all(not set(a) & set(b) for a, b in combinations(winners, 2))
    assert Hold.objects.count() == len(won_holds)
    assert past_the_lock(caplog) == 0


def test_hold_versus_book_on_one_seat_exactly_one_wins(caplog):
    caplog.set_level(logging.WARNING)
    show = ShowFactory(total_seats=10)
    users = UserFactory.create_batch(CLIENTS)
    responses = Responses()
    requests = []
    for i, user in enumerate(users):
        client = client_for(user)
        if i % 3 == 0:
            requests.append(responses.post(client, f"/shows/{show.id}/hold/", {"seat_numbers": [5]}))
        elif i % 3 == 1:
            requests.append(responses.post(client, f"/shows/{show.id}/book/", {"seat_number": 5}))
        else:
            requests.append(responses.post(client, f"/shows/{show.id}/book/", {"seat_numbers": [4, 5]}))

    outcome = run_concurrently(requests)

    assert not outcome.errors, outcome.errors
    assert outcome.counts == {201: 1, 409: CLIENTS - 1}, outcome.counts
    codes = {body["code"] for body in responses.bodies(409)}
    assert codes <= {"seats_unavailable", "seat_taken", "seat_held"}, codes
    booked, held = assert_seats_taken_once(show)
    assert (5 in booked) != (5 in held)
    assert past_the_lock(caplog) == 0


def _status_of(call):
    """Run a service call; its outcome as the HTTP status the API would give."""
    try:
        call()
        return 201
    except DomainError as exc:
        return exc.status_code


def _labelled_status(label, call):
    return label, _status_of(call)


def test_confirm_racing_expiry_gives_the_seats_to_exactly_one():
    """The owner confirms an instant before the hold expires while someone else, whose clock says it has expired,
    books the same seats: whoever gets the show lock first wins, the other is refused and nothing is half-done.
    `now` is moved, not slept: each side passes its own."""
    show = ShowFactory(total_seats=40)
    rival = UserFactory()
    t0 = timezone.now()
    winners = []
    for round_no in range(8):
        # A new owner each round: a lost round leaves its hold behind (live at t0), counting towards the limit.
        owner = UserFactory()
        seats = [round_no * 2 + 1, round_no * 2 + 2]
        hold = hold_service.hold_create(user=owner, show_id=show.id, seat_numbers=seats, now=t0)
        just_before, at_expiry = hold.expires_at - timedelta(milliseconds=1), hold.expires_at

        # partial binds this round's values now (a lambda would read the loop variables when it runs).
        outcome = run_concurrently([
            partial(_status_of, partial(hold_service.hold_confirm, user=owner, hold_id=hold.id, now=just_before)),
            partial(_status_of, partial(booking_service.booking_create_many,
                                        user=rival, show_id=show.id, seat_numbers=seats, now=at_expiry)),
        ])

        assert not outcome.errors, outcome.errors
        assert sorted(outcome.statuses) == [201, 409], outcome.statuses
        bookings = Booking.objects.filter(show=show, seat_number__in=seats, status="booked")
        owners = set(bookings.values_list("user_id", flat=True))
        assert bookings.count() == 2 and len(owners) == 1, (bookings.count(), owners)
        winner = owners.pop()
        assert winner in (owner.pk, rival.pk)
        winners.append("owner" if winner == owner.pk else "rival")
        # The hold was consumed if the owner won; if the rival won, it stays behind, expired, for the clean-up.
        assert Hold.objects.filter(pk=hold.pk).exists() == (winner == rival.pk)
    print("confirm-vs-expiry winners:", winners)


def test_confirm_racing_a_new_hold_at_expiry_gives_the_seats_to_exactly_one():
    show = ShowFactory(total_seats=40)
    rival = UserFactory()
    t0 = timezone.now()
    winners = []
    for round_no in range(6):
        owner = UserFactory()
        seats = [round_no * 2 + 1, round_no * 2 + 2]
        hold = hold_service.hold_create(user=owner, show_id=show.id, seat_numbers=seats, now=t0)
        just_before, at_expiry = hold.expires_at - timedelta(milliseconds=1), hold.expires_at

        outcome = run_concurrently([
            partial(_labelled_status, "confirm", partial(hold_service.hold_confirm, user=owner, hold_id=hold.id,
                                                         now=just_before)),
            partial(_labelled_status, "hold", partial(hold_service.hold_create, user=rival, show_id=show.id,
                                                      seat_numbers=seats, now=at_expiry)),
        ])

        assert not outcome.errors, outcome.errors
        results = dict(outcome.statuses)
        assert results in ({"confirm": 201, "hold": 409}, {"confirm": 410, "hold": 201}), results
        booked = Booking.objects.filter(show=show, seat_number__in=seats, status="booked")
        rival_held = HoldSeat.objects.filter(show=show, seat_number__in=seats, hold__user=rival)
        if results["confirm"] == 201:
            assert booked.count() == 2 and not rival_held.exists()
        else:
            assert not booked.exists() and rival_held.count() == 2
        winners.append("owner" if results["confirm"] == 201 else "rival")
        # Let the rival hold again next round: its allowance is per show. Released as its owner would (a hold
        # whose seats are still held by it cannot simply be deleted: core.models, ShowSeat.hold).
        for rival_hold in Hold.objects.filter(user=rival).values_list("pk", flat=True):
            hold_service.hold_release(user=rival, hold_id=rival_hold)
    print("confirm-vs-new-hold winners:", winners)


def test_confirm_after_expiry_racing_a_new_hold_never_books_the_held_seats():
    show = ShowFactory(total_seats=10)
    owner, rival = UserFactory(), UserFactory()
    t0 = timezone.now()
    hold = hold_service.hold_create(user=owner, show_id=show.id, seat_numbers=[1, 2], now=t0)
    late = hold.expires_at + timedelta(seconds=1)

    outcome = run_concurrently([
        lambda: _status_of(lambda: hold_service.hold_confirm(user=owner, hold_id=hold.id, now=late)),
        lambda: _status_of(lambda: hold_service.hold_create(user=rival, show_id=show.id, seat_numbers=[1, 2],
                                                            now=late)),
    ])

    assert not outcome.errors, outcome.errors
    assert sorted(outcome.statuses) == [201, 410]
    assert not Booking.objects.exists()
    assert set(HoldSeat.objects.values_list("hold__user_id", flat=True)) == {rival.pk}


def test_identical_idempotent_requests_at_once_book_exactly_once():
    show = ShowFactory(total_seats=10)
    user = UserFactory()
    responses = Responses()
    client_count = 8
    requests = [responses.post(client_for(user), f"/shows/{show.id}/book/", {"seat_numbers": [1, 2]},
                               HTTP_IDEMPOTENCY_KEY="pay-attempt-1") for _ in range(client_count)]

    outcome = run_concurrently(requests)

    assert not outcome.errors, outcome.errors
    assert set(outcome.counts) <= {201, 409}, outcome.counts
    assert outcome.counts[201] >= 1
    assert Booking.objects.filter(show=show).count() == 2
    # Every 201 is the same response (the first, replayed); every 409 says the first was still running.
    first, *others = responses.contents(201)
    assert all(c == first for c in others), (first, others)
    assert all(b["code"] == "request_in_progress" for b in responses.bodies(409))
    # Afterwards a retry is a replay.
    retry = client_for(user).post(f"/shows/{show.id}/book/", {"seat_numbers": [1, 2]}, format="json",
                                  HTTP_IDEMPOTENCY_KEY="pay-attempt-1")
    assert (retry.status_code, retry.content) == (201, first)


def test_opposite_order_multi_seat_requests_do_not_deadlock(caplog):
    caplog.set_level(logging.WARNING)
    show = ShowFactory(total_seats=20)
    users = UserFactory.create_batch(CLIENTS)
    # Every set shares seat 5, listed in ascending, descending and shuffled orders.
    orders = [[1, 2, 3, 4, 5], [5, 4, 3, 2, 1], [9, 5, 7, 6, 8], [5, 3, 9, 1, 7]]
    requests = [Responses().post(client_for(u), f"/shows/{show.id}/book/", {"seat_numbers": orders[i % 4]})
                for i, u in enumerate(users)]

    outcome = run_concurrently(requests)

    assert not outcome.errors, outcome.errors
    assert outcome.counts == {201: 1, 409: CLIENTS - 1}, outcome.counts
    assert Booking.objects.filter(show=show).count() == 5
    assert past_the_lock(caplog) == 0
