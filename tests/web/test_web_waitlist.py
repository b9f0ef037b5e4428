"""The waiting list in the moviegoer's pages: join a sold-out show's list for N seats, see the place, leave it;
"My tickets" shows the entries and an offer's checkout link."""
import pytest
from django.test import Client

from common.errors import Busy
from core.services import booking as booking_service
from tests.factories import BookingFactory, ShowFactory, UserFactory
from waitlist import services as waitlist_services
from waitlist.models import Entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold_out():
    show = ShowFactory(total_seats=3)
    return show, [BookingFactory(show=show, seat_number=n) for n in range(1, 4)]


def _client(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_a_sold_out_show_offers_the_list_and_a_customer_joins_sees_the_place_and_leaves(sold_out):
    show, _ = sold_out
    ahead = UserFactory()
    _client(ahead).post(f"/showings/{show.pk}/waitlist/", {"seats": "1"})
    user = UserFactory()
    client = _client(user)
    page = client.get(f"/showings/{show.pk}/").content.decode()
    assert "Join the waiting list" in page

    joined = client.post(f"/showings/{show.pk}/waitlist/", {"seats": "2"}, follow=True).content.decode()
    assert "number 2 in line" in joined
    assert "You are on the waiting list for 2 seats: number 2 in line." in joined
    entry = Entry.objects.get(user=user)
    assert entry.seats == 2 and entry.status == "waiting"

    left = client.post(f"/my-tickets/waitlist/{entry.pk}/leave/", {"back": "show"}, follow=True).content.decode()
    assert "You left the waiting list." in left and "Join the waiting list" in left
    entry.refresh_from_db()
    assert entry.status == "left"


def test_a_show_with_seats_left_has_no_list_and_a_join_is_refused():
    show = ShowFactory(total_seats=3)
    client = _client(UserFactory())
    assert "Join the waiting list" not in client.get(f"/showings/{show.pk}/").content.decode()
    refused = client.post(f"/showings/{show.pk}/waitlist/", {"seats": "1"}, follow=True).content.decode()
    assert "Seats are still on sale for this show" in refused
    assert not Entry.objects.exists()


def test_my_tickets_shows_the_place_and_an_offers_checkout_link(sold_out, django_capture_on_commit_callbacks):
    show, bookings = sold_out
    user = UserFactory()
    client = _client(user)
    client.post(f"/showings/{show.pk}/waitlist/", {"seats": "1"})
    assert "1 seat, number 1 in line" in client.get("/my-tickets/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        booking_service.booking_cancel(user=bookings[0].user, booking_id=bookings[0].pk)
    entry = Entry.objects.get(user=user)
    page = client.get("/my-tickets/").content.decode()
    assert f'href="/checkout/{entry.hold_id}/"' in page
    assert "seats are held for you" in page
    # The link opens the checkout of the customer's own hold.
    assert client.get(f"/checkout/{entry.hold_id}/").status_code == 200


@pytest.mark.parametrize("language, text", [("es", "Únase a la lista de espera"), ("hi", "प्रतीक्षा सूची में शामिल हों")])
def test_the_list_speaks_spanish_and_hindi(sold_out, language, text):
    show, _ = sold_out
    page = _client(UserFactory(), language).get(f"/showings/{show.pk}/")
    assert text in page.content.decode()


def test_leaving_while_the_list_is_busy_says_so_and_leaves_the_entry(sold_out, monkeypatch):
    show, _ = sold_out
    user = UserFactory()
    client = _client(user)
    client.post(f"/showings/{show.pk}/waitlist/", {"seats": "1"})
    entry = Entry.objects.get(user=user)

    def lock_not_free_in_time(**kwargs):
        raise Busy()  # what locked_transaction raises when the list's lock times out
    monkeypatch.setattr(waitlist_services, "leave", lock_not_free_in_time)
    response = client.post(f"/my-tickets/waitlist/{entry.pk}/leave/", follow=True)

    assert response.status_code == 200
    assert "Too many bookings for this show right now, please retry." in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == "waiting"
