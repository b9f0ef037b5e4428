"""Card attempts' abuse limits (card testing: trying stolen card numbers until one works), per account and per
address, on every path that takes a card: the web checkout's card form (web.views.pay_with_card, through
web.throttling) and orders to pay by card through the API (orders.views.OrderCreateView), whose PaymentIntent the
client then confirms with a card. Rates: settings.REST_FRAMEWORK (THROTTLE_CARD_USER, THROTTLE_CARD_IP). Per order,
declines are capped by orders.services (MAX_CARD_DECLINES_PER_ORDER)."""
from common.throttles import PerIPThrottle, PerUserThrottle


class CardUserThrottle(PerUserThrottle):
    scope = "card_user"


class CardIPThrottle(PerIPThrottle):
    scope = "card_ip"


CARD_THROTTLES = (CardUserThrottle, CardIPThrottle)
