"""Staff pages for orders: each order with its payments, refunds and bookings; actions to mark paid (box
office), cancel and refund, and resend the tickets. Everything is read-only in forms: state changes only through
the order services, under the show lock."""
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from accounts.roles import RoleActionsMixin
from common.admin import ReadOnlyAdminMixin, apply_to_each
from core.models import Booking
from orders import services
from orders.models import Order, Payment, Refund


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class PaymentInline(_ReadOnlyInline):
    model = Payment
    fields = ["provider", "counter_method", "state", "amount", "currency", "provider_reference", "created_at",
              "confirmed_at", "confirmed_by"]


class RefundInline(_ReadOnlyInline):
    model = Refund
    fields = ["amount", "currency", "state", "reason", "paid_out_by", "provider_reference", "created_at", "done_at",
              "last_error"]


class BookingInline(_ReadOnlyInline):
    model = Booking
    fk_name = "order"
    fields = ["seat_number", "status", "payment_status", "ticket_code", "created_at", "cancelled_at"]


@admin.register(Order)
class OrderAdmin(RoleActionsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "user", "show", "status", "payment_method", "total", "currency", "created_at",
                    "expires_at", "paid_at"]
    list_filter = ["status", "payment_method"]
    list_select_related = ["user", "show__movie"]
    search_fields = ["user__username", "user__email", "email", "=id"]
    inlines = [BookingInline, PaymentInline, RefundInline]
    actions = ["mark_paid", "cancel_and_refund", "resend_tickets"]

    def _each(self, request, queryset, action, done: str):
        apply_to_each(self, request, queryset, action, name=lambda order: f"Order #{order.pk}",
                      summary=lambda ok: f"{ok} order(s) {done}.")

    @admin.action(description="Mark paid (box office)", permissions=["box_office"])
    def mark_paid(self, request, queryset):
        self._each(request, queryset, lambda o: services.order_mark_paid(order_id=o.pk, staff_user=request.user),
                   "marked paid")

    # Any amount: refunds above the till's limit are the manager's (docs/roles.md).
    @admin.action(description="Cancel and refund", permissions=["manager"])
    def cancel_and_refund(self, request, queryset):
        self._each(request, queryset, lambda o: services.order_cancel(user=request.user, order_id=o.pk,
                                                                      by_staff=True, reason="cancelled_by_staff"),
                   "cancelled")

    @admin.action(description="Resend the tickets by e-mail", permissions=["box_office"])
    def resend_tickets(self, request, queryset):
        self._each(request, queryset, lambda o: services.order_tickets_resend(order=o), "sent again")


@admin.register(Refund)
class RefundAdmin(RoleActionsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # "Cash to pay out at the counter" (state to_pay_out, method box_office): what the till owes customers.
    list_display = ["id", "order", "amount", "currency", "method", "state", "reason", "created_at", "done_at"]
    list_filter = ["state", "payment__provider", "reason"]
    list_select_related = ["payment"]
    actions = ["retry", "paid_out"]

    @admin.display(description="Refunded", ordering="payment__provider")
    def method(self, refund):
        return "cash at the counter" if refund.payment.provider == Order.Method.BOX_OFFICE else "to the card"

    @admin.action(description="Paid out at the counter (cash handed to the customer)", permissions=["box_office"])
    def paid_out(self, request, queryset):
        apply_to_each(self, request, queryset,
                      lambda r: services.refund_paid_out(refund_id=r.pk, staff_user=request.user),
                      name=lambda refund: f"Refund #{refund.pk}", summary=lambda ok: f"{ok} refund(s) paid out.")

    @admin.action(description="Retry with the provider", permissions=["manager"])
    def retry(self, request, queryset):
        for refund in queryset.filter(state=Refund.State.PENDING):
            services.refund_execute(refund_id=refund.pk)
        self.message_user(request, "Retried.", messages.SUCCESS)


# --- A user's page lists their orders and bookings ---------------------------------------------------------
class UserOrderInline(_ReadOnlyInline):
    model = Order
    fk_name = "user"
    fields = ["show", "status", "payment_method", "total", "created_at"]


class UserBookingInline(_ReadOnlyInline):
    model = Booking
    fk_name = "user"
    fields = ["show", "seat_number", "status", "payment_status", "order", "created_at"]


# The user page of whichever user admin is registered (accounts', listed before this app in INSTALLED_APPS), with
# the user's orders and bookings added.
User = get_user_model()
_UserAdminBase = type(admin.site._registry[User]) if admin.site.is_registered(User) else UserAdmin
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class CustomerAdmin(_UserAdminBase):
    inlines = [*_UserAdminBase.inlines, UserOrderInline, UserBookingInline]
