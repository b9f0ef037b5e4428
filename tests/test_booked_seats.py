"""The seat check under the show lock is hand-written SQL (for speed, see core.services.booking): it must answer
what the ORM query it replaced answered."""
import pytest
from django.utils import timezone

from core.models import Booking
from core.services.booking import _booked_seats
from tests.factories import BookingFactory, ShowFactory

pytestmark = pytest.mark.django_db


def orm_booked_seats(show, seat_numbers):
    return set(Booking.objects.filter(show=show, status="booked", seat_number__in=seat_numbers)
               .values_list("seat_number", flat=True))


def test_only_active_bookings_of_this_show_among_the_asked_seats(show):
    BookingFactory(show=show, seat_number=2)
    BookingFactory(show=show, seat_number=3, status="cancelled", cancelled_at=timezone.now())
    BookingFactory(show=show, seat_number=9)  # active, but not asked about
    BookingFactory(show=ShowFactory(), seat_number=4)  # another show's

    for seats in ([1, 2, 3, 4], [2], [9, 2], [1], [5, 6, 7, 8, 9, 10]):
        assert _booked_seats(show, seats) == orm_booked_seats(show, seats)
    assert _booked_seats(show, [1, 2, 3, 4]) == {2}


def test_no_seats_asked_is_an_empty_answer(show):
    BookingFactory(show=show, seat_number=1)

    assert _booked_seats(show, []) == set()
