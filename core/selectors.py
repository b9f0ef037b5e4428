"""Reads for the API, each a fixed number of queries however many rows it returns."""
import logging

from django.db import DatabaseError, connection
from django.db.models import Count, F, Q, QuerySet

from core.exceptions import DatabaseUnavailable, MovieNotFound, ShowNotFound
from core.models import Booking, Movie, Show

logger = logging.getLogger(__name__)


def movie_list() -> QuerySet[Movie]:
    return Movie.objects.all()


def _shows_with_availability() -> QuerySet[Show]:
    active = Count("bookings", filter=Q(bookings__status=Booking.Status.BOOKED))
    return Show.objects.select_related("movie").annotate(available_seats=F("total_seats") - active)


def show_list_for_movie(*, movie_id: int) -> QuerySet[Show]:
    if not Movie.objects.filter(pk=movie_id).exists():
        raise MovieNotFound()
    return _shows_with_availability().filter(movie_id=movie_id).order_by("date_time", "id")


def show_get(*, show_id: int) -> Show:
    show = _shows_with_availability().filter(pk=show_id).first()
    if show is None:
        raise ShowNotFound()
    return show


def booking_list_for_user(*, user) -> QuerySet[Booking]:
    return Booking.objects.filter(user=user).select_related("show__movie").order_by("-created_at", "-id")


def database_ping() -> None:
    """One trivial query, so a health check proves the database answers (not only that the process runs)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        # The reason goes to the log for the operator; the probe only needs to know it is down.
        logger.warning("Health check: the database did not answer: %s", exc)
        raise DatabaseUnavailable(extra={"status": "unavailable"}) from exc
