"""An order of seats held with ticket types: each seat's type and price fixed when the order is created; the
bookings and tickets carry the type; the door is told the type and to check proof when the type needs it."""
from datetime import timedelta

import pytest
from django.utils import timezone

from core.services import catalog
from core.services.holds import hold_create
from orders.models import Order
from tests.conftest import client_for
from tests.factories import SMALL_PRICES, MovieFactory, ScreenFactory, TicketTypeFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

TABLE = {**SMALL_PRICES, "standard": {"adult": "10.00", "child": "6.50"}}


@pytest.fixture
def show(settings):
    settings.CURRENCY = "EUR"
    screen = ScreenFactory()
    TicketTypeFactory(cinema=screen.cinema, code="child", name="Child", names={"es": "Niño"}, max_age=14,
                      proof_required=True)
    starts = timezone.now().replace(microsecond=0) + timedelta(days=1)
    return catalog.show_create(movie_id=MovieFactory().id, screen_id=screen.id, date_time=starts, prices=TABLE)


def test_the_order_fixes_each_seats_type_and_price(auth_client, user, show, staff_client):
    hold = hold_create(user=user, show_id=show.id, seat_numbers=[1, 2], ticket_types={1: "child"})

    response = auth_client.post("/orders/", {"hold_id": hold.pk, "payment_method": "box_office"}, format="json")

    assert response.status_code == 201
    assert (response.json()["seats"], response.json()["total"]) == ([
        {"number": 1, "label": "A1", "category": "standard", "price": "6.50", "ticket_type": "child",
         "full_price": "6.50", "discount": "0.00"},
        {"number": 2, "label": "A2", "category": "standard", "price": "10.00", "ticket_type": "adult",
         "full_price": "10.00", "discount": "0.00"}], "16.50")
    # A price change after the order was created changes nothing it sells.
    staff_client.patch(f"/shows/{show.id}/", {"prices": {"standard": {"adult": "11.00", "child": "7.00"}}},
                       format="json")
    order = Order.objects.get()
    paid = staff_client.post(f"/orders/{order.pk}/mark-paid/")
    assert paid.status_code == 200, paid.json()
    bookings = {b.seat_number: b for b in order.bookings.all()}
    assert [(bookings[n].ticket_type, str(bookings[n].price)) for n in (1, 2)] == [("child", "6.50"),
                                                                                  ("adult", "10.00")]
    ticket = auth_client.get(f"/bookings/{bookings[1].pk}/ticket/").json()
    assert ticket["ticket_type"] == "child"


def test_the_door_is_told_the_type_and_to_check_proof(settings, auth_client, user, show):
    settings.CHECKIN_OPENS_MINUTES = 2 * 24 * 60  # the show is tomorrow: the door is open for this test
    hold = hold_create(user=user, show_id=show.id, seat_numbers=[1, 2], ticket_types={1: "child"})
    auth_client.post("/orders/", {"hold_id": hold.pk, "payment_method": "box_office"}, format="json")
    order = Order.objects.get()
    client_for(UserFactory(roles=["box_office"])).post(f"/orders/{order.pk}/mark-paid/")
    child, adult = sorted(order.bookings.all(), key=lambda b: b.seat_number)
    door = client_for(UserFactory(roles=["door"]))

    child_in = door.post("/checkin/", {"code": child.ticket_code}, format="json", HTTP_ACCEPT_LANGUAGE="es")
    adult_in = door.post("/checkin/", {"code": adult.ticket_code}, format="json")

    assert child_in.status_code == adult_in.status_code == 200
    assert {k: child_in.json()[k] for k in ("ticket_type", "ticket_type_name", "check_proof")} == {
        "ticket_type": "child", "ticket_type_name": "Niño", "check_proof": True}
    assert {k: adult_in.json()[k] for k in ("ticket_type", "ticket_type_name", "check_proof")} == {
        "ticket_type": "adult", "ticket_type_name": "Adult", "check_proof": False}
