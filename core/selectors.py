"""Reads for the API, each a fixed number of queries however many rows it returns.

Availability counts a seat as taken when it has an active booking or is in an unexpired hold; `now` decides what
"unexpired" means, so an expired hold frees its seats in every read without any job having run.
"""
import logging
from datetime import datetime

from django.db import DatabaseError, connection
from django.db.models import CharField, Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.exceptions import DatabaseUnavailable, MovieNotFound, ShowNotFound
from core.models import Booking, Hold, HoldSeat, Movie, Show

logger = logging.getLogger(__name__)


def movie_list() -> QuerySet[Movie]:
    return Movie.objects.all()


def _count_per_show(queryset: QuerySet) -> Subquery:
    # A correlated COUNT per show: two plain JOINs + Count would multiply bookings by held seats.
    counted = queryset.filter(show=OuterRef("pk")).order_by().values("show").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def held_seat_count_per_show(*, now: datetime):
    """An expression for `Show` querysets: how many of the show's seats are in unexpired holds."""
    return _count_per_show(HoldSeat.objects.filter(hold__expires_at__gt=now))


def _shows_with_availability(now: datetime | None = None) -> QuerySet[Show]:
    now = now or timezone.now()
    booked = _count_per_show(Booking.objects.filter(status=Booking.Status.BOOKED))
    held = held_seat_count_per_show(now=now)
    return Show.objects.select_related("movie").annotate(available_seats=F("total_seats") - booked - held)


def show_list_for_movie(*, movie_id: int, now: datetime | None = None) -> QuerySet[Show]:
    if not Movie.objects.filter(pk=movie_id).exists():
        raise MovieNotFound()
    return _shows_with_availability(now).filter(movie_id=movie_id).order_by("date_time", "id")


def show_get(*, show_id: int, now: datetime | None = None) -> Show:
    show = _shows_with_availability(now).filter(pk=show_id).first()
    if show is None:
        raise ShowNotFound()
    return show


def seat_map(*, show_id: int, now: datetime | None = None) -> dict:
    """Which seats of a show are booked and which are held: two queries, however full the show is.

    Booked and held seats come from one UNION query, so they are one consistent snapshot of the seats.
    """
    now = now or timezone.now()
    total_seats = Show.objects.filter(pk=show_id).values_list("total_seats", flat=True).first()
    if total_seats is None:
        raise ShowNotFound()
    kind = CharField()
    booked = (Booking.objects.filter(show_id=show_id, status=Booking.Status.BOOKED).order_by()
              .annotate(kind=Value("booked", output_field=kind)).values_list("seat_number", "kind"))
    held = (HoldSeat.objects.filter(show_id=show_id, hold__expires_at__gt=now).order_by()
            .annotate(kind=Value("held", output_field=kind)).values_list("seat_number", "kind"))
    seats = {"booked": [], "held": []}
    for seat_number, seat_kind in booked.union(held, all=True):
        seats[seat_kind].append(seat_number)
    return {
        "show_id": show_id,
        "total_seats": total_seats,
        "available_seats": total_seats - len(seats["booked"]) - len(seats["held"]),
        "booked": sorted(seats["booked"]),
        "held": sorted(seats["held"]),
    }


def booking_list_for_user(*, user) -> QuerySet[Booking]:
    return Booking.objects.filter(user=user).select_related("show__movie").order_by("-created_at", "-id")


def hold_list_for_user(*, user, now: datetime | None = None) -> QuerySet[Hold]:
    """The user's unexpired holds, soonest to expire first, with their seats (two queries)."""
    now = now or timezone.now()
    # Holds keeping the seats of a pending order are the order's (GET /orders/<id>/), not listed here.
    return (Hold.objects.filter(user=user, expires_at__gt=now, order__isnull=True).order_by("expires_at", "id")
            .prefetch_related(Prefetch("seats", queryset=HoldSeat.objects.order_by("seat_number"))))


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
