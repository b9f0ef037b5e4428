"""Periodic waiting-list upkeep for the Celery worker (beat): offer seats that came back without an event."""
from celery import shared_task

from waitlist import services


@shared_task
def offer_sweep() -> int:
    return services.offer_sweep()
