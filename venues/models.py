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
