"""Refunds follow the money (orders.services._refund_money): each refund is taken from a confirmed payment that
still has money left, never beyond what it took; a box-office refund is cash to pay out at the counter, shown in
the admin and the sales report; an order paid twice refunds the extra payment at once and never picks it again.
Card payments run against localstripe (tests/outside_parts.py)."""
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import Booking
from core.services.catalog import show_cancel
from core.services.holds import hold_create
from orders.models import Payment, Refund
from orders.services import order_cancel, order_create, order_mark_paid, payment_refresh, refund_paid_out
from reports.selectors import sales_report
from tests.conftest import client_for
from tests.seat_prices import set_seat_prices

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seats_at_18_50(settings, show):
    set_seat_prices("18.50", show)
    settings.CURRENCY = "EUR"


def order_for(user, show, method, seats=(1,)):
    hold = hold_create(user=user, show_id=show.pk, seat_numbers=list(seats))
    return order_create(user=user, hold_id=hold.pk, payment_method=method)


def card_paid(stripe_server, user, order):
    stripe_server.pay(Payment.objects.get(order=order, provider="stripe").provider_reference)
    payment_refresh(user=user, order_id=order.pk)


def refunds_by_provider():
    return sorted((r.payment.provider, r.amount, r.state, r.reason)
                  for r in Refund.objects.select_related("payment").order_by("pk"))


def stripe_refunds(stripe_server, order):
    intent = Payment.objects.get(order=order, provider="stripe").provider_reference
    return [r.amount for r in stripe_server.client().v1.refunds.list(params={"payment_intent": intent}).data]


def report_refunds(show):
    day = timezone.localdate(show.date_time)
    report = sales_report(date_from=day, date_to=day).as_dict()
    return report["totals"]["refunds"], report["totals"]["cash_to_pay_out"]


@pytest.mark.usefixtures("seats_at_18_50")
def test_paid_at_the_box_office_then_by_card_the_cancel_refunds_the_cash_not_the_card_again(
        stripe_server, user, staff_user, show):
    """The finding, step by step: marked paid at the box office, then also paid by card; the card is refunded at
    once as already_paid; the customer's cancel then gives back the cash, and the card is never refunded again."""
    order = order_for(user, show, "stripe")
    order_mark_paid(order_id=order.pk, staff_user=staff_user)
    card_paid(stripe_server, user, order)
    assert refunds_by_provider() == [("stripe", Decimal("18.50"), "done", "already_paid")]

    cancelled = order_cancel(user=user, order_id=order.pk)

    assert cancelled.refund.payment.provider == "box_office"
    assert refunds_by_provider() == [("box_office", Decimal("18.50"), "to_pay_out", "cancelled_by_customer"),
                                     ("stripe", Decimal("18.50"), "done", "already_paid")]
    assert stripe_refunds(stripe_server, order) == [1850]  # one card refund only
    # The report: 18.50 refunded for the ticket (the extra card payment bought nothing), all of it cash owed.
    assert report_refunds(show) == ("18.50", "18.50")


@pytest.mark.usefixtures("seats_at_18_50")
def test_card_only(stripe_server, user, show):
    order = order_for(user, show, "stripe")
    card_paid(stripe_server, user, order)

    order_cancel(user=user, order_id=order.pk)

    assert refunds_by_provider() == [("stripe", Decimal("18.50"), "done", "cancelled_by_customer")]
    assert stripe_refunds(stripe_server, order) == [1850]
    assert report_refunds(show) == ("18.50", "0.00")


@pytest.mark.usefixtures("seats_at_18_50")
def test_box_office_only_is_cash_to_pay_out_until_staff_hand_it_over(user, staff_user, show):
    order = order_for(user, show, "box_office")
    order_mark_paid(order_id=order.pk, staff_user=staff_user)

    response = client_for(user).post(f"/orders/{order.pk}/cancel/")

    assert response.status_code == 200 and response.json()["refunded"] == "18.50"
    assert refunds_by_provider() == [("box_office", Decimal("18.50"), "to_pay_out", "cancelled_by_customer")]
    assert report_refunds(show) == ("18.50", "18.50")
    refund = refund_paid_out(refund_id=Refund.objects.get().pk, staff_user=staff_user)
    assert (refund.state, refund.done_at is not None) == ("done", True)
    assert report_refunds(show) == ("18.50", "0.00")


def test_partial_refunds_take_each_seat_from_the_money_left_never_beyond(stripe_server, priced_seats, user, show):
    order = order_for(user, show, "stripe", seats=(1, 2))  # 2 x 12.50
    card_paid(stripe_server, user, order)

    client = client_for(user)
    assert client.post(f"/bookings/{Booking.objects.get(order=order, seat_number=1).pk}/cancel/").status_code == 200
    assert client.post(f"/orders/{order.pk}/cancel/").status_code == 200

    assert [r[1] for r in refunds_by_provider()] == [Decimal("12.50"), Decimal("12.50")]
    assert sorted(stripe_refunds(stripe_server, order)) == [1250, 1250]
    # What the payment took, and not a cent more, came back.
    assert sum(r.amount for r in Refund.objects.all()) == Payment.objects.get(order=order).amount


def test_partial_refunds_of_an_order_paid_twice_come_from_the_box_office_payment(
        stripe_server, priced_seats, user, staff_user, show):
    order = order_for(user, show, "stripe", seats=(1, 2))
    order_mark_paid(order_id=order.pk, staff_user=staff_user)
    card_paid(stripe_server, user, order)  # the extra card payment, refunded at once

    client = client_for(user)
    client.post(f"/bookings/{Booking.objects.get(order=order, seat_number=2).pk}/cancel/")
    client.post(f"/orders/{order.pk}/cancel/")

    assert refunds_by_provider() == [("box_office", Decimal("12.50"), "to_pay_out", "booking_cancelled"),
                                     ("box_office", Decimal("12.50"), "to_pay_out", "cancelled_by_customer"),
                                     ("stripe", Decimal("25.00"), "done", "already_paid")]
    assert stripe_refunds(stripe_server, order) == [2500]


@pytest.mark.usefixtures("seats_at_18_50")
def test_show_cancelled_by_staff_refunds_each_order_from_the_payment_that_took_the_money(
        stripe_server, user, other_user, staff_user, show):
    cash = order_for(user, show, "box_office", seats=(1,))
    order_mark_paid(order_id=cash.pk, staff_user=staff_user)
    card = order_for(other_user, show, "stripe", seats=(2,))
    card_paid(stripe_server, other_user, card)

    show_cancel(show_id=show.pk)

    assert refunds_by_provider() == [("box_office", Decimal("18.50"), "to_pay_out", "show_cancelled"),
                                     ("stripe", Decimal("18.50"), "done", "show_cancelled")]
    assert stripe_refunds(stripe_server, card) == [1850]
    assert report_refunds(show) == ("37.00", "18.50")


@pytest.mark.usefixtures("seats_at_18_50")
def test_a_box_office_refund_is_never_sent_to_a_provider(user, staff_user, show, settings):
    from orders.services import process_refunds

    order = order_for(user, show, "box_office")
    order_mark_paid(order_id=order.pk, staff_user=staff_user)
    order_cancel(user=user, order_id=order.pk)

    assert process_refunds() == 0
    assert Refund.objects.get().state == "to_pay_out"
