"""The one place orders (and the direct booking path) learn what a seat is and what it costs.

INTERIM IMPLEMENTATION, until the auditoriums issue (#8) gives every show its own priced seat inventory: every
seat is labelled with its number, in category "standard", at the price of the SEAT_PRICE setting (default 0).
Replace the body of `priced_seats` with a read of the show's seat rows; nothing else needs to change.
"""
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings

from core.models import Show

CENT = Decimal("0.01")


class PricedSeat(NamedTuple):
    number: int
    label: str
    category: str
    price: Decimal

    def as_json(self) -> dict:
        return {"number": self.number, "label": self.label, "category": self.category, "price": str(self.price)}


def priced_seats(*, show: Show, seat_numbers: list[int]) -> list[PricedSeat]:
    """The seats `seat_numbers` of `show`, in the given order, with label, category and price."""
    price = Decimal(settings.SEAT_PRICE).quantize(CENT)  # INTERIM (see the module docstring)
    return [PricedSeat(number, str(number), "standard", price) for number in seat_numbers]
