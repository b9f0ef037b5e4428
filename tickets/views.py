"""HTTP endpoints of e-tickets and door check-in."""
from django.http import HttpResponse
from drf_yasg import openapi
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import DOOR, role_required
from common.renderers import PNGRenderer, SVGRenderer
from common.schema import BINARY, STAFF, TAG_TICKETS, USER, api_operation
from common.serializers import ErrorSerializer
from tickets import rendering, selectors, services

# Ushers scan tickets and see who is in, nothing else (managers and superusers too: accounts.roles).
IsDoorStaff = role_required(DOOR)


class TicketSerializer(serializers.Serializer):
    code = serializers.CharField()
    booking_id = serializers.IntegerField()
    movie = serializers.CharField()
    cinema = serializers.CharField(allow_null=True)
    screen = serializers.CharField()
    seat_label = serializers.CharField()
    local_date_time = serializers.CharField()
    status = serializers.CharField(help_text="valid, checked_in or cancelled")
    payment_status = serializers.CharField(help_text="paid, unpaid, free or refunded")
    ticket_type = serializers.CharField(help_text="The ticket type code it was sold as (\"adult\" by default).")


class CheckinRequestSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64)
    show_id = serializers.IntegerField(required=False, allow_null=True,
                                       help_text="The show being admitted: a ticket of another show is 409 wrong_show.")


class CheckinSerializer(serializers.Serializer):
    booking_id = serializers.IntegerField()
    seat_label = serializers.CharField()
    movie_title = serializers.CharField()
    show_id = serializers.IntegerField()
    checked_in_at = serializers.DateTimeField()
    ticket_type = serializers.CharField(help_text="The ticket type code it was sold as.")
    ticket_type_name = serializers.CharField(help_text="Its name in the request's language.")
    check_proof = serializers.BooleanField(help_text="The type needs proof at the door (age, a card): ask for it.")


class CheckinErrorSerializer(ErrorSerializer):
    checked_in_at = serializers.DateTimeField(required=False, help_text="already_checked_in: the first check-in.")
    opens_at = serializers.DateTimeField(required=False, help_text="checkin_not_open: when the door opens.")
    ticket_show_id = serializers.IntegerField(required=False, help_text="wrong_show: the ticket's show.")


class CheckinEntrySerializer(serializers.Serializer):
    booking_id = serializers.IntegerField()
    seat_number = serializers.IntegerField()
    username = serializers.CharField()
    checked_in_at = serializers.DateTimeField()


class CheckinListSerializer(serializers.Serializer):
    show_id = serializers.IntegerField()
    checked_in = serializers.IntegerField()
    expected = serializers.IntegerField(help_text="Valid tickets not checked in yet.")
    checkins = CheckinEntrySerializer(many=True)


class TicketView(APIView):
    @api_operation(operation_id="tickets_retrieve", summary="Get your booking's e-ticket", tag=TAG_TICKETS,
                   auth=USER, description="Someone else's is 404.", success=(200, TicketSerializer), errors=[])
    def get(self, request, booking_id):
        booking = selectors.booking_for_ticket(user=request.user, booking_id=booking_id)
        return Response(selectors.ticket_data(booking))


class TicketPngView(APIView):
    renderer_classes = [JSONRenderer, PNGRenderer]

    @api_operation(operation_id="tickets_qr_png", summary="Get your ticket's QR code as a PNG image",
                   tag=TAG_TICKETS, auth=USER, errors=[],
                   success=(200, openapi.Response("The ticket's QR code (PNG)",
                                                  schema=BINARY)))
    def get(self, request, booking_id):
        booking = selectors.booking_for_ticket(user=request.user, booking_id=booking_id)
        return HttpResponse(rendering.qr_png(booking.ticket_code), content_type="image/png")


class TicketSvgView(APIView):
    renderer_classes = [JSONRenderer, SVGRenderer]

    @api_operation(operation_id="tickets_qr_svg", summary="Get your ticket's QR code as an SVG image",
                   tag=TAG_TICKETS, auth=USER, errors=[],
                   success=(200, openapi.Response("The ticket's QR code (SVG)",
                                                  schema=BINARY)))
    def get(self, request, booking_id):
        booking = selectors.booking_for_ticket(user=request.user, booking_id=booking_id)
        return HttpResponse(rendering.qr_svg(booking.ticket_code), content_type="image/svg+xml")


class CheckinView(APIView):
    permission_classes = [IsDoorStaff]

    @api_operation(
        operation_id="checkin", summary="Admit a scanned ticket at the door (door staff)", tag=TAG_TICKETS,
        auth=STAFF, role=DOOR, description="Role `door` (or manager). 404 not_found: unknown code.",
        request_body=CheckinRequestSerializer, example={"code": "<the ticket's code>"},
        success=(200, CheckinSerializer), error_schemas={409: CheckinErrorSerializer},
        errors=[(404, "not_found"), "already_checked_in", "ticket_cancelled", "wrong_show", "checkin_not_open",
                "payment_required"],
    )
    def post(self, request):
        serializer = CheckinRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.checkin(code=serializer.validated_data["code"],
                                 show_id=serializer.validated_data.get("show_id"), staff_user=request.user)
        booking = entry.booking
        return Response({
            "booking_id": booking.pk,
            "seat_label": selectors.seat_label(booking),
            "movie_title": booking.show.movie.title,
            "show_id": booking.show_id,
            "checked_in_at": serializers.DateTimeField().to_representation(entry.checked_in_at),
            **selectors.door_ticket_type(booking),
        })


class ShowCheckinsView(APIView):
    permission_classes = [IsDoorStaff]

    @api_operation(operation_id="show_checkins", summary="See who is in, and how many are still expected (door staff)",
                   tag=TAG_TICKETS, auth=STAFF, role=DOOR, success=(200, CheckinListSerializer), errors=[])
    def get(self, request, show_id):
        return Response(services.checkin_list(show_id=show_id))
