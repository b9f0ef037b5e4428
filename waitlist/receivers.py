"""What the waiting list does when the seat sale announces something (connected in WaitlistConfig.ready())."""
from functools import partial

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from accounts.signals import account_deleted
from core.signals import seats_returned, show_cancelled
from waitlist import services


def _offer_after_commit(show_id: int) -> None:
    services.offer_returned_seats(show_id=show_id)


@receiver(seats_returned, dispatch_uid="waitlist.offer_returned_seats")
def offer_returned_seats(sender, *, show_id, **kwargs):
    """Seats came back: once that commits, the waiting list gets them first. After the commit, not in the
    transaction that freed them: offering takes the list's lock and the customer's before the seats' (the order
    every hold takes them in), and a failure here must not undo a cancel. `robust`: an error is logged, not
    raised at the customer whose cancel succeeded; the sweep (services.offer_sweep) offers the seats then."""
    transaction.on_commit(partial(_offer_after_commit, show_id), robust=True)


@receiver(show_cancelled, dispatch_uid="waitlist.close_cancelled_show")
def close_cancelled_show(sender, *, show, **kwargs):
    """The show's list closes with it, after the commit: the cancel holds every seat lock, and taking the list's
    lock under them would invert the order offers take them in (list, then seats)."""
    now = show.cancelled_at or timezone.now()
    transaction.on_commit(partial(services.close, show_id=show.pk, now=now), robust=True)


@receiver(account_deleted, dispatch_uid="waitlist.leave_deleted_accounts_lists")
def leave_deleted_accounts_lists(sender, *, user, **kwargs):
    """A deleted account leaves every list it is on (an anonymised account must not be offered seats). Sent after
    the account's transaction committed: each leave locks its list in a transaction of its own."""
    for entry_id in services.active_entry_ids(user=user):
        services.leave(user=user, entry_id=entry_id)
