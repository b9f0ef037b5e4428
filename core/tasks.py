"""Periodic seat-sale upkeep for the Celery worker (beat): remind of and release unpaid reservations."""
from celery import shared_task

from core.services import reservations


@shared_task
def unpaid_reservations_upkeep() -> list[int]:
    return list(reservations.unpaid_reservations_upkeep())
