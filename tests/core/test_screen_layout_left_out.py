"""A screen's layout (a JSON document of every seat) is never read with a show, a booking, a hold or an order
(core.models.SCREEN_FIELDS_LEFT_OUT): the booking, its answer, a customer's bookings, check-in and the mail are made
without it, and it is still read, on its own, by whatever asks for it."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import selectors
from core.models import Booking, Show
from core.services import booking as booking_service
from core.services import catalog, holds
from orders.models import Order
from tests.conftest import client_for
from tests.factories import SMALL_PRICES, ScreenFactory, UserFactory
from venues.models import Screen

pytestmark = pytest.mark.django_db

LAYOUT_COLUMN = Screen._meta.get_field("layout").column


@pytest.fixture
def screen_show(movie):
    screen = ScreenFactory(name="Salle 1", cinema__name="Lumière")
    return catalog.show_create(movie_id=movie.id, screen_id=screen.id, date_time=timezone.now() + timedelta(days=3),
                               prices=SMALL_PRICES)


def _reads_a_layout(queries) -> bool:
    return any(f'"{LAYOUT_COLUMN}"' in query["sql"] for query in queries)


@pytest.mark.parametrize("seat_number", [1, 2])
def test_a_booking_of_a_show_on_a_screen_reads_no_layout_and_answers_its_screen(screen_show, seat_number):
    """Seat 1 is free: the fast path on PostgreSQL. Seat 2 is the customer's own hold: the general path."""
    user = UserFactory()
    if seat_number == 2:
        holds.hold_create(user=user, show_id=screen_show.id, seat_numbers=[2])
    with CaptureQueriesContext(connection) as queries:
        booking = booking_service.booking_create(user=user, show_id=screen_show.id, seat_number=seat_number)

    assert not _reads_a_layout(queries.captured_queries)
    screen = booking.show.screen
    assert (screen.name, screen.cinema.name) == ("Salle 1", "Lumière")
    assert screen.get_deferred_fields() == {"layout"}
    # Deferred, not lost: whoever asks for it reads it.
    assert screen.layout == Screen.objects.get(pk=screen.pk).layout


def test_the_booking_answer_names_the_screen(screen_show):
    user = UserFactory()
    client = client_for(user)

    response = client.post(f"/shows/{screen_show.id}/book/", {"seat_number": 3}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["show"]["screen"] == {"id": screen_show.screen_id, "name": "Salle 1",
                                                 "cinema": {"id": screen_show.screen.cinema_id, "name": "Lumière",
                                                            "city": screen_show.screen.cinema.city}}


def test_reads_of_bookings_and_shows_leave_the_layout_out(screen_show):
    user = UserFactory()
    booking_service.booking_create(user=user, show_id=screen_show.id, seat_number=4)
    holds.hold_create(user=user, show_id=screen_show.id, seat_numbers=[7])

    now = timezone.now()
    Order.objects.create(user=user, show=screen_show, payment_method=Order.Method.BOX_OFFICE, seats=[],
                         total="0.00", currency="EUR", created_at=now, expires_at=now + timedelta(minutes=10))

    for queryset in (selectors.booking_list_for_user(user=user), Booking.objects.with_show(),
                     selectors.hold_list_for_user(user=user).with_show(), Order.objects.with_show(),
                     Show.objects.with_relations(), selectors.shows_with_availability()):
        with CaptureQueriesContext(connection) as queries:
            rows = list(queryset)
        assert rows and not _reads_a_layout(queries.captured_queries), str(queryset.query)
    with CaptureQueriesContext(connection) as queries:
        show = selectors.show_with_relations(show_id=screen_show.id)
    assert show.screen.name == "Salle 1" and not _reads_a_layout(queries.captured_queries)


def test_a_customers_bookings_list_reads_no_layout(screen_show):
    user = UserFactory()
    for seat in (5, 6):
        booking_service.booking_create(user=user, show_id=screen_show.id, seat_number=seat)

    with CaptureQueriesContext(connection) as queries:
        response = client_for(user).get("/my-bookings/")

    assert response.status_code == 200, response.content
    assert not _reads_a_layout(queries.captured_queries)
