"""The one place orders learn what a seat is and what it costs: the show's own seat rows (core.models.ShowSeat),
each with its label, category and price as set for that show, and the show's price of the seat's ticket type
(core.prices.seat_price)."""
from decimal import Decimal
from typing import NamedTuple

from core.models import Show, ShowSeat
from core.prices import seat_price
from venues.models import ADULT

CENT = Decimal("0.01")


class PricedSeat(NamedTuple):
    number: int
    label: str
    category: str
    price: Decimal
    ticket_type: str = ADULT

    @classmethod
    def of(cls, seat: ShowSeat, ticket_type: str = ADULT, prices: dict | None = None) -> "PricedSeat":
        """`seat` sold as `ticket_type`; `prices`: its show's (Show.prices), needed for a type other than Adult."""
        price = seat_price(seat, ticket_type, prices)
        return cls(seat.number, seat.label, seat.category, Decimal(price).quantize(CENT), ticket_type)

    def as_json(self) -> dict:
        return {"number": self.number, "label": self.label, "category": self.category, "price": str(self.price),
                "ticket_type": self.ticket_type}


def priced_seats(*, show: Show, seat_numbers: list[int]) -> list[PricedSeat]:
    """The seats `seat_numbers` of `show` that exist, in seat-number order, with label, category and price."""
    seats = ShowSeat.objects.filter(show=show, number__in=list(seat_numbers)).order_by("number")
    return [PricedSeat.of(seat) for seat in seats]
