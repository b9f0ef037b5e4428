"""Movies, their shows, and the bookings of a show's seats.

The rules that keep a seat sold once live in `core.services.booking`; the constraints here are the database's
last line of defence should anything (a bug, a script, the admin) bypass that service.
"""
from django.conf import settings
from django.db import models
from django.db.models import F, Q

from tickets.codes import new_ticket_code


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

    class PaymentStatus(models.TextChoices):
        PAID = "paid", "Paid"
        UNPAID = "unpaid", "Unpaid (pay at the box office)"
        FREE = "free", "Free"
        REFUNDED = "refunded", "Refunded"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings")
    show = models.ForeignKey(Show, on_delete=models.PROTECT, related_name="bookings")
    seat_number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The paid order the booking belongs to; null for the direct reservation (POST /shows/<id>/book/, holds).
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="bookings")
    payment_status = models.CharField(max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.FREE)
    # What the ticket's QR code carries (tickets.codes): every booking has one, made when it is inserted.
    ticket_code = models.CharField(max_length=32, unique=True, default=new_ticket_code, editable=False)

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
            models.CheckConstraint(condition=Q(payment_status__in=["paid", "unpaid", "free", "refunded"]),
                                   name="booking_payment_status_valid"),
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


class Hold(models.Model):
    """Seats set aside for one user while they pay, until `expires_at`.

    An expired hold blocks nothing: every read and every seat-changing service compares `expires_at` with `now`,
    so seats come free on time without a background job. Expired rows are deleted lazily (their seats, by the
    next `hold_create` of the show, under its lock) and by the `release_expired_holds` command.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="holds")
    # CASCADE: a hold is a transient reservation, not a record worth keeping once its show is gone.
    show = models.ForeignKey(Show, on_delete=models.CASCADE, related_name="holds")
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["expires_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="hold_expires_after_created"),
        ]
        indexes = [
            # /my-holds/ and the per-user limit: a user's unexpired holds.
            models.Index(fields=["user", "expires_at"], name="hold_user_expires_idx"),
            # release_expired_holds: everything that expired.
            models.Index(fields=["expires_at"], name="hold_expires_idx"),
        ]

    @property
    def seat_numbers(self) -> list[int]:
        # Uses the prefetched seats when the selector loaded them (core.selectors.hold_list_for_user).
        return sorted(seat.seat_number for seat in self.seats.all())

    def __str__(self):
        return f"Hold #{self.pk} of show {self.show_id} until {self.expires_at:%Y-%m-%d %H:%M:%S}"


class HoldSeat(models.Model):
    """One seat of a hold. `show` repeats the hold's show so the database can refuse a seat held twice."""

    hold = models.ForeignKey(Hold, on_delete=models.CASCADE, related_name="seats")
    show = models.ForeignKey(Show, on_delete=models.CASCADE, related_name="hold_seats")
    seat_number = models.PositiveIntegerField()

    class Meta:
        ordering = ["seat_number"]
        constraints = [
            # The last line of defence, as for bookings: a seat is in at most one hold row. Expired holds would
            # otherwise trip it, so `hold_create` deletes the show's expired hold seats (under the show lock)
            # before inserting; a violation that still happens means a writer skipped the lock (mapped to 409).
            models.UniqueConstraint(fields=["show", "seat_number"], name="holdseat_one_per_seat"),
            models.CheckConstraint(condition=Q(seat_number__gte=1), name="holdseat_seat_number_positive"),
        ]

    def __str__(self):
        return f"Seat {self.seat_number} of hold #{self.hold_id}"


class IdempotencyKey(models.Model):
    """A client's `Idempotency-Key` and the response first given for it, so a retry gets the same answer.

    Stored in the database (not process memory) so a retry that lands on another worker, or after a restart,
    still finds it. The unique (user, key) constraint is what makes two identical requests at the same moment
    safe: only one of them can insert the row and run; the other sees it.
    """

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys")
    key = models.CharField(max_length=255)
    # sha256 of method, path and canonical JSON body: the same key with another request is a client bug.
    request_fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=11, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # The rendered JSON bytes as first sent, as text: a JSONField (jsonb) would reorder the keys, and a replay is meant
    # to be the same response, byte for byte.
    response_body = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user"),
            models.CheckConstraint(condition=Q(state__in=["in_progress", "done"]), name="idempotency_state_valid"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self):
        return f"Idempotency key {self.key!r} of user {self.user_id} ({self.state})"
