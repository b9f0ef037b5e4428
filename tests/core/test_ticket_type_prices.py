"""A show's prices as a table of seat category × ticket type; the seed's single price is the Adult price."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import Show, ShowSeat
from core.services import catalog
from tests.factories import SMALL_PRICES, ScreenFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db

STARTS = timezone.now().replace(microsecond=0) + timedelta(days=3)
TABLE = {**SMALL_PRICES, "standard": {"adult": "10.00", "child": "6.50"}, "premium": {"adult": "15.50"}}


@pytest.fixture
def screen():
    screen = ScreenFactory()
    TicketTypeFactory(cinema=screen.cinema, code="child")
    return screen


def create(client, movie_id, **body):
    return client.post(f"/movies/{movie_id}/shows/", {"date_time": STARTS.isoformat(), **body}, format="json")


def test_a_show_priced_per_ticket_type(staff_client, api_client, movie, screen):
    response = create(staff_client, movie.id, screen=screen.id, prices=TABLE)

    assert response.status_code == 201
    # The show's `prices` stay the Adult price per category, as every client reads them today.
    assert response.json()["prices"] == SMALL_PRICES
    show = Show.objects.get()
    # Stored as a table where a category offers more than Adult, a bare price where it offers only Adult.
    assert show.prices == {**SMALL_PRICES, "standard": {"adult": "10.00", "child": "6.50"}}
    assert ShowSeat.objects.get(show=show, label="A1").price == Decimal("10.00")  # the Adult price
    seat_map = api_client.get(f"/shows/{show.id}/seats/").json()
    assert seat_map["categories"] == [
        {"name": "standard", "price": "10.00", "prices": {"adult": "10.00", "child": "6.50"}, "available": 3},
        {"name": "premium", "price": "15.50", "prices": {"adult": "15.50"}, "available": 2},
        {"name": "wheelchair", "price": "10.00", "prices": {"adult": "10.00"}, "available": 1},
        {"name": "companion", "price": "5.00", "prices": {"adult": "5.00"}, "available": 1},
    ]
    assert seat_map["rows"][0]["seats"][0]["price"] == "10.00"


def test_the_old_form_offers_only_adult(staff_client, api_client, movie, screen):
    show_id = create(staff_client, movie.id, screen=screen.id, prices=SMALL_PRICES).json()["id"]

    assert Show.objects.get(pk=show_id).prices == SMALL_PRICES
    categories = api_client.get(f"/shows/{show_id}/seats/").json()["categories"]
    assert {c["name"]: c["prices"] for c in categories} == {name: {"adult": price}
                                                            for name, price in SMALL_PRICES.items()}


@pytest.mark.parametrize("prices, message", [
    ({**SMALL_PRICES, "standard": {"adult": "10.00", "senior": "7.00"}}, "The cinema has no ticket type: senior."),
    ({**SMALL_PRICES, "standard": {"child": "6.00"}},
     "Every seat category needs an adult price; missing in: standard."),
])
def test_a_type_the_cinema_lacks_or_no_adult_price_is_400(staff_client, movie, screen, prices, message):
    response = create(staff_client, movie.id, screen=screen.id, prices=prices)

    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid input.", "code": "invalid", "prices": [message]}
    assert not Show.objects.exists()


@pytest.mark.parametrize("entry", [{}, ["10.00"], {"adult": "-1"}, {"adult": "ten"}, True])
def test_a_malformed_entry_is_400(staff_client, movie, screen, entry):
    response = create(staff_client, movie.id, screen=screen.id, prices={**SMALL_PRICES, "standard": entry})

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert "prices" in response.json()


def test_another_cinemas_type_is_not_offered(staff_client, movie, screen):
    TicketTypeFactory(code="senior")  # another cinema's

    response = create(staff_client, movie.id, screen=screen.id,
                      prices={**SMALL_PRICES, "standard": {"adult": "10.00", "senior": "7.00"}})

    assert response.status_code == 400


def test_a_price_change_keeps_the_other_types(staff_client, movie, screen):
    show = catalog.show_create(movie_id=movie.id, screen_id=screen.id, date_time=STARTS, prices=TABLE)

    response = staff_client.patch(f"/shows/{show.id}/", {"prices": {"standard": "11.00"}}, format="json")

    assert response.status_code == 200
    assert response.json()["prices"]["standard"] == "11.00"
    assert catalog_prices(staff_client, show)["standard"] == {"adult": "11.00", "child": "6.50"}
    assert ShowSeat.objects.get(show=show, label="A1").price == Decimal("11.00")
    child = staff_client.patch(f"/shows/{show.id}/", {"prices": {"premium": {"child": "9.00"}}}, format="json")
    assert child.json()["prices"]["premium"] == "15.50"
    assert catalog_prices(staff_client, show)["premium"] == {"adult": "15.50", "child": "9.00"}
    assert ShowSeat.objects.get(show=show, label="B1").price == Decimal("15.50")


def catalog_prices(client, show):
    return {c["name"]: c["prices"] for c in client.get(f"/shows/{show.id}/seats/").json()["categories"]}
