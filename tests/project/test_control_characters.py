"""Every free-text name refuses control characters, in the API (400 `invalid` naming the field) and in the admin
(a form error): one validator (common.text) on the model fields and the serializer fields."""
import pytest

from common.text import CONTROL_CHARACTERS_MESSAGE
from core.models import Movie
from tests.factories import SMALL_LAYOUT, CinemaFactory, MovieFactory, UserFactory
from venues.models import Cinema, Screen

pytestmark = pytest.mark.django_db

EVIL = "Evil\r\nBcc: victim@example.com"


def assert_refused(response, field):
    assert response.status_code == 400, response.content
    body = response.json()
    # (A NUL is also refused by DRF's own validator, whose message comes first.)
    assert body["code"] == "invalid" and str(CONTROL_CHARACTERS_MESSAGE) in body[field], body


@pytest.mark.parametrize("field, value", [("title", EVIL), ("title", "Nul\x00byte"), ("title", "Tab\tbed"),
                                          ("title", "Right-to-left \u202eoverride"), ("language", "e\nn"),
                                          ("certificate", "1\x1b2"), ("synopsis", "Fine\nlines but\x00NUL")])
def test_a_movie_with_a_control_character_is_400_naming_the_field(staff_client, field, value):
    body = {"title": "Dune", "duration_minutes": 155, field: value}
    assert_refused(staff_client.post("/movies/", body, format="json"), field)
    assert not Movie.objects.exists()


def test_a_synopsis_keeps_its_line_breaks_and_a_genre_refuses_them(staff_client):
    ok = staff_client.post("/movies/", {"title": "Dune", "duration_minutes": 155,
                                        "synopsis": "Part one.\r\n\tPart two."}, format="json")
    assert ok.status_code == 201, ok.content
    bad = staff_client.post("/movies/", {"title": "Dune 2", "duration_minutes": 155, "genres": ["sci\nfi"]},
                            format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid" and "genres" in bad.json()


@pytest.mark.parametrize("field", ["name", "city", "address"])
def test_a_cinema_with_a_control_character_is_400_naming_the_field(staff_client, field):
    body = {"name": "North", "city": "Paris", field: EVIL}
    assert_refused(staff_client.post("/cinemas/", body, format="json"), field)
    assert not Cinema.objects.exists()


def test_a_screen_name_or_seat_label_with_a_control_character_is_400(staff_client):
    cinema = CinemaFactory()
    assert_refused(staff_client.post(f"/cinemas/{cinema.pk}/screens/", {"name": EVIL, "layout": SMALL_LAYOUT},
                                     format="json"), "name")
    layout = {"rows": [{"label": "A\n", "seats": [{"label": "A1", "category": "standard"}]}]}
    response = staff_client.post(f"/cinemas/{cinema.pk}/screens/", {"name": "1", "layout": layout}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert "control characters" in str(response.json()["layout"])
    assert not Screen.objects.exists()


@pytest.mark.parametrize("field", ["screen_name", "language", "format"])
def test_a_show_with_a_control_character_is_400_naming_the_field(staff_client, field):
    movie = MovieFactory()
    body = {"screen_name": "Screen 1", "date_time": "2030-01-01T20:00:00Z", "total_seats": 10, field: EVIL}
    assert_refused(staff_client.post(f"/movies/{movie.pk}/shows/", body, format="json"), field)
    assert not movie.shows.exists()


def test_the_admin_refuses_control_characters_in_names(admin_client):
    response = admin_client.post("/admin/core/movie/add/", {"title": EVIL, "duration_minutes": 100,
                                                            "genres": "[]"})
    assert response.status_code == 200  # the form again, with the error
    assert str(CONTROL_CHARACTERS_MESSAGE) in response.content.decode()
    assert not Movie.objects.exists()
    response = admin_client.post("/admin/venues/cinema/add/", {"name": EVIL, "city": "Paris", "time_zone": "UTC"})
    assert response.status_code == 200 and str(CONTROL_CHARACTERS_MESSAGE) in response.content.decode()
    assert not Cinema.objects.exists()


def test_the_admin_refuses_control_characters_in_a_users_name(admin_client):
    user = UserFactory()
    response = admin_client.post(f"/admin/auth/user/{user.pk}/change/", {
        "username": user.username, "email": user.email, "first_name": "Eve\r\nBcc: x", "last_name": "",
        "is_active": "on", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})
    assert response.status_code == 200 and str(CONTROL_CHARACTERS_MESSAGE) in response.content.decode()
    user.refresh_from_db()
    assert user.first_name == ""


def test_a_username_with_a_control_character_is_400(api_client):
    # Django's username validator (letters, digits and @.+-_) already refuses them; named like every other field.
    response = api_client.post("/signup", {"username": "eve\r\nBcc", "email": "eve@example.com",
                                           "password": "A-str0ng-passw0rd"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid" and "username" in response.json()
