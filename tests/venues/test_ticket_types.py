"""A cinema's ticket types: anyone lists them, the programme role adds them; codes are unique per cinema."""
import pytest

from tests.conftest import client_for
from tests.factories import CinemaFactory, UserFactory
from venues.models import TicketType

pytestmark = pytest.mark.django_db

CHILD = {"code": "child", "name": "Child", "min_age": None, "max_age": 14, "proof_required": False}


def test_programme_adds_a_ticket_type_and_anyone_lists_it(api_client):
    cinema = CinemaFactory()
    programme = client_for(UserFactory(roles=["programme"]))

    created = programme.post(f"/cinemas/{cinema.id}/ticket-types/", {**CHILD, "names": {"es": "Niño"}},
                             format="json")

    assert created.status_code == 201
    child = TicketType.objects.get()
    assert created.json() == {"id": child.id, "code": "child", "name": "Child", "names": {"es": "Niño"},
                              "min_age": None, "max_age": 14, "proof_required": False}
    assert child.name_in("es") == "Niño" and child.name_in("hi") == "Child"
    assert api_client.get(f"/cinemas/{cinema.id}/ticket-types/").json() == [created.json()]


def test_codes_are_unique_per_cinema_not_across_cinemas(staff_client):
    first, second = CinemaFactory(), CinemaFactory()
    assert staff_client.post(f"/cinemas/{first.id}/ticket-types/", CHILD, format="json").status_code == 201

    again = staff_client.post(f"/cinemas/{first.id}/ticket-types/", {**CHILD, "name": "Kid"}, format="json")

    assert again.status_code == 400
    assert again.json() == {"detail": "This cinema already has a ticket type with that code.",
                            "code": "ticket_type_code_taken"}
    assert staff_client.post(f"/cinemas/{second.id}/ticket-types/", CHILD, format="json").status_code == 201


def test_only_the_programme_role_adds_types(api_client, auth_client):
    cinema = CinemaFactory()
    door = client_for(UserFactory(roles=["door"]))
    url = f"/cinemas/{cinema.id}/ticket-types/"

    assert api_client.post(url, CHILD, format="json").status_code == 401
    assert auth_client.post(url, CHILD, format="json").status_code == 403
    assert door.post(url, CHILD, format="json").status_code == 403
    assert not TicketType.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({**CHILD, "code": "Child"}, "code"),
    ({**CHILD, "code": "child seat"}, "code"),
    ({**CHILD, "min_age": 15, "max_age": 14}, "max_age"),
    ({**CHILD, "max_age": -1}, "max_age"),
    ({**CHILD, "names": {"fr": "Enfant"}}, "names"),
    ({**CHILD, "name": "Child\nseat"}, "name"),
])
def test_a_wrong_type_is_400_naming_the_field(staff_client, body, field):
    cinema = CinemaFactory()

    response = staff_client.post(f"/cinemas/{cinema.id}/ticket-types/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and field in response.json()


def test_an_unknown_cinema_is_404(api_client, staff_client):
    assert api_client.get("/cinemas/999999/ticket-types/").json() == {"detail": "Cinema not found.",
                                                                       "code": "not_found"}
    assert staff_client.post("/cinemas/999999/ticket-types/", CHILD, format="json").status_code == 404
