"""The one place orders learn what a seat is and what it costs: the show's own seat rows (core.models.ShowSeat),
each with its label, category and price as set for that show."""
from decimal import Decimal
from typing import NamedTuple

from core.models import Show, ShowSeat

CENT = Decimal("0.01")


class PricedSeat(NamedTuple):
    number: int
    label: str
    category: str
    price: Decimal

    @classmethod
    def of(cls, seat: ShowSeat) -> "PricedSeat":
        return cls(seat.number, seat.label, seat.category, Decimal(seat.price).quantize(CENT))

    def as_json(self) -> dict:
        return {"number": self.number, "label": self.label, "category": self.category, "price": str(self.price)}


def priced_seats(*, show: Show, seat_numbers: list[int]) -> list[PricedSeat]:
    """The seats `seat_numbers` of `show` that exist, in seat-number order, with label, category and price."""
    seats = ShowSeat.objects.filter(show=show, number__in=list(seat_numbers)).order_by("number")
    return [PricedSeat.of(seat) for seat in seats]
