"""Cinemas and screens: anyone reads, staff create; a wrong layout is a 400 naming the row and seat."""
import pytest

from tests.factories import SMALL_LAYOUT, CinemaFactory, ScreenFactory
from venues.models import Cinema, Screen

pytestmark = pytest.mark.django_db


def test_anyone_lists_cinemas_filtered_by_city(api_client):
    paris = CinemaFactory(name="Lumière", city="Paris", time_zone="Europe/Paris")
    CinemaFactory(name="Northlight", city="Manchester", time_zone="Europe/London")

    assert [c["name"] for c in api_client.get("/cinemas/").json()] == ["Northlight", "Lumière"]
    assert api_client.get("/cinemas/?city=paris").json() == [
        {"id": paris.id, "name": "Lumière", "city": "Paris", "address": "", "time_zone": "Europe/Paris"}]


def test_cinema_detail_lists_its_screens(api_client, django_assert_max_num_queries):
    screen = ScreenFactory(name="Salle 1")

    with django_assert_max_num_queries(2):
        response = api_client.get(f"/cinemas/{screen.cinema_id}/")

    assert response.status_code == 200
    assert response.json()["screens"] == [{"id": screen.id, "name": "Salle 1", "seat_count": 7}]
    assert api_client.get("/cinemas/999999/").status_code == 404


def test_screen_detail_has_its_layout(api_client):
    screen = ScreenFactory()

    data = api_client.get(f"/screens/{screen.id}/").json()

    assert data["layout"] == SMALL_LAYOUT
    assert data["seat_count"] == 7
    assert data["cinema"] == {"id": screen.cinema_id, "name": screen.cinema.name, "city": "Paris"}
    assert api_client.get("/screens/999999/").json() == {"detail": "Screen not found.", "code": "not_found"}


def test_staff_create_a_cinema_and_a_screen(staff_client):
    cinema = staff_client.post("/cinemas/", {"name": "Odeon", "city": "Leeds", "time_zone": "Europe/London"},
                               format="json")
    assert cinema.status_code == 201
    cinema_id = cinema.json()["id"]

    screen = staff_client.post(f"/cinemas/{cinema_id}/screens/", {"name": "1", "layout": SMALL_LAYOUT}, format="json")

    assert screen.status_code == 201
    assert Screen.objects.get().layout == SMALL_LAYOUT
    again = staff_client.post(f"/cinemas/{cinema_id}/screens/", {"name": "1", "layout": SMALL_LAYOUT}, format="json")
    assert (again.status_code, again.json()["code"]) == (400, "screen_name_taken")


def test_a_wrong_layout_is_400_naming_row_and_seat(staff_client):
    cinema = CinemaFactory()
    layout = {"rows": [{"label": "A", "seats": [{"label": "A1", "category": "gold"}]}]}

    response = staff_client.post(f"/cinemas/{cinema.id}/screens/", {"name": "1", "layout": layout}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["layout"] == [
        "Row 1 (\"A\"), seat \"A1\": unknown category 'gold'; one of standard, premium, recliner, wheelchair, "
        "companion."]
    assert not Screen.objects.exists()


def test_an_unknown_time_zone_is_400(staff_client):
    response = staff_client.post("/cinemas/", {"name": "X", "city": "Y", "time_zone": "Mars/Olympus"}, format="json")

    assert response.status_code == 400
    assert "time_zone" in response.json()


@pytest.mark.parametrize("client_name, status", [("api_client", 401), ("auth_client", 403)])
def test_only_staff_create(request, client_name, status):
    client = request.getfixturevalue(client_name)

    assert client.post("/cinemas/", {"name": "X", "city": "Y"}, format="json").status_code == status
    assert client.post(f"/cinemas/{CinemaFactory().id}/screens/", {"name": "1", "layout": SMALL_LAYOUT},
                       format="json").status_code == status
    assert Cinema.objects.count() == 1
