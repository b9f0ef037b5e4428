"""POST /shows/<id>/book/, POST /bookings/<id>/cancel/, GET /my-bookings/ and the error shapes around them."""
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from common.exception_handler import SERVER_ERROR_BODY
from core import errors
from core.models import Booking
from core.views import CANCELLED_DETAIL
from tests.conftest import client_for
from tests.factories import BookingFactory, ShowFactory

pytestmark = pytest.mark.django_db


def book(client, show_id, body, **kwargs):
    return client.post(f"/shows/{show_id}/book/", body, format="json", **kwargs)


def iso(dt):
    return dt.isoformat().replace("+00:00", "Z")


def expected_show(show):
    return {
        "id": show.id,
        "movie": {"id": show.movie.id, "title": show.movie.title, "duration_minutes": show.movie.duration_minutes},
        "screen_name": show.screen_name,
        "date_time": iso(show.date_time),
        "total_seats": show.total_seats,
        # Added with screens and seat layouts (a seed-form show: no screen, one free price).
        "screen": None,
        "prices": {"standard": "0.00"},
        "currency": "EUR",
        "local_date_time": show.date_time.isoformat(),
        "language": "",
        "format": "",
        "status": "scheduled",
    }


class TestBook:
    def test_books_a_free_seat_with_the_seed_response_shape(self, auth_client, user, show):
        response = book(auth_client, show.id, {"seat_number": 15})

        assert response.status_code == 201
        booking = Booking.objects.get()
        assert response.json() == {
            "id": booking.id,
            "show": expected_show(show),
            "seat_number": 15,
            "status": "booked",
            "price": "0.00",
            # Added with ticket types: the old forms sell Adult.
            "ticket_type": "adult",
            "created_at": iso(booking.created_at),
            "cancelled_at": None,
            "order_id": None,
            "payment_status": "free",
        }
        assert booking.user == user

    def test_seat_already_booked_is_409_seat_taken(self, auth_client, show):
        BookingFactory(show=show, seat_number=15)

        response = book(auth_client, show.id, {"seat_number": 15})

        assert response.status_code == 409
        assert response.json() == {"detail": errors.SeatTaken.message, "code": "seat_taken"}
        assert Booking.objects.count() == 1

    @pytest.mark.parametrize("seat", [0, -1, 51, 10**30])
    def test_seat_outside_the_show_is_400_invalid_seat(self, auth_client, show, seat):
        response = book(auth_client, show.id, {"seat_number": seat})

        assert response.status_code == 400
        assert response.json() == {"detail": errors.InvalidSeat.message, "code": "invalid_seat"}
        assert not Booking.objects.exists()

    def test_first_and_last_seats_are_bookable(self, auth_client, show):
        assert book(auth_client, show.id, {"seat_number": 1}).status_code == 201
        assert book(auth_client, show.id, {"seat_number": 50}).status_code == 201

    @pytest.mark.parametrize("body", [{"seat_number": "x"}, {"seat_number": 1.5}, {"seat_number": None},
                                      {"seat_number": [1]}, {}])
    def test_seat_number_not_an_integer_or_missing_is_400(self, auth_client, show, body):
        response = book(auth_client, show.id, body)

        assert response.status_code == 400
        data = response.json()
        assert data["code"] == "invalid"
        assert data["detail"] == "Invalid input."
        assert "seat_number" in data

    def test_body_that_is_not_an_object_is_400(self, auth_client, show):
        response = book(auth_client, show.id, [15])

        assert response.status_code == 400
        assert response.json()["code"] == "invalid"

    def test_show_already_started_is_400_show_started(self, auth_client):
        started = ShowFactory(date_time=timezone.now() - timedelta(minutes=1))

        response = book(auth_client, started.id, {"seat_number": 1})

        assert response.status_code == 400
        assert response.json() == {"detail": errors.ShowStarted.message, "code": "show_started"}

    def test_unknown_show_is_404(self, auth_client):
        response = book(auth_client, 999999, {"seat_number": 1})

        assert response.status_code == 404
        assert response.json() == {"detail": errors.ShowNotFound.message, "code": "not_found"}

    def test_anonymous_is_401(self, api_client, show):
        response = book(api_client, show.id, {"seat_number": 1})

        assert response.status_code == 401
        assert response.json() == {"detail": "Authentication credentials were not provided.",
                                   "code": "not_authenticated"}

    def test_garbage_token_is_401(self, api_client, show):
        response = book(api_client, show.id, {"seat_number": 1}, HTTP_AUTHORIZATION="Bearer not-a-jwt")

        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"
        assert set(response.json()) == {"detail", "code"}

    def test_expired_token_is_401(self, api_client, user, show):
        token = AccessToken.for_user(user)
        token.set_exp(lifetime=-timedelta(seconds=1))

        response = book(api_client, show.id, {"seat_number": 1}, HTTP_AUTHORIZATION=f"Bearer {token}")

        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"

    def test_malformed_json_is_400_parse_error(self, auth_client, show):
        response = auth_client.post(f"/shows/{show.id}/book/", '{"seat_number": ', content_type="application/json")

        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"

    def test_wrong_content_type_is_415(self, auth_client, show):
        response = auth_client.post(f"/shows/{show.id}/book/", "seat_number=1",
                                    content_type="application/x-www-form-urlencoded")

        assert response.status_code == 415
        assert response.json()["code"] == "unsupported_media_type"

    def test_a_seat_can_be_booked_and_cancelled_any_number_of_times(self, auth_client, show):
        # The seed's unique_together(show, seat_number, status) failed on the second cancellation.
        for _ in range(3):
            response = book(auth_client, show.id, {"seat_number": 7})
            assert response.status_code == 201
            assert auth_client.post(f"/bookings/{response.json()['id']}/cancel/").status_code == 200

        assert Booking.objects.filter(show=show, seat_number=7, status="cancelled").count() == 3
        assert book(auth_client, show.id, {"seat_number": 7}).status_code == 201


class TestCancel:
    def test_owner_cancels(self, auth_client, user, show):
        booking = BookingFactory(user=user, show=show, seat_number=3)

        response = auth_client.post(f"/bookings/{booking.id}/cancel/")

        assert response.status_code == 200
        assert response.json() == {"detail": CANCELLED_DETAIL}
        booking.refresh_from_db()
        assert booking.status == "cancelled"
        assert booking.cancelled_at is not None
        # The seat is free again.
        assert book(client_for(BookingFactory().user), show.id, {"seat_number": 3}).status_code == 201

    def test_someone_elses_booking_is_404_not_403(self, auth_client, show):
        booking = BookingFactory(show=show)

        response = auth_client.post(f"/bookings/{booking.id}/cancel/")

        assert response.status_code == 404
        assert response.json() == {"detail": errors.BookingNotFound.message, "code": "not_found"}
        booking.refresh_from_db()
        assert booking.status == "booked"

    def test_unknown_booking_is_404(self, auth_client):
        response = auth_client.post("/bookings/999999/cancel/")

        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    def test_already_cancelled_is_409(self, auth_client, user, show):
        booking = BookingFactory(user=user, show=show)
        auth_client.post(f"/bookings/{booking.id}/cancel/")

        response = auth_client.post(f"/bookings/{booking.id}/cancel/")

        assert response.status_code == 409
        assert response.json() == {"detail": errors.AlreadyCancelled.message, "code": "already_cancelled"}

    def test_after_the_show_started_is_400(self, auth_client, user):
        started = ShowFactory(date_time=timezone.now() - timedelta(minutes=5))
        booking = BookingFactory(user=user, show=started)

        response = auth_client.post(f"/bookings/{booking.id}/cancel/")

        assert response.status_code == 400
        assert response.json() == {"detail": errors.ShowStarted.message, "code": "show_started"}
        booking.refresh_from_db()
        assert booking.status == "booked"

    def test_anonymous_is_401(self, api_client, show):
        booking = BookingFactory(show=show)

        assert api_client.post(f"/bookings/{booking.id}/cancel/").status_code == 401


class TestMyBookings:
    def test_lists_own_bookings_newest_first_including_cancelled(self, auth_client, user, show):
        first = BookingFactory(user=user, show=show, seat_number=1)
        second = BookingFactory(user=user, show=show, seat_number=2)
        auth_client.post(f"/bookings/{first.id}/cancel/")
        BookingFactory(show=show, seat_number=3)  # someone else's

        response = auth_client.get("/my-bookings/")

        assert response.status_code == 200
        data = response.json()
        assert [b["id"] for b in data] == [second.id, first.id]
        assert [b["status"] for b in data] == ["booked", "cancelled"]
        assert data[0]["show"] == expected_show(show)

    def test_opt_in_pagination_keeps_the_plain_list_by_default(self, auth_client, user, show):
        for seat in range(1, 6):
            BookingFactory(user=user, show=show, seat_number=seat)

        assert isinstance(auth_client.get("/my-bookings/").json(), list)
        page = auth_client.get("/my-bookings/?limit=2&offset=1").json()
        assert page["count"] == 5
        assert len(page["results"]) == 2

    def test_anonymous_is_401(self, api_client):
        assert api_client.get("/my-bookings/").status_code == 401


class TestErrors:
    def test_unknown_path_is_404_json(self, api_client):
        response = api_client.get("/no-such-thing/")

        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Not found.", "code": "not_found"}

    def test_unexpected_error_is_a_generic_500_and_logged(self, auth_client, show, caplog):
        with mock.patch("core.views.booking.booking_create", side_effect=RuntimeError("secret SQL detail")):
            response = book(auth_client, show.id, {"seat_number": 1})

        assert response.status_code == 500
        assert response.json() == SERVER_ERROR_BODY
        assert "secret" not in response.content.decode()
        logged = [r for r in caplog.records if r.levelname == "ERROR" and r.exc_info]
        assert logged and "secret SQL detail" in str(logged[0].exc_info[1])

    def test_method_not_allowed_is_405_json(self, auth_client, show):
        response = auth_client.get(f"/shows/{show.id}/book/")

        assert response.status_code == 405
        assert response.json()["code"] == "method_not_allowed"


def test_errors_outside_the_api_views_are_json_too(client):
    """A failure outside DRF (here: in the admin login view) still answers the JSON shape, no HTML traceback."""
    client.raise_request_exception = False
    with mock.patch("django.contrib.auth.views.LoginView.get_context_data",
                    side_effect=RuntimeError("internal detail")):
        response = client.get("/admin/login/")

    assert response.status_code == 500
    assert response.json() == SERVER_ERROR_BODY


def test_with_debug_on_as_under_make_run_unknown_paths_and_django_errors_are_json(client, settings):
    """Django renders HTML debug pages with DEBUG on, bypassing the JSON handlers; the API still answers JSON."""
    settings.DEBUG = True
    client.raise_request_exception = False

    missing = client.get("/no-such-path/")
    with mock.patch("django.contrib.auth.views.LoginView.get_context_data",
                    side_effect=RuntimeError("internal detail")):
        failed = client.get("/admin/login/")

    assert (missing.status_code, missing.json()) == (404, {"detail": "Not found.", "code": "not_found"})
    assert (failed.status_code, failed.json()) == (500, SERVER_ERROR_BODY)
    assert client.get("/admin/login/").status_code == 200  # HTML pages that are not errors are left alone
