"""Vouchers (promo codes) and their uses.

A use is one discounted seat, as in pretix (a use per position): an order whose three seats get the discount takes
three uses. A use counts while it is active: not released (the order was cancelled) and not expired (the order it
belongs to is still pending and its payment window is still open, or it was paid: `expires_at` is then null). So
an order that expires unpaid gives its uses back with no job having to run (decision 0046).
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Voucher(models.Model):
    class Kind(models.TextChoices):
        FIXED_PRICE = "fixed_price", "Fixed price"
        AMOUNT_OFF = "amount_off", "Amount off"
        PERCENT_OFF = "percent_off", "Percentage off"

    # Stored upper-case: codes are case-insensitive, so the unique index is case-insensitive too.
    code = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    value = models.DecimalField(max_digits=10, decimal_places=2)
    # Null: unlimited.
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    max_uses_per_account = models.PositiveIntegerField(null=True, blank=True)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    # Scopes: empty means all.
    cinemas = models.ManyToManyField("venues.Cinema", blank=True, related_name="+")
    movies = models.ManyToManyField("core.Movie", blank=True, related_name="+")
    shows = models.ManyToManyField("core.Show", blank=True, related_name="+")
    ticket_types = models.JSONField(default=list, blank=True, help_text="Ticket type codes; empty: all.")
    # The label of the batch of single-use codes it was generated in (blank for a code made on its own).
    batch = models.CharField(max_length=64, blank=True, default="", db_index=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="voucher_value_not_negative"),
            models.CheckConstraint(condition=~Q(kind="percent_off") | Q(value__gt=0, value__lte=100),
                                   name="voucher_percent_in_range"),
        ]

    def __str__(self):
        return self.code


class VoucherUse(models.Model):
    """The seats of one order that a voucher discounted (`seats` uses)."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="uses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    seats = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    # The pending order's expires_at; null once it is paid (the use is then kept for good).
    expires_at = models.DateTimeField(null=True, blank=True)
    # Set when the order was cancelled (or undone): the uses are given back.
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["voucher", "user"], name="voucheruse_voucher_user_idx")]

    def __str__(self):
        return f"{self.seats} use(s) of {self.voucher_id} by user {self.user_id}"

    @staticmethod
    def active_filter(now) -> Q:
        return Q(released_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
