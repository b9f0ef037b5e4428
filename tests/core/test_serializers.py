"""The response serializers write their output by hand (for speed, see core.serializers): it must be exactly
what DRF would build from the fields they declare, for every shape the API returns."""
import pytest
from django.utils import timezone
from rest_framework import serializers

from core import selectors
from core.serializers import BookingSerializer, MovieSerializer, ShowSerializer, ShowWithAvailabilitySerializer
from tests.factories import BookingFactory, ShowFactory

pytestmark = pytest.mark.django_db


def generic(serializer_class, instance) -> dict:
    """DRF's own output for the declared fields (Serializer.to_representation, bypassing the overrides).

    Nested serializers inside it still use their own override; each of those is compared here on its own.
    """
    return serializers.Serializer.to_representation(serializer_class(instance), instance)


def test_movie(movie):
    assert MovieSerializer(movie).data == generic(MovieSerializer, movie)


def test_show_and_show_with_availability(show):
    BookingFactory(show=show, seat_number=3)
    annotated = selectors.show_get(show_id=show.id)

    assert ShowSerializer(show).data == generic(ShowSerializer, show)
    assert ShowWithAvailabilitySerializer(annotated).data == generic(ShowWithAvailabilitySerializer, annotated)
    assert ShowWithAvailabilitySerializer(annotated).data["available_seats"] == show.total_seats - 1


def test_booking_booked_and_cancelled():
    booked = BookingFactory(show=ShowFactory(date_time=timezone.now().replace(microsecond=123456)))
    cancelled = BookingFactory(status="cancelled", cancelled_at=timezone.now())

    for booking in (booked, cancelled):
        booking.refresh_from_db()
        assert BookingSerializer(booking).data == generic(BookingSerializer, booking)
    assert BookingSerializer(cancelled).data["cancelled_at"] is not None
    assert BookingSerializer(booked).data["cancelled_at"] is None


def test_lists_use_the_same_output(show):
    bookings = [BookingFactory(show=show, seat_number=n) for n in (1, 2)]

    assert BookingSerializer(bookings, many=True).data == [generic(BookingSerializer, b) for b in bookings]
