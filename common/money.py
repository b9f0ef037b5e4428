"""Money: exact decimal strings for the API ("12.50"), and amounts as people read them in their language ("12,50 €").

One currency per installation (settings.CURRENCY). Every app formats money through here: the API's shapes, the web
pages' template filter (web.templatetags.web_tags.money) and the e-mails (notifications).
"""
from decimal import Decimal

from babel.numbers import format_currency
from django.conf import settings
from django.utils.translation import get_language, to_locale

CENTS = Decimal("0.01")


def price_text(price) -> str:
    return str(Decimal(price).quantize(CENTS))


def currency() -> str:
    return settings.CURRENCY


def money_text(amount) -> str:
    """12.5 → "€12.50" (en), "12,50 €" (es), "€12.50" (hi): Unicode CLDR's rules for the active language."""
    if amount is None or amount == "":
        return ""
    return format_currency(Decimal(str(amount)), currency(), locale=to_locale(get_language() or "en"))
