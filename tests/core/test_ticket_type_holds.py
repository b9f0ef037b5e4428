"""Holding seats with ticket types: each seat's type decides its price; a type not offered is 400, one the movie's
certificate refuses is 409 naming it; the old `seat_numbers` form holds Adult seats as before."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import Booking, HoldSeat
from core.services import catalog
from core.ticket_types import certificate_min_age
from tests.factories import SMALL_PRICES, MovieFactory, ScreenFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db

STARTS = timezone.now().replace(microsecond=0) + timedelta(days=3)
TABLE = {**SMALL_PRICES, "standard": {"adult": "10.00", "child": "6.50", "senior": "7.00"}}


def typed_show(certificate=""):
    screen = ScreenFactory()
    TicketTypeFactory(cinema=screen.cinema, code="child", max_age=14)
    TicketTypeFactory(cinema=screen.cinema, code="senior", name="Senior", min_age=65, max_age=None)
    movie = MovieFactory(certificate=certificate)
    return catalog.show_create(movie_id=movie.id, screen_id=screen.id, date_time=STARTS, prices=TABLE)


def hold(client, show, body):
    return client.post(f"/shows/{show.id}/hold/", body, format="json")


def test_a_hold_names_each_seats_type_and_confirming_charges_its_price(auth_client):
    show = typed_show()

    response = hold(auth_client, show, {"seats": [{"number": 1, "ticket_type": "child"}, {"number": 2}]})

    assert response.status_code == 201
    body = response.json()
    assert (body["seat_numbers"], body["seats"]) == ([1, 2], [{"number": 1, "ticket_type": "child"},
                                                               {"number": 2, "ticket_type": "adult"}])
    confirmed = auth_client.post(f"/holds/{body['id']}/confirm/")
    assert confirmed.status_code == 201
    assert [(b["seat_number"], b["ticket_type"], b["price"]) for b in confirmed.json()] == [
        (1, "child", "6.50"), (2, "adult", "10.00")]
    assert Booking.objects.get(seat_number=1).price == Decimal("6.50")


def test_the_old_form_holds_adult_seats(auth_client):
    show = typed_show()

    response = hold(auth_client, show, {"seat_numbers": [2, 1]})

    assert response.status_code == 201
    assert response.json()["seats"] == [{"number": 1, "ticket_type": "adult"}, {"number": 2, "ticket_type": "adult"}]
    bookings = auth_client.post(f"/holds/{response.json()['id']}/confirm/").json()
    assert [(b["ticket_type"], b["price"]) for b in bookings] == [("adult", "10.00"), ("adult", "10.00")]


@pytest.mark.parametrize("seats, ticket_type, refused", [
    ([{"number": 4, "ticket_type": "child"}, {"number": 1, "ticket_type": "child"}], "child", [4]),  # premium
    ([{"number": 1, "ticket_type": "student"}], "student", [1]),  # not a type of the cinema
])
def test_a_type_not_offered_for_the_seat_is_400_and_nothing_is_held(auth_client, seats, ticket_type, refused):
    show = typed_show()

    response = hold(auth_client, show, {"seats": seats})

    assert response.status_code == 400
    assert response.json() == {
        "detail": f"Ticket type \"{ticket_type}\" is not offered for some of these seats.",
        "code": "invalid_ticket_type", "ticket_type": ticket_type, "seats": refused}
    assert not HoldSeat.objects.exists()


def test_a_type_the_certificate_refuses_is_409_naming_it(auth_client):
    show = typed_show(certificate="15")

    response = hold(auth_client, show, {"seats": [{"number": 1, "ticket_type": "child"}, {"number": 2}]})

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This film is rated 15: \"child\" tickets cannot be sold for it.",
        "code": "ticket_type_not_allowed", "ticket_type": "child", "certificate": "15", "min_age": 15}
    assert not HoldSeat.objects.exists()
    # A type without a maximum age, and Adult, are sold.
    allowed = hold(auth_client, show, {"seats": [{"number": 1, "ticket_type": "senior"}, {"number": 2}]})
    assert allowed.status_code == 201


def test_an_advisory_certificate_refuses_no_one(auth_client):
    show = typed_show(certificate="12A")

    assert hold(auth_client, show, {"seats": [{"number": 1, "ticket_type": "child"}]}).status_code == 201


@pytest.mark.parametrize("certificate, age", [("U", None), ("12A", None), ("12", 12), ("15", 15), ("18", 18),
                                              ("r18", 18), ("PG-13", None), ("NC-17", 18), ("16", 16), ("", None)])
def test_certificates_minimum_ages(certificate, age):
    assert certificate_min_age(certificate) == age


@pytest.mark.parametrize("body", [
    {"seats": [{"number": 1}], "seat_numbers": [1]},
    {},
    {"seats": [{"ticket_type": "child"}]},
    {"seats": [{"number": 1, "ticket_type": "Child!"}]},
    {"seats": [{"number": 1}, {"number": 1}]},
])
def test_malformed_seat_lists_are_400(auth_client, body):
    show = typed_show()

    response = hold(auth_client, show, body)

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert not HoldSeat.objects.exists()


def test_a_type_taken_off_the_show_after_holding_is_refused_at_confirm_not_a_500(auth_client):
    show = typed_show()
    held = hold(auth_client, show, {"seats": [{"number": 1, "ticket_type": "child"}]}).json()
    show.prices = SMALL_PRICES  # staff edit the prices in the admin: Adult only
    show.save(update_fields=["prices"])

    response = auth_client.post(f"/holds/{held['id']}/confirm/")

    assert (response.status_code, response.json()["code"], response.json()["seats"]) == (400, "invalid_ticket_type",
                                                                                         [1])
    assert not Booking.objects.exists()


@pytest.mark.parametrize("table, expected", [
    # A child seat free where the adult one costs: a free reservation, not one to pay at the box office.
    ({"adult": "10.00", "child": "0.00"}, {1: ("0.00", "free"), 2: ("10.00", "unpaid")}),
    # The other way round: a child seat with a price where the adult one is free must be paid for at the door.
    ({"adult": "0.00", "child": "4.00"}, {1: ("4.00", "unpaid"), 2: ("0.00", "free")}),
])
def test_a_reservation_is_free_or_unpaid_by_its_own_types_price(auth_client, table, expected):
    screen = ScreenFactory()
    TicketTypeFactory(cinema=screen.cinema, code="child", max_age=14)
    show = catalog.show_create(movie_id=MovieFactory().id, screen_id=screen.id, date_time=STARTS,
                               prices={**SMALL_PRICES, "standard": table})
    held = hold(auth_client, show, {"seats": [{"number": 1, "ticket_type": "child"}, {"number": 2}]}).json()

    confirmed = auth_client.post(f"/holds/{held['id']}/confirm/")

    assert confirmed.status_code == 201
    assert {b["seat_number"]: (b["price"], b["payment_status"]) for b in confirmed.json()} == expected


def test_without_unpaid_reservations_a_seat_free_as_its_type_can_still_be_reserved(auth_client, settings):
    settings.ALLOW_UNPAID_RESERVATIONS = False
    screen = ScreenFactory()
    TicketTypeFactory(cinema=screen.cinema, code="child", max_age=14)
    show = catalog.show_create(movie_id=MovieFactory().id, screen_id=screen.id, date_time=STARTS,
                               prices={**SMALL_PRICES, "standard": {"adult": "10.00", "child": "0.00"}})
    held = hold(auth_client, show, {"seats": [{"number": 1, "ticket_type": "child"}]}).json()

    confirmed = auth_client.post(f"/holds/{held['id']}/confirm/")

    assert confirmed.status_code == 201
    assert [(b["ticket_type"], b["payment_status"]) for b in confirmed.json()] == [("child", "free")]
