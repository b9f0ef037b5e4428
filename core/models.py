"""Movies, their shows, and the bookings of a show's seats.

The rules that keep a seat sold once live in `core.services.booking`; the constraints here are the database's
last line of defence should anything (a bug, a script, the admin) bypass that service.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q


class Movie(models.Model):
    title = models.CharField(max_length=200)
    duration_minutes = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__gte=1), name="movie_duration_positive"),
        ]

    def __str__(self):
        return self.title


# Larger than nearly every real auditorium, small enough that a seat map of the whole show stays a cheap response.
MAX_TOTAL_SEATS = 1000


class Show(models.Model):
    MAX_TOTAL_SEATS = MAX_TOTAL_SEATS

    movie = models.ForeignKey(Movie, on_delete=models.PROTECT, related_name="shows")
    screen_name = models.CharField(max_length=100)
    date_time = models.DateTimeField()
    total_seats = models.PositiveIntegerField()

    class Meta:
        ordering = ["date_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_seats__gte=1) & Q(total_seats__lte=MAX_TOTAL_SEATS), name="show_total_seats_in_range"
            ),
        ]
        indexes = [models.Index(fields=["movie", "date_time"], name="show_movie_time_idx")]

    def __str__(self):
        return f"{self.movie} — {self.screen_name} @ {self.date_time:%Y-%m-%d %H:%M}"


class Booking(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CANCELLED = "cancelled", "Cancelled"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings")
    show = models.ForeignKey(Show, on_delete=models.PROTECT, related_name="bookings")
    seat_number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one *active* booking per seat. Cancelled bookings are history and may repeat: the seed's
            # unique_together(show, seat_number, status) made the second cancellation of a seat fail.
            models.UniqueConstraint(
                fields=["show", "seat_number"],
                condition=Q(status="booked"),
                name="booking_one_active_per_seat",
            ),
            models.CheckConstraint(condition=Q(seat_number__gte=1), name="booking_seat_number_positive"),
            models.CheckConstraint(condition=Q(status__in=["booked", "cancelled"]), name="booking_status_valid"),
            models.CheckConstraint(
                condition=Q(status="booked", cancelled_at__isnull=True)
                | Q(status="cancelled", cancelled_at__isnull=False),
                name="booking_cancelled_at_matches_status",
            ),
        ]
        indexes = [
            # /my-bookings/: a user's bookings, newest first.
            models.Index(fields=["user", "-created_at", "-id"], name="booking_user_recent_idx"),
            # A show's active bookings (availability counts, seat look-ups) need no index of their own: the
            # partial unique index above is exactly (show, seat_number) WHERE status = 'booked'.
        ]

    def __str__(self):
        return f"Booking #{self.pk}: seat {self.seat_number} ({self.status})"
