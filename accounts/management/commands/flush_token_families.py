"""Delete refresh-token families whose login has expired: they can no longer refresh anything, and access tokens
of theirs have expired too (an access token never outlives its login). Run daily, like flushexpiredtokens."""
from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.models import RefreshFamily


class Command(BaseCommand):
    help = "Delete refresh-token families whose login has expired."

    def handle(self, *args, **options):
        deleted, _ = RefreshFamily.objects.filter(expires_at__lt=timezone.now()).delete()
        self.stdout.write(f"Deleted {deleted} expired token families.")
