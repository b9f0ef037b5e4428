"""Paying, tickets and refunds in the moviegoer's pages (Django's test client): the pages go through the orders
service the API uses, show only the user's own orders and PDFs, and need CSRF. The card tests pay against
localstripe with a token made as Stripe.js makes it (tests/web/e2e does the same in Chromium)."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import Booking, Hold, ShowSeat
from core.services import holds
from orders.models import Order, Payment, Refund
from orders.services import order_create, order_mark_paid

DECLINED_AT_ATTACH = "4000000000000002"  # Stripe's "generic decline": refused when the card is checked
DECLINED_AT_CHARGE = "4000000000000341"  # accepted when checked, refused when charged


def box_office_order(user, show, seats=(4, 5)):
    hold = holds.hold_create(user=user, show_id=show.pk, seat_numbers=list(seats))
    return order_create(user=user, hold_id=hold.pk, payment_method="box_office")


def paid_order(user, show, staff_user, seats=(4, 5)):
    order = box_office_order(user, show, seats)
    return order_mark_paid(order_id=order.pk, staff_user=staff_user)


@pytest.mark.django_db
class TestBoxOffice:
    def test_my_tickets_shows_each_paid_ticket_with_its_qr_code_and_the_pdf(
            self, user_client, user, auditorium_show, staff_user, django_assert_max_num_queries):
        order = paid_order(user, auditorium_show, staff_user)
        # 9, and the waiting lists the customer is on (one query; none here).
        with django_assert_max_num_queries(10):
            page = user_client.get(reverse("web:my_tickets"))
        html = page.content.decode()
        assert f"Order {order.pk}" in html and "box office" in html and ">paid<" in html
        codes = sorted(Booking.objects.filter(order=order).values_list("ticket_code", flat=True))
        assert all(code in html for code in codes)
        assert html.count('alt="QR code of the ticket for seat A') == 2
        pdf = user_client.get(reverse("web:order_tickets_pdf", args=[order.pk]))
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF") and pdf.content.count(b"/Type /Page\n") == 1  # A4: both on one
        phone = user_client.get(reverse("web:order_tickets_pdf", args=[order.pk]) + "?layout=phone")
        assert phone.content.count(b"/Type /Page\n") == 2  # one ticket per phone-sized page

    def test_the_number_of_queries_does_not_grow_with_orders(self, user_client, user, auditorium_show, staff_user,
                                                              django_assert_max_num_queries):
        for seats in ((1, 2), (3,), (6, 7, 8), (11,)):
            paid_order(user, auditorium_show, staff_user, seats)
        box_office_order(user, auditorium_show, (21, 22))
        with django_assert_max_num_queries(10):  # 9, and the waiting-list entries (one query)
            html = user_client.get(reverse("web:my_tickets")).content.decode()
        assert html.count('class="qr"') == 7 and "waiting for payment" in html

    def test_another_users_pdf_and_order_page_are_404(self, user, other_user, auditorium_show, staff_user):
        order = paid_order(user, auditorium_show, staff_user)
        intruder = Client()
        intruder.force_login(other_user)
        assert intruder.get(reverse("web:order_tickets_pdf", args=[order.pk])).status_code == 404
        assert intruder.get(reverse("web:order", args=[order.pk])).status_code == 404
        response = intruder.post(reverse("web:cancel_order", args=[order.pk]), follow=True)
        assert "Order not found." in response.content.decode()
        assert Order.objects.get(pk=order.pk).status == "paid"

    def test_the_pdf_needs_a_login_and_a_paid_order(self, client, user_client, user, auditorium_show):
        order = box_office_order(user, auditorium_show)
        url = reverse("web:order_tickets_pdf", args=[order.pk])
        assert client.get(url)["Location"].startswith(reverse("web:login"))
        response = user_client.get(url, follow=True)
        assert "This order is not paid" in response.content.decode()

    def test_cancelling_a_paid_ticket_says_what_is_refunded_and_where(
            self, user_client, user, auditorium_show, staff_user):
        order = paid_order(user, auditorium_show, staff_user)
        booking = Booking.objects.filter(order=order).order_by("seat_number").first()
        response = user_client.post(reverse("web:cancel_booking", args=[booking.pk]), follow=True)
        html = response.content.decode()
        assert "Booking cancelled. €12.50 will be refunded in cash at the box office." in html
        refund = Refund.objects.get(order=order)
        assert refund.amount == Decimal("12.50") and refund.reason == "booking_cancelled"
        assert "€12.50 refunded at the box office" in html
        assert Order.objects.get(pk=order.pk).status == "paid"  # its other ticket stands

    def test_cancelling_a_whole_paid_order_refunds_it_all(self, user_client, user, auditorium_show, staff_user):
        order = paid_order(user, auditorium_show, staff_user)
        response = user_client.post(reverse("web:cancel_order", args=[order.pk]), follow=True)
        assert "Order cancelled. €25.00 will be refunded in cash at the box office." in response.content.decode()
        assert Order.objects.get(pk=order.pk).status == "cancelled"
        assert not Booking.objects.filter(order=order, status="booked").exists()
        assert ShowSeat.objects.filter(show=auditorium_show, number__in=[4, 5], state="free").count() == 2

    def test_cancelling_a_pending_order_frees_its_seats_and_charges_nothing(self, user_client, user, auditorium_show):
        order = box_office_order(user, auditorium_show)
        response = user_client.post(reverse("web:cancel_order", args=[order.pk]), follow=True)
        assert "Order cancelled. Nothing was charged." in response.content.decode()
        assert ShowSeat.objects.filter(show=auditorium_show, number__in=[4, 5], state="free").count() == 2

    def test_an_expired_hold_cannot_be_paid(self, user_client, user, auditorium_show):
        hold = holds.hold_create(user=user, show_id=auditorium_show.pk, seat_numbers=[1],
                                 now=timezone.now() - timedelta(hours=1))
        response = user_client.post(reverse("web:pay", args=[hold.pk]), {"payment_method": "box_office"}, follow=True)
        assert "This hold has expired or was released" in response.content.decode()
        assert not Order.objects.exists()

    def test_card_is_refused_without_a_stripe_key(self, user_client, user, auditorium_show, settings):
        settings.STRIPE_SECRET_KEY = ""
        hold = holds.hold_create(user=user, show_id=auditorium_show.pk, seat_numbers=[1])
        response = user_client.post(reverse("web:pay", args=[hold.pk]), {"payment_method": "stripe"}, follow=True)
        assert "This payment method is not available" in response.content.decode()
        assert not Order.objects.exists() and Hold.objects.filter(pk=hold.pk).exists()

    def test_paying_and_cancelling_need_csrf(self, user, auditorium_show, staff_user):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        hold = holds.hold_create(user=user, show_id=auditorium_show.pk, seat_numbers=[1])
        assert client.post(reverse("web:pay", args=[hold.pk]), {"payment_method": "box_office"}).status_code == 403
        assert not Order.objects.exists()
        order = paid_order(user, auditorium_show, staff_user, seats=(7,))
        assert client.post(reverse("web:cancel_order", args=[order.pk])).status_code == 403
        assert client.post(reverse("web:cancel_booking", args=[order.bookings.get().pk])).status_code == 403
        assert Order.objects.get(pk=order.pk).status == "paid"


def card_token(stripe_server, number: str) -> str:
    """What Stripe.js's createToken does in the browser: the card goes to Stripe, a token comes back."""
    token = stripe_server.client().v1.tokens.create(params={"card": {
        "number": number, "exp_month": "12", "exp_year": "2034", "cvc": "123"}})
    return token.id


@pytest.mark.django_db(transaction=True)
class TestCard:
    @pytest.fixture(autouse=True)
    def _stripe(self, stripe_server):
        self.stripe = stripe_server  # its webhooks go nowhere: the page asks Stripe itself

    def card_order(self, user_client, user, show):
        hold = holds.hold_create(user=user, show_id=show.pk, seat_numbers=[4, 5])
        checkout = user_client.get(reverse("web:checkout", args=[hold.pk])).content.decode()
        assert 'name="payment_method" value="stripe"' in checkout
        response = user_client.post(reverse("web:pay", args=[hold.pk]), {"payment_method": "stripe"})
        order = Order.objects.get(user=user)
        assert response["Location"] == reverse("web:order", args=[order.pk])
        return order

    def test_the_order_page_loads_stripe_js_from_the_setting(self, user_client, user, auditorium_show, settings):
        settings.STRIPE_JS_URL = f"{self.stripe.url}/js.stripe.com/v3/"
        order = self.card_order(user_client, user, auditorium_show)
        html = user_client.get(reverse("web:order", args=[order.pk])).content.decode()
        assert f'<script src="{self.stripe.url}/js.stripe.com/v3/"></script>' in html
        assert f'data-publishable-key="{self.stripe.publishable_key}"' in html and 'id="card-element"' in html

    def test_a_good_card_pays_the_order(self, user_client, user, auditorium_show):
        order = self.card_order(user_client, user, auditorium_show)
        response = user_client.post(reverse("web:pay_with_card", args=[order.pk]),
                                    {"card_token": card_token(self.stripe, "4242424242424242")}, follow=True)
        assert "Paid €25.00. Your tickets are below." in response.content.decode()
        order.refresh_from_db()
        assert order.status == "paid"
        assert Payment.objects.get(order=order).state == "confirmed"
        assert Booking.objects.filter(order=order, payment_status="paid").count() == 2
        intent = self.stripe.client().v1.payment_intents.retrieve(Payment.objects.get(order=order).provider_reference)
        assert intent.status == "succeeded" and intent.amount == 2500

    @pytest.mark.parametrize("number", [DECLINED_AT_ATTACH, DECLINED_AT_CHARGE])
    def test_a_declined_card_leaves_the_order_pending_with_its_seats(self, user_client, user, auditorium_show, number):
        order = self.card_order(user_client, user, auditorium_show)
        response = user_client.post(reverse("web:pay_with_card", args=[order.pk]),
                                    {"card_token": card_token(self.stripe, number)}, follow=True)
        html = response.content.decode()
        assert "Your card was declined; nothing was charged. Try another card before the order expires." in html
        assert response.redirect_chain[-1][0] == reverse("web:order", args=[order.pk])
        order.refresh_from_db()
        assert order.status == "pending" and not Booking.objects.exists()
        # As after a decline through the API: the order keeps its seats until it expires...
        assert ShowSeat.objects.filter(show=auditorium_show, number__in=[4, 5], state="held").count() == 2
        assert Payment.objects.get(order=order).state == "pending"

    def test_after_a_declined_card_another_card_pays(self, user_client, user, auditorium_show):
        # (With the card refused when it is checked. localstripe cannot confirm a PaymentIntent again once a
        # charge of it failed, which Stripe can, so a retry after DECLINED_AT_CHARGE is not tested here.)
        order = self.card_order(user_client, user, auditorium_show)
        user_client.post(reverse("web:pay_with_card", args=[order.pk]),
                         {"card_token": card_token(self.stripe, DECLINED_AT_ATTACH)})
        assert Order.objects.get(pk=order.pk).status == "pending"
        user_client.post(reverse("web:pay_with_card", args=[order.pk]),
                         {"card_token": card_token(self.stripe, "4242424242424242")})
        assert Order.objects.get(pk=order.pk).status == "paid"

    def test_a_card_that_needs_3d_secure_sends_the_page_back_to_authenticate(self, user_client, user, auditorium_show):
        order = self.card_order(user_client, user, auditorium_show)
        response = user_client.post(reverse("web:pay_with_card", args=[order.pk]),
                                    {"card_token": card_token(self.stripe, "4000002500003155")})
        assert response["Location"] == reverse("web:order", args=[order.pk]) + "?authenticate=1"
        page = user_client.get(response["Location"]).content.decode()
        assert 'id="check-form"' in page and Payment.objects.get(order=order).client_secret in page
        # Not authenticated yet: checking leaves it pending.
        user_client.post(reverse("web:check_payment", args=[order.pk]))
        assert Order.objects.get(pk=order.pk).status == "pending"

    def test_cancelling_a_card_paid_ticket_refunds_it_to_the_card(self, user_client, user, auditorium_show):
        order = self.card_order(user_client, user, auditorium_show)
        user_client.post(reverse("web:pay_with_card", args=[order.pk]),
                         {"card_token": card_token(self.stripe, "4242424242424242")})
        booking = Booking.objects.filter(order=order).order_by("seat_number").first()
        response = user_client.post(reverse("web:cancel_booking", args=[booking.pk]), follow=True)
        html = response.content.decode()
        assert "Booking cancelled. Refunded €12.50 to your card." in html
        refund = Refund.objects.get(order=order)
        assert refund.state == "done" and refund.provider_reference.startswith("re_")
        stripe_refund = self.stripe.client().v1.refunds.retrieve(refund.provider_reference)
        assert stripe_refund.amount == 1250
        assert "Refunded €12.50 to your card" in html

    def test_a_forged_token_is_refused_without_calling_stripe(self, user_client, user, auditorium_show):
        order = self.card_order(user_client, user, auditorium_show)
        response = user_client.post(reverse("web:pay_with_card", args=[order.pk]), {"card_token": "4242"}, follow=True)
        assert "The card could not be read; nothing was charged." in response.content.decode()
        assert Order.objects.get(pk=order.pk).status == "pending"

    def test_someone_elses_order_cannot_be_paid(self, user_client, user, other_user, auditorium_show):
        order = self.card_order(user_client, user, auditorium_show)
        intruder = Client()
        intruder.force_login(other_user)
        response = intruder.post(reverse("web:pay_with_card", args=[order.pk]),
                                 {"card_token": card_token(self.stripe, "4242424242424242")})
        assert response.status_code == 404
        assert Order.objects.get(pk=order.pk).status == "pending"
