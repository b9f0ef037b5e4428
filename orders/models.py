"""Orders: seats a customer buys together, the payments that pay for them and the refunds given back.

An order is made from the customer's hold and keeps that hold (extended to `expires_at`) while it is pending, so
its seats are set aside exactly as held seats are, and come free at `expires_at` with no job having to run
(core.services.holds). Once paid, the hold becomes the order's bookings. The rules live in orders.services.
"""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.models import Hold, OfAShowQuerySet, Show


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending payment"
        PAID = "paid", "Paid"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"

    class Method(models.TextChoices):
        STRIPE = "stripe", "Card (Stripe)"
        BOX_OFFICE = "box_office", "Box office"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    show = models.ForeignKey(Show, on_delete=models.PROTECT, related_name="orders")
    # The hold that keeps the seats while the order is pending. SET_NULL: expired holds are tidied away, and the
    # order keeps its own copy of the seats (`seats`).
    hold = models.OneToOneField(Hold, on_delete=models.SET_NULL, null=True, blank=True, related_name="order")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    payment_method = models.CharField(max_length=20, choices=Method.choices)
    # What was sold, as sold: [{"number", "label", "category", "price", "ticket_type", "full_price", "discount"}],
    # in seat order; `price` is what is charged for the seat (after a promo code's discount, of its `full_price`).
    # Before ticket types, without "ticket_type": Adult; before vouchers, without full_price and discount (the
    # price was the full price). A later price change never rewrites it.
    seats = models.JSONField()
    total = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # Cards declined paying this order (orders.services.order_pay_with_card); at MAX_CARD_DECLINES_PER_ORDER it
    # accepts no more cards.
    card_declines = models.PositiveIntegerField(default=0, editable=False)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Where the order's mail goes when not to the account's own address: a sale at the box office belongs to the
    # walk-in identity (orders.box_office), and the buyer may give an address for the tickets.
    email = models.EmailField(blank=True, default="")
    # The promo code's uses this order took (vouchers; a use is a discounted seat), and what it took off in all:
    # `total` is what is charged, each seat's `price` in `seats` too (with its `full_price` and `discount`).
    voucher_use = models.OneToOneField("vouchers.VoucherUse", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="order")
    discount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))

    # with_show(): the show with its movie, screen and cinema, the screen's layout left out (core.models).
    objects = OfAShowQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(condition=Q(status__in=["pending", "paid", "expired", "cancelled"]),
                                   name="order_status_valid"),
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="order_expires_after_created"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="order_user_recent_idx"),
            # expire_orders: pending orders whose time is up.
            models.Index(fields=["status", "expires_at"], name="order_status_expires_idx"),
        ]

    def __str__(self):
        return f"Order #{self.pk} ({self.status})"

    def current_status(self, now=None) -> str:
        """The status as a client should see it: a pending order past `expires_at` has expired, whether or not
        the expire_orders sweep has written that down yet (its seats are free either way)."""
        now = now or timezone.now()
        if self.status == self.Status.PENDING and self.expires_at <= now:
            return self.Status.EXPIRED
        return self.status

    def seat_price(self, seat_number: int) -> Decimal:
        for seat in self.seats:
            if seat["number"] == seat_number:
                return Decimal(seat["price"])
        raise KeyError(seat_number)


class CounterMethod(models.TextChoices):
    """How money changed hands at the box office: cash, or a card on the cinema's own terminal (which settles with
    the cinema's bank outside this system, so there is nothing to call: it is recorded as such)."""

    CASH = "cash", "Cash"
    CARD_TERMINAL = "card_terminal", "Card (cinema's terminal)"


class Payment(models.Model):
    """One attempt to pay an order through a provider (a Stripe PaymentIntent, or cash at the box office)."""

    class State(models.TextChoices):
        CREATED = "created", "Created"  # the provider has not been asked yet, or asking failed
        PENDING = "pending", "Waiting for the customer"
        CONFIRMED = "confirmed", "Confirmed"
        FAILED = "failed", "Failed"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20)
    state = models.CharField(max_length=10, choices=State.choices, default=State.CREATED)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    # The provider's id (Stripe: the PaymentIntent id), unique so one PaymentIntent can only ever pay one order.
    provider_reference = models.CharField(max_length=255, null=True, blank=True, unique=True)
    # Stripe: the PaymentIntent's client_secret, which Stripe.js needs; only ever shown to the order's owner.
    client_secret = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # How a box-office payment was taken at the counter (blank for every other provider).
    counter_method = models.CharField(max_length=20, choices=CounterMethod.choices, blank=True, default="")
    # Who recorded a box-office payment.
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_not_negative"),
        ]

    def __str__(self):
        return f"Payment #{self.pk} of order {self.order_id} ({self.provider}, {self.state})"


class Refund(models.Model):
    """Money given back for a payment: recorded in the transaction that cancels, executed with the provider
    right after it commits (and retried by `process_refunds` should that fail)."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        # Money taken at the box office goes back there: recorded, waiting for staff to hand the cash over.
        TO_PAY_OUT = "to_pay_out", "Cash to pay out at the counter"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    # Refunds of a payment that bought nothing (it arrived for an order already paid, cancelled, or whose seats
    # were gone): money returned, not a ticket refunded, so the sales report does not count them as refunds.
    UNUSED_PAYMENT_REASONS = ("already_paid", "order_cancelled", "paid_after_expiry")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.CharField(max_length=100)
    provider_reference = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    # A refund given at the box office is cash paid out at the counter, by this member of staff (orders.box_office).
    paid_out_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self):
        return f"Refund #{self.pk} of order {self.order_id}: {self.amount} {self.currency} ({self.state})"


class ProviderCustomer(models.Model):
    """The customer record a payment provider keeps for an account (a Stripe Customer), made once per account and
    reused by every card payment of it, rather than one per attempt (orders.services.provider_customer)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_customers")
    provider = models.CharField(max_length=20)
    reference = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "provider"], name="provider_customer_one_per_account")]

    def __str__(self):
        return f"{self.provider} customer {self.reference} of user {self.user_id}"
