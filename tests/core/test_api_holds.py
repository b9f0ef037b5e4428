"""POST /shows/<id>/hold/, POST /holds/<id>/confirm/, DELETE /holds/<id>/, GET /my-holds/."""
from datetime import datetime, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from core import errors
from core.models import Booking, Hold, HoldSeat
from core.services import holds as hold_service
from tests.conftest import client_for
from tests.core.test_api_bookings import book, expected_show, iso
from tests.factories import BookingFactory, ShowFactory, UserFactory

pytestmark = pytest.mark.django_db

EIGHT_MINUTES = timedelta(minutes=8)


def hold(client, show_id, seats, **kwargs):
    return client.post(f"/shows/{show_id}/hold/", {"seat_numbers": seats}, format="json", **kwargs)


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def expired_hold(user, show, seats):
    """A hold made 9 minutes ago: expired by now, without sleeping."""
    return hold_service.hold_create(user=user, show_id=show.id, seat_numbers=seats,
                                    now=timezone.now() - timedelta(minutes=9))


class TestCreateHold:
    def test_holds_seats_for_eight_minutes(self, auth_client, user, show):
        before = timezone.now()
        response = hold(auth_client, show.id, [12, 10, 11])
        after = timezone.now()

        assert response.status_code == 201
        created = Hold.objects.get()
        assert response.json() == {"id": created.id, "show_id": show.id, "seat_numbers": [10, 11, 12],
                                   "seats": [{"number": n, "ticket_type": "adult"} for n in (10, 11, 12)],
                                   "expires_at": iso(created.expires_at)}
        assert before + EIGHT_MINUTES <= parse(response.json()["expires_at"]) <= after + EIGHT_MINUTES
        assert created.user == user
        assert sorted(HoldSeat.objects.filter(show=show).values_list("seat_number", flat=True)) == [10, 11, 12]
        assert not Booking.objects.exists()

    @override_settings(SEAT_HOLD_MINUTES=15)
    def test_hold_length_is_a_setting(self, auth_client, show):
        before = timezone.now()
        expires_at = parse(hold(auth_client, show.id, [1]).json()["expires_at"])

        assert before + timedelta(minutes=15) <= expires_at <= timezone.now() + timedelta(minutes=15)

    def test_a_hold_never_outlives_the_show_start(self, auth_client):
        soon = ShowFactory(date_time=timezone.now() + timedelta(minutes=3))

        response = hold(auth_client, soon.id, [1])

        assert response.status_code == 201
        assert parse(response.json()["expires_at"]) == soon.date_time

    def test_held_seats_are_unavailable_to_everyone_else(self, auth_client, show, other_user):
        assert hold(auth_client, show.id, [3, 4]).status_code == 201
        other = client_for(other_user)

        assert book(other, show.id, {"seat_number": 3}).json()["code"] == "seat_held"
        response = hold(other, show.id, [4, 5])
        assert response.status_code == 409
        assert response.json() == {"detail": errors.SeatsUnavailable.message, "code": "seats_unavailable",
                                   "seats": [4]}
        assert book(other, show.id, {"seat_numbers": [2, 3]}).json()["seats"] == [3]
        assert HoldSeat.objects.count() == 2

    def test_booked_seats_cannot_be_held(self, auth_client, show):
        BookingFactory(show=show, seat_number=6)

        response = hold(auth_client, show.id, [5, 6, 7])

        assert response.status_code == 409
        assert response.json()["seats"] == [6]
        assert not Hold.objects.exists()

    def test_a_seat_is_in_one_hold_only_even_for_its_holder(self, auth_client, show):
        assert hold(auth_client, show.id, [3, 4]).status_code == 201

        response = hold(auth_client, show.id, [4, 5])

        assert response.status_code == 409
        assert response.json()["seats"] == [4]

    def test_seats_of_an_expired_hold_can_be_held_again(self, auth_client, show, other_user):
        old = expired_hold(other_user, show, [3, 4])

        response = hold(auth_client, show.id, [4, 5])

        assert response.status_code == 201
        # The old hold's seat rows are gone; the hold itself stays so its owner hears "expired" on confirm.
        assert not HoldSeat.objects.filter(hold=old).exists()
        assert client_for(other_user).post(f"/holds/{old.id}/confirm/").status_code == 410

    @override_settings(MAX_SEATS_PER_BOOKING=4)
    def test_a_user_holds_at_most_the_limit_per_show(self, auth_client, user, show):
        assert hold(auth_client, show.id, [1, 2, 3]).status_code == 201

        response = hold(auth_client, show.id, [4, 5])

        assert response.status_code == 409
        assert response.json() == {"detail": "You may hold at most 4 seats of a show at a time.",
                                   "code": "hold_limit_reached", "max_seats": 4}
        assert hold(auth_client, show.id, [4]).status_code == 201
        # Another show has its own allowance, and another user theirs.
        assert hold(auth_client, ShowFactory().id, [1, 2, 3, 4]).status_code == 201
        assert hold(client_for(UserFactory()), show.id, [10, 11, 12, 13]).status_code == 201

    @override_settings(MAX_SEATS_PER_BOOKING=4)
    def test_expired_holds_do_not_count_towards_the_limit(self, auth_client, user, show):
        expired_hold(user, show, [1, 2, 3, 4])

        assert hold(auth_client, show.id, [5, 6, 7, 8]).status_code == 201

    @pytest.mark.parametrize(("seats", "reason"), [
        ([], errors.InvalidSeatSelection.EMPTY),
        ([1, 1], errors.InvalidSeatSelection.DUPLICATES),
        (list(range(1, 12)), errors.InvalidSeatSelection.TOO_MANY.format(limit=10)),
    ])
    def test_empty_repeated_or_too_many_is_400(self, auth_client, show, seats, reason):
        response = hold(auth_client, show.id, seats)

        assert response.status_code == 400
        assert response.json() == {"detail": "Invalid input.", "code": "invalid", "seat_numbers": [reason]}
        assert not Hold.objects.exists()

    @pytest.mark.parametrize("body", [{}, {"seat_numbers": "1"}, {"seat_numbers": [None]}, {"seat_number": 1}])
    def test_malformed_body_is_400(self, auth_client, show, body):
        response = auth_client.post(f"/shows/{show.id}/hold/", body, format="json")

        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
        assert "seat_numbers" in response.json()

    def test_seats_outside_the_show_are_400(self, auth_client, show):
        response = hold(auth_client, show.id, [50, 51])

        assert response.status_code == 400
        assert response.json() == {"detail": errors.InvalidSeats.message, "code": "invalid_seat", "seats": [51]}

    def test_show_started_is_400(self, auth_client):
        started = ShowFactory(date_time=timezone.now() - timedelta(minutes=1))

        response = hold(auth_client, started.id, [1])

        assert response.status_code == 400
        assert response.json() == {"detail": errors.ShowStarted.message, "code": "show_started"}

    def test_unknown_show_is_404(self, auth_client):
        assert hold(auth_client, 999999, [1]).json() == {"detail": errors.ShowNotFound.message,
                                                         "code": "not_found"}

    def test_anonymous_is_401(self, api_client, show):
        assert hold(api_client, show.id, [1]).status_code == 401
        assert not Hold.objects.exists()


class TestConfirm:
    def test_books_every_seat_and_consumes_the_hold(self, auth_client, user, show):
        hold_id = hold(auth_client, show.id, [7, 6]).json()["id"]

        response = auth_client.post(f"/holds/{hold_id}/confirm/")

        assert response.status_code == 201
        bookings = list(Booking.objects.filter(user=user).order_by("seat_number"))
        assert response.json() == [
            {"id": b.id, "show": expected_show(show), "seat_number": b.seat_number, "status": "booked",
             "price": "0.00", "ticket_type": "adult", "created_at": iso(b.created_at), "cancelled_at": None,
             "order_id": None, "payment_status": "free"}
            for b in bookings
        ]
        assert [b.seat_number for b in bookings] == [6, 7]
        assert not Hold.objects.exists()
        assert not HoldSeat.objects.exists()
        # Consumed: confirming again finds nothing.
        assert auth_client.post(f"/holds/{hold_id}/confirm/").status_code == 404

    def test_after_expiry_is_410_and_nothing_is_booked(self, auth_client, user, show):
        old = expired_hold(user, show, [6, 7])

        response = auth_client.post(f"/holds/{old.id}/confirm/")

        assert response.status_code == 410
        assert response.json() == {"detail": errors.HoldExpired.message, "code": "hold_expired"}
        assert not Booking.objects.exists()
        # Still free, so they can be booked explicitly.
        assert book(auth_client, show.id, {"seat_numbers": [6, 7]}).status_code == 201

    def test_expired_hold_whose_seats_were_taken_is_still_410(self, auth_client, user, show, other_user):
        old = expired_hold(user, show, [6])
        assert book(client_for(other_user), show.id, {"seat_number": 6}).status_code == 201

        assert auth_client.post(f"/holds/{old.id}/confirm/").status_code == 410
        assert Booking.objects.get().user == other_user

    def test_someone_elses_hold_is_404(self, auth_client, show, other_user):
        theirs = hold_service.hold_create(user=other_user, show_id=show.id, seat_numbers=[1])

        response = auth_client.post(f"/holds/{theirs.id}/confirm/")

        assert response.status_code == 404
        assert response.json() == {"detail": errors.HoldNotFound.message, "code": "not_found"}
        assert not Booking.objects.exists()
        assert Hold.objects.filter(pk=theirs.pk).exists()

    def test_unknown_hold_is_404(self, auth_client):
        assert auth_client.post("/holds/999999/confirm/").status_code == 404

    def test_anonymous_is_401(self, api_client, user, show):
        mine = hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[1])

        assert api_client.post(f"/holds/{mine.id}/confirm/").status_code == 401


class TestRelease:
    def test_owner_releases_and_the_seats_are_free_at_once(self, auth_client, user, show, other_user):
        hold_id = hold(auth_client, show.id, [3, 4]).json()["id"]

        response = auth_client.delete(f"/holds/{hold_id}/")

        assert response.status_code == 204
        assert response.content == b""
        assert not Hold.objects.exists()
        assert not HoldSeat.objects.exists()
        assert book(client_for(other_user), show.id, {"seat_numbers": [3, 4]}).status_code == 201
        assert auth_client.delete(f"/holds/{hold_id}/").status_code == 404

    def test_someone_elses_hold_is_404_and_stays(self, auth_client, show, other_user):
        theirs = hold_service.hold_create(user=other_user, show_id=show.id, seat_numbers=[3])

        response = auth_client.delete(f"/holds/{theirs.id}/")

        assert response.status_code == 404
        assert response.json() == {"detail": errors.HoldNotFound.message, "code": "not_found"}
        assert HoldSeat.objects.filter(hold=theirs).exists()

    def test_an_expired_hold_can_be_released(self, auth_client, user, show):
        old = expired_hold(user, show, [3])

        assert auth_client.delete(f"/holds/{old.id}/").status_code == 204
        assert not Hold.objects.exists()

    def test_anonymous_is_401(self, api_client, user, show):
        mine = hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[1])

        assert api_client.delete(f"/holds/{mine.id}/").status_code == 401
        assert Hold.objects.exists()


class TestMyHolds:
    def test_lists_own_unexpired_holds_soonest_first(self, auth_client, user, show, other_user):
        now = timezone.now()
        later = hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[5, 4], now=now)
        sooner = hold_service.hold_create(user=user, show_id=ShowFactory().id, seat_numbers=[1],
                                          now=now - timedelta(minutes=2))
        expired_hold(user, show, [9])
        hold_service.hold_create(user=other_user, show_id=show.id, seat_numbers=[20])

        response = auth_client.get("/my-holds/")

        assert response.status_code == 200
        assert response.json() == [
            {"id": sooner.id, "show_id": sooner.show_id, "seat_numbers": [1],
             "seats": [{"number": 1, "ticket_type": "adult"}], "expires_at": iso(sooner.expires_at)},
            {"id": later.id, "show_id": show.id, "seat_numbers": [4, 5],
             "seats": [{"number": 4, "ticket_type": "adult"}, {"number": 5, "ticket_type": "adult"}],
             "expires_at": iso(later.expires_at)},
        ]

    def test_query_count_does_not_grow_with_holds(self, auth_client, user, django_assert_max_num_queries):
        for _ in range(5):
            hold_service.hold_create(user=user, show_id=ShowFactory().id, seat_numbers=[1, 2, 3])

        # Authentication (the user), the holds, their seats.
        with django_assert_max_num_queries(3):
            assert len(auth_client.get("/my-holds/").json()) == 5

    def test_empty(self, auth_client):
        assert auth_client.get("/my-holds/").json() == []

    def test_anonymous_is_401(self, api_client):
        assert api_client.get("/my-holds/").status_code == 401
