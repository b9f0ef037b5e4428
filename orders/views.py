"""HTTP endpoints of orders and payments: parse, call one service, serialize."""
from django.http import HttpResponse
from drf_yasg import openapi
from drf_yasg.utils import no_body, swagger_auto_schema
from rest_framework import generics, permissions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import OrderNotPaid
from core.idempotency import SWAGGER_PARAMETER as IDEMPOTENCY_KEY_PARAMETER
from core.idempotency import idempotent
from core.renderers import PDFRenderer
from core.serializers import ErrorSerializer
from core.throttles import BookingUserThrottle, CancelUserThrottle
from core.views import OptionalLimitOffsetPagination, _errors
from orders import services
from orders.models import Order
from orders.payments.providers.stripe import webhook_payment_intent_id
from orders.serializers import OrderCreateSerializer, OrderSerializer
from tickets.rendering import tickets_pdf
from tickets.selectors import ticket_data

WEBHOOK_OK = "Received."
PROVIDER_ERROR = openapi.Response("payment_provider_error: the payment provider could not be reached", ErrorSerializer)


class OrderCreateView(APIView):
    throttle_classes = [BookingUserThrottle]

    @swagger_auto_schema(
        operation_description=(
            "Turn your unexpired hold into an order. Its seats stay reserved until `expires_at` "
            "(ORDER_PAYMENT_MINUTES, default 15, never past the show's start). `stripe`: `payment` carries "
            "client_secret, publishable_key and payment_intent_id for Stripe.js, and the order is paid when Stripe "
            "confirms (webhook or POST /orders/<id>/payment/refresh/). `box_office`: staff mark it paid. "
            "Errors: 404 not_found (not your hold, or already in an order), 410 hold_expired, 400 show_started, "
            "400 payment_method_unavailable (no Stripe key configured), 502 payment_provider_error (Stripe could "
            "not be reached: the hold is yours again, retry)."
        ),
        request_body=OrderCreateSerializer, manual_parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: OrderSerializer, 502: PROVIDER_ERROR,
                   **_errors(400, 401, 404, 409, 410, 415, 422, 429)},
    )
    @idempotent(atomic=False)
    def post(self, request):
        serializer = OrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = services.order_create(user=request.user, **serializer.validated_data)
        return Response(OrderSerializer(services.order_detail(order_id=order.pk)).data,
                        status=status.HTTP_201_CREATED)


class OrderDetailView(APIView):
    @swagger_auto_schema(responses={200: OrderSerializer, **_errors(401, 404)})
    def get(self, request, order_id):
        """Your order (anyone else's is 404)."""
        return Response(OrderSerializer(services.order_get(user=request.user, order_id=order_id)).data)


class MyOrdersView(generics.ListAPIView):
    serializer_class = OrderSerializer
    pagination_class = OptionalLimitOffsetPagination

    def get_queryset(self):
        return services.order_list_for_user(user=self.request.user)

    @swagger_auto_schema(responses={**_errors(401)})
    def get(self, request, *args, **kwargs):
        """Your orders, newest first."""
        return super().get(request, *args, **kwargs)


class OrderCancelView(APIView):
    throttle_classes = [CancelUserThrottle]

    @swagger_auto_schema(
        operation_description=(
            "Cancel your order until the cancellation cut-off: a pending order frees its seats; a paid one cancels "
            "every booking and refunds what was paid through the provider that took it. 409 order_not_cancellable "
            "(already cancelled or expired), 409 already_checked_in, 400 show_started."
        ),
        request_body=no_body, responses={200: OrderSerializer, **_errors(400, 401, 404, 409, 429)},
    )
    def post(self, request, order_id):
        order = services.order_cancel(user=request.user, order_id=order_id)
        return Response(OrderSerializer(services.order_detail(order_id=order.pk)).data)


class IsStaff(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class OrderMarkPaidView(APIView):
    permission_classes = [IsStaff]

    @swagger_auto_schema(
        operation_description=(
            "Staff: record a box-office payment of the order's total; its seats become paid bookings. "
            "409 already_paid, 409 order_not_pending (cancelled), 409 seats_unavailable (expired and its seats "
            "were taken meanwhile)."
        ),
        request_body=no_body, responses={200: OrderSerializer, **_errors(401, 403, 404, 409)},
    )
    def post(self, request, order_id):
        order = services.order_mark_paid(order_id=order_id, staff_user=request.user)
        return Response(OrderSerializer(services.order_detail(order_id=order.pk)).data)


class PaymentRefreshView(APIView):
    @swagger_auto_schema(
        operation_description="Ask the server to re-check the order's payment with the provider (Stripe).",
        request_body=no_body,
        responses={200: OrderSerializer, 502: PROVIDER_ERROR,
                   **_errors(401, 404)},
    )
    def post(self, request, order_id):
        return Response(OrderSerializer(services.payment_refresh(user=request.user, order_id=order_id)).data)


class OrderTicketsPdfView(APIView):
    renderer_classes = [JSONRenderer, PDFRenderer]

    @swagger_auto_schema(
        operation_description="Your paid order's tickets: a PDF, one ticket per page with its QR code.",
        responses={200: openapi.Response("application/pdf", schema=openapi.Schema(type=openapi.TYPE_FILE)),
                   **_errors(401, 404, 409)},
    )
    def get(self, request, order_id):
        order = services.order_get(user=request.user, order_id=order_id)
        if order.status != Order.Status.PAID:
            raise OrderNotPaid()
        from core.models import Booking

        bookings = (Booking.objects.filter(order=order, status=Booking.Status.BOOKED)
                    .select_related("show__movie", "show__screen__cinema", "order", "checkin").order_by("seat_number"))
        return HttpResponse(tickets_pdf([ticket_data(b) for b in bookings]), content_type="application/pdf",
                            headers={"Content-Disposition": f'inline; filename="tickets-order-{order.pk}.pdf"'})


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

