"""The catalogue: /movies/, /movies/<id>/shows/, /shows/<id>/ and GET /shows/: public reads, staff writes, and the
filters of /shows/, /movies/<id>/shows/ and /movies/ (django-filter)."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from core.errors import MovieNotFound, ShowNotFound
from core.models import Movie, Show
from core.services import catalog
from tests.factories import (
    SMALL_PRICES,
    BookingFactory,
    CinemaFactory,
    MovieFactory,
    ScreenFactory,
    ShowFactory,
    mark_booked,
)

pytestmark = pytest.mark.django_db

TOMORROW = timezone.now().date() + timedelta(days=1)


def at(zone: str, hour: int, day=TOMORROW) -> datetime:
    return datetime.combine(day, datetime.min.time().replace(hour=hour), tzinfo=ZoneInfo(zone))


@pytest.fixture
def programme():
    """Paris (UTC+1/+2) and New York (UTC-5/-4): a late show in New York is the next day in UTC."""
    paris = ScreenFactory(cinema=CinemaFactory(city="Paris", time_zone="Europe/Paris"))
    new_york = ScreenFactory(cinema=CinemaFactory(city="New York", time_zone="America/New_York"))
    inception, amelie = MovieFactory(title="Inception"), MovieFactory(title="Amélie", duration_minutes=100)
    shows = {
        "paris_evening": catalog.show_create(movie_id=inception.id, screen_id=paris.id,
                                             date_time=at("Europe/Paris", 20), prices=SMALL_PRICES, language="en",
                                             format="IMAX"),
        "ny_late": catalog.show_create(movie_id=amelie.id, screen_id=new_york.id,
                                       date_time=at("America/New_York", 22), prices=SMALL_PRICES, language="fr",
                                       format="2D"),
        "paris_next_day": catalog.show_create(movie_id=amelie.id, screen_id=paris.id,
                                              date_time=at("Europe/Paris", 20, TOMORROW + timedelta(days=1)),
                                              prices=SMALL_PRICES, language="fr", format="2D"),
    }
    return shows, inception, amelie


def ids(response):
    assert response.status_code == 200, response.json()
    return [show["id"] for show in response.json()]


class TestReads:
    def test_movies_list_as_in_the_seed(self, api_client):
        inception = MovieFactory(title="Inception", duration_minutes=148)
        interstellar = MovieFactory(title="Interstellar", duration_minutes=169)

        response = api_client.get("/movies/")

        assert response.status_code == 200
        # The seed's fields, plus the movie's metadata (empty when not given).
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


class TestShowFilters:
    def test_all_shows_soonest_first_and_ordering(self, api_client, programme):
        shows, _, _ = programme
        order = [shows["paris_evening"].id, shows["ny_late"].id, shows["paris_next_day"].id]

        assert ids(api_client.get("/shows/")) == order
        assert ids(api_client.get("/shows/?ordering=-date_time")) == order[::-1]
        page = api_client.get("/shows/?limit=1&offset=1").json()
        assert (page["count"], [s["id"] for s in page["results"]]) == (3, [order[1]])

    def test_by_movie_cinema_city_screen_language_and_format(self, api_client, programme):
        shows, inception, amelie = programme
        paris_screen = shows["paris_evening"].screen

        assert ids(api_client.get(f"/shows/?movie={amelie.id}")) == [shows["ny_late"].id, shows["paris_next_day"].id]
        assert ids(api_client.get(f"/shows/?cinema={paris_screen.cinema_id}")) == [
            shows["paris_evening"].id, shows["paris_next_day"].id]
        assert ids(api_client.get("/shows/?city=new%20york")) == [shows["ny_late"].id]
        assert ids(api_client.get(f"/shows/?screen={paris_screen.id}&language=FR")) == [shows["paris_next_day"].id]
        assert ids(api_client.get("/shows/?format=imax")) == [shows["paris_evening"].id]

    def test_date_is_the_calendar_day_in_the_cinemas_time_zone(self, api_client, programme):
        shows, _, _ = programme
        # 22:00 in New York is already the next day in UTC (and in Paris), but it is tomorrow where it plays.
        assert shows["ny_late"].date_time.astimezone(ZoneInfo("UTC")).date() == TOMORROW + timedelta(days=1)

        assert ids(api_client.get(f"/shows/?date={TOMORROW}")) == [shows["paris_evening"].id, shows["ny_late"].id]
        assert ids(api_client.get(f"/shows/?date={TOMORROW + timedelta(days=1)}")) == [shows["paris_next_day"].id]

    def test_from_and_to(self, api_client, programme):
        shows, _, _ = programme
        start = shows["ny_late"].date_time

        params = {"from": start.isoformat(), "to": (start + timedelta(hours=1)).isoformat()}
        assert ids(api_client.get("/shows/", params)) == [shows["ny_late"].id]

    def test_from_and_to_take_any_utc_offset_python_reads(self, api_client, programme):
        # PostgreSQL refuses offsets beyond ±15:59 (a 500 before, found by the fuzz test); in UTC they are instants.
        shows, _, _ = programme
        start = shows["ny_late"].date_time
        far_west = start.astimezone(timezone.get_fixed_timezone(-(19 * 60 + 14)))

        params = {"from": far_west.isoformat(), "to": (far_west + timedelta(hours=1)).isoformat()}
        assert ids(api_client.get("/shows/", params)) == [shows["ny_late"].id]
        too_early = api_client.get("/shows/", {"to": "0001-01-01T00:00:00+21:50"})
        assert too_early.status_code == 400 and "to" in too_early.json()

    def test_an_id_beyond_64_bits_is_400_not_a_database_error(self, api_client, programme):
        response = api_client.get("/shows/", {"screen": 2**63, "movie": 1})

        assert response.status_code == 400 and "screen" in response.json()
        assert api_client.get("/shows/", {"screen": 2**63 - 1}).json() == []
        # The fuzz test's second find: as far below zero (SQLite could not bind it either).
        response = api_client.get("/shows/", {"movie": -6637580242471380238467072})
        assert response.status_code == 400 and "movie" in response.json()
        assert api_client.get("/shows/", {"movie": -1}).json() == []

    def test_available_and_upcoming(self, api_client, programme):
        shows, _, _ = programme
        sold_out = shows["ny_late"]
        mark_booked(sold_out, range(1, 8))
        catalog.show_cancel(show_id=shows["paris_next_day"].id)
        started = ShowFactory(date_time=timezone.now() - timedelta(minutes=5))

        assert sold_out.id not in ids(api_client.get("/shows/?available=true"))
        assert ids(api_client.get("/shows/?available=false")) == [sold_out.id]
        assert set(ids(api_client.get("/shows/?upcoming=true"))) == {shows["paris_evening"].id, sold_out.id}
        assert started.id in ids(api_client.get("/shows/?upcoming=false"))

    @pytest.mark.parametrize("query, parameter", [
        ("movie=abc", "movie"), ("date=2026-13-01", "date"), ("from=yesterday", "from"), ("to=12:00", "to"),
        ("available=yes", "available"), ("upcoming=1", "upcoming"), ("ordering=title", "ordering"),
        ("cinema=1.5", "cinema"),
    ])
    def test_a_value_that_cannot_be_parsed_is_400_naming_the_parameter(self, api_client, query, parameter):
        for path in ("/shows/", f"/movies/{MovieFactory().id}/shows/"):
            response = api_client.get(f"{path}?{query}")

            assert response.status_code == 400, path
            assert response.json()["code"] == "invalid"
            assert parameter in response.json()

    def test_the_movies_shows_accept_the_same_filters(self, api_client, programme):
        shows, _, amelie = programme

        assert ids(api_client.get(f"/movies/{amelie.id}/shows/?city=Paris")) == [shows["paris_next_day"].id]

    def test_lists_are_a_constant_number_of_queries(self, api_client, django_assert_max_num_queries):
        def make(n):
            for _ in range(n):
                show = catalog.show_create(movie_id=MovieFactory().id, screen_id=ScreenFactory().id,
                                           date_time=timezone.now() + timedelta(days=1), prices=SMALL_PRICES)
                BookingFactory(show=show, seat_number=1)

        for n in (1, 30):
            make(n)
            # The shows with movie, screen, cinema and availability: one query; ?date= adds the time zones in use.
            with django_assert_max_num_queries(1):
                assert api_client.get("/shows/?available=true&city=Paris").status_code == 200
            with django_assert_max_num_queries(2):
                assert api_client.get(f"/shows/?date={TOMORROW}").status_code == 200


class TestMovies:
    @pytest.fixture
    def movies(self):
        return (
            catalog.movie_create(title="Amélie", duration_minutes=122, genres=["Comedy", "romance"], language="fr",
                                 certificate="15", synopsis="Montmartre.",
                                 poster_url="https://img.example.com/amelie.jpg"),
            catalog.movie_create(title="Inception", duration_minutes=148, genres=["sci-fi"], language="en"),
        )

    def test_detail_has_the_metadata(self, api_client, movies):
        amelie, _ = movies

        assert api_client.get(f"/movies/{amelie.id}/").json() == {
            "id": amelie.id, "title": "Amélie", "duration_minutes": 122, "genres": ["Comedy", "romance"],
            "language": "fr", "certificate": "15", "release_date": None, "synopsis": "Montmartre.",
            "poster_url": "https://img.example.com/amelie.jpg"}
        assert api_client.get("/movies/999999/").json()["code"] == "not_found"

    def test_search_is_case_and_accent_insensitive(self, api_client, movies):
        amelie, inception = movies

        assert ids(api_client.get("/movies/?search=AMELIE")) == [amelie.id]
        assert ids(api_client.get("/movies/?search=élie")) == [amelie.id]
        assert ids(api_client.get("/movies/?search=cep")) == [inception.id]

    def test_genre_language_and_now_showing(self, api_client, movies):
        amelie, inception = movies
        ShowFactory(movie=inception)

        assert ids(api_client.get("/movies/?genre=comedy")) == [amelie.id]
        assert ids(api_client.get("/movies/?genre=com")) == []  # a whole genre, not a part of one
        assert ids(api_client.get("/movies/?language=EN")) == [inception.id]
        assert ids(api_client.get("/movies/?now_showing=true")) == [inception.id]
        assert ids(api_client.get("/movies/?now_showing=false")) == [amelie.id]
        bad = api_client.get("/movies/?now_showing=maybe")
        assert bad.status_code == 400 and "now_showing" in bad.json()

    def test_staff_create_a_movie_with_metadata(self, staff_client):
        response = staff_client.post("/movies/", {"title": "Dune", "duration_minutes": 155, "genres": ["sci-fi"],
                                                  "release_date": "2021-10-22"}, format="json")

        assert response.status_code == 201
        assert (response.json()["genres"], response.json()["release_date"]) == (["sci-fi"], "2021-10-22")
