"""The Celery app: a worker (`celery -A ticketing_system worker`) sends the outbox's e-mails.

Broker: CELERY_BROKER_URL, by default REDIS_URL. Without a broker (`make run`) nothing here runs: the web process
sends each mail itself once its transaction commits (notifications.services).
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketing_system.settings")

app = Celery("ticketing_system")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Every few minutes the worker re-enqueues outbox rows still pending (their enqueue failed while Redis was down,
# or the web process died between commit and enqueue), so an acknowledged mail is never lost.
app.conf.beat_schedule = {
    "send-pending-mail": {"task": "notifications.tasks.send_pending_mail", "schedule": 300.0},
    "expire-orders": {"task": "orders.tasks.expire_orders", "schedule": 60.0},
    "process-refunds": {"task": "orders.tasks.process_refunds", "schedule": 300.0},
    # Unpaid reservations: remind, then release at the collection deadline (core.services.reservations).
    "unpaid-reservations": {"task": "core.tasks.unpaid_reservations_upkeep", "schedule": 60.0},
    # Seats of holds and unpaid orders that ran out come back without an event: offered to the waiting lists.
    "offer-waitlist-seats": {"task": "waitlist.tasks.offer_sweep", "schedule": 60.0},
}
