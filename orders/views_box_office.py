"""HTTP endpoints of the box office (role box_office): sell at the counter, print the tickets. Refunds at the
counter are POST /orders/<id>/cancel/ by the same role (orders.views)."""
from collections.abc import Mapping

from django.http import HttpResponse
from django.urls import reverse
from drf_yasg import openapi
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import BOX_OFFICE, role_required
from common.renderers import PDFRenderer
from common.schema import BINARY, STAFF, TAG_ORDERS, api_operation
from common.serializers import ErrorSerializer
from core.models import Booking, Show
from core.serializers import TypedSeatSerializer, typed_seats
from core.throttles import BookingUserThrottle
from orders import box_office
from orders.models import CounterMethod
from orders.serializers import OrderSerializer
from tickets.selectors import ticket_data


class BoxOfficeSaleRequestSerializer(serializers.Serializer):
    show_id = serializers.IntegerField(min_value=1)
    seats = serializers.ListField(child=TypedSeatSerializer(), allow_empty=False, max_length=Show.MAX_TOTAL_SEATS,
                                  help_text="The seats with their ticket types, as a hold takes them: "
                                            "[{\"number\": 41, \"ticket_type\": \"child\"}, {\"number\": 42}]. "
                                            "A plain seat number (the older form, [41, 42]) is that seat as Adult.")
    # The address is checked by the sale (orders.box_office.buyer_email); the field documents its format.
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254,
                                   help_text="Where to send the tickets (the buyer has no account).")
    paid_by = serializers.ChoiceField(choices=CounterMethod.choices, default=CounterMethod.CASH,
                                      help_text="cash (default) or card_terminal: the cinema's own card terminal.")
    voucher = serializers.CharField(required=False, allow_blank=True, max_length=64,
                                    help_text="A promo code the buyer hands over (case-insensitive).")

    def to_internal_value(self, data):
        # The older form, plain seat numbers, is the same seats as Adult (the number is then validated as one).
        if isinstance(data, Mapping) and isinstance(data.get("seats"), list):
            data = {**data, "seats": [seat if isinstance(seat, Mapping) else {"number": seat}
                                      for seat in data["seats"]]}
        return super().to_internal_value(data)

    def validate(self, attrs):
        attrs["seat_numbers"], attrs["ticket_types"] = typed_seats(attrs.pop("seats"))  # as a hold takes them
        return attrs


class BoxOfficeTicketSerializer(serializers.Serializer):
    code = serializers.CharField()
    booking_id = serializers.IntegerField()
    seat_label = serializers.CharField()
    status = serializers.CharField()


class BoxOfficeOrderSerializer(OrderSerializer):
    paid_by = serializers.CharField(help_text="cash or card_terminal")
    tickets = BoxOfficeTicketSerializer(many=True)
    tickets_pdf = serializers.CharField(help_text="The tickets to print, one per page; add ?format=ticket for an "
                                                  "80 mm ticket printer.")


def box_office_order_data(request, order) -> dict:
    data = OrderSerializer(order).data
    payment = next((p for p in order.payments.all() if p.counter_method), None)
    bookings = (Booking.objects.filter(order=order).with_show().select_related("order", "checkin")
                .order_by("seat_number"))
    data["paid_by"] = payment.counter_method if payment else ""
    data["tickets"] = [{key: ticket[key] for key in ("code", "booking_id", "seat_label", "status")}
                       for ticket in map(ticket_data, bookings)]
    data["tickets_pdf"] = request.build_absolute_uri(reverse("box-office-tickets-pdf", args=[order.pk]))
    return data


class BoxOfficeSaleView(APIView):
    permission_classes = [role_required(BOX_OFFICE)]
    throttle_classes = [BookingUserThrottle]

    @api_operation(
        operation_id="box_office_orders_create", summary="Sell seats at the counter (box office)", tag=TAG_ORDERS,
        auth=STAFF, role=BOX_OFFICE,
        description="Role box_office. The buyer needs no account: the order belongs to the walk-in customer and is "
                    "paid at once (`paid_by`: cash or card_terminal); its tickets go to `email` if given. Two tills "
                    "selling one seat: one 201, one 409 seats_unavailable. Refund at the counter: "
                    "POST /orders/<id>/cancel/ (up to BOX_OFFICE_REFUND_LIMIT; above it, a manager).",
        request_body=BoxOfficeSaleRequestSerializer,
        example={"show_id": 1, "seats": [{"number": 41, "ticket_type": "adult"}, {"number": 42}], "paid_by": "cash"},
        success=(201, BoxOfficeOrderSerializer),
        errors=[(404, "not_found"), "invalid", "invalid_seat", "seats_unavailable", "hold_limit_reached",
                "show_started", "show_cancelled", "invalid_ticket_type", "ticket_type_not_allowed",
                "invalid_voucher", "voucher_used_up"],
        # A 400 names the request's fields: `seats` is the field's messages for `invalid`, the seat numbers for
        # `invalid_seat`, so the 400 shape is the plain error's (the 409's keeps the numbers).
        error_schemas={400: ErrorSerializer},
    )
    def post(self, request):
        serializer = BoxOfficeSaleRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order = box_office.box_office_sell(staff_user=request.user, show_id=data["show_id"],
                                           seat_numbers=data["seat_numbers"], paid_by=data["paid_by"],
                                           email=data.get("email", ""), ticket_types=data["ticket_types"],
                                           voucher=data.get("voucher") or None)
        return Response(box_office_order_data(request, order), status=status.HTTP_201_CREATED)


class BoxOfficeTicketsPdfView(APIView):
    permission_classes = [role_required(BOX_OFFICE)]
    renderer_classes = [JSONRenderer, PDFRenderer]

    @api_operation(
        operation_id="box_office_orders_tickets_pdf", summary="Print a paid order's tickets (box office)",
        tag=TAG_ORDERS, auth=STAFF, role=BOX_OFFICE,
        description="Role box_office. Any paid order; one ticket per page.",
        manual_parameters=[openapi.Parameter("format", openapi.IN_QUERY, type=openapi.TYPE_STRING,
                                             enum=list(box_office.PAGE_FORMATS),
                                             description="a4 (default) or ticket: an 80 mm ticket printer")],
        success=(200, openapi.Response("application/pdf", schema=BINARY)),
        errors=["invalid", (404, "not_found"), "order_not_paid"],
    )
    def get(self, request, order_id):
        page_format = request.query_params.get("format", "a4")
        if page_format not in box_office.PAGE_FORMATS:
            raise serializers.ValidationError({"format": [f"One of: {', '.join(box_office.PAGE_FORMATS)}."]})
        pdf = box_office.box_office_tickets_pdf(order_id=order_id, page_format=page_format)
        return HttpResponse(pdf, content_type="application/pdf",
                            headers={"Content-Disposition": f'inline; filename="tickets-order-{order_id}.pdf"'})

