"""The waiting list's errors (see common.errors)."""
from django.utils.translation import gettext_noop as _

from common.errors import DomainError, NotFound


class SeatsAvailable(DomainError):
    """Joining a waiting list while the show still has the seats asked for: buy them instead."""

    status_code = 409
    code = "seats_available"
    message = _("Seats are still on sale for this show: book them instead of joining the waiting list.")


class WaitlistClosed(DomainError):
    status_code = 409
    code = "waitlist_closed"
    message = _("The waiting list of this show is closed.")


class AlreadyOnWaitlist(DomainError):
    status_code = 409
    code = "already_on_waitlist"
    message = _("You are already on the waiting list of this show.")


class InvalidCategory(DomainError):
    status_code = 400
    code = "invalid_category"
    message = _("This show has no seats of that category.")


class EntryNotFound(NotFound):
    # Also for someone else's entry, so its existence is not revealed.
    message = _("Waiting list entry not found.")
