"""core.locks: what the seat writers and the show-wide writers lock."""

import pytest
from django.test import override_settings

from common.db import locked_transaction
from core.errors import ShowNotFound
from core.locks import lock_seats, lock_show_and_all_seats
from core.models import Movie, Show, ShowSeat
from tests.concurrency_helpers import row_locked_elsewhere
from tests.conftest import client_for
from tests.factories import ShowFactory, UserFactory


@pytest.mark.django_db
def test_lock_seats_returns_the_existing_seats_in_number_order(show):
    with locked_transaction():
        seats = lock_seats(show.id, [9, 3, 60, 10**30, 0])

    assert [seat.number for seat in seats] == [3, 9]


@pytest.mark.django_db
def test_unknown_show_is_show_not_found_for_show_wide_writers():
    with pytest.raises(ShowNotFound), locked_transaction():
        lock_show_and_all_seats(987654)


@pytest.mark.django_db(transaction=True)  # the usual test transaction would count as "inside"
@pytest.mark.parametrize("lock", [lambda show: lock_seats(show.id, [1]), lambda show: lock_show_and_all_seats(show.id)])
def test_refuses_to_run_outside_a_transaction(lock):
    show = ShowFactory()
    with pytest.raises(RuntimeError, match="inside a transaction"):
        lock(show)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@override_settings(BOOKING_LOCK_TIMEOUT_MS=300)
def test_the_movie_and_show_rows_are_read_not_locked_by_a_booking():
    """Locking the movie or the show too would make every booking of a blockbuster queue behind one lock. The
    show row is held as a show-wide writer holds it (FOR NO KEY UPDATE): a booking does not wait for it."""
    show = ShowFactory()

    with row_locked_elsewhere(Movie.objects.filter(pk=show.movie_id)):
        with row_locked_elsewhere(Show.objects.filter(pk=show.pk), no_key=True):
            response = client_for(UserFactory()).post(f"/shows/{show.id}/book/", {"seat_number": 1}, format="json")

    assert response.status_code == 201


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@override_settings(BOOKING_LOCK_TIMEOUT_MS=300)
def test_a_booking_waits_only_for_its_own_seat():
    show = ShowFactory()

    with row_locked_elsewhere(ShowSeat.objects.filter(show=show, number=1)):
        other_seat = client_for(UserFactory()).post(f"/shows/{show.id}/book/", {"seat_number": 2}, format="json")
        same_seat = client_for(UserFactory()).post(f"/shows/{show.id}/book/", {"seat_number": 1}, format="json")

    assert other_seat.status_code == 201
    assert same_seat.status_code == 503  # busy: the lock wait is bounded
