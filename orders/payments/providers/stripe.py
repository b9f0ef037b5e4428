"""Card payments through Stripe (the official SDK, used only in this module).

Creating the order creates a PaymentIntent for the total (in the currency's minor unit, the order id in its
metadata, one Stripe idempotency key per payment, so a retried call never makes a second one). Stripe.js pays it
with the client_secret; the server learns the outcome from the webhook or a refresh, and in both cases re-fetches
the PaymentIntent rather than trusting what it was sent. STRIPE_API_BASE points the SDK at another
Stripe-compatible server (localstripe, in the tests).
"""
import logging

import stripe
from django.conf import settings

from common.parsers import json_loads
from orders.errors import InvalidWebhook, PaymentDeclined, PaymentProviderError
from orders.payments.providers.base import Outcome, PaymentProvider, to_minor_units

logger = logging.getLogger(__name__)

_STATES = {"succeeded": "succeeded", "canceled": "failed"}
# A signed event older than this is refused (replay protection), as Stripe's own libraries do.
WEBHOOK_TOLERANCE_SECONDS = 300
# An event's body: far deeper and longer than Stripe ever sends (about 10 levels), far shallower than the json
# module's recursion limit.
WEBHOOK_MAX_JSON_DEPTH = 64
WEBHOOK_MAX_LIST_ITEMS = 10_000


def _client() -> stripe.StripeClient:
    options = {}
    if settings.STRIPE_API_BASE:
        options["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
        max_network_retries=2,
        **options,
    )


class StripeProvider(PaymentProvider):
    name = "stripe"
    online = True

    def is_available(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY)

    def start_payment(self, payment) -> None:
        try:
            intent = _client().v1.payment_intents.create(
                params={
                    "amount": to_minor_units(payment.amount, payment.currency),
                    "currency": payment.currency.lower(),
                    "metadata": {"order_id": str(payment.order_id), "payment_id": str(payment.pk)},
                },
                options={"idempotency_key": f"ticketing-payment-{payment.pk}"},
            )
        except stripe.StripeError as exc:
            logger.warning("Stripe refused or did not answer creating the PaymentIntent of payment %s: %s",
                           payment.pk, type(exc).__name__)
            raise PaymentProviderError() from exc
        payment.provider_reference = intent.id
        payment.client_secret = intent.client_secret

    def client_info(self, payment) -> dict:
        return {
            "client_secret": payment.client_secret or None,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "payment_intent_id": payment.provider_reference,
        }

    def fetch_outcome(self, payment) -> Outcome | None:
        if not payment.provider_reference:
            return None
        try:
            intent = _client().v1.payment_intents.retrieve(payment.provider_reference)
        except stripe.StripeError as exc:
            logger.warning("Could not fetch PaymentIntent %s: %s", payment.provider_reference, type(exc).__name__)
            raise PaymentProviderError() from exc
        # Everything else (requires_payment_method after a decline, requires_action, processing) is still open:
        # the customer may try another card until the order expires.
        state = _STATES.get(intent.status, "pending")
        return Outcome(state, int(intent.amount), str(intent.currency).upper(),
                       action_required=intent.status == "requires_action")

    def create_customer(self, user) -> str:
        """One Stripe Customer per account (its id is stored: orders.models.ProviderCustomer). The idempotency key
        names the account, so two first attempts at the same moment get the same Customer."""
        try:
            customer = _client().v1.customers.create(
                params={"metadata": {"user_id": str(user.pk)}},
                options={"idempotency_key": f"ticketing-customer-{user.pk}-{int(user.date_joined.timestamp())}"})
        except stripe.StripeError as exc:
            logger.warning("Stripe refused or did not answer creating the customer of user %s: %s", user.pk,
                           type(exc).__name__)
            raise PaymentProviderError() from exc
        return customer.id

    def stop_payment(self, payment) -> None:
        if not payment.provider_reference:
            return
        try:
            _client().v1.payment_intents.cancel(payment.provider_reference,
                                               options={"idempotency_key": f"ticketing-stop-{payment.pk}"})
        except stripe.StripeError as exc:
            logger.warning("Stripe refused or did not answer cancelling PaymentIntent %s: %s",
                           payment.provider_reference, type(exc).__name__)
            raise PaymentProviderError() from exc

    def pay_with_card_token(self, payment, card_token: str, *, customer: str) -> None:
        """Pay the PaymentIntent with a card the browser tokenised with Stripe.js (`stripe.createToken`): the card
        details went from the browser to Stripe only; we receive a `tok_...`.

        The token's card is saved on the account's Stripe Customer (`customer`, made once per account), which is
        where Stripe checks the card
        (a card declined there, e.g. test card 4000000000000002, raises PaymentDeclined), then set on the
        PaymentIntent and confirmed server-side (Stripe's "finalize payments on the server"). A card that needs
        3D Secure leaves the PaymentIntent `requires_action`: the browser completes it with
        `stripe.confirmCardPayment(client_secret)`. Why not `confirmCardPayment(client_secret, {card})` alone: the
        Stripe-compatible server the tests run (localstripe) implements tokens and the 3D Secure step of Stripe.js,
        not confirming with card details; this path works with both. Idempotency keys per payment and token: a
        retried call never makes a second customer or charge.
        """
        client = _client()
        key = f"ticketing-payment-{payment.pk}-{card_token}"
        try:
            card = client.v1.customers.payment_sources.create(customer, params={"source": card_token},
                                                              options={"idempotency_key": f"{key}-card"})
            client.v1.payment_intents.update(
                payment.provider_reference,
                params={"customer": customer, "payment_method": card.id},
                options={"idempotency_key": f"{key}-method"})
            client.v1.payment_intents.confirm(payment.provider_reference, options={"idempotency_key": f"{key}-confirm"})
        except stripe.CardError as exc:
            logger.info("Card declined for payment %s: %s", payment.pk, getattr(exc, "code", None))
            raise PaymentDeclined() from exc
        except stripe.StripeError as exc:
            logger.warning("Stripe refused or did not answer paying payment %s with a card: %s", payment.pk,
                           type(exc).__name__)
            raise PaymentProviderError() from exc

    def execute_refund(self, refund) -> str:
        try:
            result = _client().v1.refunds.create(
                params={
                    "payment_intent": refund.payment.provider_reference,
                    "amount": to_minor_units(refund.amount, refund.currency),
                    "metadata": {"order_id": str(refund.order_id), "refund_id": str(refund.pk)},
                },
                options={"idempotency_key": f"ticketing-refund-{refund.pk}"},
            )
        except stripe.StripeError as exc:
            logger.warning("Stripe refused or did not answer refund %s: %s", refund.pk, type(exc).__name__)
            raise PaymentProviderError() from exc
        return result.id


def webhook_payment_intent_id(*, payload: bytes, signature: str | None) -> tuple[str, str] | None:
    """Verify the webhook's signature (STRIPE_WEBHOOK_SECRET) and return (event type, PaymentIntent id), or None
    for an event about something else. A missing or wrong signature raises InvalidWebhook."""
    if not signature or not settings.STRIPE_WEBHOOK_SECRET:
        raise InvalidWebhook()
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(text, signature, settings.STRIPE_WEBHOOK_SECRET,
                                              tolerance=WEBHOOK_TOLERANCE_SECONDS)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise InvalidWebhook() from exc
    # Parsed as every request body is (a 400 for what cannot be, never a RecursionError's 500), with room for
    # Stripe's own nesting (an event's objects go deeper than the API's request limit) and lists.
    event = json_loads(text, max_depth=WEBHOOK_MAX_JSON_DEPTH, max_items=WEBHOOK_MAX_LIST_ITEMS)
    # Signed, so from Stripe; still read defensively: only the type and the PaymentIntent's id are used.
    data = event.get("data") if isinstance(event, dict) else None
    obj = data.get("object") if isinstance(data, dict) else None
    kind = event.get("type") if isinstance(event, dict) else None
    intent_id = obj.get("id") if isinstance(obj, dict) else None
    if not isinstance(kind, str) or not kind.startswith("payment_intent.") or not isinstance(intent_id, str) \
            or not intent_id.startswith("pi_"):
        return None
    return kind, intent_id
