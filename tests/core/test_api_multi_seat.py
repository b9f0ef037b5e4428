"""POST /shows/<id>/book/ with {"seat_numbers": [...]}: several seats, all or none; and holds seen by booking."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import errors
from core.models import Booking, Hold, HoldSeat
from core.services import holds as hold_service
from tests.conftest import client_for
from tests.core.test_api_bookings import book, expected_show, iso
from tests.factories import BookingFactory, ShowFactory, UserFactory

pytestmark = pytest.mark.django_db


def invalid_selection(reason):
    return {"detail": "Invalid input.", "code": "invalid", "seat_numbers": [reason]}


class TestBookSeveralSeats:
    def test_books_all_seats_and_answers_an_array_in_seat_order(self, auth_client, user, show):
        response = book(auth_client, show.id, {"seat_numbers": [5, 3, 4]})

        assert response.status_code == 201
        bookings = {b.seat_number: b for b in Booking.objects.filter(user=user)}
        assert sorted(bookings) == [3, 4, 5]
        assert response.json() == [
            {
                "id": bookings[seat].id,
                "show": expected_show(show),
                "seat_number": seat,
                "status": "booked",
                "price": "0.00",
                "ticket_type": "adult",
                "created_at": iso(bookings[seat].created_at),
                "cancelled_at": None,
                "order_id": None,
                "payment_status": "free",
            }
            for seat in (3, 4, 5)
        ]

    def test_one_seat_in_a_list_is_still_an_array(self, auth_client, show):
        response = book(auth_client, show.id, {"seat_numbers": [7]})

        assert response.status_code == 201
        assert [b["seat_number"] for b in response.json()] == [7]

    def test_one_taken_seat_books_nothing_and_lists_it(self, auth_client, show):
        BookingFactory(show=show, seat_number=4)

        response = book(auth_client, show.id, {"seat_numbers": [3, 4, 5]})

        assert response.status_code == 409
        assert response.json() == {"detail": errors.SeatsUnavailable.message, "code": "seats_unavailable",
                                   "seats": [4]}
        assert Booking.objects.count() == 1

    def test_seats_held_by_someone_else_are_unavailable_too(self, auth_client, show, other_user):
        BookingFactory(show=show, seat_number=9)
        hold_service.hold_create(user=other_user, show_id=show.id, seat_numbers=[2, 3])

        response = book(auth_client, show.id, {"seat_numbers": [9, 1, 3, 2]})

        assert response.status_code == 409
        assert response.json()["seats"] == [2, 3, 9]
        assert Booking.objects.count() == 1
        assert HoldSeat.objects.count() == 2

    def test_cancelled_bookings_do_not_block(self, auth_client, show):
        BookingFactory(show=show, seat_number=4, status="cancelled", cancelled_at=timezone.now())

        assert book(auth_client, show.id, {"seat_numbers": [4, 5]}).status_code == 201

    def test_own_held_seats_are_booked_and_leave_the_hold(self, auth_client, user, show):
        hold = hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[1, 2, 3])

        response = book(auth_client, show.id, {"seat_numbers": [2, 3, 4]})

        assert response.status_code == 201
        assert sorted(Booking.objects.values_list("seat_number", flat=True)) == [2, 3, 4]
        assert Hold.objects.get().seat_numbers == [1]
        # The rest of the hold is still confirmable.
        assert auth_client.post(f"/holds/{hold.id}/confirm/").status_code == 201
        assert sorted(Booking.objects.values_list("seat_number", flat=True)) == [1, 2, 3, 4]

    def test_booking_every_seat_of_an_own_hold_removes_the_hold(self, auth_client, user, show):
        hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[1, 2])

        assert book(auth_client, show.id, {"seat_numbers": [1, 2]}).status_code == 201
        assert not Hold.objects.exists()
        assert not HoldSeat.objects.exists()

    def test_expired_hold_of_someone_else_does_not_block(self, auth_client, show, other_user):
        hold_service.hold_create(user=other_user, show_id=show.id, seat_numbers=[1, 2],
                                 now=timezone.now() - timedelta(minutes=9))

        assert book(auth_client, show.id, {"seat_numbers": [1, 2]}).status_code == 201

    @pytest.mark.parametrize(("seats", "reason"), [
        ([], errors.InvalidSeatSelection.EMPTY),
        ([3, 4, 3], errors.InvalidSeatSelection.DUPLICATES),
        (list(range(1, 12)), errors.InvalidSeatSelection.TOO_MANY.format(limit=10)),
    ])
    def test_empty_repeated_or_too_many_seats_is_400(self, auth_client, show, seats, reason):
        response = book(auth_client, show.id, {"seat_numbers": seats})

        assert response.status_code == 400
        assert response.json() == invalid_selection(reason)
        assert not Booking.objects.exists()

    def test_exactly_the_limit_is_fine(self, auth_client, show):
        assert book(auth_client, show.id, {"seat_numbers": list(range(1, 11))}).status_code == 201
        assert Booking.objects.count() == 10

    @override_settings(MAX_SEATS_PER_BOOKING=3)
    def test_limit_is_a_setting(self, auth_client, show):
        response = book(auth_client, show.id, {"seat_numbers": [1, 2, 3, 4]})

        assert response.status_code == 400
        assert response.json() == invalid_selection(errors.InvalidSeatSelection.TOO_MANY.format(limit=3))

    def test_seats_outside_the_show_are_400_invalid_seat_listed(self, auth_client, show):
        response = book(auth_client, show.id, {"seat_numbers": [51, 1, 0]})

        assert response.status_code == 400
        assert response.json() == {"detail": errors.InvalidSeats.message, "code": "invalid_seat", "seats": [0, 51]}
        assert not Booking.objects.exists()

    @pytest.mark.parametrize("body", [{"seat_numbers": 3}, {"seat_numbers": ["a"]}, {"seat_numbers": None},
                                      {"seat_numbers": [1.5]}])
    def test_seat_numbers_not_a_list_of_integers_is_400(self, auth_client, show, body):
        response = book(auth_client, show.id, body)

        assert response.status_code == 400
        data = response.json()
        assert (data["code"], data["detail"]) == ("invalid", "Invalid input.")
        assert "seat_numbers" in data

    def test_both_seat_number_and_seat_numbers_is_400(self, auth_client, show):
        response = book(auth_client, show.id, {"seat_number": 1, "seat_numbers": [2]})

        assert response.status_code == 400
        assert response.json() == {"detail": "Invalid input.", "code": "invalid",
                                   "non_field_errors": ["Send either seat_number or seat_numbers, not both."]}
        assert not Booking.objects.exists()

    def test_show_started_is_400(self, auth_client):
        started = ShowFactory(date_time=timezone.now() - timedelta(seconds=1))

        response = book(auth_client, started.id, {"seat_numbers": [1, 2]})

        assert response.status_code == 400
        assert response.json() == {"detail": errors.ShowStarted.message, "code": "show_started"}

    def test_unknown_show_is_404(self, auth_client):
        response = book(auth_client, 999999, {"seat_numbers": [1]})

        assert response.status_code == 404
        assert response.json() == {"detail": errors.ShowNotFound.message, "code": "not_found"}

    def test_anonymous_is_401(self, api_client, show):
        assert book(api_client, show.id, {"seat_numbers": [1]}).status_code == 401

    def test_query_count_does_not_grow_with_the_number_of_seats(self, auth_client, show):
        # Authentication + savepoint + lock + booked + held + one INSERT + the mail's outbox row (and its sending
        # after the commit, in process without a broker): the same for 1 seat or 10.
        with CaptureQueriesContext(connection) as one_seat:
            assert book(auth_client, show.id, {"seat_numbers": [1]}).status_code == 201
        with CaptureQueriesContext(connection) as ten_seats:
            assert book(auth_client, show.id, {"seat_numbers": list(range(11, 21))}).status_code == 201
        assert len(ten_seats) == len(one_seat) <= 8 + 1 + 4


class TestSingleSeatAndHolds:
    """The seed's {"seat_number": n} keeps its answers; holds add seat_held."""

    def test_seat_held_by_someone_else_is_409_seat_held(self, auth_client, show, other_user):
        hold_service.hold_create(user=other_user, show_id=show.id, seat_numbers=[8])

        response = book(auth_client, show.id, {"seat_number": 8})

        assert response.status_code == 409
        assert response.json() == {"detail": errors.SeatHeld.message, "code": "seat_held"}
        assert not Booking.objects.exists()

    def test_own_held_seat_is_booked_and_leaves_the_hold(self, auth_client, user, show):
        hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[8, 9])

        response = book(auth_client, show.id, {"seat_number": 8})

        assert response.status_code == 201
        assert response.json()["seat_number"] == 8
        assert Hold.objects.get().seat_numbers == [9]

    def test_expired_hold_of_someone_else_does_not_block(self, auth_client, show):
        hold_service.hold_create(user=UserFactory(), show_id=show.id, seat_numbers=[8],
                                 now=timezone.now() - timedelta(minutes=8))

        assert book(auth_client, show.id, {"seat_number": 8}).status_code == 201

    def test_other_users_can_still_book_free_seats_next_to_a_hold(self, show, other_user):
        hold_service.hold_create(user=other_user, show_id=show.id, seat_numbers=[8])

        assert book(client_for(UserFactory()), show.id, {"seat_number": 7}).status_code == 201
