"""`manage.py release_unpaid_reservations`: what the Celery beat does every minute (core.tasks), for cron."""
from django.core.management.base import BaseCommand

from core.services.reservations import unpaid_reservations_upkeep


class Command(BaseCommand):
    help = "Remind customers of unpaid reservations due soon; release those past RESERVATION_RELEASE_MINUTES."

    def handle(self, *args, **options):
        reminded, released = unpaid_reservations_upkeep()
        self.stdout.write(f"Reminded {reminded} and released {released} unpaid reservation(s).")
