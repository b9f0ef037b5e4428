"""HTTP endpoints of orders and payments: parse, call one service, serialize."""
from django.http import HttpResponse
from drf_yasg import openapi
from drf_yasg.utils import no_body
from rest_framework import permissions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import BOX_OFFICE, has_role, role_required
from common.idempotency import idempotent
from common.renderers import PDFRenderer
from common.schema import BINARY, STAFF, TAG_ORDERS, USER, api_operation
from common.views import OwnListView
from core.throttles import BookingUserThrottle, CancelUserThrottle
from orders import box_office, services
from orders.models import Order
from orders.payments.providers.stripe import webhook_payment_intent_id
from orders.serializers import OrderCreateSerializer, OrderSerializer
from orders.throttles import CARD_THROTTLES

WEBHOOK_OK = "Received."


class OrderCreateView(APIView):
    throttle_classes = [BookingUserThrottle]

    def get_throttles(self):
        # An order to pay by card hands the client a PaymentIntent to confirm with a card: a card attempt, limited
        # per account and address as the web's card form is (orders.throttles).
        throttles = super().get_throttles()
        data = getattr(self.request, "data", None)  # None while the API description is generated
        if isinstance(data, dict) and data.get("payment_method") == Order.Method.STRIPE:
            throttles += [throttle() for throttle in CARD_THROTTLES]
        return throttles

    @api_operation(
        operation_id="orders_create", summary="Turn your hold into an order to pay", tag=TAG_ORDERS, auth=USER,
        description=(
            "Its seats stay reserved until `expires_at` (ORDER_PAYMENT_MINUTES, default 15, never past the show's "
            "start). `stripe`: `payment` carries client_secret, publishable_key and payment_intent_id for Stripe.js, "
            "and the order is paid when Stripe confirms (webhook or POST /orders/<id>/payment/refresh/). "
            "`box_office`: the box office marks it paid. 404 not_found: not your hold, or already in an order. "
            "`voucher` (optional): a promo code; each seat it is valid for is discounted and takes one use; "
            "400 invalid_voucher (`reason`: unknown, not_yet_valid, expired, not_valid_for_these_seats), 409 "
            "voucher_used_up (`uses_left`, `limit`: overall or per_account)."
        ),
        request_body=OrderCreateSerializer, example={"hold_id": 1, "payment_method": "box_office"},
        success=(201, OrderSerializer),
        errors=[(404, "not_found"), "hold_expired", "show_started", "show_cancelled", "payment_method_unavailable",
                "invalid_ticket_type", "payment_provider_error", "invalid_voucher", "voucher_used_up"],
    )
    @idempotent(atomic=False)
    def post(self, request):
        serializer = OrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = services.order_create(user=request.user, **serializer.validated_data)
        return Response(OrderSerializer(services.order_detail(order_id=order.pk)).data,
                        status=status.HTTP_201_CREATED)


class OrderDetailView(APIView):
    @api_operation(operation_id="orders_retrieve", summary="Get one of your orders", tag=TAG_ORDERS, auth=USER,
                   success=(200, OrderSerializer), errors=[])
    def get(self, request, order_id):
        """Your order (anyone else's is 404)."""
        return Response(OrderSerializer(services.order_get(user=request.user, order_id=order_id)).data)


class MyOrdersView(OwnListView):
    serializer_class = OrderSerializer
    list_for_user = staticmethod(services.order_list_for_user)

    @api_operation(operation_id="my_orders_list", summary="List your orders, newest first", tag=TAG_ORDERS,
                   auth=USER, success=(200, OrderSerializer(many=True)), errors=[])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OrderCancelView(APIView):
    throttle_classes = [CancelUserThrottle]

    @api_operation(
        operation_id="orders_cancel", summary="Cancel your order (a paid one is refunded)", tag=TAG_ORDERS,
        auth=USER, description="Until the cancellation cut-off: a pending order frees its seats; a paid one cancels "
                               "every booking and refunds what was paid through the provider that took it. Role "
                               "box_office: any order, at the counter (cash paid out), up to "
                               "BOX_OFFICE_REFUND_LIMIT; above it 403 refund_above_limit (a manager may).",
        request_body=no_body, success=(200, OrderSerializer),
        errors=["show_started", "order_not_cancellable", "already_checked_in", "payment_provider_error",
                "refund_above_limit"],
    )
    def post(self, request, order_id):
        if has_role(request.user, BOX_OFFICE):
            # At the counter: any order, refunded in cash up to BOX_OFFICE_REFUND_LIMIT (orders.box_office).
            order = box_office.box_office_refund(staff_user=request.user, order_id=order_id)
        else:
            order = services.order_cancel(user=request.user, order_id=order_id)
        return Response(OrderSerializer(services.order_detail(order_id=order.pk)).data)


class OrderMarkPaidView(APIView):
    permission_classes = [role_required(BOX_OFFICE)]

    @api_operation(
        operation_id="orders_mark_paid", summary="Record a box-office payment (box office)", tag=TAG_ORDERS,
        auth=STAFF, role=BOX_OFFICE,
        description="The order's seats become paid bookings. 409 seats_unavailable: the order expired and its seats "
                    "were taken meanwhile.",
        request_body=no_body, success=(200, OrderSerializer),
        errors=["already_paid", "order_not_pending", "seats_unavailable"],
    )
    def post(self, request, order_id):
        order = services.order_mark_paid(order_id=order_id, staff_user=request.user)
        return Response(OrderSerializer(services.order_detail(order_id=order.pk)).data)


class PaymentRefreshView(APIView):
    @api_operation(
        operation_id="orders_payment_refresh", summary="Re-check the order's payment with the provider",
        tag=TAG_ORDERS, auth=USER, request_body=no_body, success=(200, OrderSerializer),
        errors=["payment_provider_error"],
    )
    def post(self, request, order_id):
        return Response(OrderSerializer(services.payment_refresh(user=request.user, order_id=order_id)).data)


class OrderTicketsPdfView(APIView):
    renderer_classes = [JSONRenderer, PDFRenderer]

    @api_operation(
        operation_id="orders_tickets_pdf", summary="Download your paid order's tickets (PDF)", tag=TAG_ORDERS,
        auth=USER, description="One ticket per page with its QR code.",
        success=(200, openapi.Response("application/pdf", schema=BINARY)),
        errors=["order_not_paid"],
    )
    def get(self, request, order_id):
        return HttpResponse(services.order_tickets_pdf(user=request.user, order_id=order_id),
                            content_type="application/pdf",
                            headers={"Content-Disposition": f'inline; filename="tickets-order-{order_id}.pdf"'})


class StripeWebhookView(APIView):
    """Stripe's events. The signature (STRIPE_WEBHOOK_SECRET) is checked on the raw body; the PaymentIntent is
    then re-fetched from Stripe, so the body is only a trigger, never the truth."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = []
    swagger_schema = None  # for Stripe, not for API clients

    def post(self, request):
        found = webhook_payment_intent_id(payload=request.body, signature=request.headers.get("Stripe-Signature"))
        if found is not None:
            services.stripe_webhook_handle(payment_intent_id=found[1])
        return Response({"detail": WEBHOOK_OK})

