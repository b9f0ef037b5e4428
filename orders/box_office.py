"""The box office: selling at the counter to a walk-in customer, printing their tickets, refunding at the counter.

Nothing here is a second copy of a rule. A sale is the customer's path run by the till in one transaction: hold the
seats (core.services.holds: "a seat is sold once" lives there, with its locks), make the order from the hold
(orders.services.order_create), record the box-office payment (orders.services.order_mark_paid). The one outer
transaction makes it all or nothing: a till never leaves a hold or a pending order behind.

A walk-in customer has no account: the order belongs to one dedicated identity, the walk-in customer (an account
that cannot sign in), and the buyer's e-mail, if given, is the order's `email` (decision record 0026).
"""
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts.roles import MANAGER, has_role
from common.events import log_event_on_commit
from core.models import Booking
from core.services.holds import hold_create
from orders import services
from orders.errors import BuyerEmailInvalid, OrderNotFound, OrderNotPaid
from orders.models import CounterMethod, Order, Payment, Refund

WALK_IN_USERNAME = "walk-in"
PAGE_FORMATS = ("a4", "ticket")


def walk_in_customer():
    """The account every box-office sale belongs to: inactive, with no usable password, so nobody signs in as it
    (and the API's authentication refuses its tokens, should any ever be made)."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=WALK_IN_USERNAME, defaults={"is_active": False})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def buyer_email(email: str) -> str:
    """The buyer's address for the tickets, checked as Django's EmailField checks it (Order.email's length too),
    or BuyerEmailInvalid; blank: none given."""
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise BuyerEmailInvalid() from None
        if len(email) > Order._meta.get_field("email").max_length:
            raise BuyerEmailInvalid()
    return email


def box_office_sell(*, staff_user, show_id: int, seat_numbers: list[int], paid_by: str = CounterMethod.CASH,
                    email: str = "", voucher: str | None = None, now: datetime | None = None,
                    ticket_types: dict[int, str] | None = None) -> Order:
    """Sell the seats at the counter: a paid order of the walk-in customer, all or nothing. `ticket_types`: seat
    number -> type code for the seats sold as another type than Adult (checked by the hold, as online). `voucher`:
    a promo code the buyer hands over, redeemed as for any order (its per-account limit counts the walk-in
    identity's uses, so give codes limited per account to customers who order themselves).

    Two tills selling one seat at the same moment queue on the seat rows (and on the walk-in identity's row, which
    `hold_create` locks to count its held seats): the second finds the seat sold, SeatsUnavailable (409).
    """
    now = now or timezone.now()
    email = buyer_email(email)
    customer = walk_in_customer()
    with transaction.atomic():
        hold = hold_create(user=customer, show_id=show_id, seat_numbers=seat_numbers, now=now, past_the_gates=True,
                           ticket_types=ticket_types)
        order = services.order_create(user=customer, hold_id=hold.pk, payment_method=Order.Method.BOX_OFFICE,
                                      voucher=voucher, now=now)
        if email:
            Order.objects.filter(pk=order.pk).update(email=email)
            order.email = email
        if order.status != Order.Status.PAID:  # a free order is paid as it is made
            services.order_mark_paid(order_id=order.pk, staff_user=staff_user, now=now)
        # How the money was taken: the payment order_mark_paid recorded (or the free order's) is the one.
        Payment.objects.filter(order_id=order.pk, state=Payment.State.CONFIRMED).update(counter_method=paid_by)
        log_event_on_commit("box_office_sale", order_id=order.pk, staff_user_id=staff_user.pk, paid_by=paid_by)
    return services.order_detail(order_id=order.pk)


def box_office_refund(*, staff_user, order_id: int, now: datetime | None = None) -> Order:
    """Cancel an order at the counter, up to BOX_OFFICE_REFUND_LIMIT (above it, a manager's job: RefundAboveLimit).
    The cancel and refund are orders.services.order_cancel's, as staff (no customer cut-off; an admitted ticket
    still refuses it), which checks the limit under the order's locks, against what it is about to refund; this
    records who paid the cash out.

    The returned order's `cash_paid_out` is all the cash the cashier hands over now: this cancel's refund of money
    taken at the counter, and any earlier one still waiting there (a seat cancelled online from an order paid at
    the box office)."""
    now = now or timezone.now()
    if not Order.objects.filter(pk=order_id).exists():
        raise OrderNotFound()
    limit = None if has_role(staff_user, MANAGER) else settings.BOX_OFFICE_REFUND_LIMIT
    with transaction.atomic():
        order = services.order_cancel(user=staff_user, order_id=order_id, now=now, by_staff=True,
                                      reason="refunded_at_counter", max_refund=limit)
        # Money taken at the counter goes back across it, in cash, now: the cashier pays out what the order's
        # refunds left waiting there (orders.services: state to_pay_out). An online payment was refunded to the
        # card by order_cancel, through its provider, and the counter pays nothing out.
        waiting = list(Refund.objects.filter(order=order, state=Refund.State.TO_PAY_OUT).order_by("pk"))
        for refund in waiting:
            services.refund_paid_out(refund_id=refund.pk, staff_user=staff_user, now=now)
        order.cash_paid_out = sum((refund.amount for refund in waiting), Decimal("0.00"))
        if order.refund is not None:
            order.refund.refresh_from_db()  # paid out just now: the page says so
    return order


def box_office_tickets_pdf(*, order_id: int, page_format: str = "a4") -> bytes:
    """Any paid order's tickets for the counter's printer: one ticket per page, A4 or a ticket printer's roll."""
    from tickets.rendering import A4_SINGLE_LAYOUT, TICKET_ROLL_LAYOUT, tickets_pdf
    from tickets.selectors import printable_ticket, ticket_type_names_for

    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise OrderNotFound()
    if order.status != Order.Status.PAID:
        raise OrderNotPaid()
    bookings = (Booking.objects.filter(order=order, status=Booking.Status.BOOKED)
                .with_show().select_related("order", "checkin").order_by("seat_number"))
    layout = TICKET_ROLL_LAYOUT if page_format == "ticket" else A4_SINGLE_LAYOUT
    bookings = list(bookings)
    names = ticket_type_names_for(bookings)
    return tickets_pdf([printable_ticket(b, names=names) for b in bookings], layout=layout)
