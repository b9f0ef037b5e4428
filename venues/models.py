"""Cinemas and their screens. A screen's `layout` is the seat plan new shows are sold from (venues.layouts)."""
import functools
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models

from common.text import validate_single_line
from venues.layouts import LayoutError, layout_seats


@functools.cache
def _time_zones() -> frozenset[str]:
    # available_timezones() walks the time zone database on every call.
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in _time_zones():
        raise ValidationError(f"Unknown time zone {value!r} (an IANA name such as \"Europe/Paris\").")


def validate_layout(value) -> None:
    try:
        layout_seats(value)
    except LayoutError as exc:
        raise ValidationError(str(exc)) from exc


class Cinema(models.Model):
    name = models.CharField(max_length=200, validators=[validate_single_line])
    city = models.CharField(max_length=100, validators=[validate_single_line])
    address = models.CharField(max_length=300, blank=True, validators=[validate_single_line])
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])

    class Meta:
        ordering = ["city", "name", "id"]
        indexes = [models.Index(fields=["city"], name="cinema_city_idx")]

    def __str__(self):
        return f"{self.name} ({self.city})"


class Screen(models.Model):
    cinema = models.ForeignKey(Cinema, on_delete=models.PROTECT, related_name="screens")
    name = models.CharField(max_length=100, validators=[validate_single_line])
    # Edited freely: a show copies the layout into its own seat rows when it is created (core.ShowSeat), so a
    # later edit never takes away a seat that was sold.
    layout = models.JSONField(validators=[validate_layout])

    class Meta:
        ordering = ["cinema_id", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["cinema", "name"], name="screen_name_unique_per_cinema")]

    @property
    def seat_count(self) -> int:
        return sum(1 for row in self.layout.get("rows", []) for seat in row.get("seats", []) if seat is not None)

    def __str__(self):
        return f"{self.cinema.name} — {self.name}"


# The full price: every show offers it, and a price given without a type (the seed's `{"standard": "12.50"}`, the
# old `seat_numbers` form of holding) is for it. A cinema needs no row for it; one with this code only names it.
ADULT = "adult"


class TicketType(models.Model):
    """Who a seat is sold to at a cinema (Adult, Child, Senior...): its name, ages and whether the door asks proof.

    A show prices each seat category per type code (core.Show.prices); a type a show gives no price is not offered.
    """

    cinema = models.ForeignKey(Cinema, on_delete=models.PROTECT, related_name="ticket_types")
    code = models.SlugField(max_length=32)
    name = models.CharField(max_length=100, validators=[validate_single_line])
    # The name in other languages, {"es": "Niño", "hi": "बच्चा"}: the staff who create a type write its names;
    # `name` is the one shown when the reader's language has none (decision 0044).
    names = models.JSONField(default=dict, blank=True)
    min_age = models.PositiveSmallIntegerField(null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(null=True, blank=True)
    proof_required = models.BooleanField(default=False)

    class Meta:
        ordering = ["cinema_id", "id"]
        constraints = [models.UniqueConstraint(fields=["cinema", "code"], name="ticket_type_code_unique_per_cinema")]

    def name_in(self, language: str) -> str:
        return self.names.get(language) or self.name

    def __str__(self):
        return f"{self.cinema.name} — {self.name}"
