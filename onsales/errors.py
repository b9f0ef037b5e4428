"""The waiting room's domain errors (codes listed in common.error_codes)."""
from django.utils.translation import gettext_noop as _

from common.errors import DomainError


class QueueRequired(DomainError):
    """Holding or booking a seat of a gated show without a valid pass: join the on-sale's waiting room."""

    status_code = 429
    code = "queue_required"
    message = _("This show's seats are on sale through a waiting room: join the queue to get a pass.")

    def __init__(self, onsale_id: int):
        super().__init__(extra={"onsale": onsale_id, "queue_url": f"/onsales/{onsale_id}/queue/"})


class OnSaleClosed(DomainError):
    status_code = 409
    code = "onsale_closed"
    message = _("This on-sale's waiting room is closed: the shows sell without a queue.")


class NotInQueue(DomainError):
    status_code = 404
    code = "not_found"
    message = _("You are not in this on-sale's queue.")


class QueueUnavailable(DomainError):
    status_code = 503
    code = "queue_unavailable"
    message = _("The waiting room is temporarily unavailable, please retry.")


class ShowsAlreadyGated(DomainError):
    status_code = 400
    code = "invalid"
    message = _("Some shows are already in another enabled on-sale.")

    def __init__(self, show_ids):
        super().__init__(extra={"shows": sorted(show_ids)})


class ClosesBeforeOpening(DomainError):
    status_code = 400
    code = "invalid"
    message = _("`closes_at` must be after `opens_at`.")

    def __init__(self):
        super().__init__(extra={"closes_at": [self.message]})
