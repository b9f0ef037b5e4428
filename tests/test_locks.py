"""core.locks: what lock_show locks, and what it returns."""

import pytest
from django.test import override_settings

from core.exceptions import ShowNotFound
from core.locks import lock_show, locked_transaction
from core.models import Movie
from tests.concurrency_helpers import row_locked_elsewhere
from tests.conftest import client_for
from tests.factories import ShowFactory, UserFactory


@pytest.mark.django_db
def test_returns_the_show_with_its_movie_as_the_orm_would(show):
    with locked_transaction():
        locked = lock_show(show.id)

    assert (locked.pk, locked.movie_id, locked.screen_name, locked.date_time, locked.total_seats) == (
        show.pk, show.movie_id, show.screen_name, show.date_time, show.total_seats)
    assert locked.movie == show.movie
    assert (locked.movie.title, locked.movie.duration_minutes) == (show.movie.title, show.movie.duration_minutes)


@pytest.mark.django_db
def test_unknown_show_is_show_not_found():
    with pytest.raises(ShowNotFound), locked_transaction():
        lock_show(987654)


@pytest.mark.django_db(transaction=True)  # the usual test transaction would count as "inside"
def test_refuses_to_run_outside_a_transaction(show):
    with pytest.raises(RuntimeError, match="inside a transaction"):
        lock_show(show.id)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@override_settings(BOOKING_LOCK_TIMEOUT_MS=300)
def test_the_movie_row_is_read_not_locked():
    """Locking the movie too would make every show of a blockbuster queue behind one lock."""
    show = ShowFactory()

    with row_locked_elsewhere(Movie.objects.filter(pk=show.movie_id)):
        response = client_for(UserFactory()).post(f"/shows/{show.id}/book/", {"seat_number": 1}, format="json")

    assert response.status_code == 201
