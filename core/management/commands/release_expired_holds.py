"""`manage.py release_expired_holds`: delete expired holds and idempotency keys past their lifetime.

Nothing depends on it running: expired holds already free their seats in every read and write, and old keys are
taken over when reused. It keeps the tables small; safe to run at any time (e.g. from cron every few minutes),
next to live traffic, because it deletes holds under each show's lock like every other seat-state change.
"""
from django.core.management.base import BaseCommand

from common.services.idempotency import idempotency_keys_purge
from core.services.holds import release_expired_holds


class Command(BaseCommand):
    help = "Delete expired seat holds and idempotency keys older than IDEMPOTENCY_KEY_TTL_HOURS."

    def handle(self, *args, **options):
        holds_deleted = release_expired_holds()
        keys_deleted = idempotency_keys_purge()
        self.stdout.write(f"Deleted {holds_deleted} expired hold(s) and {keys_deleted} expired idempotency key(s).")
