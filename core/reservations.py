"""Unpaid reservations (pay at the box office): when they must be collected."""
from datetime import timedelta

from django.conf import settings


def collect_by(starts_at):
    """The moment an unpaid reservation for a show starting at `starts_at` is released if not paid."""
    return starts_at - timedelta(minutes=settings.RESERVATION_RELEASE_MINUTES)


def due_by(now):
    """The latest show start whose unpaid reservations are due for release at `now` (collect_by's inverse)."""
    return now + timedelta(minutes=settings.RESERVATION_RELEASE_MINUTES)


def reminder_due_by(now):
    """The latest show start whose unpaid reservations' customers are reminded at `now`: RESERVATION_REMINDER_HOURS
    before the collection deadline."""
    return due_by(now) + timedelta(hours=settings.RESERVATION_REMINDER_HOURS)
