"""The "from" price: the lowest price a person without special needs pays (core.selectors.from_price)."""
from decimal import Decimal
from types import SimpleNamespace

from core.selectors import from_price


def show(**prices):
    return SimpleNamespace(prices=prices)


def test_from_is_the_standard_seat_not_the_cheaper_companion_or_wheelchair_space():
    shows = [show(standard="12.50", premium="18.00", wheelchair="12.50", companion="6.00")]
    assert from_price(shows) == Decimal("12.50")


def test_the_lowest_standard_price_across_shows():
    assert from_price([show(standard="12.50"), show(standard="9.00", companion="4.00")]) == Decimal("9.00")


def test_a_show_without_standard_seats_offers_its_cheapest_category_open_to_everyone():
    assert from_price([show(premium="18.00", recliner="22.00", companion="6.00")]) == Decimal("18.00")


def test_no_prices_no_from():
    assert from_price([show(), show(companion="6.00")]) is None
    assert from_price([]) is None
