"""Give the seats of test shows a price (shows made by ShowFactory are the seed's form: every seat at 0)."""
from decimal import Decimal

from core.models import ShowSeat


def set_seat_prices(price: str, show=None) -> None:
    seats = ShowSeat.objects.all() if show is None else ShowSeat.objects.filter(show=show)
    seats.update(price=Decimal(price))
