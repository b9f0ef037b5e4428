"""Money as the API writes it: exact decimal strings ("12.50"), in the installation's one currency."""
from decimal import Decimal

CENTS = Decimal("0.01")


def price_text(price) -> str:
    return str(Decimal(price).quantize(CENTS))
