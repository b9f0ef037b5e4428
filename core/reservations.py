"""Unpaid reservations (pay at the box office): when they must be collected."""
from datetime import timedelta

from django.conf import settings


def collect_by(starts_at):
    """The moment an unpaid reservation for a show starting at `starts_at` is released if not paid."""
    return starts_at - timedelta(minutes=settings.RESERVATION_RELEASE_MINUTES)
