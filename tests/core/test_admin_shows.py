"""The admin's show pages go through the same services as the API: rules enforced, actions, safe delete."""
from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ShowHasBookingHistory
from core.models import Booking, Show, ShowSeat
from tests.factories import BookingFactory, MovieFactory, ScreenFactory, ShowFactory

pytestmark = pytest.mark.django_db


def _add(admin_client, **fields):
    starts = fields.pop("date_time")
    data = {"movie": MovieFactory().pk, "date_time_0": starts.date().isoformat(),
            "date_time_1": starts.time().strftime("%H:%M:%S"), "language": "", "format": "", **fields}
    return admin_client.post("/admin/core/show/add/", data)


def test_adding_a_show_on_a_screen_uses_the_service(admin_client):
    screen = ScreenFactory()

    response = _add(admin_client, screen=screen.pk, prices='{"standard": "10", "premium": "15", '
                                                          '"wheelchair": "10", "companion": "5"}',
                    date_time=timezone.now() + timedelta(days=2))

    assert response.status_code == 302
    show = Show.objects.get()
    assert (show.screen, show.total_seats, show.prices["premium"]) == (screen, 7, "15.00")
    assert ShowSeat.objects.filter(show=show).count() == 7


def test_a_show_in_the_past_is_refused_on_the_form(admin_client):
    response = _add(admin_client, screen_name="Old", total_seats=10, date_time=timezone.now() - timedelta(days=1))

    assert response.status_code == 200
    assert "A show cannot be scheduled in the past." in response.content.decode()
    assert not Show.objects.exists()


def test_deleting_a_booked_show_is_refused_with_a_clear_message(admin_client):
    show = ShowFactory()
    BookingFactory(show=show, seat_number=1)

    response = admin_client.post(f"/admin/core/show/{show.pk}/delete/", {"post": "yes"}, follow=True)

    assert response.status_code == 200
    assert ShowHasBookingHistory.message in response.content.decode()
    assert Show.objects.filter(pk=show.pk).exists()


def test_a_show_without_bookings_can_be_deleted(admin_client):
    show = ShowFactory()

    admin_client.post(f"/admin/core/show/{show.pk}/delete/", {"post": "yes"})

    assert not Show.objects.exists()


def _action(admin_client, action, shows, **extra):
    return admin_client.post("/admin/core/show/", {"action": action, "_selected_action": [s.pk for s in shows],
                                                   **extra}, follow=True)


def test_cancel_block_reschedule_and_delete_actions(admin_client):
    booked, free = ShowFactory(), ShowFactory()
    BookingFactory(show=booked, seat_number=1)

    _action(admin_client, "block_seats", [free], seat_numbers="2, 3")
    assert sorted(ShowSeat.objects.filter(show=free, state="blocked").values_list("number", flat=True)) == [2, 3]

    new_start = (timezone.now() + timedelta(days=5)).replace(second=0, microsecond=0)
    _action(admin_client, "reschedule_shows", [free], new_date_time_0=new_start.date().isoformat(),
            new_date_time_1=new_start.time().strftime("%H:%M:%S"))
    free.refresh_from_db()
    assert free.date_time == new_start

    page = _action(admin_client, "delete_shows", [booked, free]).content.decode()
    assert ShowHasBookingHistory.message in page
    assert list(Show.objects.all()) == [booked]

    _action(admin_client, "cancel_shows", [booked])
    booked.refresh_from_db()
    assert booked.status == "cancelled"
    assert Booking.objects.get().status == "cancelled"
