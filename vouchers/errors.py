"""The errors of vouchers (see common.errors for the shape)."""
from django.utils.translation import gettext_noop as _

from common.errors import DomainError


class InvalidVoucher(DomainError):
    """The code cannot be used here; `reason` says why (stable, for programs)."""

    status_code = 400
    code = "invalid_voucher"
    UNKNOWN = "unknown"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    NOT_VALID_FOR_THESE_SEATS = "not_valid_for_these_seats"
    MESSAGES = {
        UNKNOWN: _("This promo code does not exist."),
        NOT_YET_VALID: _("This promo code is not valid yet."),
        EXPIRED: _("This promo code has expired."),
        NOT_VALID_FOR_THESE_SEATS: _("This promo code is not valid for these seats."),
    }
    message = MESSAGES[UNKNOWN]

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(self.MESSAGES[reason], extra={"reason": reason})


class VoucherUsedUp(DomainError):
    """Fewer uses are left than the seats it would discount (a use is a seat)."""

    status_code = 409
    code = "voucher_used_up"
    OVERALL = "overall"
    PER_ACCOUNT = "per_account"
    message = _("This promo code has only {uses_left} use(s) left.")

    def __init__(self, *, uses_left: int, limit: str):
        super().__init__(params={"uses_left": uses_left}, extra={"uses_left": uses_left, "limit": limit})


class VoucherCodeTaken(DomainError):
    status_code = 400
    code = "voucher_code_taken"
    message = _("A voucher with this code already exists (codes are case-insensitive).")
