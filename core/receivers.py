"""What the seat sale does when the layers below announce something (connected in CoreConfig.ready())."""
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.signals import account_deleted
from common.httpcache import catalogue_changed
from core.errors import HoldNotFound
from core.models import Hold, Movie, Show
from core.services import holds
from venues.models import Cinema, Screen


@receiver(account_deleted, dispatch_uid="core.release_deleted_accounts_holds")
def release_deleted_accounts_holds(sender, *, user, **kwargs):
    """The seats a deleted account was holding are freed now rather than when its holds expire. Sent after the
    account's transaction committed: each release takes its show's locks in a transaction of its own."""
    for hold_id in Hold.objects.filter(user=user).order_by("pk").values_list("pk", flat=True):
        try:
            holds.hold_release(user=user, hold_id=hold_id)
        except HoldNotFound:
            pass  # released or expired and tidied meanwhile


# What the catalogue shows (titles, times, screens, cinemas, prices) changed: cached catalogue answers are out of
# date (common.httpcache). Model signals, not the services, so the admin's edits count too. Sales are not here:
# they change only `available_seats`, which the cache's short lifetime bounds (docs/decisions/0039). ShowSeat
# prices change in bulk (`update()`, no signal) only inside `show_update`, which saves the show as well.
def _connect_catalogue_invalidation():
    for model in (Movie, Show, Cinema, Screen):
        label = model._meta.label_lower
        post_save.connect(catalogue_changed, sender=model, dispatch_uid=f"core.catalogue_changed.save.{label}")
        post_delete.connect(catalogue_changed, sender=model, dispatch_uid=f"core.catalogue_changed.delete.{label}")


_connect_catalogue_invalidation()
