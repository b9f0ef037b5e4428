"""List endpoints run the same number of SQL queries for 1 row and for 100 (no N+1)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import client_for
from tests.factories import BookingFactory, MovieFactory, ShowFactory, UserFactory

pytestmark = pytest.mark.django_db


def queries_for(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_shows_of_a_movie_constant_queries(api_client):
    one, many = MovieFactory(), MovieFactory()
    ShowFactory(movie=one)
    for show in ShowFactory.create_batch(100, movie=many):
        BookingFactory(show=show, seat_number=1)

    assert queries_for(api_client, f"/movies/{one.id}/shows/") == queries_for(api_client, f"/movies/{many.id}/shows/")
    assert queries_for(api_client, f"/movies/{many.id}/shows/") <= 2  # movie exists + shows with counts


def test_my_bookings_constant_queries():
    few, lots = UserFactory(), UserFactory()
    BookingFactory(user=few)
    for _ in range(100):
        BookingFactory(user=lots, show=ShowFactory())

    assert queries_for(client_for(few), "/my-bookings/") == queries_for(client_for(lots), "/my-bookings/")
    assert queries_for(client_for(lots), "/my-bookings/") <= 2  # the user (JWT) + bookings with shows and movies


def test_movies_constant_queries(api_client):
    MovieFactory()
    single = queries_for(api_client, "/movies/")
    MovieFactory.create_batch(99)

    assert queries_for(api_client, "/movies/") == single == 1
