"""`manage.py offer_waitlist_seats`: offer the seats that came back to the waiting lists (what the worker does
every minute), for installations without the Celery worker; run it from cron."""
from django.core.management.base import BaseCommand

from waitlist.services import offer_sweep


class Command(BaseCommand):
    help = "Offer seats that came back (expired holds and orders) to the shows' waiting lists."

    def handle(self, *args, **options):
        self.stdout.write(f"Offers made: {offer_sweep()}")
