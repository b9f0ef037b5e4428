"""Staff operations on the programme: movies and their shows."""
from datetime import datetime

from django.db.models import Max
from django.utils import timezone

from core.exceptions import MovieNotFound, ShowHasBookings
from core.models import Booking, HoldSeat, Movie, Show


def movie_create(*, title: str, duration_minutes: int) -> Movie:
    return Movie.objects.create(title=title, duration_minutes=duration_minutes)


def show_create(*, movie_id: int, screen_name: str, date_time: datetime, total_seats: int) -> Show:
    movie = Movie.objects.filter(pk=movie_id).first()
    if movie is None:
        raise MovieNotFound()
    return Show.objects.create(movie=movie, screen_name=screen_name, date_time=date_time, total_seats=total_seats)


def highest_booked_seat(show: Show) -> int:
    """The highest seat number with an active booking (0 if none): capacity may not drop below it."""
    return (
        Booking.objects.filter(show=show, status=Booking.Status.BOOKED).aggregate(m=Max("seat_number"))["m"] or 0
    )


def highest_held_seat(show: Show, *, now: datetime) -> int:
    """The highest seat number in an unexpired hold (0 if none)."""
    return (HoldSeat.objects.filter(show=show, hold__expires_at__gt=now).aggregate(m=Max("seat_number"))["m"]
            or 0)


def check_capacity_change(*, show: Show, total_seats: int, now: datetime | None = None) -> None:
    # A held seat is about to be paid for: removing it would make its confirm book a seat that no longer exists.
    now = now or timezone.now()
    if total_seats < max(highest_booked_seat(show), highest_held_seat(show, now=now)):
        raise ShowHasBookings()
