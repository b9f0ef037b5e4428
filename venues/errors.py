"""The errors of cinemas, screens and seat layouts (see common.errors for the shape)."""
from django.utils.translation import gettext_noop as _

from common.errors import DomainError, NotFound


class ScreenNotFound(NotFound):
    message = _("Screen not found.")


class CinemaNotFound(NotFound):
    message = _("Cinema not found.")


class InvalidLayout(DomainError):
    """A screen layout that cannot be used; the message names the row and seat at fault."""

    status_code = 400
    code = "invalid"
    message = _("Invalid input.")

    def __init__(self, reason: str):
        super().__init__(extra={"layout": [reason]})


class ScreenNameTaken(DomainError):
    status_code = 400
    code = "screen_name_taken"
    message = _("This cinema already has a screen with that name.")


class TicketTypeCodeTaken(DomainError):
    status_code = 400
    code = "ticket_type_code_taken"
    message = _("This cinema already has a ticket type with that code.")
