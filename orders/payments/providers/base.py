"""The payment provider interface (as pretix's BasePaymentProvider): one small class per way of paying.

The order services (orders.services) decide what an outcome means for the order; a provider only talks to the
outside world: start a payment, tell what became of it, give money back. An external SDK is imported only in its
provider's module.
"""
from decimal import Decimal
from typing import NamedTuple

# Stripe's zero-decimal currencies: amounts are sent in whole units for these, in cents for every other one.
ZERO_DECIMAL_CURRENCIES = frozenset(
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split()
)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """12.50 EUR -> 1250; 1200 JPY -> 1200. Exact: amounts are Decimals with two places."""
    exponent = 0 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 2
    return int((amount * (10 ** exponent)).to_integral_value())


class Outcome(NamedTuple):
    """What the provider says became of a payment."""

    state: str  # "succeeded", "failed" or "pending"
    amount_minor: int
    currency: str  # ISO 4217, upper case
    # Still pending because the customer must act in the browser (a card's 3D Secure check).
    action_required: bool = False


class PaymentProvider:
    name = ""
    # Whether the customer pays online (so the order waits for the provider's word) or at the counter.
    online = False
    # Whether the customer pays at the counter: the order is a reservation kept until it must be collected.
    paid_at_counter = False
    # Whether a refund is cash handed back at the counter by staff (orders.services.refund_paid_out) rather than
    # executed with the provider.
    refunds_at_counter = False

    def is_available(self) -> bool:
        return True

    def start_payment(self, payment) -> None:
        """Ask the provider to expect the payment; store what the client needs on `payment` (not saved here)."""

    def client_info(self, payment) -> dict:
        """The `payment` object of the order's JSON: what the client needs to pay."""
        return {}

    def fetch_outcome(self, payment) -> Outcome | None:
        """Ask the provider what became of the payment (None: nothing to ask)."""
        return None

    def create_customer(self, user) -> str:
        """Make the provider's customer record for `user` (online card providers); return its reference. Called
        once per account (orders.services.provider_customer)."""
        raise NotImplementedError

    def pay_with_card_token(self, payment, card_token: str, *, customer: str) -> None:
        """Pay with a card tokenised in the browser, saved on the account's `customer` (online card providers)."""
        raise NotImplementedError

    def stop_payment(self, payment) -> None:
        """Make the payment impossible at the provider (no card can pay it any more). Raise PaymentProviderError
        if the provider could not be told."""

    def execute_refund(self, refund) -> str:
        """Give `refund.amount` back; return the provider's reference. Raise PaymentProviderError on failure."""
        raise NotImplementedError
