"""What the seat sale does when the layers below announce something (connected in CoreConfig.ready())."""
from django.dispatch import receiver

from accounts.signals import account_deleted
from core.errors import HoldNotFound
from core.models import Hold
from core.services import holds


@receiver(account_deleted, dispatch_uid="core.release_deleted_accounts_holds")
def release_deleted_accounts_holds(sender, *, user, **kwargs):
    """The seats a deleted account was holding are freed now rather than when its holds expire. Sent after the
    account's transaction committed: each release takes its show's locks in a transaction of its own."""
    for hold_id in Hold.objects.filter(user=user).order_by("pk").values_list("pk", flat=True):
        try:
            holds.hold_release(user=user, hold_id=hold_id)
        except HoldNotFound:
            pass  # released or expired and tidied meanwhile
