"""Movies, their shows, and the bookings of a show's seats.

The rules that keep a seat sold once live in `core.services.booking`; the constraints here are the database's
last line of defence should anything (a bug, a script, the admin) bypass that service.
"""
import unicodedata
import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from common.text import validate_multi_line, validate_single_line, validate_single_line_each
from core.ticket_codes import new_ticket_code
from venues.layouts import MAX_TOTAL_SEATS
from venues.models import ADULT


def search_text(value: str) -> str:
    """`value` folded for search: case-insensitive and accent-insensitive ("Amélie" -> "amelie").

    Done in Python and stored, rather than with PostgreSQL's unaccent, so search behaves the same on SQLite
    (`make run`) and PostgreSQL and needs no database extension.
    """
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class Movie(models.Model):
    title = models.CharField(max_length=200, validators=[validate_single_line])
    duration_minutes = models.PositiveIntegerField()
    genres = models.JSONField(default=list, blank=True, validators=[validate_single_line_each])
    language = models.CharField(max_length=50, blank=True, validators=[validate_single_line])
    certificate = models.CharField(max_length=20, blank=True, validators=[validate_single_line])
    release_date = models.DateField(null=True, blank=True)
    synopsis = models.TextField(blank=True, validators=[validate_multi_line])
    poster_url = models.URLField(max_length=500, blank=True)
    # Derived from title and genres on every save (see save()): what the catalogue's ?search= and ?genre= match.
    search_title = models.CharField(max_length=200, blank=True, editable=False, db_index=True)
    # "|drama|sci-fi|": one genre is matched as "|<genre>|" with a plain LIKE, the same on SQLite and PostgreSQL
    # (SQLite has no JSON containment lookup).
    search_genres = models.CharField(max_length=500, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__gte=1), name="movie_duration_positive"),
        ]

    def save(self, *args, **kwargs):
        # Derived columns kept in save() rather than in a service because the admin and the services both write
        # movies; they are not a rule, only a normalised copy of what was written.
        self.search_title = search_text(self.title)
        self.search_genres = "|" + "|".join(search_text(g) for g in self.genres or []) + "|" if self.genres else ""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_title", "search_genres"}
        super().save(*args, **kwargs)

    def __str__(self):
        return self.title


# What a read of shows never takes of their screen: the layout, a JSON document of every seat (tens of kilobytes for a
# big screen) that no answer about a show or a booking uses, since a show's seats are its own rows (ShowSeat) and the
# layout is read only when shows are made. Decoding it added about a quarter to a booking's CPU on a screen of 1,000
# seats (docs/performance.md).
# Deferred, not forbidden: should anything use it, it is read then.
SCREEN_FIELDS_LEFT_OUT = ("layout",)


class ShowQuerySet(models.QuerySet):
    def with_relations(self):
        """With the movie, screen and cinema in the same query, the screen's layout left out."""
        return self.select_related("movie", "screen__cinema").defer(
            *(f"screen__{name}" for name in SCREEN_FIELDS_LEFT_OUT))


class OfAShowQuerySet(models.QuerySet):
    """Rows that belong to a show (bookings, holds, orders)."""

    def with_show(self):
        """With the show, its movie, screen and cinema in the same query, the screen's layout left out."""
        return self.select_related("show__movie", "show__screen__cinema").defer(
            *(f"show__screen__{name}" for name in SCREEN_FIELDS_LEFT_OUT))


class Show(models.Model):
    """A screening. Its seats are its own `ShowSeat` rows, copied from the screen's layout when it is created."""

    MAX_TOTAL_SEATS = MAX_TOTAL_SEATS

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    movie = models.ForeignKey(Movie, on_delete=models.PROTECT, related_name="shows")
    # Null for shows created in the seed's form (`screen_name` and `total_seats` only).
    screen = models.ForeignKey("venues.Screen", on_delete=models.PROTECT, related_name="shows", null=True, blank=True)
    screen_name = models.CharField(max_length=100, validators=[validate_single_line])
    date_time = models.DateTimeField()
    total_seats = models.PositiveIntegerField()
    # {"standard": "12.50", ...}: a decimal string per category of the show's seats, in settings.CURRENCY. Each
    # seat row carries its own price too (what a booking copies); this is the show's price list as set by staff.
    prices = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=50, blank=True, validators=[validate_single_line])
    format = models.CharField(max_length=20, blank=True, validators=[validate_single_line])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = ShowQuerySet.as_manager()

    class Meta:
        ordering = ["date_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_seats__gte=1) & Q(total_seats__lte=MAX_TOTAL_SEATS), name="show_total_seats_in_range"
            ),
            models.CheckConstraint(condition=Q(status__in=["scheduled", "cancelled"]), name="show_status_valid"),
        ]
        indexes = [
            models.Index(fields=["movie", "date_time"], name="show_movie_time_idx"),
            models.Index(fields=["date_time"], name="show_time_idx"),
            models.Index(fields=["screen", "date_time"], name="show_screen_time_idx"),
        ]

    def local_date_time(self):
        """The start in the cinema's own time zone (the server's TIME_ZONE for seed-form shows without a screen).

        Customers read times where the cinema is: the API's `local_date_time`, tickets and e-mails all use this.
        """
        zone = self.screen.cinema.time_zone if self.screen_id is not None else settings.TIME_ZONE
        return self.date_time.astimezone(zoneinfo.ZoneInfo(zone))

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
    # The price the seat was sold at, in settings.CURRENCY: a later price change never rewrites what was paid.
    price = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    # The ticket type it was sold as (`price` is that type's): the door checks proof for some (tickets.services).
    ticket_type = models.CharField(max_length=32, default=ADULT)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The paid order the booking belongs to; null for the direct reservation (POST /shows/<id>/book/, holds).
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="bookings")
    payment_status = models.CharField(max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.FREE)
    # What the ticket's QR code carries (core.ticket_codes): every booking has one, made when it is inserted.
    ticket_code = models.CharField(max_length=32, unique=True, default=new_ticket_code, editable=False)
    # An unpaid reservation's customer was reminded of its collection deadline then (core.services.reservations).
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = OfAShowQuerySet.as_manager()

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
            # An account's open unpaid reservations, which every booking and hold counts (core.limits): without it
            # the count read every active booking of the show, or of every show, and filtered them by account, so a
            # booking cost more as the sale went on. Through it, a count reads the few it counts (decision 0055).
            models.Index(fields=["user", "show"], name="booking_unpaid_open_idx",
                         condition=Q(status="booked", order__isnull=True, payment_status="unpaid")),
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

    objects = OfAShowQuerySet.as_manager()

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


class HoldRecord(models.Model):
    """What became of one hold, kept after the hold row is gone, for the sales report's "holds that turned into
    orders" (reports.selectors).

    Hold rows are deleted once confirmed, released, paid or expired (they are transient seat locks, and the
    seat services rely on that), so they cannot be counted afterwards: `hold_create` writes one of these beside
    each hold, and the services that turn a hold into a sale stamp it. A hold is *converted* when it was confirmed
    into bookings (`hold_confirm`, a reservation) or an order was made from it (`orders.services.order_create`);
    whether that order was then paid shows in the report's tickets sold and revenue.
    """

    class ConvertedTo(models.TextChoices):
        RESERVATION = "reservation", "Confirmed into a reservation"
        ORDER = "order", "Made into an order"

    # Not a foreign key: the hold row is deleted while this stays. Unique: ids are never reused (PostgreSQL
    # sequences; SQLite AUTOINCREMENT).
    hold_id = models.BigIntegerField(unique=True)
    # CASCADE like the hold: a deleted show has no report. (The hold row already references the show, so this
    # insert takes no lock the hold's own insert does not.)
    show = models.ForeignKey(Show, on_delete=models.CASCADE, related_name="hold_records")
    created_at = models.DateTimeField()
    seat_count = models.PositiveIntegerField()
    converted_at = models.DateTimeField(null=True, blank=True)
    converted_to = models.CharField(max_length=12, choices=ConvertedTo.choices, blank=True, default="")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(converted_at__isnull=True, converted_to="")
                | Q(converted_at__isnull=False, converted_to__in=["reservation", "order"]),
                name="holdrecord_converted_fields_together"),
        ]

    def __str__(self):
        return f"Record of hold #{self.hold_id} ({self.converted_to or 'not converted'})"


class HoldSeat(models.Model):
    """One seat of a hold. `show` repeats the hold's show so the database can refuse a seat held twice."""

    hold = models.ForeignKey(Hold, on_delete=models.CASCADE, related_name="seats")
    show = models.ForeignKey(Show, on_delete=models.CASCADE, related_name="hold_seats")
    seat_number = models.PositiveIntegerField()
    # Who the seat is for (a code of venues.TicketType, or the built-in "adult"): it decides the price charged.
    ticket_type = models.CharField(max_length=32, default=ADULT)

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


class ShowSeat(models.Model):
    """One seat of one show: where it is, what it costs, and its state. The state here is the truth.

    Every service that changes a seat locks its row (`select_for_update`, in seat-number order) and decides from
    the row's state; see core.locks. Booking and HoldSeat rows are the records of who booked or holds it; their
    unique constraints stay as the database's last line of defence.

    A held seat is free again once `held_until` has passed, without any job: every read and every check compares
    `held_until` with `now` (an expired hold's row is tidied by the next writer of that seat). What "can be sold now"
    means is written once, in core.sellable; the constraints below make the states it would have to guess about
    (held with no hold or no expiry, a hold left on a seat that is not held) impossible.
    """

    class State(models.TextChoices):
        FREE = "free", "Free"
        HELD = "held", "Held"
        BOOKED = "booked", "Booked"
        BLOCKED = "blocked", "Blocked"

    show = models.ForeignKey(Show, on_delete=models.CASCADE, related_name="seats")
    number = models.PositiveIntegerField()
    label = models.CharField(max_length=10)
    row_label = models.CharField(max_length=10)
    row_index = models.PositiveSmallIntegerField()
    column = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=20)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    state = models.CharField(max_length=8, choices=State.choices, default=State.FREE)
    # Set while state is "held", and only then (showseat_hold_fields_match_state): whose hold, and until when (the
    # hold's expires_at, copied so that deciding whether the seat is free needs only this row).
    #
    # RESTRICT: a hold whose seats still say "held" by it cannot be deleted; the service deleting it first writes
    # the seats' new state (released: free; confirmed or paid: booked), under the seats' locks, and only then
    # deletes the hold. Deleting a show still works: its seats go with it by CASCADE, which RESTRICT allows.
    # Not SET_NULL: that would leave a seat "held" by no hold, which the constraint refuses, so every such delete
    # would fail half-way as an IntegrityError. Not PROTECT: it would also refuse deleting a show that has holds.
    # Not CASCADE: it would delete the show's seat rows. Not a handler that frees the seats: Django's Collector
    # writes one UPDATE per (field, value), and PostgreSQL checks a CHECK constraint after every statement, so no
    # order of three separate UPDATEs gets from "held" to "free" legally; and the admin's delete confirmation page
    # runs the Collector too, so such a handler would write on a GET, without the seat locks.
    hold = models.ForeignKey(Hold, on_delete=models.RESTRICT, null=True, blank=True, related_name="+")
    held_until = models.DateTimeField(null=True, blank=True)
    wheelchair = models.BooleanField(default=False)
    companion = models.BooleanField(default=False)
    restricted_view = models.BooleanField(default=False)

    class Meta:
        ordering = ["show_id", "number"]
        # No index names `state` or `held_until`: a booking's seat UPDATE then stays a HOT update (no index entry
        # written, less WAL), which an index for counting availability cost every booking (decision 0055).
        constraints = [
            models.UniqueConstraint(fields=["show", "number"], name="showseat_unique_number"),
            models.UniqueConstraint(fields=["show", "label"], name="showseat_unique_label"),
            models.CheckConstraint(condition=Q(number__gte=1), name="showseat_number_positive"),
            models.CheckConstraint(condition=Q(state__in=["free", "held", "booked", "blocked"]),
                                   name="showseat_state_valid"),
            models.CheckConstraint(condition=Q(price__gte=0), name="showseat_price_not_negative"),
            # A held seat names its hold and when the hold ends; any other seat names neither. So "held, until
            # when?" never has to be guessed (core.sellable), and a hold cannot be deleted from under its seats.
            models.CheckConstraint(
                condition=Q(state="held", hold__isnull=False, held_until__isnull=False)
                | Q(state__in=["free", "booked", "blocked"], hold__isnull=True, held_until__isnull=True),
                name="showseat_hold_fields_match_state",
            ),
        ]

    def __str__(self):
        return f"Seat {self.label} (#{self.number}) of show {self.show_id}: {self.state}"


