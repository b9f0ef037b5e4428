"""`Idempotency-Key` on POST book, hold and confirm: replay, reuse, in progress, expiry, failures."""
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from common import errors as common_errors
from common.exception_handler import SERVER_ERROR_BODY
from common.models import IdempotencyKey
from common.services.idempotency import request_fingerprint
from core import errors
from core.models import Booking, Hold
from core.services import holds as hold_service
from core.services.booking import booking_cancel
from tests.conftest import client_for
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db


def post(client, path, body=None, key="key-1", **kwargs):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post(path, body, format="json", **headers, **kwargs)


class TestReplay:
    def test_same_key_same_body_replays_the_first_response_and_books_once(self, auth_client, show):
        first = post(auth_client, f"/shows/{show.id}/book/", {"seat_numbers": [1, 2]})
        second = post(auth_client, f"/shows/{show.id}/book/", {"seat_numbers": [1, 2]})

        assert first.status_code == second.status_code == 201
        assert second.content == first.content  # byte for byte, key order included
        assert second["Content-Type"] == "application/json"
        assert second["Idempotent-Replayed"] == "true"
        assert not first.has_header("Idempotent-Replayed")
        assert Booking.objects.count() == 2
        assert IdempotencyKey.objects.get().state == "done"

    def test_single_seat_booking_is_replayed_too(self, auth_client, show):
        first = post(auth_client, f"/shows/{show.id}/book/", {"seat_number": 3})

        assert post(auth_client, f"/shows/{show.id}/book/", {"seat_number": 3}).json() == first.json()
        assert Booking.objects.count() == 1

    def test_key_order_and_spacing_of_the_body_do_not_matter(self, auth_client, show):
        post(auth_client, f"/shows/{show.id}/hold/", {"seat_numbers": [1]})
        raw = auth_client.post(f"/shows/{show.id}/hold/", '{ "seat_numbers" : [1] }',
                               content_type="application/json", HTTP_IDEMPOTENCY_KEY="key-1")

        assert raw.status_code == 201
        assert raw["Idempotent-Replayed"] == "true"
        assert Hold.objects.count() == 1

    def test_hold_is_created_once(self, auth_client, show):
        first = post(auth_client, f"/shows/{show.id}/hold/", {"seat_numbers": [4, 5]})
        second = post(auth_client, f"/shows/{show.id}/hold/", {"seat_numbers": [4, 5]})

        assert (first.status_code, second.status_code) == (201, 201)
        assert second.json() == first.json()
        assert Hold.objects.count() == 1

    def test_confirm_replays_the_bookings_after_the_hold_is_gone(self, auth_client, user, show):
        hold = hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[4, 5])

        first = post(auth_client, f"/holds/{hold.id}/confirm/")
        second = post(auth_client, f"/holds/{hold.id}/confirm/")

        assert (first.status_code, second.status_code) == (201, 201)
        assert second.json() == first.json()
        assert Booking.objects.count() == 2
        # Without the key, the hold is gone.
        assert post(auth_client, f"/holds/{hold.id}/confirm/", key=None).status_code == 404

    def test_an_error_response_is_replayed_as_well(self, auth_client, show):
        taken = BookingFactory(show=show, seat_number=2)
        first = post(auth_client, f"/shows/{show.id}/book/", {"seat_numbers": [1, 2]})
        booking_cancel(user=taken.user, booking_id=taken.pk)

        # The same attempt gets the same answer; a new attempt needs a new key.
        second = post(auth_client, f"/shows/{show.id}/book/", {"seat_numbers": [1, 2]})
        assert first.status_code == second.status_code == 409
        assert second.json() == first.json() == {"detail": errors.SeatsUnavailable.message,
                                                 "code": "seats_unavailable", "seats": [2]}
        assert post(auth_client, f"/shows/{show.id}/book/", {"seat_numbers": [1, 2]}, key="key-2").status_code == 201

    def test_validation_error_is_replayed(self, auth_client, show):
        first = post(auth_client, f"/shows/{show.id}/book/", {"seat_numbers": [1, 1]})
        second = post(auth_client, f"/shows/{show.id}/book/", {"seat_numbers": [1, 1]})

        assert first.status_code == second.status_code == 400
        assert second.json() == first.json()

    def test_keys_are_per_user(self, auth_client, show, other_user):
        assert post(auth_client, f"/shows/{show.id}/book/", {"seat_number": 1}).status_code == 201

        response = post(client_for(other_user), f"/shows/{show.id}/book/", {"seat_number": 2})

        assert response.status_code == 201
        assert response.json()["seat_number"] == 2
        assert Booking.objects.count() == 2

    def test_without_the_header_nothing_is_stored(self, auth_client, show):
        post(auth_client, f"/shows/{show.id}/book/", {"seat_number": 1}, key=None)

        assert not IdempotencyKey.objects.exists()


class TestMisuse:
    def test_same_key_with_another_body_is_422(self, auth_client, show):
        post(auth_client, f"/shows/{show.id}/book/", {"seat_numbers": [1, 2]})

        response = post(auth_client, f"/shows/{show.id}/book/", {"seat_numbers": [1, 3]})

        assert response.status_code == 422
        assert response.json() == {"detail": common_errors.IdempotencyKeyReused.message,
                                   "code": "idempotency_key_reused"}
        assert Booking.objects.count() == 2

    def test_same_key_on_another_endpoint_is_422(self, auth_client, show):
        post(auth_client, f"/shows/{show.id}/book/", {"seat_numbers": [1, 2]})

        response = post(auth_client, f"/shows/{show.id}/hold/", {"seat_numbers": [1, 2]})

        assert response.status_code == 422
        assert not Hold.objects.exists()

    def test_key_still_in_progress_is_409(self, auth_client, user, show):
        path = f"/shows/{show.id}/book/"
        IdempotencyKey.objects.create(
            user=user, key="key-1", created_at=timezone.now() - timedelta(seconds=30),
            request_fingerprint=request_fingerprint(method="POST", path=path, body={"seat_number": 1}),
        )

        response = post(auth_client, path, {"seat_number": 1})

        assert response.status_code == 409
        assert response.json() == {"detail": common_errors.RequestInProgress.message, "code": "request_in_progress"}
        assert not Booking.objects.exists()

    def test_key_abandoned_in_progress_is_taken_over(self, auth_client, user, show):
        path = f"/shows/{show.id}/book/"
        IdempotencyKey.objects.create(
            user=user, key="key-1", created_at=timezone.now() - timedelta(seconds=61),
            request_fingerprint=request_fingerprint(method="POST", path=path, body={"seat_number": 1}),
        )

        assert post(auth_client, path, {"seat_number": 1}).status_code == 201
        assert IdempotencyKey.objects.get().state == "done"

    def test_a_key_older_than_24_hours_starts_afresh(self, auth_client, user, show):
        path = f"/shows/{show.id}/book/"
        post(auth_client, path, {"seat_numbers": [1]})
        cancelled_id = Booking.objects.get().id
        auth_client.post(f"/bookings/{cancelled_id}/cancel/")
        IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))

        # Even with another body: the old use is forgotten.
        response = post(auth_client, path, {"seat_numbers": [1, 2]})

        assert response.status_code == 201
        assert not response.has_header("Idempotent-Replayed")
        assert Booking.objects.filter(status="booked").count() == 2

    @pytest.mark.parametrize("key", ["", "k" * 256])
    def test_key_of_bad_length_is_400(self, auth_client, show, key):
        response = post(auth_client, f"/shows/{show.id}/book/", {"seat_number": 1}, key=key)

        assert response.status_code == 400
        assert response.json() == {"detail": common_errors.IdempotencyKeyInvalid.message,
                                   "code": "invalid_idempotency_key"}
        assert not Booking.objects.exists()
        assert not IdempotencyKey.objects.exists()

    def test_key_of_255_characters_is_fine(self, auth_client, show):
        assert post(auth_client, f"/shows/{show.id}/book/", {"seat_number": 1}, key="k" * 255).status_code == 201

    def test_anonymous_is_401_and_stores_nothing(self, api_client, show):
        assert post(api_client, f"/shows/{show.id}/book/", {"seat_number": 1}).status_code == 401
        assert not IdempotencyKey.objects.exists()


class TestFailures:
    def test_unexpected_error_forgets_the_key_so_a_retry_runs(self, auth_client, show):
        path = f"/shows/{show.id}/book/"
        with mock.patch("core.views.booking.booking_create", side_effect=RuntimeError("boom")):
            response = post(auth_client, path, {"seat_number": 1})
        assert response.status_code == 500
        assert response.json() == SERVER_ERROR_BODY
        assert not IdempotencyKey.objects.exists()

        retry = post(auth_client, path, {"seat_number": 1})
        assert retry.status_code == 201
        assert not retry.has_header("Idempotent-Replayed")

    def test_failure_to_store_the_response_keeps_no_booking_so_the_retry_books(self, auth_client, show):
        # The booking and its stored response commit together: a crash between them must not leave a booked seat
        # behind a key that says "in progress", which would make the client's retry answer 409 for its own seat.
        path = f"/shows/{show.id}/book/"
        with mock.patch("common.services.idempotency.idempotency_key_store", side_effect=RuntimeError("crash")):
            assert post(auth_client, path, {"seat_number": 1}).status_code == 500
        assert not Booking.objects.exists()
        assert not IdempotencyKey.objects.exists()

        retry = post(auth_client, path, {"seat_number": 1})
        assert retry.status_code == 201
        assert Booking.objects.filter(status="booked").count() == 1

    def test_busy_is_not_stored(self, auth_client, show):
        path = f"/shows/{show.id}/book/"
        with mock.patch("core.views.booking.booking_create", side_effect=common_errors.Busy()):
            assert post(auth_client, path, {"seat_number": 1}).status_code == 503
        assert not IdempotencyKey.objects.exists()
        assert post(auth_client, path, {"seat_number": 1}).status_code == 201

    def test_malformed_json_stores_nothing(self, auth_client, show):
        response = auth_client.post(f"/shows/{show.id}/book/", '{"seat', content_type="application/json",
                                    HTTP_IDEMPOTENCY_KEY="key-1")

        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"
        assert not IdempotencyKey.objects.exists()


def test_swagger_documents_the_new_endpoints_and_the_header(api_client):
    # Asked for JSON explicitly: without an Accept header /swagger.json answers YAML (foundation behaviour).
    schema = api_client.get("/swagger.json", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]

    for path in ("/shows/{show_id}/seats/", "/shows/{show_id}/hold/", "/holds/{hold_id}/confirm/",
                 "/holds/{hold_id}/", "/my-holds/"):
        assert path in paths, path
    for path in ("/shows/{show_id}/book/", "/shows/{show_id}/hold/", "/holds/{hold_id}/confirm/"):
        params = {(p["name"], p["in"]) for p in paths[path]["post"].get("parameters", [])}
        assert ("Idempotency-Key", "header") in params, path
        assert {"201", "400", "409", "422"} <= set(paths[path]["post"]["responses"]), path
    assert "410" in paths["/holds/{hold_id}/confirm/"]["post"]["responses"]
    assert "204" in paths["/holds/{hold_id}/"]["delete"]["responses"]
    seat_map_ref = paths["/shows/{show_id}/seats/"]["get"]["responses"]["200"]["schema"]["$ref"]
    assert set(schema["definitions"][seat_map_ref.rsplit("/", 1)[1]]["properties"]) >= {
        "show_id", "total_seats", "available_seats", "booked", "held"}
    seats_error_ref = paths["/shows/{show_id}/hold/"]["post"]["responses"]["409"]["schema"]["$ref"]
    assert set(schema["definitions"][seats_error_ref.rsplit("/", 1)[1]]["properties"]) == {"detail", "code", "seats"}
