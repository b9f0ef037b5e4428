"""Orders from holds, paid at the box office: create, read, mark paid, expire, cancel (with refunds)."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from core import errors
from core.models import Booking, Hold
from core.services.holds import hold_create
from orders import errors as orders_errors
from orders.models import Order, Payment, Refund
from orders.services import expire_orders, order_create
from tests.conftest import client_for
from tests.factories import ShowFactory, UserFactory
from tests.seat_prices import set_seat_prices

# Transactional, so on-commit work (refunds executed with the provider, mails) runs as in production.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("priced_seats")]


@pytest.fixture(autouse=True)
def payment_window_in_force(settings):
    """These tests pay at the box office (it needs no card provider) to test the payment window of a pending order.
    An order paid at the counter keeps its seats until it must be collected (tests/orders/test_box_office.py); the
    show is a day away, so a deadline a day before the show leaves the payment window in force."""
    settings.RESERVATION_RELEASE_MINUTES = 24 * 60



def make_order(client, hold_id, method="box_office", **extra):
    return client.post("/orders/", {"hold_id": hold_id, "payment_method": method}, format="json", **extra)


def iso(dt):
    return dt.isoformat().replace("+00:00", "Z")


class TestCreate:
    def test_turns_the_hold_into_a_pending_order_that_keeps_the_seats(self, auth_client, user, show, other_user):
        hold = hold_create(user=user, show_id=show.pk, seat_numbers=[5, 3])

        response = make_order(auth_client, hold.pk)

        assert response.status_code == 201
        order = Order.objects.get()
        body = response.json()
        assert body == {
            "id": order.pk, "status": "pending", "show_id": show.pk,
            "seats": [{"number": 3, "label": "3", "category": "standard", "price": "12.50", "ticket_type": "adult",
                       "full_price": "12.50", "discount": "0.00"},
                      {"number": 5, "label": "5", "category": "standard", "price": "12.50", "ticket_type": "adult",
                       "full_price": "12.50", "discount": "0.00"}],
            "total": "25.00", "discount": "0.00", "currency": "EUR", "expires_at": iso(order.expires_at),
            "payment_method": "box_office",
            "payment": {"status": "created",
                        "instructions": "Pay at the box office before the order expires; staff mark it paid."},
            "refunded": "0.00", "booking_ids": [], "created_at": iso(order.created_at), "paid_at": None,
            "cancelled_at": None,
        }
        assert order.expires_at - order.created_at == timedelta(minutes=15)
        # The seats stay unavailable to everyone, and the hold is the order's now, not the customer's to confirm.
        other = client_for(other_user)
        assert other.post(f"/shows/{show.pk}/book/", {"seat_number": 3}, format="json").json()["code"] == "seat_held"
        assert auth_client.post(f"/holds/{hold.pk}/confirm/").status_code == 404
        assert auth_client.delete(f"/holds/{hold.pk}/").status_code == 404
        assert auth_client.get("/my-holds/").json() == []
        # Not even the customer may book them directly, bypassing the payment.
        assert auth_client.post(f"/shows/{show.pk}/book/", {"seat_number": 3}, format="json").status_code == 409

    def test_never_past_the_show_start(self, auth_client, user, movie):
        show = ShowFactory(movie=movie, date_time=timezone.now() + timedelta(minutes=10))
        hold = hold_create(user=user, show_id=show.pk, seat_numbers=[1])

        make_order(auth_client, hold.pk)

        assert Order.objects.get().expires_at == show.date_time

    def test_someone_elses_hold_is_404_and_an_expired_one_410(self, auth_client, user, other_user, show):
        theirs = hold_create(user=other_user, show_id=show.pk, seat_numbers=[1])
        assert make_order(auth_client, theirs.pk).json() == {"detail": errors.HoldNotFound.message,
                                                             "code": "not_found"}
        mine = hold_create(user=user, show_id=show.pk, seat_numbers=[2], now=timezone.now() - timedelta(minutes=9))
        response = make_order(auth_client, mine.pk)
        assert response.status_code == 410
        assert response.json()["code"] == "hold_expired"

    def test_a_hold_makes_one_order_only(self, auth_client, user, show):
        hold = hold_create(user=user, show_id=show.pk, seat_numbers=[1])
        assert make_order(auth_client, hold.pk).status_code == 201
        assert make_order(auth_client, hold.pk).status_code == 404

    def test_stripe_without_a_key_is_a_clear_400(self, auth_client, user, show, settings):
        settings.STRIPE_SECRET_KEY = ""
        hold = hold_create(user=user, show_id=show.pk, seat_numbers=[1])

        response = make_order(auth_client, hold.pk, method="stripe")

        assert response.status_code == 400
        assert response.json() == {"detail": orders_errors.PaymentMethodUnavailable.message,
                                   "code": "payment_method_unavailable"}
        assert not Order.objects.exists()

    @pytest.mark.parametrize("body", [{}, {"hold_id": "x", "payment_method": "box_office"},
                                      {"hold_id": 1, "payment_method": "bitcoin"}])
    def test_bad_input_is_400(self, auth_client, body):
        response = auth_client.post("/orders/", body, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"

    def test_idempotency_key_replays_the_first_answer(self, auth_client, user, show):
        hold = hold_create(user=user, show_id=show.pk, seat_numbers=[1])
        first = make_order(auth_client, hold.pk, HTTP_IDEMPOTENCY_KEY="k1")
        second = make_order(auth_client, hold.pk, HTTP_IDEMPOTENCY_KEY="k1")

        assert first.status_code == second.status_code == 201
        assert first.content == second.content
        assert second["Idempotent-Replayed"] == "true"
        assert Order.objects.count() == 1

    def test_a_free_order_is_paid_at_once(self, auth_client, user, show, settings):
        set_seat_prices("0", show)
        hold = hold_create(user=user, show_id=show.pk, seat_numbers=[1])

        body = make_order(auth_client, hold.pk).json()

        assert body["status"] == "paid"
        assert Booking.objects.get().payment_status == "free"


class TestReadAndList:
    def test_owner_only(self, auth_client, user, other_user, show):
        order = order_create(user=user, hold_id=hold_create(user=user, show_id=show.pk, seat_numbers=[1]).pk,
                             payment_method="box_office")
        assert auth_client.get(f"/orders/{order.pk}/").status_code == 200
        assert client_for(other_user).get(f"/orders/{order.pk}/").status_code == 404
        assert client_for(other_user).get("/my-orders/").json() == []

    def test_my_orders_newest_first(self, auth_client, user, show):
        ids = [order_create(user=user, hold_id=hold_create(user=user, show_id=show.pk, seat_numbers=[n]).pk,
                            payment_method="box_office").pk for n in (1, 2, 3)]

        assert [o["id"] for o in auth_client.get("/my-orders/").json()] == ids[::-1]

    def test_my_orders_is_a_fixed_number_of_queries(self, auth_client, user, show, django_assert_max_num_queries):
        for n in range(1, 6):
            order_create(user=user, hold_id=hold_create(user=user, show_id=show.pk, seat_numbers=[n]).pk,
                         payment_method="box_office")
        with django_assert_max_num_queries(5):
            assert len(auth_client.get("/my-orders/").json()) == 5


class TestMarkPaid:
    def test_staff_mark_paid_books_the_seats_and_mails_the_tickets(self, user, staff_client, show):
        order = order_create(user=user, hold_id=hold_create(user=user, show_id=show.pk, seat_numbers=[1, 2]).pk,
                             payment_method="box_office")

        response = staff_client.post(f"/orders/{order.pk}/mark-paid/")

        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "paid"
        bookings = list(Booking.objects.order_by("seat_number"))
        assert body["booking_ids"] == [b.pk for b in bookings]
        assert [(b.seat_number, b.order_id, b.payment_status, b.status) for b in bookings] == [
            (1, order.pk, "paid", "booked"), (2, order.pk, "paid", "booked")]
        assert not Hold.objects.exists()
        assert Payment.objects.filter(order=order, state="confirmed", provider="box_office").count() == 1
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == [user.email]
        assert bookings[0].ticket_code in mail.outbox[0].body
        # /my-bookings/ keeps working and shows the new fields.
        mine = client_for(user).get("/my-bookings/").json()
        assert {(b["order_id"], b["payment_status"]) for b in mine} == {(order.pk, "paid")}

    def test_not_for_customers_and_not_twice(self, user, auth_client, staff_client, show):
        order = order_create(user=user, hold_id=hold_create(user=user, show_id=show.pk, seat_numbers=[1]).pk,
                             payment_method="box_office")
        assert auth_client.post(f"/orders/{order.pk}/mark-paid/").status_code == 403
        assert staff_client.post(f"/orders/{order.pk}/mark-paid/").status_code == 200
        again = staff_client.post(f"/orders/{order.pk}/mark-paid/")
        assert again.status_code == 409
        assert again.json()["code"] == "already_paid"
        assert Booking.objects.count() == 1

    def test_after_expiry_paid_if_the_seats_are_still_free(self, user, staff_client, show):
        then = timezone.now() - timedelta(minutes=20)
        hold = hold_create(user=user, show_id=show.pk, seat_numbers=[1], now=then)
        order = order_create(user=user, hold_id=hold.pk, payment_method="box_office", now=then)
        assert client_for(user).get(f"/orders/{order.pk}/").json()["status"] == "expired"

        assert staff_client.post(f"/orders/{order.pk}/mark-paid/").json()["status"] == "paid"

    def test_after_expiry_refused_if_someone_took_the_seats(self, user, other_user, staff_client, show):
        then = timezone.now() - timedelta(minutes=20)
        order = order_create(user=user, hold_id=hold_create(user=user, show_id=show.pk, seat_numbers=[1, 2],
                                                            now=then).pk, payment_method="box_office", now=then)
        assert client_for(other_user).post(f"/shows/{show.pk}/book/", {"seat_number": 2},
                                           format="json").status_code == 201

        response = staff_client.post(f"/orders/{order.pk}/mark-paid/")

        assert response.status_code == 409
        assert response.json()["code"] == "seats_unavailable"
        assert response.json()["seats"] == [2]


class TestExpiry:
    def test_seats_come_free_at_expires_at_and_the_sweep_records_it(self, user, other_user, show):
        then = timezone.now() - timedelta(minutes=16)
        order = order_create(user=user, hold_id=hold_create(user=user, show_id=show.pk, seat_numbers=[1],
                                                            now=then).pk, payment_method="box_office", now=then)

        assert client_for(other_user).post(f"/shows/{show.pk}/book/", {"seat_number": 1},
                                           format="json").status_code == 201
        assert expire_orders() == 1
        order.refresh_from_db()
        assert order.status == "expired"
        assert expire_orders() == 0


class TestCancel:
    def test_cancel_a_pending_order_frees_its_seats(self, user, auth_client, other_user, show):
        order = order_create(user=user, hold_id=hold_create(user=user, show_id=show.pk, seat_numbers=[1]).pk,
                             payment_method="box_office")

        response = auth_client.post(f"/orders/{order.pk}/cancel/")

        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"
        assert client_for(other_user).post(f"/shows/{show.pk}/book/", {"seat_number": 1},
                                           format="json").status_code == 201
        again = auth_client.post(f"/orders/{order.pk}/cancel/")
        assert again.status_code == 409
        assert again.json()["code"] == "order_not_cancellable"

    def test_cancel_a_paid_order_cancels_its_bookings_and_refunds(self, user, auth_client, staff_client, show):
        order = order_create(user=user, hold_id=hold_create(user=user, show_id=show.pk, seat_numbers=[1, 2]).pk,
                             payment_method="box_office")
        staff_client.post(f"/orders/{order.pk}/mark-paid/")

        body = auth_client.post(f"/orders/{order.pk}/cancel/").json()

        assert body["status"] == "cancelled"
        assert body["refunded"] == "25.00"
        assert set(Booking.objects.values_list("status", "payment_status")) == {("cancelled", "refunded")}
        refund = Refund.objects.get()
        # Box-office money goes back at the counter: cash to pay out (orders.services._refund_create).
        assert (refund.amount, refund.state, refund.reason) == (Decimal("25.00"), "to_pay_out",
                                                                "cancelled_by_customer")
        assert [m.subject.split(":")[0] for m in mail.outbox] == ["Your tickets", "Order #%d cancelled" % order.pk]

    def test_cancelling_one_booking_of_a_paid_order_refunds_that_seat(self, user, auth_client, staff_client, show):
        order = order_create(user=user, hold_id=hold_create(user=user, show_id=show.pk, seat_numbers=[1, 2]).pk,
                             payment_method="box_office")
        staff_client.post(f"/orders/{order.pk}/mark-paid/")
        booking = Booking.objects.get(seat_number=2)

        assert auth_client.post(f"/bookings/{booking.pk}/cancel/").status_code == 200

        assert Refund.objects.get().amount == Decimal("12.50")
        booking.refresh_from_db()
        assert booking.payment_status == "refunded"
        order.refresh_from_db()
        assert order.status == "paid"  # partly refunded
        assert auth_client.get(f"/orders/{order.pk}/").json()["refunded"] == "12.50"

    def test_someone_elses_order_is_404(self, user, other_user, show):
        order = order_create(user=user, hold_id=hold_create(user=user, show_id=show.pk, seat_numbers=[1]).pk,
                             payment_method="box_office")
        assert client_for(other_user).post(f"/orders/{order.pk}/cancel/").status_code == 404


class TestDirectReservations:
    def test_priced_seat_booked_directly_is_unpaid(self, auth_client, show):
        body = auth_client.post(f"/shows/{show.pk}/book/", {"seat_number": 1}, format="json").json()
        assert body["payment_status"] == "unpaid"
        assert body["order_id"] is None

    def test_only_paid_sales_refuses_priced_seats(self, auth_client, show, settings):
        settings.ALLOW_UNPAID_RESERVATIONS = False

        response = auth_client.post(f"/shows/{show.pk}/book/", {"seat_numbers": [1, 2]}, format="json")

        assert response.status_code == 409
        assert response.json() == {"detail": errors.PaymentRequired.message, "code": "payment_required"}
        assert not Booking.objects.exists()

    def test_free_seats_are_still_reservable_then(self, auth_client, show, settings):
        settings.ALLOW_UNPAID_RESERVATIONS = False
        set_seat_prices("0", show)
        assert auth_client.post(f"/shows/{show.pk}/book/", {"seat_number": 1},
                                format="json").json()["payment_status"] == "free"


def test_unpaid_staff_user_sees_403_not_500_for_mark_paid_of_unknown_order(staff_client):
    assert staff_client.post("/orders/999999/mark-paid/").status_code == 404


def test_user_factory_email_is_used(user):
    assert UserFactory().email.endswith("@example.com")


class TestShowCancelled:
    def test_staff_cancelling_the_show_cancels_and_refunds_its_orders_and_tells_everyone(self, user, other_user,
                                                                                        staff_client, show):
        paid = order_create(user=user, hold_id=hold_create(user=user, show_id=show.pk, seat_numbers=[1, 2]).pk,
                            payment_method="box_office")
        staff_client.post(f"/orders/{paid.pk}/mark-paid/")
        pending = order_create(user=user, hold_id=hold_create(user=user, show_id=show.pk, seat_numbers=[3]).pk,
                               payment_method="box_office")
        client_for(other_user).post(f"/shows/{show.pk}/book/", {"seat_number": 9}, format="json")
        mail.outbox.clear()

        assert staff_client.post(f"/shows/{show.pk}/cancel/").status_code == 200

        assert set(Order.objects.values_list("pk", "status")) == {(paid.pk, "cancelled"), (pending.pk, "cancelled")}
        refund = Refund.objects.get()
        assert (refund.amount, refund.reason, refund.state) == (Decimal("25.00"), "show_cancelled", "to_pay_out")
        assert set(Booking.objects.filter(order=paid).values_list("status", "payment_status")) == {
            ("cancelled", "refunded")}
        assert not Booking.objects.filter(status="booked").exists()
        assert not Hold.objects.exists()
        assert sorted(m.to[0] for m in mail.outbox) == sorted([user.email, other_user.email])
        assert all("cancelled" in m.subject for m in mail.outbox)

    def test_rescheduling_tells_the_ticket_holders(self, user, staff_client, show):
        from core.services.booking import booking_create

        booking = booking_create(user=user, show_id=show.pk, seat_number=4)
        mail.outbox.clear()
        new_time = (show.date_time + timedelta(hours=2)).replace(microsecond=0)

        response = staff_client.patch(f"/shows/{show.pk}/", {"date_time": new_time.isoformat()}, format="json")

        assert response.status_code == 200
        [message] = mail.outbox
        assert message.to == [user.email] and "moved" in message.subject
        assert booking.ticket_code in message.body
