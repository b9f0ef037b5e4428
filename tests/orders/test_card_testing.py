"""No card testing: card attempts are limited per order (MAX_CARD_DECLINES_PER_ORDER declines, then no more cards,
the PaymentIntent cancelled at Stripe), per account and per address (throttles card_user and card_ip) on the web
checkout's card form and on the API's orders to pay by card; one Stripe Customer per account, not per attempt.
Against localstripe (tests/outside_parts.py)."""
import pytest
from django.test import Client
from django.urls import reverse

from core.services import holds
from orders.errors import CardAttemptsExhausted
from orders.models import Order, Payment, ProviderCustomer
from orders.services import order_create
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("priced_seats")]

DECLINED = "4000000000000002"  # refused when the card is checked
GOOD = "4242424242424242"


def card_token(stripe_server, number: str) -> str:
    """What Stripe.js's createToken does in the browser."""
    return stripe_server.client().v1.tokens.create(params={"card": {
        "number": number, "exp_month": "12", "exp_year": "2034", "cvc": "123"}}).id


def card_order(user, show, seats):
    hold = holds.hold_create(user=user, show_id=show.pk, seat_numbers=list(seats))
    return order_create(user=user, hold_id=hold.pk, payment_method="stripe")


def pay(client, order, token):
    return client.post(reverse("web:pay_with_card", args=[order.pk]), {"card_token": token}, follow=True)


def intent(stripe_server, order):
    return stripe_server.client().v1.payment_intents.retrieve(
        Payment.objects.get(order=order, provider="stripe").provider_reference)


def test_after_n_declines_the_order_takes_no_more_cards_not_even_through_stripe_js(stripe_server, settings, user,
                                                                                     user_client, show):
    settings.MAX_CARD_DECLINES_PER_ORDER = 3
    order = card_order(user, show, [1, 2])
    for _ in range(3):
        assert "Your card was declined" in pay(user_client, order, card_token(stripe_server, DECLINED)).content.decode()
    assert Order.objects.get(pk=order.pk).card_declines == 3

    # Even a good card is refused now, without asking Stripe, and the PaymentIntent is cancelled there.
    response = pay(user_client, order, card_token(stripe_server, GOOD))

    assert CardAttemptsExhausted.message in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == "pending" and Order.objects.get(pk=order.pk).card_declines == 3
    assert intent(stripe_server, order).status == "canceled"


def test_one_stripe_customer_per_account_not_per_attempt(stripe_server, user, user_client, show):
    before = len(stripe_server.client().v1.customers.list(params={"limit": 100}).data)
    first, second = card_order(user, show, [1]), card_order(user, show, [2])
    pay(user_client, first, card_token(stripe_server, DECLINED))
    pay(user_client, first, card_token(stripe_server, GOOD))
    pay(user_client, second, card_token(stripe_server, GOOD))

    customers = stripe_server.client().v1.customers.list(params={"limit": 100}).data
    assert len(customers) == before + 1
    [stored] = ProviderCustomer.objects.filter(user=user)
    assert stored.provider == "stripe" and stored.reference in {customer.id for customer in customers}
    assert {intent(stripe_server, o).customer for o in (first, second)} == {stored.reference}
    assert Order.objects.get(pk=second.pk).status == "paid"


def test_the_web_card_form_is_limited_per_account(stripe_server, rates, user, user_client, show):
    rates("card_user", "2/min")
    order = card_order(user, show, [1, 2])
    assert [pay(user_client, order, card_token(stripe_server, DECLINED)).status_code for _ in range(2)] == [200, 200]

    response = user_client.post(reverse("web:pay_with_card", args=[order.pk]),
                                {"card_token": card_token(stripe_server, GOOD)})

    assert response.status_code == 429 and "Retry-After" in response
    assert Order.objects.get(pk=order.pk).status == "pending"


def test_the_web_card_form_is_limited_per_address_across_accounts(stripe_server, rates, show):
    rates("card_ip", "2/min")
    statuses = []
    for seat in (1, 2, 3):
        user = UserFactory()
        client = Client()
        client.force_login(user)
        statuses.append(client.post(reverse("web:pay_with_card", args=[card_order(user, show, [seat]).pk]),
                                    {"card_token": card_token(stripe_server, DECLINED)}).status_code)
    assert statuses == [302, 302, 429]


def test_api_orders_to_pay_by_card_are_card_attempts_box_office_ones_are_not(stripe_server, rates, user, show):
    rates("card_user", "1/min")
    client = client_for(user)
    holds_ = [holds.hold_create(user=user, show_id=show.pk, seat_numbers=[n]) for n in (1, 2, 3)]

    first = client.post("/orders/", {"hold_id": holds_[0].pk, "payment_method": "stripe"}, format="json")
    second = client.post("/orders/", {"hold_id": holds_[1].pk, "payment_method": "stripe"}, format="json")
    at_counter = client.post("/orders/", {"hold_id": holds_[2].pk, "payment_method": "box_office"}, format="json")

    assert (first.status_code, second.status_code, at_counter.status_code) == (201, 429, 201)
    assert second.json()["code"] == "throttled"
