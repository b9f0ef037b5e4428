"""GET /shows/<id>/seats/ and the available_seats of the show endpoints: bookings and unexpired holds count."""
from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import Booking, Hold, HoldSeat, ShowSeat
from core.services import holds as hold_service
from tests.conftest import client_for
from tests.factories import BookingFactory, ShowFactory, UserFactory, mark_booked

pytestmark = pytest.mark.django_db


def fill(show, *, booked: range, held: range, user=None):
    """Book and hold many seats directly in the database (fast; the services are tested elsewhere)."""
    user = user or UserFactory()
    Booking.objects.bulk_create([Booking(user=user, show=show, seat_number=s) for s in booked])
    now = timezone.now()
    hold = Hold.objects.create(user=user, show=show, created_at=now, expires_at=now + timedelta(minutes=8))
    HoldSeat.objects.bulk_create([HoldSeat(hold=hold, show=show, seat_number=s) for s in held])
    # The seat rows are the truth the seat map reads; set them as the services would.
    mark_booked(show, booked)
    ShowSeat.objects.filter(show=show, number__in=list(held)).update(state="held", hold=hold,
                                                                    held_until=hold.expires_at)


SEED_KEYS = ("show_id", "total_seats", "available_seats", "booked", "held")


def seed_part(seat_map: dict) -> dict:
    """The seed's keys of a seat map (blocked, currency, categories and rows came with screens and seat
    layouts: tested in test_api_shows_on_screens.py)."""
    return {key: seat_map[key] for key in SEED_KEYS}


class TestSeatMap:
    def test_empty_show_in_two_queries(self, api_client, show, django_assert_max_num_queries):
        with django_assert_max_num_queries(2):
            response = api_client.get(f"/shows/{show.id}/seats/")

        assert response.status_code == 200
        assert response.json()["blocked"] == []
        assert seed_part(response.json()) == {"show_id": show.id, "total_seats": 50, "available_seats": 50,
                                   "booked": [], "held": []}

    def test_full_show_in_two_queries(self, api_client, django_assert_max_num_queries):
        show = ShowFactory(total_seats=1000)
        fill(show, booked=range(1, 701), held=range(701, 1001))

        with django_assert_max_num_queries(2):
            response = api_client.get(f"/shows/{show.id}/seats/")

        assert seed_part(response.json()) == {"show_id": show.id, "total_seats": 1000, "available_seats": 0,
                                   "booked": list(range(1, 701)), "held": list(range(701, 1001))}

    def test_booked_and_held_are_sorted_and_cancellations_and_expired_holds_do_not_count(self, api_client, show):
        for seat in (30, 2, 17):
            BookingFactory(show=show, seat_number=seat)
        BookingFactory(show=show, seat_number=5, status="cancelled", cancelled_at=timezone.now())
        hold_service.hold_create(user=UserFactory(), show_id=show.id, seat_numbers=[40, 9])
        hold_service.hold_create(user=UserFactory(), show_id=show.id, seat_numbers=[11],
                                 now=timezone.now() - timedelta(minutes=8, seconds=1))
        BookingFactory(show=ShowFactory(), seat_number=1)  # another show's

        response = api_client.get(f"/shows/{show.id}/seats/")

        assert seed_part(response.json()) == {"show_id": show.id, "total_seats": 50, "available_seats": 45,
                                   "booked": [2, 17, 30], "held": [9, 40]}

    def test_follows_a_hold_through_confirm_and_release(self, show, user):
        client = client_for(user)
        first = hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[1, 2])
        second = hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[3])
        assert client.get(f"/shows/{show.id}/seats/").json()["held"] == [1, 2, 3]

        client.post(f"/holds/{first.id}/confirm/")
        client.delete(f"/holds/{second.id}/")

        data = client.get(f"/shows/{show.id}/seats/").json()
        assert (data["booked"], data["held"], data["available_seats"]) == ([1, 2], [], 48)

    def test_unknown_show_is_404(self, api_client):
        response = api_client.get("/shows/999999/seats/")

        assert response.status_code == 404
        assert response.json() == {"detail": "Show not found.", "code": "not_found"}


class TestAvailableSeatsOnShows:
    def test_show_detail_counts_bookings_and_unexpired_holds(self, api_client, show):
        BookingFactory(show=show, seat_number=1)
        BookingFactory(show=show, seat_number=2)
        hold_service.hold_create(user=UserFactory(), show_id=show.id, seat_numbers=[3, 4, 5])
        hold_service.hold_create(user=UserFactory(), show_id=show.id, seat_numbers=[6],
                                 now=timezone.now() - timedelta(minutes=9))

        assert api_client.get(f"/shows/{show.id}/").json()["available_seats"] == 50 - 2 - 3

    def test_show_list_counts_each_show_in_one_query(self, api_client, movie, django_assert_max_num_queries):
        shows = [ShowFactory(movie=movie, date_time=timezone.now() + timedelta(days=d), total_seats=20)
                 for d in (1, 2, 3)]
        fill(shows[0], booked=range(1, 6), held=range(6, 9))
        fill(shows[1], booked=range(1, 21), held=range(0))

        # The movie's existence check and the shows with their counts.
        with django_assert_max_num_queries(2):
            data = api_client.get(f"/movies/{movie.id}/shows/").json()

        assert [s["available_seats"] for s in data] == [12, 0, 20]
