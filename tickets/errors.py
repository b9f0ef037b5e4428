"""The errors of e-tickets and check-in (see common.errors for the shape)."""
from django.utils.translation import gettext_noop as _

from common.errors import DomainError, NotFound
from core.errors import PaymentRequired


class TicketNotFound(NotFound):
    message = _("Unknown ticket code.")


class AlreadyCheckedIn(DomainError):
    status_code = 409
    code = "already_checked_in"
    message = _("This ticket was already checked in.")

    def __init__(self, checked_in_at: str):
        super().__init__(extra={"checked_in_at": checked_in_at})


class TicketCancelled(DomainError):
    status_code = 409
    code = "ticket_cancelled"
    message = _("This ticket was cancelled or refunded and admits nobody.")


class WrongShow(DomainError):
    status_code = 409
    code = "wrong_show"
    message = _("This ticket is for another show.")

    def __init__(self, ticket_show_id: int):
        super().__init__(extra={"ticket_show_id": ticket_show_id})


class CheckinNotOpen(DomainError):
    status_code = 409
    code = "checkin_not_open"
    message = _("Check-in for this show has not opened yet.")

    def __init__(self, opens_at: str):
        super().__init__(extra={"opens_at": opens_at})


class CheckedInCannotCancel(DomainError):
    status_code = 409
    code = "already_checked_in"
    message = _("A ticket that was checked in cannot be cancelled.")


class TicketPaymentRequired(PaymentRequired):
    message = _("This ticket has not been paid yet: it admits once it is marked paid at the box office.")
