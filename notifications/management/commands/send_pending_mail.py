"""Send every outbox message still pending, in this process (no worker needed). `--failed` first puts the
messages the worker gave up on back to pending."""
from django.core.management.base import BaseCommand

from notifications import sending
from notifications.models import OutboxMessage


class Command(BaseCommand):
    help = "Send the outbox's pending e-mails now."

    def add_arguments(self, parser):
        parser.add_argument("--failed", action="store_true", help="also retry messages that were given up on")

    def handle(self, *args, failed=False, **options):
        if failed:
            OutboxMessage.objects.filter(state=OutboxMessage.State.FAILED).update(state=OutboxMessage.State.PENDING)
        sent = errors = 0
        for key in OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING).values_list("dedupe_key",
                                                                                                 flat=True):
            try:
                sending.deliver(key)
                sent += 1
            except Exception as exc:  # one unreachable recipient or server must not stop the others
                errors += 1
                self.stderr.write(f"{key}: {type(exc).__name__}")
        self.stdout.write(f"{sent} sent, {errors} failed.")
