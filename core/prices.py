"""A show's prices: seat category × ticket type, the one home of how they are written and read.

`Show.prices` holds, per seat category, either a bare price (the seed's and every older show's form: the Adult
price, the only type offered) or a table `{"adult": "12.50", "child": "8.00"}`; a type missing from a category is
not offered there. Every category has an Adult price: it is its seats' `ShowSeat.price` (decision 0044).
"""
from decimal import Decimal

from common.money import price_text
from core.errors import InvalidTicketType
from venues.models import ADULT


def price_table(prices: dict | None) -> dict[str, dict[str, Decimal]]:
    """{category: {ticket type: price}} of stored or given prices; a bare price is the Adult price."""
    return {category: {kind: Decimal(str(price)) for kind, price in
                       (entry.items() if isinstance(entry, dict) else [(ADULT, entry)]) if price is not None}
            for category, entry in (prices or {}).items()}


def stored_prices(table: dict[str, dict[str, Decimal]]) -> dict:
    """The form kept in Show.prices: a category that offers only Adult stays a bare price, as older shows have."""
    return {category: price_text(types[ADULT]) if set(types) == {ADULT}
            else {kind: price_text(price) for kind, price in types.items()}
            for category, types in table.items()}


def adult_prices(prices: dict | None) -> dict[str, Decimal]:
    """Each category's Adult price: its seats' price, what a seat held without a type costs."""
    return {category: types[ADULT] for category, types in price_table(prices).items() if ADULT in types}


def sells_types(table: dict[str, dict]) -> bool:
    """Whether a price table (price_table's form) sells anything but Adult: pages then name each seat's type."""
    return any(kind != ADULT for types in table.values() for kind in types)


def offers_types(prices: dict | None) -> bool:
    """Whether a show's prices sell anything but Adult (decision 0048)."""
    return sells_types(price_table(prices))


def category_prices(prices: dict | None, category: str) -> dict[str, str]:
    """The types offered in one category with their prices as decimal strings (the seat map's shape)."""
    return {kind: price_text(price) for kind, price in price_table(prices).get(category, {}).items()}


def seat_price(seat, ticket_type: str, prices: dict | None) -> Decimal:
    """What `seat` (a ShowSeat) costs as `ticket_type`: its own row's price for Adult (kept equal to the show's
    Adult price of its category by every price change), the show's table for the others."""
    if ticket_type == ADULT:
        return seat.price
    price = price_table(prices).get(seat.category, {}).get(ticket_type)
    if price is None:
        # Staff took the type off the show (in the admin) after the seat was held as it: refused, never a 500.
        raise InvalidTicketType(ticket_type, [seat.number])
    return price
