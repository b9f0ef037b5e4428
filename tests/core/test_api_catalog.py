"""/movies/, /movies/<id>/shows/, /shows/<id>/: public reads and staff writes."""
from datetime import timedelta

import pytest
from django.utils import timezone

from core.exceptions import MovieNotFound, ShowNotFound
from core.models import Movie, Show
from tests.factories import BookingFactory, MovieFactory, ShowFactory

pytestmark = pytest.mark.django_db


class TestReads:
    def test_movies_list_as_in_the_seed(self, api_client):
        inception = MovieFactory(title="Inception", duration_minutes=148)
        interstellar = MovieFactory(title="Interstellar", duration_minutes=169)

        response = api_client.get("/movies/")

        assert response.status_code == 200
        # The seed's fields, plus the metadata issue 8 added (empty when not given).
        no_metadata = {"genres": [], "language": "", "certificate": "", "release_date": None, "synopsis": "",
                       "poster_url": ""}
        assert response.json() == [
            {"id": inception.id, "title": "Inception", "duration_minutes": 148, **no_metadata},
            {"id": interstellar.id, "title": "Interstellar", "duration_minutes": 169, **no_metadata},
        ]

    def test_shows_of_a_movie_with_nested_movie_and_availability(self, api_client, movie):
        later = ShowFactory(movie=movie, date_time=timezone.now() + timedelta(days=2), total_seats=50)
        sooner = ShowFactory(movie=movie, date_time=timezone.now() + timedelta(days=1), total_seats=30)
        ShowFactory()  # another movie's show
        BookingFactory(show=sooner, seat_number=1)
        cancelled = BookingFactory(show=sooner, seat_number=2, status="cancelled", cancelled_at=timezone.now())

        response = api_client.get(f"/movies/{movie.id}/shows/")

        assert response.status_code == 200
        data = response.json()
        assert [s["id"] for s in data] == [sooner.id, later.id]
        assert data[0] == {
            "id": sooner.id,
            "movie": {"id": movie.id, "title": "Inception", "duration_minutes": 148},
            "screen_name": "Screen 1",
            "date_time": sooner.date_time.isoformat().replace("+00:00", "Z"),
            "total_seats": 30,
            "screen": None, "prices": {"standard": "0.00"}, "currency": "EUR",
            "local_date_time": sooner.date_time.isoformat(), "language": "", "format": "", "status": "scheduled",
            "available_seats": 29,  # the cancelled booking does not count
        }
        assert cancelled.status == "cancelled"

    def test_shows_of_unknown_movie_is_404(self, api_client):
        response = api_client.get("/movies/999999/shows/")

        assert response.status_code == 404
        assert response.json() == {"detail": MovieNotFound.message, "code": "not_found"}

    def test_show_detail_counts_available_seats(self, api_client, show):
        for seat in (1, 2, 3):
            BookingFactory(show=show, seat_number=seat)

        response = api_client.get(f"/shows/{show.id}/")

        assert response.status_code == 200
        assert response.json()["available_seats"] == 47
        assert response.json()["total_seats"] == 50

    def test_unknown_show_is_404(self, api_client):
        response = api_client.get("/shows/999999/")

        assert response.status_code == 404
        assert response.json() == {"detail": ShowNotFound.message, "code": "not_found"}

    def test_opt_in_pagination(self, api_client):
        MovieFactory.create_batch(3)

        page = api_client.get("/movies/?limit=2").json()

        assert page["count"] == 3 and len(page["results"]) == 2


class TestStaffWrites:
    def test_staff_creates_a_movie(self, staff_client):
        response = staff_client.post("/movies/", {"title": "Dune", "duration_minutes": 155}, format="json")

        assert response.status_code == 201
        movie = Movie.objects.get()
        assert response.json() == {"id": movie.id, "title": "Dune", "duration_minutes": 155, "genres": [],
                                   "language": "", "certificate": "", "release_date": None, "synopsis": "",
                                   "poster_url": ""}

    def test_staff_creates_a_show(self, staff_client, movie):
        starts = (timezone.now() + timedelta(days=3)).replace(microsecond=0)

        response = staff_client.post(f"/movies/{movie.id}/shows/", {
            "screen_name": "Screen 9", "date_time": starts.isoformat(), "total_seats": 120}, format="json")

        assert response.status_code == 201
        show = Show.objects.get()
        assert (show.movie, show.screen_name, show.date_time, show.total_seats) == (movie, "Screen 9", starts, 120)
        assert response.json()["available_seats"] == 120
        assert response.json()["movie"]["id"] == movie.id

    @pytest.mark.parametrize("seats", [0, -5, Show.MAX_TOTAL_SEATS + 1, "many"])
    def test_show_capacity_out_of_range_is_400(self, staff_client, movie, seats):
        response = staff_client.post(f"/movies/{movie.id}/shows/", {
            "screen_name": "S", "date_time": timezone.now().isoformat(), "total_seats": seats}, format="json")

        assert response.status_code == 400
        assert "total_seats" in response.json()
        assert not Show.objects.exists()

    def test_show_for_unknown_movie_is_404(self, staff_client):
        response = staff_client.post("/movies/999999/shows/", {
            "screen_name": "S", "date_time": timezone.now().isoformat(), "total_seats": 10}, format="json")

        assert response.status_code == 404

    @pytest.mark.parametrize("body", [{"title": "", "duration_minutes": 100}, {"title": "X", "duration_minutes": 0},
                                      {"title": "X"}])
    def test_invalid_movie_is_400(self, staff_client, body):
        assert staff_client.post("/movies/", body, format="json").status_code == 400

    def test_non_staff_is_403(self, auth_client, movie):
        response = auth_client.post("/movies/", {"title": "Dune", "duration_minutes": 155}, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        response = auth_client.post(f"/movies/{movie.id}/shows/", {}, format="json")
        assert response.status_code == 403

    def test_anonymous_is_401(self, api_client, movie):
        assert api_client.post("/movies/", {"title": "Dune", "duration_minutes": 155},
                               format="json").status_code == 401
        assert api_client.post(f"/movies/{movie.id}/shows/", {}, format="json").status_code == 401
