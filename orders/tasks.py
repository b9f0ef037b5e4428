"""Periodic order upkeep for the Celery worker (beat): record expired orders, retry refunds that failed."""
from celery import shared_task

from orders import services


@shared_task
def expire_orders() -> int:
    return services.expire_orders()


@shared_task
def process_refunds() -> int:
    return services.process_refunds()
