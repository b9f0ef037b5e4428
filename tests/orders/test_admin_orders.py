"""The staff's order pages: orders with payments, refunds and bookings; mark paid, refund and resend actions;
the check-in list; a user's page with their orders and bookings."""
import pytest
from django.core import mail

from core.services.booking import booking_create
from core.services.holds import hold_create
from orders.models import Order, Refund
from orders.services import order_create
from tests.factories import UserFactory
from tests.seat_prices import set_seat_prices

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def order(show, settings):
    set_seat_prices("7.50", show)
    user = UserFactory()
    return order_create(user=user, hold_id=hold_create(user=user, show_id=show.pk, seat_numbers=[1, 2]).pk,
                        payment_method="box_office")


def act(admin_client, action, order):
    return admin_client.post("/admin/orders/order/", {"action": action, "_selected_action": [order.pk]}, follow=True)


def test_pages_render(admin_client, order):
    for path in ["/admin/orders/order/", f"/admin/orders/order/{order.pk}/change/", "/admin/orders/refund/",
                 "/admin/tickets/checkin/", "/admin/notifications/outboxmessage/",
                 f"/admin/auth/user/{order.user_id}/change/"]:
        assert admin_client.get(path).status_code == 200, path


def test_mark_paid_refund_and_resend_actions(admin_client, order):
    act(admin_client, "mark_paid", order)
    order.refresh_from_db()
    assert order.status == "paid"
    page = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "Box office" in page and order.bookings.first().ticket_code in page

    act(admin_client, "resend_tickets", order)
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Your tickets", "Your tickets (again)"]

    act(admin_client, "cancel_and_refund", order)
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert str(Refund.objects.get().amount) == "15.00"


def test_an_action_that_breaks_a_rule_says_why(admin_client, order):
    act(admin_client, "mark_paid", order)
    response = act(admin_client, "mark_paid", order)
    assert "This order is already paid." in response.content.decode()
    assert Order.objects.get().status == "paid"


def test_user_page_lists_orders_and_bookings(admin_client, order, show):
    booking_create(user=order.user, show_id=show.pk, seat_number=9)
    page = admin_client.get(f"/admin/auth/user/{order.user_id}/change/").content.decode()
    assert f"Order #{order.pk} (pending)" in page
    assert "Booking #" in page and "Unpaid (pay at the box office)" in page  # the reservation
