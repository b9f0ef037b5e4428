"""Payment providers, by the name clients use in `payment_method`."""
from orders.errors import PaymentMethodUnavailable
from orders.payments.providers.base import PaymentProvider
from orders.payments.providers.box_office import BoxOfficeProvider
from orders.payments.providers.stripe import StripeProvider

PROVIDERS: dict[str, PaymentProvider] = {p.name: p for p in (BoxOfficeProvider(), StripeProvider())}


def get_provider(name: str, *, for_new_payment: bool = False) -> PaymentProvider:
    provider = PROVIDERS[name]
    if for_new_payment and not provider.is_available():
        raise PaymentMethodUnavailable()
    return provider
