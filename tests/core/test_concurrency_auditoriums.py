"""Races of the per-seat inventory, with real threads on their own connections (SQLite and PostgreSQL).

Seat writers lock only the seat rows they change (core.locks), so bookings of different seats of one show run in
parallel on PostgreSQL; show-wide changes (cancel) lock every seat row of the show and blocking locks the seats it
blocks, so neither can interleave wrongly with a booking. Each test asserts the promise, not the timing.
"""
import threading
from unittest import mock

import pytest

from core.models import Booking, Show, ShowSeat
from core.services import catalog
from tests.concurrency_helpers import run_concurrently
from tests.conftest import client_for
from tests.factories import SMALL_PRICES, ScreenFactory, ShowFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 24


def booker(user, show_id: int, seats):
    client = client_for(user)
    body = {"seat_numbers": seats} if isinstance(seats, list) else {"seat_number": seats}
    return lambda: client.post(f"/shows/{show_id}/book/", body, format="json").status_code


def assert_seat_rows_match_bookings(show: Show) -> None:
    """The seat rows (the truth) and the booking records tell the same story."""
    booked_rows = set(ShowSeat.objects.filter(show=show, state="booked").values_list("number", flat=True))
    active = list(Booking.objects.filter(show=show, status="booked").values_list("seat_number", flat=True))
    assert len(active) == len(set(active)), "a seat has two active bookings"
    assert booked_rows == set(active)


def test_many_clients_booking_different_seats_of_one_show_all_succeed():
    show = ShowFactory(total_seats=CLIENTS * 2)
    users = UserFactory.create_batch(CLIENTS)

    outcome = run_concurrently([booker(user, show.id, seat) for seat, user in enumerate(users, start=1)])

    assert not outcome.errors, outcome.errors
    assert outcome.counts == {201: CLIENTS}, outcome.counts
    assert Booking.objects.filter(show=show, status="booked").count() == CLIENTS
    assert_seat_rows_match_bookings(show)


def test_many_clients_one_labelled_seat_on_a_screen_exactly_one_wins_at_its_price():
    show = catalog.show_create(movie_id=ShowFactory().movie_id, screen_id=ScreenFactory().pk,
                               date_time=ShowFactory().date_time, prices=SMALL_PRICES)
    users = UserFactory.create_batch(CLIENTS)

    outcome = run_concurrently([booker(user, show.id, 4) for user in users])  # B1, premium

    assert not outcome.errors, outcome.errors
    assert outcome.counts == {201: 1, 409: CLIENTS - 1}, outcome.counts
    [booking] = Booking.objects.filter(show=show, status="booked")
    assert (booking.seat_number, str(booking.price)) == (4, "15.50")
    assert_seat_rows_match_bookings(show)


def test_overlapping_multi_seat_bookings_in_opposite_orders_never_deadlock_or_oversell():
    show = ShowFactory(total_seats=10)
    users = UserFactory.create_batch(CLIENTS)
    requests = [booker(u, show.id, [1, 2, 3] if i % 2 else [3, 2, 1]) for i, u in enumerate(users)]

    outcome = run_concurrently(requests)

    assert not outcome.errors, outcome.errors
    assert outcome.counts == {201: 1, 409: CLIENTS - 1}, outcome.counts
    assert_seat_rows_match_bookings(show)


def test_bookings_racing_a_show_cancel_leave_no_active_booking():
    show = ShowFactory(total_seats=CLIENTS)
    users = UserFactory.create_batch(CLIENTS)
    staff = client_for(StaffFactory())

    def cancel():
        return staff.post(f"/shows/{show.id}/cancel/").status_code

    outcome = run_concurrently([*(booker(u, show.id, seat) for seat, u in enumerate(users, start=1)), cancel])

    assert not outcome.errors, outcome.errors
    assert set(outcome.counts) <= {200, 201, 409}, outcome.counts
    assert outcome.counts[200] == 1  # the cancel
    show.refresh_from_db()
    assert show.status == "cancelled"
    # Bookings that committed before the cancel were cancelled by it; the rest were refused (show_cancelled).
    assert not Booking.objects.filter(show=show, status="booked").exists()
    assert Booking.objects.filter(show=show, status="cancelled").count() == outcome.counts[201]
    assert not ShowSeat.objects.filter(show=show, state="booked").exists()


def test_bookings_racing_a_block_end_booked_or_blocked_never_both():
    seats = list(range(1, 9))
    show = ShowFactory(total_seats=20)
    users = UserFactory.create_batch(len(seats) * 2)
    staff = client_for(StaffFactory())

    def block():
        return staff.post(f"/shows/{show.id}/seats/block/", {"seat_numbers": seats}, format="json").status_code

    outcome = run_concurrently([*(booker(u, show.id, seats[i % len(seats)]) for i, u in enumerate(users)), block])

    assert not outcome.errors, outcome.errors
    assert set(outcome.counts) <= {200, 201, 409}, outcome.counts
    states = dict(ShowSeat.objects.filter(show=show, number__in=seats).values_list("number", "state"))
    booked = set(Booking.objects.filter(show=show, status="booked").values_list("seat_number", flat=True))
    for seat in seats:
        assert states[seat] in {"free", "booked", "blocked"}
        assert (states[seat] == "booked") == (seat in booked), seat
    # Blocking is all or none: it either won every seat before any booking, or was refused and blocked nothing.
    if outcome.counts[200]:
        assert set(states.values()) == {"blocked"} and not booked
    else:
        assert "blocked" not in states.values()
    assert_seat_rows_match_bookings(show)


def _book_while_the_cancel_is_inside_its_transaction(show, user, *, without_lock: bool):
    """Start a booking of seat 5 at the moment the cancel has cancelled the bookings but not yet committed
    (Saleor's RunAfter pattern: deterministic, not a timing bet). Returns the booking's status code."""
    result = {}

    def book():
        result["status"] = booker(user, show.id, 5)()

    thread = threading.Thread(target=book)
    real_log = catalog.log_event_on_commit

    def log_then_race(event, **fields):
        if event == "show_cancelled":
            thread.start()
            # With the lock the booking waits for our seat rows until we commit, so this wait runs out; without
            # it, the booking has all it needs and commits first.
            thread.join(timeout=1.5)
        return real_log(event, **fields)

    patches = [mock.patch.object(catalog, "log_event_on_commit", log_then_race)]
    if without_lock:
        patches.append(mock.patch.object(
            catalog, "lock_show_and_all_seats",
            lambda show_id: Show.objects.select_related("movie", "screen__cinema").get(pk=show_id)))
    with patches[0], (patches[1] if without_lock else mock.MagicMock()):
        catalog.show_cancel(show_id=show.id)
    thread.join(timeout=30)
    return result.get("status")


def test_a_booking_that_starts_while_a_cancel_is_committing_is_refused_show_cancelled():
    show = ShowFactory(total_seats=10)

    status = _book_while_the_cancel_is_inside_its_transaction(show, UserFactory(), without_lock=False)

    assert status == 409
    assert not Booking.objects.filter(show=show, status="booked").exists()


@pytest.mark.postgres_only  # on SQLite the database's single write lock serialises them whatever the code does
def test_control_without_the_seat_locks_a_booking_survives_the_cancel():
    """Proves the cancel race test can fail: without the cancel locking every seat row, a booking commits in
    the middle of the cancel and stays active on a cancelled show."""
    show = ShowFactory(total_seats=10)

    status = _book_while_the_cancel_is_inside_its_transaction(show, UserFactory(), without_lock=True)

    assert status == 201
    show.refresh_from_db()
    assert show.status == "cancelled"
    assert Booking.objects.filter(show=show, status="booked").count() == 1  # the race happened


def test_one_user_holding_different_seats_at_once_never_exceeds_the_hold_limit(settings):
    """Holds of different seats lock different seat rows and would run in parallel; the per-user limit counts
    across the show, so holds of one user queue on the user's row (core.services.holds)."""
    settings.MAX_SEATS_PER_BOOKING = 4
    show = ShowFactory(total_seats=20)
    user = UserFactory()

    def holder(seat):
        client = client_for(user)
        return lambda: client.post(f"/shows/{show.id}/hold/", {"seat_numbers": [seat]}, format="json").status_code

    outcome = run_concurrently([holder(seat) for seat in range(1, 13)])

    assert not outcome.errors, outcome.errors
    assert outcome.counts == {201: 4, 409: 8}, outcome.counts
    assert ShowSeat.objects.filter(show=show, state="held").count() == 4
