"""The data migration gives every existing show its seat inventory, with the state its bookings and holds had."""
from datetime import timedelta

import pytest
from django.utils import timezone

BEFORE = [("core", "0003_auditoriums")]
AFTER = [("core", "0004_show_seat_inventory")]


@pytest.mark.django_db(transaction=True)
def test_existing_shows_get_their_seats_booked_and_held_as_before(migrator):
    apps = migrator.to(BEFORE)
    User, Movie, Show = apps.get_model("auth", "User"), apps.get_model("core", "Movie"), apps.get_model("core", "Show")
    Booking, Hold, HoldSeat = (apps.get_model("core", name) for name in ("Booking", "Hold", "HoldSeat"))
    now = timezone.now()
    user = User.objects.create(username="old")
    show = Show.objects.create(movie=Movie.objects.create(title="Amélie", duration_minutes=120),
                               screen_name="Screen 1", date_time=now + timedelta(days=1), total_seats=5)
    Booking.objects.create(user=user, show=show, seat_number=2)
    Booking.objects.create(user=user, show=show, seat_number=3, status="cancelled", cancelled_at=now)
    live = Hold.objects.create(user=user, show=show, created_at=now, expires_at=now + timedelta(minutes=5))
    HoldSeat.objects.create(hold=live, show=show, seat_number=4)
    expired = Hold.objects.create(user=user, show=show, created_at=now - timedelta(hours=1),
                                  expires_at=now - timedelta(minutes=50))
    HoldSeat.objects.create(hold=expired, show=show, seat_number=5)

    apps = migrator.to(AFTER)
    seats = apps.get_model("core", "ShowSeat").objects.filter(show_id=show.pk).order_by("number")

    assert [(s.number, s.label, s.category, str(s.price), s.state) for s in seats] == [
        (1, "1", "standard", "0.00", "free"), (2, "2", "standard", "0.00", "booked"),
        (3, "3", "standard", "0.00", "free"), (4, "4", "standard", "0.00", "held"),
        (5, "5", "standard", "0.00", "free")]
    assert seats.get(number=4).hold_id == live.pk
    migrated = apps.get_model("core", "Show").objects.get(pk=show.pk)
    assert migrated.prices == {"standard": "0.00"}
    assert apps.get_model("core", "Movie").objects.get().search_title == "amelie"
