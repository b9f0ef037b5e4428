"""Order request and response shapes."""
from decimal import Decimal

from rest_framework import serializers

from orders.models import Order
from orders.payments import get_provider
from venues.models import ADULT

_datetime = serializers.DateTimeField()


class OrderCreateSerializer(serializers.Serializer):
    hold_id = serializers.IntegerField(min_value=1)
    payment_method = serializers.ChoiceField(choices=Order.Method.choices)
    voucher = serializers.CharField(required=False, allow_blank=True, max_length=64,
                                    help_text="A promo code (case-insensitive): discounts the seats it is valid for.")


class OrderSeatSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    label = serializers.CharField()
    category = serializers.CharField()
    price = serializers.CharField(help_text="Decimal string, e.g. \"12.50\": what is charged for the seat (its "
                                            "ticket type's price, fixed when the order was created, less the "
                                            "promo code's discount).")
    full_price = serializers.CharField(help_text="Decimal string: the price before the promo code's discount.")
    discount = serializers.CharField(help_text="Decimal string: what the promo code took off (\"0.00\": none).")
    ticket_type = serializers.CharField(help_text="The ticket type code it is sold as (\"adult\" by default).")


def order_seat_json(seat: dict) -> dict:
    """A seat of Order.seats as the API shows it. Orders from before ticket types sold every seat as Adult; orders
    from before vouchers were charged the full price."""
    return {**seat, "ticket_type": seat.get("ticket_type", ADULT), "full_price": seat.get("full_price", seat["price"]),
            "discount": seat.get("discount", "0.00")}


class OrderPaymentSerializer(serializers.Serializer):
    """What the client needs to pay. Stripe: client_secret, publishable_key and payment_intent_id for Stripe.js;
    box office: instructions."""

    status = serializers.CharField(help_text="created, pending, confirmed or failed")
    client_secret = serializers.CharField(required=False, allow_null=True)
    publishable_key = serializers.CharField(required=False, allow_blank=True)
    payment_intent_id = serializers.CharField(required=False, allow_null=True)
    instructions = serializers.CharField(required=False)


class OrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="pending, paid, expired or cancelled")
    show_id = serializers.IntegerField()
    seats = OrderSeatSerializer(many=True)
    total = serializers.CharField(help_text="Decimal string, e.g. \"37.00\": what is charged.")
    discount = serializers.CharField(help_text="Decimal string: what the promo code took off in all.")
    currency = serializers.CharField()
    expires_at = serializers.DateTimeField()
    payment_method = serializers.CharField()
    payment = OrderPaymentSerializer()
    refunded = serializers.CharField(help_text="What was refunded so far, decimal string.")
    booking_ids = serializers.ListField(child=serializers.IntegerField())
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, order):
        payments = list(order.payments.all())
        latest = max((p for p in payments if p.provider == order.payment_method), key=lambda p: p.pk, default=None)
        payment = {"status": latest.state if latest else "created"}
        if latest is not None:
            payment.update(get_provider(latest.provider).client_info(latest))
        refunded = sum((r.amount for r in order.refunds.all()), Decimal("0.00"))
        return {
            "id": order.pk,
            "status": order.current_status(),
            "show_id": order.show_id,
            "seats": [order_seat_json(seat) for seat in order.seats],
            "total": str(order.total),
            "discount": str(order.discount),
            "currency": order.currency,
            "expires_at": _datetime.to_representation(order.expires_at),
            "payment_method": order.payment_method,
            "payment": payment,
            "refunded": str(refunded),
            "booking_ids": sorted(b.pk for b in order.bookings.all()),
            "created_at": _datetime.to_representation(order.created_at),
            "paid_at": _datetime.to_representation(order.paid_at),
            "cancelled_at": _datetime.to_representation(order.cancelled_at),
        }
