"""The booking rules, called directly, against the real database."""
import logging
from datetime import timedelta
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from core import errors
from core.models import Booking, Show, ShowSeat
from core.services import booking as booking_service
from core.services.booking import booking_cancel, booking_create
from core.services.seats import SeatClasses
from tests.factories import BookingFactory, ShowFactory, UserFactory

pytestmark = pytest.mark.django_db


class TestBookingCreate:
    def test_books_and_returns_the_booking(self, user, show):
        booking = booking_create(user=user, show_id=show.id, seat_number=3)

        assert (booking.user, booking.show, booking.seat_number, booking.status) == (user, show, 3, "booked")
        assert booking.cancelled_at is None

    def test_time_is_a_parameter(self, user, show):
        with pytest.raises(errors.ShowStarted):
            booking_create(user=user, show_id=show.id, seat_number=1, now=show.date_time)
        booking_create(user=user, show_id=show.id, seat_number=1, now=show.date_time - timedelta(seconds=1))

    def test_the_constraint_backstop_turns_a_bypassed_check_into_seat_taken(self, user, show, caplog):
        # Simulate a writer that skipped the locked check: the partial unique index must still refuse.
        BookingFactory(show=show, seat_number=9)
        with mock.patch.object(booking_service, "classify",
                               side_effect=lambda seats, user, now: SeatClasses(list(seats), [], [], [], [])), \
                caplog.at_level(logging.WARNING):
            with pytest.raises(errors.SeatTaken):
                booking_create(user=user, show_id=show.id, seat_number=9)

        assert "double-booked past the lock" in caplog.text
        assert Booking.objects.filter(show=show, seat_number=9).count() == 1

    def test_other_integrity_errors_are_not_disguised_as_seat_taken(self, user, show):
        # The general path (the fast one, on PostgreSQL, is tested below).
        with mock.patch.object(booking_service, "_book_free_seat", return_value=None), \
                mock.patch.object(Booking.objects, "bulk_create", side_effect=IntegrityError("some other constraint")):
            with pytest.raises(IntegrityError):
                booking_create(user=user, show_id=show.id, seat_number=1)


@pytest.mark.postgres_only
class TestFastPath:
    """The precomposed path for one free seat (PostgreSQL): same answers and same records as the general path."""

    def test_the_booking_it_returns_is_the_one_stored(self, user, show):
        booking = booking_create(user=user, show_id=show.id, seat_number=4)

        stored = Booking.objects.select_related("show__movie").get(pk=booking.pk)
        assert (stored.user_id, stored.show_id, stored.seat_number, stored.status, stored.price, stored.created_at) \
            == (user.pk, show.pk, 4, "booked", booking.price, booking.created_at)
        assert booking.show.movie.title == stored.show.movie.title
        assert booking.show.date_time == stored.show.date_time
        assert ShowSeat.objects.get(show=show, number=4).state == "booked"

    def test_a_seat_of_a_cancelled_show_is_refused_and_left_free(self, user, show):
        Show.objects.filter(pk=show.pk).update(status="cancelled")

        with pytest.raises(errors.ShowCancelled):
            booking_create(user=user, show_id=show.id, seat_number=4)

        assert ShowSeat.objects.get(show=show, number=4).state == "free"
        assert not Booking.objects.filter(show=show).exists()

    def test_the_constraint_backstop_turns_a_bypassed_check_into_seat_taken(self, user, show, caplog):
        # A booking the seat row does not know about (a writer that bypassed the seat row): the seat looks free to
        # the conditional UPDATE, and the partial unique index refuses the second booking.
        BookingFactory(show=show, seat_number=9)
        ShowSeat.objects.filter(show=show, number=9).update(state="free")
        with caplog.at_level(logging.WARNING), pytest.raises(errors.SeatTaken):
            booking_create(user=user, show_id=show.id, seat_number=9)

        assert "double-booked past the lock" in caplog.text
        assert Booking.objects.filter(show=show, seat_number=9).count() == 1

    def test_other_integrity_errors_are_not_disguised_as_seat_taken(self, user, show):
        BookingFactory(show=show, seat_number=9)
        ShowSeat.objects.filter(show=show, number=9).update(state="free")
        with mock.patch.object(booking_service, "_is_active_seat_conflict", return_value=False), \
                pytest.raises(IntegrityError):
            booking_create(user=user, show_id=show.id, seat_number=9)


class TestBookingCancel:
    def test_cancels_and_stamps_the_time(self, user, show):
        booking = BookingFactory(user=user, show=show)
        now = timezone.now()

        cancelled = booking_cancel(user=user, booking_id=booking.id, now=now)

        assert cancelled.status == "cancelled"
        assert cancelled.cancelled_at == now

    @override_settings(BOOKING_CANCEL_CUTOFF_MINUTES=30)
    def test_cancellation_closes_at_the_cutoff(self, user, show):
        booking = BookingFactory(user=user, show=show)

        with pytest.raises(errors.CancellationClosed) as raised:
            booking_cancel(user=user, booking_id=booking.id, now=show.date_time - timedelta(minutes=30))
        assert raised.value.code == "show_started"
        booking_cancel(user=user, booking_id=booking.id, now=show.date_time - timedelta(minutes=31))

    def test_someone_elses_booking_is_not_found(self, user, show):
        booking = BookingFactory(show=show)

        with pytest.raises(errors.BookingNotFound):
            booking_cancel(user=user, booking_id=booking.id)


class TestDatabaseConstraints:
    """The last line of defence, exercised without the service."""

    def test_two_active_bookings_of_one_seat_are_refused(self, show):
        BookingFactory(show=show, seat_number=4)
        with pytest.raises(IntegrityError), transaction.atomic():
            BookingFactory(show=show, seat_number=4)

    def test_cancelled_bookings_of_one_seat_may_repeat(self, show):
        for _ in range(3):
            BookingFactory(show=show, seat_number=4, status="cancelled", cancelled_at=timezone.now())
        BookingFactory(show=show, seat_number=4)

        assert Booking.objects.filter(show=show, seat_number=4).count() == 4

    @pytest.mark.parametrize("fields", [
        {"seat_number": 0},
        {"status": "refunded"},
        {"status": "cancelled"},  # cancelled without cancelled_at
    ])
    def test_booking_check_constraints(self, show, fields):
        with pytest.raises(IntegrityError), transaction.atomic():
            Booking.objects.create(user=UserFactory(), show=show, **{"seat_number": 1, **fields})

    @pytest.mark.parametrize("seats", [0, Show.MAX_TOTAL_SEATS + 1])
    def test_show_capacity_constraint(self, movie, seats):
        with pytest.raises(IntegrityError), transaction.atomic():
            ShowFactory(movie=movie, total_seats=seats)
