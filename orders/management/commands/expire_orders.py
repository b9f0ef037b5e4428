"""Record `expired` on pending orders whose payment window closed (their seats are already free), and retry
refunds the payment provider could not take yet. Safe at any time, e.g. from cron; the Celery worker's beat runs
the same every minute."""
from django.core.management.base import BaseCommand

from orders.services import expire_orders, process_refunds


class Command(BaseCommand):
    help = "Mark overdue pending orders expired and retry pending refunds."

    def handle(self, *args, **options):
        expired = expire_orders()
        refunded = process_refunds()
        self.stdout.write(f"{expired} order(s) expired, {refunded} pending refund(s) executed.")
