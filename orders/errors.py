"""The errors of orders and payments (see common.errors for the shape)."""
from django.utils.translation import gettext_noop as _

from common.errors import DomainError, NotFound


class OrderNotFound(NotFound):
    # Also raised for someone else's order, so its existence is not revealed.
    message = _("Order not found.")


class PaymentMethodUnavailable(DomainError):
    status_code = 400
    code = "payment_method_unavailable"
    message = _("This payment method is not available: the server has no Stripe key configured.")


class AlreadyPaid(DomainError):
    status_code = 409
    code = "already_paid"
    message = _("This order is already paid.")


class OrderNotPending(DomainError):
    """Marking paid (or refreshing the payment of) an order that was cancelled."""

    status_code = 409
    code = "order_not_pending"
    message = _("This order is no longer waiting for payment.")


class OrderNotCancellable(DomainError):
    status_code = 409
    code = "order_not_cancellable"
    message = _("This order is already cancelled or expired.")


class OrderNotPaid(DomainError):
    status_code = 409
    code = "order_not_paid"
    message = _("This order is not paid: its tickets are issued once it is.")


class PaymentProviderError(DomainError):
    status_code = 502
    code = "payment_provider_error"
    message = _("The payment provider could not be reached or refused the request; nothing was charged. Retry.")


class PaymentDeclined(DomainError):
    """The card was declined. The order is still pending (its seats kept until it expires): the customer may try
    another card, as after a decline in Stripe.js."""

    status_code = 402
    code = "payment_declined"
    message = _("Your card was declined; nothing was charged. Try another card before the order expires.")


class CardAttemptsExhausted(DomainError):
    """The order had MAX_CARD_DECLINES_PER_ORDER cards declined: it accepts no more (card testing)."""

    status_code = 409
    code = "card_attempts_exhausted"
    message = _("Too many cards were declined for this order; it accepts no more card payments. Pay at the box "
                "office, or cancel it and choose your seats again.")


class InvalidWebhook(DomainError):
    status_code = 400
    code = "invalid_signature"
    message = _("Missing or invalid webhook signature.")


class RefundAboveLimit(DomainError):
    """A counter refund above BOX_OFFICE_REFUND_LIMIT: the cashier's role may not, a manager may (so 403, the
    answer to "not your job", rather than a conflict the same caller could resolve)."""

    status_code = 403
    code = "refund_above_limit"
    message = _("Refunds above {limit} at the counter need a manager.")

    def __init__(self, limit):
        super().__init__(params={"limit": limit}, extra={"limit": str(limit)})


class BuyerEmailInvalid(DomainError):
    """The address a counter sale's tickets are to go to is not an e-mail address (or longer than one can be)."""

    code = "invalid"
    message = _("That e-mail address does not look right.")

    def __init__(self):
        super().__init__(extra={"email": [str(self.message)]})


class RefundNotToPayOut(DomainError):
    """Staff marked a refund paid out at the counter that is not cash waiting there (already paid out, or a card
    refund)."""

    status_code = 409
    code = "refund_not_to_pay_out"
    message = _("This refund is not cash waiting to be paid out at the counter.")
