"""Orders: made from a hold, paid through a provider, expired, cancelled and refunded.

Every service that changes seats or an order's state follows core.locks: lock the order's seat rows first (in
seat-number order, as every seat writer does), then the order row, re-read under the locks, decide, write. Calls
to a payment provider (the network) are never made while those locks are held: a PaymentIntent is created after
the order committed, and a refund is recorded in the transaction that cancels and executed with the provider once
it has committed (`process_refunds` retries one whose execution failed, with the same idempotency key).
"""
import logging
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from common.db import locked_transaction
from common.events import log_event_on_commit
from core.errors import CancellationClosed, HoldExpired, SeatsUnavailable, ShowCancelled, ShowStarted
from core.locks import lock_seats
from core.models import Booking, Hold, HoldRecord, HoldSeat, Show, ShowSeat
from core.reservations import collect_by
from core.services.booking import insert_bookings
from core.services.holds import hold_lock_own, hold_record_converted, hold_record_unconverted, hold_seat_types
from core.services.seats import is_live_hold, set_state, show_for_sale
from orders import signals
from orders.errors import (
    AlreadyPaid,
    CardAttemptsExhausted,
    OrderNotCancellable,
    OrderNotFound,
    OrderNotPaid,
    OrderNotPending,
    PaymentDeclined,
    PaymentMethodUnavailable,
    PaymentProviderError,
    RefundAboveLimit,
    RefundNotToPayOut,
)
from orders.models import Order, Payment, ProviderCustomer, Refund
from orders.payments import get_provider
from orders.payments.providers.base import Outcome, to_minor_units
from orders.pricing import PricedSeat
from tickets.services import refuse_cancel_if_admitted
from venues.models import ADULT
from vouchers.services import voucher_redeem, voucher_use_paid, voucher_use_release

logger = logging.getLogger(__name__)


# --- Creating an order ------------------------------------------------------------------------------------
def order_create(*, user, hold_id: int, payment_method: str, voucher: str | None = None,
                 now: datetime | None = None) -> Order:
    """Turn the user's unexpired hold into a pending order that keeps its seats until `expires_at`.

    `voucher`: a promo code, redeemed here under the order's locks (vouchers.services.voucher_redeem: the seats it
    covers are discounted, one use each; InvalidVoucher 400, VoucherUsedUp 409).

    Someone else's hold (or one already in an order) is HoldNotFound (404); an expired one HoldExpired (410).
    For an online provider the payment is then started with it (after the commit: no lock is held over the
    network); if that fails, the order is cancelled, the hold given back, and PaymentProviderError raised.
    """
    now = now or timezone.now()
    provider = get_provider(payment_method, for_new_payment=True)
    with locked_transaction():
        # The hold's seat rows locked, the hold re-read under them (404 if it is someone else's, or an order's).
        # The same locking as confirming a hold.
        hold, seats = hold_lock_own(user=user, hold_id=hold_id)
        if hold.expires_at <= now:
            raise HoldExpired()
        show = show_for_sale(hold.show_id, now=now)
        still_held = hold_seat_types(hold.pk)
        seats = sorted((seat for seat in seats if seat.number in still_held), key=lambda seat: seat.number)
        if not seats:
            raise HoldExpired()  # its seats were reclaimed by someone who saw it expired (core.services.holds)
        lost = [seat.number for seat in seats if seat.state != ShowSeat.State.HELD or seat.hold_id != hold.pk]
        if lost:
            raise SeatsUnavailable(lost)
        # The price is fixed here, per seat and ticket type: the order keeps it whatever the show's prices become.
        priced = [PricedSeat.of(seat, still_held[seat.number], show.prices) for seat in seats]
        # The hold now keeps the seats for the order: extended to the payment window, never past the show. An order
        # paid at the counter is a reservation: kept until it must be collected (core.reservations.collect_by),
        # or for the usual window when that deadline is sooner.
        expires_at = min(now + timedelta(minutes=settings.ORDER_PAYMENT_MINUTES), show.date_time)
        if provider.paid_at_counter:
            expires_at = max(expires_at, collect_by(show.date_time))
        sold = [seat.as_json() for seat in priced]
        use = None
        if voucher:
            # After the seat rows are locked (core.locks: seats first), the voucher row is locked and its uses
            # counted; the uses last as long as the pending order, for good once it is paid.
            use, discounted = voucher_redeem(user=user, code=voucher, show=show, seats=sold,
                                             expires_at=expires_at, now=now)
            sold = [{**{k: v for k, v in seat.items() if k != "voucher"}, "price": str(seat["price"]),
                     "full_price": str(seat["full_price"]), "discount": str(seat["discount"])}
                    for seat in discounted]
        total = sum((Decimal(seat["price"]) for seat in sold), Decimal("0.00"))
        discount = sum((Decimal(seat.get("discount", "0")) for seat in sold), Decimal("0.00"))
        hold.expires_at = expires_at
        hold.save(update_fields=["expires_at"])
        ShowSeat.objects.filter(pk__in=[seat.pk for seat in seats]).update(held_until=expires_at)
        hold_record_converted(hold_id=hold.pk, to=HoldRecord.ConvertedTo.ORDER, now=now)
        order = Order.objects.create(
            user=user, show=show, hold=hold, payment_method=payment_method, seats=sold,
            total=total, currency=settings.CURRENCY, created_at=now, expires_at=expires_at, voucher_use=use,
            discount=discount,
        )
        payment = Payment.objects.create(order=order, provider=provider.name, amount=total,
                                         currency=order.currency, created_at=now)
        log_event_on_commit("order_created", user_id=user.pk, order_id=order.pk, show_id=show.pk,
                            seat_numbers=[seat.number for seat in seats], total=str(total),
                            payment_method=payment_method, discount=str(discount),
                            voucher_use_id=use.pk if use else None)
        if total == 0:
            # Nothing to pay: the seats are the customer's at once, as free tickets.
            _book_order(order=order, show=show, seats=seats, payment_status=Booking.PaymentStatus.FREE, now=now)
            payment.state = Payment.State.CONFIRMED
            payment.confirmed_at = now
            payment.save(update_fields=["state", "confirmed_at"])
            signals.order_paid.send(sender=Order, order=order)
    if order.status == Order.Status.PENDING and provider.online:
        _start_online_payment(order=order, payment=payment, provider=provider)
    order.show = show
    return order


def _start_online_payment(*, order: Order, payment: Payment, provider) -> None:
    try:
        provider.start_payment(payment)
    except PaymentProviderError:
        _order_undo(order_id=order.pk)
        raise
    Payment.objects.filter(pk=payment.pk).update(state=Payment.State.PENDING,
                                                  provider_reference=payment.provider_reference,
                                                  client_secret=payment.client_secret)
    payment.state = Payment.State.PENDING


def _order_undo(*, order_id: int) -> None:
    """The provider could not start the payment: cancel the order and give its hold back to the customer, so
    they can simply try again (with the same hold)."""
    with _locked_order(order_id) as (order, _show, _seats):
        if order.status != Order.Status.PENDING:
            return
        order.status = Order.Status.CANCELLED
        order.cancelled_at = timezone.now()
        if order.hold_id:
            hold_record_unconverted(hold_id=order.hold_id)
        order.hold = None
        order.save(update_fields=["status", "cancelled_at", "hold"])
        Payment.objects.filter(order=order).update(state=Payment.State.FAILED)
        _release_voucher_use(order=order, now=order.cancelled_at)


# --- Paying -------------------------------------------------------------------------------------------------
def order_mark_paid(*, order_id: int, staff_user, now: datetime | None = None) -> Order:
    """Staff record a box-office payment of the full total. After expiry it still succeeds if the order's seats
    are free (they are then booked), else SeatsUnavailable: no money has changed hands yet."""
    now = now or timezone.now()
    with _locked_order(order_id) as (order, show, seats):
        if order.status == Order.Status.PAID:
            raise AlreadyPaid()
        if order.status == Order.Status.CANCELLED:
            raise OrderNotPending()
        if show.status == Show.Status.CANCELLED:
            raise ShowCancelled()
        if order.current_status(now) == Order.Status.EXPIRED:
            unavailable = _unavailable_seats(order=order, show=show, seats=seats, now=now)
            if unavailable:
                raise SeatsUnavailable(unavailable)
        payment = Payment.objects.create(order=order, provider="box_office", amount=order.total,
                                         currency=order.currency, state=Payment.State.CONFIRMED, created_at=now,
                                         confirmed_at=now, confirmed_by=staff_user)
        _book_order(order=order, show=show, seats=seats, payment_status=Booking.PaymentStatus.PAID, now=now)
        log_event_on_commit("order_paid", order_id=order.pk, payment_id=payment.pk, provider="box_office",
                            staff_user_id=staff_user.pk)
        signals.order_paid.send(sender=Order, order=order)
    return order


def payment_outcome_apply(*, payment_id: int, outcome: Outcome, now: datetime | None = None) -> Order:
    """Apply what the provider says about a payment (webhook or refresh). Safe to call any number of times, in
    any order and at the same moment: the order is paid at most once.

    - succeeded, amount and currency as expected, order pending: the seats are booked, the order is paid;
    - succeeded after the order expired: paid if its seats are still free, else refunded and left expired;
    - succeeded for an order already paid (by another payment) or cancelled: refunded;
    - amount or currency not the order's: not paid, logged as a warning;
    - failed or still open: nothing changes (the customer may retry until the order expires).
    """
    now = now or timezone.now()
    order_id = Payment.objects.filter(pk=payment_id).values_list("order_id", flat=True).get()
    with _locked_order(order_id) as (order, show, seats):
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.state == Payment.State.CONFIRMED or outcome.state != "succeeded":
            if outcome.state == "failed" and payment.state == Payment.State.PENDING:
                payment.state = Payment.State.FAILED
                payment.save(update_fields=["state"])
            return order
        expected = (to_minor_units(payment.amount, payment.currency), payment.currency.upper())
        if (outcome.amount_minor, outcome.currency) != expected:
            logger.warning("Payment %s of order %s: the provider reports %s %s, the order expects %s %s; not paid.",
                           payment.pk, order.pk, outcome.amount_minor, outcome.currency, *expected)
            return order
        payment.state = Payment.State.CONFIRMED
        payment.confirmed_at = now
        payment.save(update_fields=["state", "confirmed_at"])
        log_event_on_commit("payment_confirmed", order_id=order.pk, payment_id=payment.pk,
                            provider=payment.provider)
        if order.status in (Order.Status.PAID, Order.Status.CANCELLED):
            _refund_create(order=order, payment=payment, amount=payment.amount,
                           reason="already_paid" if order.status == Order.Status.PAID else "order_cancelled")
            return order
        if _unavailable_seats(order=order, show=show, seats=seats, now=now, only_if_expired=True):
            order.status = Order.Status.EXPIRED
            order.save(update_fields=["status"])
            _refund_create(order=order, payment=payment, amount=payment.amount, reason="paid_after_expiry")
            signals.order_refunded_after_expiry.send(sender=Order, order=order)
            log_event_on_commit("order_payment_refunded_after_expiry", order_id=order.pk, payment_id=payment.pk)
            return order
        _book_order(order=order, show=show, seats=seats, payment_status=Booking.PaymentStatus.PAID, now=now)
        log_event_on_commit("order_paid", order_id=order.pk, payment_id=payment.pk, provider=payment.provider)
        signals.order_paid.send(sender=Order, order=order)
    return order


def payment_refresh(*, user, order_id: int, now: datetime | None = None) -> Order:
    """The client asks the server to re-check the order's online payment with the provider."""
    order = order_get(user=user, order_id=order_id)
    for payment in order.payments.filter(state__in=[Payment.State.PENDING, Payment.State.FAILED]):
        outcome = get_provider(payment.provider).fetch_outcome(payment)
        if outcome is not None:
            payment_outcome_apply(payment_id=payment.pk, outcome=outcome, now=now)
    return order_get(user=user, order_id=order_id)


def order_pay_with_card(*, user, order_id: int, card_token: str, now: datetime | None = None) -> tuple[Order, bool]:
    """Pay the user's pending card order with a card tokenised in the browser (the web checkout), then learn the
    outcome from the provider and apply it exactly as a webhook or a refresh does (payment_outcome_apply).

    Returns the order and whether the customer must still act in the browser (3D Secure). A declined card raises
    PaymentDeclined and changes nothing here: the order stays pending with its seats until it expires, and another
    card may be tried, as after a decline through the API. No lock is held during the provider's calls.
    """
    now = now or timezone.now()
    order = order_get(user=user, order_id=order_id)
    status = order.current_status(now)
    if status == Order.Status.PAID:
        raise AlreadyPaid()
    payment = next((p for p in sorted(order.payments.all(), key=lambda p: -p.pk)
                    if p.provider == order.payment_method and p.state == Payment.State.PENDING), None)
    if status != Order.Status.PENDING or payment is None:
        raise OrderNotPending()
    provider = get_provider(payment.provider)
    if not provider.online:
        raise PaymentMethodUnavailable()
    if order.card_declines >= settings.MAX_CARD_DECLINES_PER_ORDER:
        raise CardAttemptsExhausted()
    customer = provider_customer(user=user, provider=provider)
    try:
        provider.pay_with_card_token(payment, card_token, customer=customer)
    except PaymentDeclined:
        _card_declined(order=order, payment=payment, provider=provider)
        raise
    outcome = provider.fetch_outcome(payment)
    if outcome is not None:
        payment_outcome_apply(payment_id=payment.pk, outcome=outcome, now=now)
    return order_get(user=user, order_id=order_id), bool(outcome and outcome.action_required)


def _card_declined(*, order: Order, payment: Payment, provider) -> None:
    """Count a declined card against the order (card testing: Stripe's advice is a limit per order); at
    MAX_CARD_DECLINES_PER_ORDER the order takes no more cards, and its payment is stopped at the provider, so a
    client holding the PaymentIntent's secret cannot go on trying cards with Stripe.js either."""
    Order.objects.filter(pk=order.pk).update(card_declines=F("card_declines") + 1)
    declines = Order.objects.filter(pk=order.pk).values_list("card_declines", flat=True).get()
    log_event_on_commit("card_declined", order_id=order.pk, user_id=order.user_id, declines=declines)
    if declines < settings.MAX_CARD_DECLINES_PER_ORDER:
        return
    try:
        provider.stop_payment(payment)
    except PaymentProviderError:
        logger.warning("Order %s: its payment could not be stopped at the provider after %s declined cards.",
                       order.pk, declines)


def provider_customer(*, user, provider) -> str:
    """The provider's customer record of the account, made on its first card payment and reused by every later
    one (a Stripe Customer per account, not per attempt)."""
    reference = (ProviderCustomer.objects.filter(user=user, provider=provider.name)
                 .values_list("reference", flat=True).first())
    if reference:
        return reference
    made = provider.create_customer(user)
    # Two first attempts at once: the provider's idempotency key gave both the same record; one row is kept.
    return ProviderCustomer.objects.get_or_create(user=user, provider=provider.name,
                                                  defaults={"reference": made})[0].reference


def stripe_webhook_handle(*, payment_intent_id: str) -> None:
    """A verified Stripe event about a PaymentIntent: re-fetch it and apply what Stripe says (never the body)."""
    payment = Payment.objects.filter(provider="stripe", provider_reference=payment_intent_id).first()
    if payment is None:
        logger.info("Stripe event for PaymentIntent %s, which is none of ours; ignored.", payment_intent_id)
        return
    outcome = get_provider("stripe").fetch_outcome(payment)
    if outcome is not None:
        payment_outcome_apply(payment_id=payment.pk, outcome=outcome)


# --- Expiry -------------------------------------------------------------------------------------------------
def expire_orders(*, now: datetime | None = None) -> int:
    """Write down `expired` for pending orders whose time is up; returns how many. Their seats are already free
    (their hold expired with them), so this only records it; it takes each order's locks like every writer."""
    now = now or timezone.now()
    expired = 0
    for order_id in list(Order.objects.filter(status=Order.Status.PENDING, expires_at__lte=now)
                         .order_by("pk").values_list("pk", flat=True)):
        with _locked_order(order_id) as (order, _show, _seats):
            if order.status == Order.Status.PENDING and order.expires_at <= now:
                order.status = Order.Status.EXPIRED
                order.save(update_fields=["status"])
                # Its uses already lapsed with expires_at; written down too, as a cancel does.
                _release_voucher_use(order=order, now=now)
                log_event_on_commit("order_expired", order_id=order.pk)
                expired += 1
    return expired


# --- Cancelling and refunding ---------------------------------------------------------------------------
def order_cancel(*, user, order_id: int, now: datetime | None = None, by_staff: bool = False,
                 reason: str = "cancelled_by_customer", max_refund: Decimal | None = None) -> Order:
    """Cancel the order: a pending one gives its seats back; a paid one cancels every active booking and refunds
    what was paid for them, through the provider that took it. Closes at the cancellation cut-off (customers).
    `max_refund`: the most this caller may refund (the box office's limit), judged under the locks on what is
    refunded now, else RefundAboveLimit and nothing changes.
    The returned order's `refund` is the Refund this cancel recorded (None: nothing was paid), for the caller to
    tell the customer."""
    now = now or timezone.now()
    refund = None
    if not by_staff:
        order_get(user=user, order_id=order_id)  # someone else's order: 404
    with _locked_order(order_id) as (order, show, seats):
        status = order.current_status(now)
        if status in (Order.Status.CANCELLED, Order.Status.EXPIRED):
            raise OrderNotCancellable()
        if not by_staff:
            cutoff_minutes = settings.BOOKING_CANCEL_CUTOFF_MINUTES
            if now >= show.date_time - timedelta(minutes=cutoff_minutes):
                raise CancellationClosed() if cutoff_minutes else ShowStarted()
        if status == Order.Status.PENDING:
            if order.hold_id:
                set_state([seat for seat in seats if seat.hold_id == order.hold_id], ShowSeat.State.FREE)
                Hold.objects.filter(pk=order.hold_id).delete()
            Payment.objects.filter(order=order, state=Payment.State.PENDING).update(state=Payment.State.FAILED)
        else:
            bookings = list(Booking.objects.select_for_update().filter(order=order, status=Booking.Status.BOOKED)
                            .order_by("pk"))
            refuse_cancel_if_admitted(bookings)
            # One refund for everything paid, through the payment that took it.
            to_refund = _cancel_order_bookings(order=order, bookings=bookings, now=now)
            if max_refund is not None and to_refund > max_refund:
                raise RefundAboveLimit(max_refund)  # the transaction is undone: nothing was cancelled
            cancelled_seats = {booking.seat_number for booking in bookings}
            set_state([seat for seat in seats if seat.number in cancelled_seats], ShowSeat.State.FREE)
            refund = next(iter(_refund_money(order=order, amount=to_refund, reason=reason)), None)
        order.status = Order.Status.CANCELLED
        order.cancelled_at = now
        order.save(update_fields=["status", "cancelled_at"])
        _release_voucher_use(order=order, now=now)
        log_event_on_commit("order_cancelled", order_id=order.pk, user_id=order.user_id, reason=reason)
        signals.order_cancelled.send(sender=Order, order=order)
    order.refund = refund
    return order


def _cancel_order_bookings(*, order: Order, bookings: list[Booking], now: datetime) -> Decimal:
    """Cancel the order's locked active `bookings`; return what was paid for them (to refund in one Refund)."""
    to_refund = Decimal("0.00")
    for booking in bookings:
        if booking.payment_status == Booking.PaymentStatus.PAID:
            to_refund += order.seat_price(booking.seat_number)
            booking.payment_status = Booking.PaymentStatus.REFUNDED
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.save(update_fields=["status", "cancelled_at", "payment_status"])
    return to_refund


def booking_cancelled_refund(*, booking: Booking, now: datetime) -> Refund | None:
    """For a booking the seat sale cancels (core's booking_cancelled, orders.receivers; show and booking locked): if
    the booking was paid in an order, that seat's price is refunded (the Refund is returned); a paid order left
    with no active booking is cancelled."""
    if booking.order_id is None:
        return None
    order = Order.objects.select_for_update().get(pk=booking.order_id)
    refund = _booking_refund(booking=booking, order=order, reason="booking_cancelled")
    if not Booking.objects.filter(order=order, status=Booking.Status.BOOKED).exclude(pk=booking.pk).exists():
        order.status = Order.Status.CANCELLED
        order.cancelled_at = now
        order.save(update_fields=["status", "cancelled_at"])
        _release_voucher_use(order=order, now=now)
    return refund


def _booking_refund(*, booking: Booking, order: Order, reason: str) -> Refund | None:
    if booking.payment_status != Booking.PaymentStatus.PAID:
        return None
    price = order.seat_price(booking.seat_number)
    booking.payment_status = Booking.PaymentStatus.REFUNDED
    Booking.objects.filter(pk=booking.pk).update(payment_status=Booking.PaymentStatus.REFUNDED)
    return next(iter(_refund_money(order=order, amount=price, reason=reason)), None)


def _refund_money(*, order: Order, amount: Decimal, reason: str) -> list[Refund]:
    """Refund `amount` of what the order's customer paid: from each confirmed payment that still has money left
    (what it took minus what was refunded from it; a failed refund gave nothing back), oldest first, never more
    than it has left. Call with the order row locked, so two refunds of one order never take the same money.

    An order paid twice had its extra payment refunded in full when it arrived (`payment_outcome_apply`), so it has
    nothing left and is never picked: the money comes back from the payment that paid for the tickets, through
    its provider (cash at the counter for the box office: `Refund.State.TO_PAY_OUT`)."""
    refunds = []
    if amount <= 0:
        return refunds
    refunded = {payment_id: total for payment_id, total in Refund.objects.filter(order=order).exclude(
        state=Refund.State.FAILED).values("payment_id").annotate(total=Sum("amount")).values_list(
        "payment_id", "total")}
    for payment in order.payments.filter(state=Payment.State.CONFIRMED, amount__gt=0).order_by("confirmed_at", "pk"):
        left = payment.amount - refunded.get(payment.pk, Decimal("0.00"))
        if left <= 0:
            continue
        take = min(left, amount)
        refunds.append(_refund_create(order=order, payment=payment, amount=take, reason=reason))
        amount -= take
        if amount <= 0:
            return refunds
    logger.error("Order %s: %s %s more to refund (%s) than its confirmed payments have left; not refunded.",
                 order.pk, amount, order.currency, reason)
    return refunds


def _refund_create(*, order: Order, payment: Payment, amount: Decimal, reason: str) -> Refund:
    """Record a refund in the current transaction; it is executed with the provider once that commits. Money
    taken at the counter is given back there: the refund waits, as cash to pay out, for staff to hand it over
    (`refund_paid_out`)."""
    at_counter = get_provider(payment.provider).refunds_at_counter
    refund = Refund.objects.create(order=order, payment=payment, amount=amount, currency=payment.currency,
                                   reason=reason, state=Refund.State.TO_PAY_OUT if at_counter
                                   else Refund.State.PENDING)
    log_event_on_commit("refund_created", order_id=order.pk, refund_id=refund.pk, amount=str(amount),
                        reason=reason, payment_id=payment.pk, provider=payment.provider)
    if not at_counter:
        transaction.on_commit(lambda: refund_execute(refund_id=refund.pk))
    return refund


def refund_paid_out(*, refund_id: int, staff_user, now: datetime | None = None) -> Refund:
    """Staff handed a box-office refund's cash to the customer at the counter: the refund is done."""
    now = now or timezone.now()
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.state != Refund.State.TO_PAY_OUT:
            raise RefundNotToPayOut()
        refund.state, refund.done_at, refund.paid_out_by = Refund.State.DONE, now, staff_user
        refund.provider_reference = f"counter:{staff_user.pk}"
        refund.save(update_fields=["state", "done_at", "paid_out_by", "provider_reference"])
        log_event_on_commit("refund_paid_out", refund_id=refund.pk, order_id=refund.order_id,
                            staff_user_id=staff_user.pk)
    return refund


def refund_execute(*, refund_id: int) -> Refund:
    """Give a recorded refund's money back through its payment's provider. Safe to repeat: the provider call
    carries the refund's own idempotency key, and a done refund is left alone."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.state != Refund.State.PENDING:
        return refund  # done, or cash waiting at the counter
    try:
        reference = get_provider(refund.payment.provider).execute_refund(refund)
    except PaymentProviderError as exc:
        Refund.objects.filter(pk=refund.pk, state=Refund.State.PENDING).update(last_error=exc.message)
        logger.warning("Refund %s of order %s could not be executed yet; process_refunds retries it.",
                       refund.pk, refund.order_id)
        return refund
    Refund.objects.filter(pk=refund.pk).update(state=Refund.State.DONE, provider_reference=reference,
                                               done_at=timezone.now(), last_error="")
    refund.refresh_from_db()
    return refund


def process_refunds() -> int:
    """Execute every refund still pending (its first attempt failed, or the process died before it)."""
    done = 0
    for refund_id in list(Refund.objects.filter(state=Refund.State.PENDING).values_list("pk", flat=True)):
        done += refund_execute(refund_id=refund_id).state == Refund.State.DONE
    return done


def show_cancel_orders(*, show, now: datetime | None = None) -> list[Order]:
    """Staff cancel a show: cancel each of its orders, refunding what was paid, and tell every customer.

    The show-cancel service announces it (core's show_cancelling, orders.receivers) in its own transaction, with
    the show locked (so no order can be paid or created meanwhile), before it cancels the show's remaining
    bookings and holds.
    """
    now = now or timezone.now()
    cancelled = []
    for order in Order.objects.select_for_update().filter(show=show).exclude(
            status__in=[Order.Status.CANCELLED, Order.Status.EXPIRED]).order_by("pk"):
        order.show = show
        if order.current_status(now) == Order.Status.EXPIRED:
            continue
        bookings = list(Booking.objects.select_for_update().filter(order=order, status=Booking.Status.BOOKED)
                        .order_by("pk"))
        to_refund = _cancel_order_bookings(order=order, bookings=bookings, now=now)
        if order.hold_id:
            # Its seats first (the caller holds every seat lock of the show): a hold still named by held seats
            # cannot be deleted (core.models).
            ShowSeat.objects.filter(hold_id=order.hold_id).update(state=ShowSeat.State.FREE, hold=None,
                                                                 held_until=None)
            Hold.objects.filter(pk=order.hold_id).delete()
        _refund_money(order=order, amount=to_refund, reason="show_cancelled")
        order.status = Order.Status.CANCELLED
        order.cancelled_at = now
        order.save(update_fields=["status", "cancelled_at"])
        _release_voucher_use(order=order, now=now)
        log_event_on_commit("order_cancelled", order_id=order.pk, user_id=order.user_id, reason="show_cancelled")
        cancelled.append(order)
    return cancelled


# --- Reads ----------------------------------------------------------------------------------------------
def order_tickets_resend(*, order: Order) -> None:
    """Staff send a paid order's tickets again (a new message each time: a resend is its own event)."""
    signals.order_tickets_resend_requested.send(sender=Order, order=order)


def order_get(*, user, order_id: int) -> Order:
    order = (Order.objects.filter(pk=order_id, user=user).select_related("show__movie")
             .prefetch_related("payments", "refunds", "bookings").first())
    if order is None:
        raise OrderNotFound()
    return order


def order_tickets_pdf(*, user, order_id: int, layout: str = "a4") -> bytes:
    """The printable tickets of the user's paid order (tickets.rendering: on A4, or one per phone-sized page): for
    the API and the pages. Someone else's order is OrderNotFound; one not paid, OrderNotPaid."""
    from tickets.rendering import tickets_pdf
    from tickets.selectors import printable_ticket, ticket_type_names_for

    order = order_get(user=user, order_id=order_id)
    if order.status != Order.Status.PAID:
        raise OrderNotPaid()
    bookings = (Booking.objects.filter(order=order, status=Booking.Status.BOOKED)
                .with_show().select_related("order", "checkin").order_by("seat_number"))
    bookings = list(bookings)
    names = ticket_type_names_for(bookings)
    return tickets_pdf([printable_ticket(b, names=names) for b in bookings], layout=layout)


def order_list_for_user(*, user):
    return (Order.objects.filter(user=user).select_related("show__movie")
            .prefetch_related("payments", "refunds", "bookings").order_by("-created_at", "-id"))


# --- Helpers (call with the show and the order locked) ----------------------------------------------------
@contextmanager
def _locked_order(order_id: int):
    """`with _locked_order(order_id) as (order, show, seats)`: a locked transaction holding the order's seat rows
    (in seat-number order, as every seat writer takes them), then the order row; the order re-read under both and
    the show read after them (core.locks: a show-wide change locks every seat first)."""
    found = Order.objects.filter(pk=order_id).values_list("show_id", "seats").first()
    if found is None:
        raise OrderNotFound()
    show_id, sold = found
    with locked_transaction():
        seats = lock_seats(show_id, sorted(seat["number"] for seat in sold))
        order = Order.objects.select_for_update().get(pk=order_id)
        show = Show.objects.with_relations().get(pk=show_id)
        order.show = show
        yield order, show, seats


def _unavailable_seats(*, order: Order, show: Show, seats: list[ShowSeat], now: datetime,
                       only_if_expired: bool = False) -> set[int]:
    """The order's seats it can no longer have: someone else booked or holds them, staff blocked them, or the show
    started or was cancelled. While the order is pending its hold keeps them, so nothing is unavailable then."""
    if only_if_expired and order.current_status(now) != Order.Status.EXPIRED:
        return set()
    if show.status == Show.Status.CANCELLED or show.date_time <= now:
        return {seat.number for seat in seats}
    return {seat.number for seat in seats
            if seat.state in (ShowSeat.State.BOOKED, ShowSeat.State.BLOCKED)
            or (is_live_hold(seat, now) and seat.hold_id != order.hold_id)}


def _book_order(*, order: Order, show: Show, seats: list[ShowSeat], payment_status: str,
                now: datetime) -> list[Booking]:
    """The order's seats become its bookings, at the prices it sold them at; its hold goes. Call with the seats
    locked and checked available."""
    numbers = [seat.number for seat in seats]
    # Hold seat rows of expired holds that still occupy these seats in the unique (show, seat) index.
    HoldSeat.objects.filter(show_id=show.pk, seat_number__in=numbers, hold__expires_at__lte=now).delete()
    set_state(seats, ShowSeat.State.BOOKED)
    if order.hold_id:
        # Only now that its seats are booked: a hold still named by held seats cannot be deleted (core.models).
        Hold.objects.filter(pk=order.hold_id).delete()
    prices = {seat["number"]: Decimal(seat["price"]) for seat in order.seats}
    # Orders made before ticket types sold every seat as Adult.
    kinds = {seat["number"]: seat.get("ticket_type", ADULT) for seat in order.seats}
    bookings = insert_bookings(user=order.user, show=show, seats=seats, order=order, payment_status=payment_status,
                               prices=prices, ticket_types=kinds)
    if order.voucher_use_id:
        # Paid: its uses are kept for good. Paid after it expired (the money came, the seats were still free): the
        # lapsed uses count again, even past max_uses (logged by vouchers).
        voucher_use_paid(use_id=order.voucher_use_id, late=order.current_status(now) == Order.Status.EXPIRED)
    order.status = Order.Status.PAID
    order.paid_at = now
    order.save(update_fields=["status", "paid_at"])
    return bookings


def _release_voucher_use(*, order: Order, now: datetime) -> None:
    """A cancelled, undone or expired order gives its promo code's uses back."""
    if order.voucher_use_id:
        voucher_use_release(use_id=order.voucher_use_id, now=now)


def order_detail(*, order_id: int) -> Order:
    """An order with what its JSON needs (three queries), whoever owns it: for responses after a service ran."""
    return (Order.objects.select_related("show__movie").prefetch_related("payments", "refunds", "bookings")
            .get(pk=order_id))
