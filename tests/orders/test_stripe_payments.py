"""Stripe payments against a real Stripe-compatible server (localstripe, started by the test session), with its
webhooks delivered to the app running on a live server: the PaymentIntent, the signed webhook, re-fetching, the
edge cases (twice, out of order, after expiry, wrong amount, declined) and refunds."""
import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from core.models import Booking
from core.services.holds import hold_create
from orders.models import Order, Payment, Refund
from orders.services import order_create
from tests.concurrency_helpers import run_concurrently
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("priced_seats")]

WEBHOOK = "/payments/stripe/webhook/"
DECLINED_CARD = "4000000000000341"


def stripe_order(user, show, seats=(1, 2), now=None):
    hold = hold_create(user=user, show_id=show.pk, seat_numbers=list(seats), now=now)
    return order_create(user=user, hold_id=hold.pk, payment_method="stripe", now=now)


def intent_id(order) -> str:
    return Payment.objects.get(order=order, provider="stripe").provider_reference


def signed(event: dict, secret: str) -> tuple[bytes, str]:
    """A webhook body and its Stripe-Signature header, made as Stripe makes them."""
    payload = json.dumps(event).encode()
    timestamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={timestamp},v1={signature}"


def event_for(pi_id: str, kind: str = "payment_intent.succeeded") -> dict:
    return {"id": f"evt_{pi_id}_{kind}", "object": "event", "type": kind, "created": int(time.time()),
            "data": {"object": {"id": pi_id, "object": "payment_intent"}}}


def post_webhook(client, event: dict, secret: str):
    payload, header = signed(event, secret)
    return client.generic("POST", WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


def wait_for_status(order, status: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = Order.objects.get(pk=order.pk).status
        if current == status:
            return current
        time.sleep(0.1)
    return Order.objects.get(pk=order.pk).status


class TestPaymentIntent:
    def test_order_creates_a_payment_intent_for_the_total(self, stripe_server, auth_client, user, show):
        hold = hold_create(user=user, show_id=show.pk, seat_numbers=[1, 2])

        response = auth_client.post("/orders/", {"hold_id": hold.pk, "payment_method": "stripe"}, format="json")

        assert response.status_code == 201
        payment = response.json()["payment"]
        intent = stripe_server.client().v1.payment_intents.retrieve(payment["payment_intent_id"])
        assert (intent.amount, intent.currency) == (2500, "eur")
        assert intent.metadata["order_id"] == str(response.json()["id"])
        assert payment == {"status": "pending", "client_secret": intent.client_secret,
                           "publishable_key": stripe_server.publishable_key, "payment_intent_id": intent.id}

    def test_stripe_unreachable_is_502_and_the_hold_is_the_customers_again(self, stripe_settings, settings,
                                                                          auth_client, user, show):
        settings.STRIPE_API_BASE = "http://127.0.0.1:9"
        hold = hold_create(user=user, show_id=show.pk, seat_numbers=[1])

        response = auth_client.post("/orders/", {"hold_id": hold.pk, "payment_method": "stripe"}, format="json")

        assert response.status_code == 502
        assert response.json()["code"] == "payment_provider_error"
        assert Order.objects.get().status == "cancelled"
        retry = auth_client.post("/orders/", {"hold_id": hold.pk, "payment_method": "box_office"}, format="json")
        assert retry.status_code == 201


class TestWebhook:
    def test_the_whole_flow_through_a_signed_webhook(self, stripe_server, live_server, user, show):
        stripe_server.register_webhook(f"{live_server.url}{WEBHOOK}")
        order = stripe_order(user, show)

        stripe_server.pay(intent_id(order))

        assert wait_for_status(order, "paid") == "paid"
        assert set(Booking.objects.values_list("seat_number", "payment_status", "order_id")) == {
            (1, "paid", order.pk), (2, "paid", order.pk)}
        # The mail is sent after the webhook's transaction committed, a moment after the order shows paid.
        deadline = time.monotonic() + 10
        while not mail.outbox and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [m.subject.startswith("Your tickets") for m in mail.outbox] == [True]

    @pytest.mark.parametrize("header", [None, "t=1,v1=0000", "garbage"])
    def test_missing_or_wrong_signature_is_400_and_changes_nothing(self, stripe_server, api_client, user, show,
                                                                   header):
        order = stripe_order(user, show)
        stripe_server.pay(intent_id(order))
        extra = {"HTTP_STRIPE_SIGNATURE": header} if header else {}

        response = api_client.generic("POST", WEBHOOK, json.dumps(event_for(intent_id(order))),
                                      content_type="application/json", **extra)

        assert response.status_code == 400
        assert response.json()["code"] == "invalid_signature"
        assert Order.objects.get().status == "pending"

    def test_a_signed_event_is_a_trigger_not_the_truth(self, stripe_server, api_client, user, show):
        # A correctly signed "succeeded" for an intent nobody paid: the server asks Stripe, which says otherwise.
        order = stripe_order(user, show)

        assert post_webhook(api_client, event_for(intent_id(order)), stripe_server.webhook_secret).status_code == 200

        assert Order.objects.get().status == "pending"

    def test_the_same_event_twice_pays_once(self, stripe_server, api_client, user, show):
        order = stripe_order(user, show)
        stripe_server.pay(intent_id(order))
        event = event_for(intent_id(order))

        for _ in range(2):
            assert post_webhook(api_client, event, stripe_server.webhook_secret).status_code == 200

        assert Order.objects.get().status == "paid"
        assert Booking.objects.count() == 2
        assert Payment.objects.get(order=order).state == "confirmed"
        assert len(mail.outbox) == 1

    def test_events_out_of_order_leave_it_paid(self, stripe_server, api_client, user, show):
        order = stripe_order(user, show)
        stripe_server.pay(intent_id(order))
        post_webhook(api_client, event_for(intent_id(order)), stripe_server.webhook_secret)

        late = event_for(intent_id(order), "payment_intent.payment_failed")
        assert post_webhook(api_client, late, stripe_server.webhook_secret).status_code == 200

        assert Order.objects.get().status == "paid"

    def test_events_about_other_things_are_acknowledged_and_ignored(self, stripe_server, api_client):
        event = {"id": "evt_1", "object": "event", "type": "customer.created", "created": int(time.time()),
                 "data": {"object": {"id": "cus_1", "object": "customer"}}}
        assert post_webhook(api_client, event, stripe_server.webhook_secret).status_code == 200
        unknown = event_for("pi_unknown")
        assert post_webhook(api_client, unknown, stripe_server.webhook_secret).status_code == 200


class TestEdgeCases:
    def test_a_declined_card_leaves_the_order_pending(self, stripe_server, auth_client, user, show):
        import stripe

        order = stripe_order(user, show)
        with pytest.raises(stripe.CardError):
            stripe_server.pay(intent_id(order), card=DECLINED_CARD)

        body = auth_client.post(f"/orders/{order.pk}/payment/refresh/").json()

        assert body["status"] == "pending"
        assert not Booking.objects.exists()

    def test_refresh_learns_the_outcome_without_a_webhook(self, stripe_server, auth_client, user, show):
        order = stripe_order(user, show)
        stripe_server.pay(intent_id(order))

        body = auth_client.post(f"/orders/{order.pk}/payment/refresh/").json()

        assert body["status"] == "paid"
        assert body["payment"]["status"] == "confirmed"

    def test_paid_after_expiry_with_the_seats_still_free_is_paid(self, stripe_server, auth_client, user, show):
        order = stripe_order(user, show, now=timezone.now() - timedelta(minutes=20))
        stripe_server.pay(intent_id(order))

        assert auth_client.post(f"/orders/{order.pk}/payment/refresh/").json()["status"] == "paid"
        assert Booking.objects.filter(order=order, status="booked").count() == 2

    def test_paid_after_expiry_with_a_seat_sold_is_refunded_and_stays_expired(self, stripe_server, auth_client,
                                                                            user, other_user, show):
        order = stripe_order(user, show, now=timezone.now() - timedelta(minutes=20))
        assert client_for(other_user).post(f"/shows/{show.pk}/book/", {"seat_number": 2},
                                           format="json").status_code == 201
        stripe_server.pay(intent_id(order))

        body = auth_client.post(f"/orders/{order.pk}/payment/refresh/").json()

        assert body["status"] == "expired"
        assert body["refunded"] == "25.00"
        assert not Booking.objects.filter(order=order).exists()
        refund = Refund.objects.get()
        assert (refund.state, refund.reason) == ("done", "paid_after_expiry")
        refunds = stripe_server.client().v1.refunds.list(params={"payment_intent": intent_id(order)})
        assert [r.amount for r in refunds.data] == [2500]

    def test_an_amount_that_does_not_match_is_not_paid_and_logged(self, stripe_server, auth_client, user, show,
                                                                 caplog):
        order = stripe_order(user, show)
        # The order expects another amount than the PaymentIntent was made for (as if one of them was tampered).
        Payment.objects.filter(order=order).update(amount=Decimal("1.00"))
        stripe_server.pay(intent_id(order))

        with caplog.at_level(logging.WARNING, logger="orders.services"):
            body = auth_client.post(f"/orders/{order.pk}/payment/refresh/").json()

        assert body["status"] == "pending"
        assert any("not paid" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


class TestRefunds:
    def test_cancel_a_paid_order_refunds_it_in_stripe_and_mails(self, stripe_server, auth_client, user, show):
        order = stripe_order(user, show)
        stripe_server.pay(intent_id(order))
        auth_client.post(f"/orders/{order.pk}/payment/refresh/")

        body = auth_client.post(f"/orders/{order.pk}/cancel/").json()

        assert (body["status"], body["refunded"]) == ("cancelled", "25.00")
        refund = Refund.objects.get()
        assert refund.state == "done" and refund.provider_reference.startswith("re_")
        stripe_refund = stripe_server.client().v1.refunds.retrieve(refund.provider_reference)
        assert (stripe_refund.amount, stripe_refund.status) == (2500, "succeeded")
        assert [m.subject.split(":")[0] for m in mail.outbox] == ["Your tickets", f"Order #{order.pk} cancelled"]

    def test_one_seat_cancelled_refunds_its_price(self, stripe_server, auth_client, user, show):
        order = stripe_order(user, show)
        stripe_server.pay(intent_id(order))
        auth_client.post(f"/orders/{order.pk}/payment/refresh/")

        auth_client.post(f"/bookings/{Booking.objects.get(seat_number=1).pk}/cancel/")

        refund = Refund.objects.get()
        assert stripe_server.client().v1.refunds.retrieve(refund.provider_reference).amount == 1250

    def test_a_refund_stripe_could_not_take_is_retried(self, stripe_server, settings, auth_client, user, show):
        from orders.services import process_refunds

        order = stripe_order(user, show)
        stripe_server.pay(intent_id(order))
        auth_client.post(f"/orders/{order.pk}/payment/refresh/")
        settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # Stripe unreachable while cancelling

        assert auth_client.post(f"/orders/{order.pk}/cancel/").status_code == 200
        assert Refund.objects.get().state == "pending"

        settings.STRIPE_API_BASE = stripe_server.url
        assert process_refunds() == 1
        assert Refund.objects.get().state == "done"
        assert len(stripe_server.client().v1.refunds.list(params={"payment_intent": intent_id(order)}).data) == 1


@pytest.mark.postgres_only
class TestRaces:
    def test_the_same_webhook_twice_at_the_same_moment_pays_once(self, stripe_server, user, show):
        order = stripe_order(user, show)
        stripe_server.pay(intent_id(order))
        event = event_for(intent_id(order))

        outcome = run_concurrently([lambda: post_webhook(client_for(), event, stripe_server.webhook_secret)
                                    .status_code for _ in range(4)])

        assert not outcome.errors
        assert outcome.counts == {200: 4}
        assert Booking.objects.filter(order=order, status="booked").count() == 2
        assert Payment.objects.get(order=order).state == "confirmed"
        assert not Refund.objects.exists()

    @pytest.mark.parametrize("trial", range(3))
    def test_webhook_racing_expiry_and_another_buyer(self, stripe_server, user, show, trial):
        from orders.services import expire_orders

        order = stripe_order(user, show, seats=[1], now=timezone.now() - timedelta(minutes=15, seconds=-1))
        stripe_server.pay(intent_id(order))
        rival = UserFactory()
        event = event_for(intent_id(order))

        def expire():
            expire_orders()
            return 0

        outcome = run_concurrently([
            lambda: post_webhook(client_for(), event, stripe_server.webhook_secret).status_code,
            lambda: client_for(rival).post(f"/shows/{show.pk}/book/", {"seat_number": 1}, format="json").status_code,
            expire,
        ])

        assert not outcome.errors
        assert not [s for s in outcome.statuses if s >= 500]
        order.refresh_from_db()
        active = list(Booking.objects.filter(show=show, seat_number=1, status="booked"))
        assert len(active) == 1  # the seat is sold exactly once
        if active[0].order_id == order.pk:
            assert order.status == "paid" and not Refund.objects.exists()
        else:
            assert order.status == "expired"
            assert Refund.objects.get().state == "done"
