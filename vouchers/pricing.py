"""The price rules of vouchers, their one home (decision 0046).

- fixed_price: the seat costs min(its price, value): a code never raises a price;
- amount_off: max(0, price − value);
- percent_off (0 < value ≤ 100): price × (100 − value) / 100, rounded half-up to cents.

Only the seats in the voucher's scope are discounted.
"""
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def discounted_price(*, kind: str, value: Decimal, price: Decimal) -> Decimal:
    """What a seat of `price` costs with a voucher of `kind` and `value` (never more than `price`, never below 0)."""
    from vouchers.models import Voucher

    price = Decimal(price)
    value = Decimal(value)
    if kind == Voucher.Kind.FIXED_PRICE:
        result = min(price, value)
    elif kind == Voucher.Kind.AMOUNT_OFF:
        result = price - value
    elif kind == Voucher.Kind.PERCENT_OFF:
        result = (price * (Decimal(100) - value) / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        raise ValueError(f"unknown voucher kind {kind!r}")
    return max(ZERO, min(price, result)).quantize(CENT, rounding=ROUND_HALF_UP)


def seat_in_scope(voucher, *, show, ticket_type: str, scopes: dict) -> bool:
    """Whether a seat of `show` sold as `ticket_type` is in the voucher's scope. `scopes`: voucher_scopes()."""
    cinema_id = show.screen.cinema_id if show.screen_id else None
    return ((not scopes["cinemas"] or cinema_id in scopes["cinemas"])
            and (not scopes["movies"] or show.movie_id in scopes["movies"])
            and (not scopes["shows"] or show.pk in scopes["shows"])
            and (not voucher.ticket_types or ticket_type in voucher.ticket_types))


def voucher_scopes(voucher) -> dict[str, set[int]]:
    return {"cinemas": set(voucher.cinemas.values_list("pk", flat=True)),
            "movies": set(voucher.movies.values_list("pk", flat=True)),
            "shows": set(voucher.shows.values_list("pk", flat=True))}
