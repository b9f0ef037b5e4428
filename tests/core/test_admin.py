"""The staff's admin pages: they render, their lists cost a fixed number of queries, capacity edits are safe."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Booking
from tests.factories import BookingFactory, ShowFactory, UserFactory

pytestmark = pytest.mark.django_db


def queries_for(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", ["/admin/core/show/", "/admin/core/booking/", "/admin/core/movie/"])
def test_list_pages_cost_the_same_for_1_and_40_rows(admin_client, path):
    BookingFactory()
    few = queries_for(admin_client, path)
    for _ in range(39):
        BookingFactory()

    assert queries_for(admin_client, path) == few


def test_show_list_shows_booked_and_available_counts(admin_client):
    show = ShowFactory(total_seats=10)
    BookingFactory(show=show, seat_number=1)
    BookingFactory(show=show, seat_number=2)

    html = admin_client.get("/admin/core/show/").content.decode()

    assert '<td class="field-booked_seats">2</td>' in html
    assert '<td class="field-available_seats">8</td>' in html


def test_bookings_are_read_only_in_the_admin(admin_client):
    booking = BookingFactory()

    assert admin_client.get(f"/admin/core/booking/{booking.id}/change/").status_code == 200
    response = admin_client.post(f"/admin/core/booking/{booking.id}/change/", {"status": "cancelled"})
    assert response.status_code == 403
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED
    assert admin_client.get("/admin/core/booking/add/").status_code == 403


def test_booking_search_by_username(admin_client):
    mine = BookingFactory(user=UserFactory(username="alice"))
    BookingFactory(user=UserFactory(username="bob"))

    html = admin_client.get("/admin/core/booking/?q=alice").content.decode()

    assert f"/admin/core/booking/{mine.id}/change/" in html
    assert "bob" not in html


def test_a_shows_seats_cannot_be_resized_in_the_admin(admin_client):
    """A show keeps the seats it was created with (its own seat rows), so the capacity edit that once sold seats
    above a lowered capacity no longer exists: screen, screen name and size are read-only on change."""
    show = ShowFactory(total_seats=50)
    BookingFactory(show=show, seat_number=40)

    html = admin_client.get(f"/admin/core/show/{show.id}/change/").content.decode()

    assert 'name="total_seats"' not in html
    assert 'name="screen"' not in html
    assert 'name="date_time_0"' in html
