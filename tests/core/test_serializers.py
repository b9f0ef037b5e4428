"""The response serializers write their output by hand (for speed, see core.serializers): it must be exactly
what DRF would build from the fields they declare, for every shape the API returns."""
import pytest
from django.utils import timezone
from rest_framework import serializers

from core import selectors
from core.serializers import BookingSerializer, MovieSerializer, ShowSerializer, ShowWithAvailabilitySerializer
from tests.conftest import ON_POSTGRES
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


def test_iso_datetime_is_drf_s_in_any_time_zone():
    from core.serializers import _iso_datetime

    value = timezone.now().replace(microsecond=123456)
    for zone in ("UTC", "Asia/Kolkata", "America/New_York"):
        with timezone.override(zone):
            assert _iso_datetime(value) == serializers.DateTimeField().to_representation(value)
    assert _iso_datetime(None) is None


def test_the_composed_show_reads_answer_what_the_querysets_do(movie):
    """core.selectors composes the show reads once per process (PostgreSQL): the same shows, movie, screen, cinema and
    availability as `shows_with_availability`, through the same serializer, for every kind of show and seat state."""
    from datetime import timedelta

    from core.services import catalog
    from core.services import holds as hold_service
    from tests.factories import SMALL_PRICES, ScreenFactory, UserFactory

    screen = ScreenFactory()  # a cinema in Europe/Paris: local_date_time differs from UTC
    starts = timezone.now().replace(microsecond=0) + timedelta(days=3)
    on_screen = catalog.show_create(movie_id=movie.id, screen_id=screen.id, date_time=starts, prices=SMALL_PRICES,
                                    language="French", format="3D")
    seed_form = ShowFactory(movie=movie, date_time=starts - timedelta(days=1))
    BookingFactory(show=seed_form, seat_number=2)
    user = UserFactory()
    hold_service.hold_create(user=user, show_id=on_screen.id, seat_numbers=[1, 2])
    # Later than the hold's end: its seats count as free again, in both forms.
    later = timezone.now() + timedelta(hours=2)

    for now in (None, later):
        for show in (on_screen, seed_form):
            composed = selectors.show_get(show_id=show.id, now=now)
            queried = selectors.shows_with_availability(now).get(pk=show.id)
            assert ShowWithAvailabilitySerializer(composed).data == ShowWithAvailabilitySerializer(queried).data
        listed = selectors.shows_of_movie(movie_id=movie.id, now=now)
        expected = list(selectors.show_list_for_movie(movie_id=movie.id, now=now))
        assert ShowWithAvailabilitySerializer(listed, many=True).data == \
            ShowWithAvailabilitySerializer(expected, many=True).data
    assert [s["available_seats"] for s in ShowWithAvailabilitySerializer(
        selectors.shows_of_movie(movie_id=movie.id), many=True).data] == [49, on_screen.total_seats - 2]


@pytest.mark.skipif(not ON_POSTGRES,
                    reason="the show reads are composed once on PostgreSQL only (SQLite binds datetimes as text)")
def test_the_show_reads_are_composed_on_postgresql():
    from django.db import connection

    assert selectors._composed_shows("show", connection.vendor) is not None
    assert selectors._composed_shows("movie", connection.vendor) is not None
