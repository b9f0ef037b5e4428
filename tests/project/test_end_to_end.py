"""The whole sale, through the API, with every outside part real: localstripe (Stripe) confirming the
PaymentIntent and sending its signed webhook to the app on a live server, a Celery worker on Redis sending the
mail to an SMTP server, and the QR code in that mail scanned at the door."""
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import Booking
from orders.models import Order, Refund
from tests.conftest import client_for
from tests.factories import ShowFactory, StaffFactory, UserFactory
from tests.notifications.test_mail import qr_codes_in
from tests.seat_prices import set_seat_prices

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_hold_order_pay_webhook_mail_checkin_cancel_refund(stripe_settings, live_server, celery_worker_process,
                                                          smtp_server, movie, settings):
    stripe = stripe_settings
    stripe.register_webhook(f"{live_server.url}/payments/stripe/webhook/")
    show = ShowFactory(movie=movie, date_time=timezone.now() + timedelta(minutes=30))
    set_seat_prices("12.50", show)
    customer, usher = UserFactory(), StaffFactory()
    api = client_for(customer)

    hold = api.post(f"/shows/{show.pk}/hold/", {"seat_numbers": [1, 2]}, format="json").json()
    order = api.post("/orders/", {"hold_id": hold["id"], "payment_method": "stripe"}, format="json").json()
    assert (order["status"], order["total"]) == ("pending", "25.00")

    # The customer's browser (Stripe.js) confirms the PaymentIntent; Stripe tells the app by a signed webhook.
    stripe.pay(order["payment"]["payment_intent_id"])
    assert wait_until(lambda: Order.objects.get(pk=order["id"]).status == "paid")
    assert api.get(f"/orders/{order['id']}/").json()["status"] == "paid"

    # The worker mails the tickets; each QR code in the mail decodes to a ticket code.
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == customer.email
    codes = dict(Booking.objects.filter(order_id=order["id"]).values_list("seat_number", "ticket_code"))
    assert sorted(qr_codes_in(mail).values()) == sorted(codes.values())

    # At the door: the code from the mail admits once.
    scanned = qr_codes_in(mail)[f"qr-{codes[1]}"]
    assert client_for(usher).post("/checkin/", {"code": scanned, "show_id": show.pk}, format="json").status_code == 200
    again = client_for(usher).post("/checkin/", {"code": scanned}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "already_checked_in")

    # The other seat is cancelled: its price is refunded in Stripe and a cancellation mail follows.
    seat_two = Booking.objects.get(order_id=order["id"], seat_number=2)
    assert api.post(f"/bookings/{seat_two.pk}/cancel/").status_code == 200
    assert wait_until(lambda: Refund.objects.filter(state="done").exists())
    refund = Refund.objects.get()
    assert stripe.client().v1.refunds.retrieve(refund.provider_reference).amount == 1250
    mails = smtp_server.wait_for(2)
    assert mails[1]["Subject"].startswith("Cancelled")
