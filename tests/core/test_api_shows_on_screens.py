"""Shows on screens: prices, their own seat inventory, the seat map, and the staff rules (dates, overlaps,
reschedule, price change, cancel, block)."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import InvalidDateTime, ScreenBusy, ShowCancelled, ShowHasSales
from core.models import Booking, Hold, Show, ShowSeat
from core.services import catalog
from core.services import holds as hold_service
from tests.conftest import client_for
from tests.factories import SMALL_PRICES, ScreenFactory, ShowFactory, UserFactory

pytestmark = pytest.mark.django_db

# Pinned to a whole second so the expected JSON is exact.
STARTS = timezone.now().replace(microsecond=0) + timedelta(days=3)


@pytest.fixture
def screen():
    return ScreenFactory(name="Salle 1", cinema__name="Lumière")


@pytest.fixture
def screen_show(movie, screen):
    return catalog.show_create(movie_id=movie.id, screen_id=screen.id, date_time=STARTS, prices=SMALL_PRICES,
                               language="en", format="3D")


def create(client, movie_id, **body):
    return client.post(f"/movies/{movie_id}/shows/", {"date_time": STARTS.isoformat(), **body}, format="json")


class TestCreate:
    def test_staff_create_a_show_on_a_screen_with_prices(self, staff_client, movie, screen):
        response = create(staff_client, movie.id, screen=screen.id, prices=SMALL_PRICES, language="en", format="3D")

        assert response.status_code == 201
        data = response.json()
        show = Show.objects.get()
        assert data["screen"] == {"id": screen.id, "name": "Salle 1",
                                  "cinema": {"id": screen.cinema_id, "name": "Lumière", "city": "Paris"}}
        assert (data["screen_name"], data["total_seats"], data["available_seats"]) == ("Salle 1", 7, 7)
        assert data["prices"] == SMALL_PRICES
        assert (data["currency"], data["language"], data["format"], data["status"]) == ("EUR", "en", "3D",
                                                                                        "scheduled")
        local = STARTS.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
        assert data["local_date_time"] == local.isoformat()
        assert ShowSeat.objects.filter(show=show).count() == 7
        assert ShowSeat.objects.get(show=show, label="B2").price == Decimal("15.50")

    def test_prices_are_needed_for_every_category_and_only_those(self, staff_client, movie, screen):
        missing = create(staff_client, movie.id, screen=screen.id, prices={"standard": "10"})
        unknown = create(staff_client, movie.id, screen=screen.id, prices={**SMALL_PRICES, "recliner": "30"})
        negative = create(staff_client, movie.id, screen=screen.id, prices={**SMALL_PRICES, "standard": "-1"})

        assert missing.status_code == unknown.status_code == negative.status_code == 400
        assert missing.json()["prices"] == [
            "A price is needed for every seat category of the screen; missing: premium, wheelchair, companion."]
        assert unknown.json()["prices"] == ["The screen has no seats of category: recliner."]
        assert "prices" in negative.json()
        assert not Show.objects.exists()

    def test_the_seed_form_still_works_and_mixing_forms_is_refused(self, staff_client, movie, screen):
        seed = create(staff_client, movie.id, screen_name="Old", total_seats=5)
        mixed = create(staff_client, movie.id, screen=screen.id, prices=SMALL_PRICES, total_seats=5)

        assert seed.status_code == 201
        assert (seed.json()["screen"], seed.json()["prices"]) == (None, {"standard": "0.00"})
        assert mixed.status_code == 400 and "total_seats" in mixed.json()

    def test_a_show_in_the_past_is_400_invalid_date_time(self, staff_client, movie, screen):
        past = (timezone.now() - timedelta(minutes=1)).isoformat()

        for body in ({"screen": screen.id, "prices": SMALL_PRICES}, {"screen_name": "S", "total_seats": 5}):
            response = staff_client.post(f"/movies/{movie.id}/shows/", {**body, "date_time": past}, format="json")
            assert response.status_code == 400
            assert response.json() == {"detail": InvalidDateTime.message, "code": "invalid_date_time"}

    def test_overlapping_shows_on_one_screen_are_409_screen_busy(self, staff_client, movie, screen, screen_show):
        # Inception runs 148 minutes plus 15 of cleaning: free again at +163.
        too_soon = create(staff_client, movie.id, screen=screen.id, prices=SMALL_PRICES,
                          date_time=(STARTS + timedelta(minutes=162)).isoformat())
        just_free = create(staff_client, movie.id, screen=screen.id, prices=SMALL_PRICES,
                           date_time=(STARTS + timedelta(minutes=163)).isoformat())
        before = create(staff_client, movie.id, screen=screen.id, prices=SMALL_PRICES,
                        date_time=(STARTS - timedelta(minutes=100)).isoformat())
        elsewhere = create(staff_client, movie.id, screen=ScreenFactory().id, prices=SMALL_PRICES)

        assert too_soon.status_code == before.status_code == 409
        assert too_soon.json() == {"detail": ScreenBusy.message, "code": "screen_busy", "shows": [screen_show.id]}
        assert just_free.status_code == elsewhere.status_code == 201

    def test_a_cancelled_show_frees_its_slot(self, staff_client, movie, screen, screen_show):
        catalog.show_cancel(show_id=screen_show.id)

        assert create(staff_client, movie.id, screen=screen.id, prices=SMALL_PRICES).status_code == 201

    def test_editing_the_layout_changes_only_later_shows(self, movie, screen, screen_show):
        screen.layout = {"rows": [{"label": "Z", "seats": [{"label": "Z1", "category": "standard"}]}]}
        screen.save()
        later = catalog.show_create(movie_id=movie.id, screen_id=screen.id, date_time=STARTS + timedelta(days=1),
                                    prices={"standard": "5"})

        assert ShowSeat.objects.filter(show=screen_show).count() == 7
        assert list(ShowSeat.objects.filter(show=later).values_list("label", flat=True)) == ["Z1"]


class TestSeatMapAndBooking:
    def test_seat_map_rows_with_gaps_categories_and_prices(self, api_client, user, screen_show):
        client_for(user).post(f"/shows/{screen_show.id}/book/", {"seat_number": 4}, format="json")
        hold_service.hold_create(user=UserFactory(), show_id=screen_show.id, seat_numbers=[1])
        catalog.seats_block(show_id=screen_show.id, seat_numbers=[7])

        data = api_client.get(f"/shows/{screen_show.id}/seats/").json()

        assert (data["booked"], data["held"], data["blocked"], data["available_seats"]) == ([4], [1], [7], 4)
        assert data["currency"] == "EUR"
        assert data["categories"] == [
            {"name": "standard", "price": "10.00", "prices": {"adult": "10.00"}, "available": 2},
            {"name": "premium", "price": "15.50", "prices": {"adult": "15.50"}, "available": 1},
            {"name": "wheelchair", "price": "10.00", "prices": {"adult": "10.00"}, "available": 1},
            {"name": "companion", "price": "5.00", "prices": {"adult": "5.00"}, "available": 0},
        ]
        seat = {"wheelchair": False, "companion": False, "restricted_view": False}
        assert data["rows"] == [
            {"label": "A", "seats": [
                {"number": 1, "label": "A1", "category": "standard", "price": "10.00", "state": "held", **seat},
                {"number": 2, "label": "A2", "category": "standard", "price": "10.00", "state": "free", **seat},
                None,
                {"number": 3, "label": "A3", "category": "standard", "price": "10.00", "state": "free",
                 **seat, "restricted_view": True}]},
            {"label": "B", "seats": [
                {"number": 4, "label": "B1", "category": "premium", "price": "15.50", "state": "booked", **seat},
                {"number": 5, "label": "B2", "category": "premium", "price": "15.50", "state": "free", **seat}]},
            {"label": "C", "seats": [
                None,
                {"number": 6, "label": "C1", "category": "wheelchair", "price": "10.00", "state": "free",
                 **seat, "wheelchair": True},
                {"number": 7, "label": "C2", "category": "companion", "price": "5.00", "state": "blocked",
                 **seat, "companion": True}]},
        ]

    def test_seat_map_is_two_queries_for_a_full_size_show(self, api_client, django_assert_max_num_queries):
        show = ShowFactory(total_seats=1000)

        with django_assert_max_num_queries(2):
            assert len(api_client.get(f"/shows/{show.id}/seats/").json()["rows"][0]["seats"]) == 1000

    def test_a_booking_stores_the_price_it_was_sold_at(self, user, screen_show):
        response = client_for(user).post(f"/shows/{screen_show.id}/book/", {"seat_numbers": [2, 4]}, format="json")

        assert [(b["seat_number"], b["price"]) for b in response.json()] == [(2, "10.00"), (4, "15.50")]
        catalog.show_update(show_id=screen_show.id, prices={"premium": "20.00"})
        mine = client_for(user).get("/my-bookings/").json()
        assert sorted(b["price"] for b in mine) == ["10.00", "15.50"]
        assert ShowSeat.objects.get(show=screen_show, number=5).price == Decimal("20.00")  # unsold: new price
        assert ShowSeat.objects.get(show=screen_show, number=4).price == Decimal("15.50")  # sold: kept

    def test_a_blocked_seat_cannot_be_booked_or_held(self, user, screen_show):
        catalog.seats_block(show_id=screen_show.id, seat_numbers=[2])
        client = client_for(user)

        one = client.post(f"/shows/{screen_show.id}/book/", {"seat_number": 2}, format="json")
        many = client.post(f"/shows/{screen_show.id}/book/", {"seat_numbers": [1, 2]}, format="json")
        held = client.post(f"/shows/{screen_show.id}/hold/", {"seat_numbers": [2]}, format="json")

        assert (one.status_code, one.json()["code"]) == (409, "seat_blocked")
        assert (many.json(), held.json()["seats"]) == (
            {"detail": many.json()["detail"], "code": "seats_unavailable", "seats": [2]}, [2])
        catalog.seats_unblock(show_id=screen_show.id, seat_numbers=[2])
        assert client.post(f"/shows/{screen_show.id}/book/", {"seat_number": 2}, format="json").status_code == 201


class TestBlock:
    def test_staff_block_and_unblock_free_seats(self, staff_client, screen_show):
        blocked = staff_client.post(f"/shows/{screen_show.id}/seats/block/", {"seat_numbers": [3, 5]}, format="json")

        assert blocked.status_code == 200
        assert blocked.json()["blocked"] == [3, 5]
        unblocked = staff_client.post(f"/shows/{screen_show.id}/seats/unblock/", {"seat_numbers": [3]},
                                      format="json")
        assert unblocked.json()["blocked"] == [5]

    def test_booked_or_held_seats_cannot_be_blocked_and_nothing_is(self, staff_client, user, screen_show):
        client_for(user).post(f"/shows/{screen_show.id}/book/", {"seat_number": 1}, format="json")
        hold_service.hold_create(user=user, show_id=screen_show.id, seat_numbers=[2])

        response = staff_client.post(f"/shows/{screen_show.id}/seats/block/", {"seat_numbers": [1, 2, 3]},
                                     format="json")

        assert response.status_code == 409
        assert response.json()["code"] == "seats_unavailable" and response.json()["seats"] == [1, 2]
        assert not ShowSeat.objects.filter(show=screen_show, state="blocked").exists()

    def test_unknown_seats_and_non_staff(self, staff_client, auth_client, api_client, screen_show):
        unknown = staff_client.post(f"/shows/{screen_show.id}/seats/block/", {"seat_numbers": [8]}, format="json")

        assert (unknown.status_code, unknown.json()["code"], unknown.json()["seats"]) == (400, "invalid_seat", [8])
        body = {"seat_numbers": [1]}
        assert auth_client.post(f"/shows/{screen_show.id}/seats/block/", body, format="json").status_code == 403
        assert api_client.post(f"/shows/{screen_show.id}/seats/unblock/", body, format="json").status_code == 401
        assert staff_client.post("/shows/999999/seats/block/", body, format="json").status_code == 404


class TestUpdate:
    def test_staff_reschedule_keeping_bookings(self, staff_client, user, screen_show, caplog):
        client_for(user).post(f"/shows/{screen_show.id}/book/", {"seat_number": 1}, format="json")
        later = STARTS + timedelta(days=1)

        with caplog.at_level("INFO", logger="ticketing.events"), self.on_commit():
            response = staff_client.patch(f"/shows/{screen_show.id}/", {"date_time": later.isoformat()},
                                          format="json")

        assert response.status_code == 200
        assert response.json()["date_time"] == later.isoformat().replace("+00:00", "Z")
        assert Booking.objects.get().status == "booked"
        [event] = [r for r in caplog.records if getattr(r, "event", None) == "show_changed"]
        assert event.changes["date_time"][1] == later.isoformat() and event.active_bookings == 1

    @staticmethod
    def on_commit():
        from django.test import TestCase

        return TestCase.captureOnCommitCallbacks(execute=True)

    def test_reschedule_rules(self, staff_client, movie, screen, screen_show):
        other = catalog.show_create(movie_id=movie.id, screen_id=screen.id, date_time=STARTS + timedelta(hours=5),
                                    prices=SMALL_PRICES)

        past = staff_client.patch(f"/shows/{screen_show.id}/",
                                  {"date_time": (timezone.now() - timedelta(hours=1)).isoformat()}, format="json")
        clash = staff_client.patch(f"/shows/{screen_show.id}/",
                                   {"date_time": (STARTS + timedelta(hours=4)).isoformat()}, format="json")
        empty = staff_client.patch(f"/shows/{screen_show.id}/", {}, format="json")

        assert (past.status_code, past.json()["code"]) == (400, "invalid_date_time")
        assert (clash.status_code, clash.json()["code"], clash.json()["shows"]) == (409, "screen_busy", [other.id])
        assert empty.status_code == 400

    def test_movie_cannot_change_once_sold(self, staff_client, user, screen_show):
        other_movie = ShowFactory().movie
        assert staff_client.patch(f"/shows/{screen_show.id}/", {"movie": other_movie.id},
                                  format="json").json()["movie"]["id"] == other_movie.id
        hold_service.hold_create(user=user, show_id=screen_show.id, seat_numbers=[1])

        response = staff_client.patch(f"/shows/{screen_show.id}/", {"movie": screen_show.movie_id}, format="json")

        assert response.status_code == 409
        assert response.json() == {"detail": ShowHasSales.message, "code": "show_has_sales"}

    def test_only_staff_patch(self, auth_client, api_client, screen_show):
        body = {"format": "2D"}
        assert auth_client.patch(f"/shows/{screen_show.id}/", body, format="json").status_code == 403
        assert api_client.patch(f"/shows/{screen_show.id}/", body, format="json").status_code == 401


class TestCancel:
    def test_cancel_stops_sales_cancels_bookings_and_releases_holds(self, staff_client, user, screen_show):
        client = client_for(user)
        client.post(f"/shows/{screen_show.id}/book/", {"seat_number": 1}, format="json")
        hold_service.hold_create(user=UserFactory(), show_id=screen_show.id, seat_numbers=[2])

        response = staff_client.post(f"/shows/{screen_show.id}/cancel/")

        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"
        assert list(Booking.objects.values_list("status", flat=True)) == ["cancelled"]
        assert not Hold.objects.exists()
        refused = [client.post(f"/shows/{screen_show.id}/book/", {"seat_number": 3}, format="json"),
                   client.post(f"/shows/{screen_show.id}/hold/", {"seat_numbers": [3]}, format="json"),
                   staff_client.post(f"/shows/{screen_show.id}/cancel/")]
        assert {(r.status_code, r.json()["code"]) for r in refused} == {(409, "show_cancelled")}
        assert refused[0].json()["detail"] == ShowCancelled.message
        # The show and its bookings stay in the history.
        assert client.get("/my-bookings/").json()[0]["show"]["status"] == "cancelled"


def test_priced_seats_of_a_show_for_other_modules(screen_show):
    """core.selectors.seats_for_show: what an order or a ticket needs to know of the seats it sells."""
    from core.selectors import seats_for_show

    seats = seats_for_show(show_id=screen_show.id, seat_numbers=[5, 1, 99])

    assert [(s.number, s.label, s.row_label, s.category, str(s.price)) for s in seats] == [
        (1, "A1", "A", "standard", "10.00"), (5, "B2", "B", "premium", "15.50")]
