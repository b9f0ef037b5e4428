"""HTTP endpoints of e-tickets and door check-in."""
from django.http import HttpResponse
from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import permissions, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.renderers import PNGRenderer, SVGRenderer
from core.serializers import ErrorSerializer
from core.views import _errors
from tickets import rendering, selectors, services

DOOR_GROUP = "door"


class IsDoorStaff(permissions.BasePermission):
    """Staff, or members of the `door` group (ushers who scan tickets and nothing else)."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.is_staff or user.groups.filter(name=DOOR_GROUP).exists()


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
    @swagger_auto_schema(responses={200: TicketSerializer, **_errors(401, 404)})
    def get(self, request, booking_id):
        """Your booking's e-ticket (someone else's is 404)."""
        booking = selectors.booking_for_ticket(user=request.user, booking_id=booking_id)
        return Response(selectors.ticket_data(booking))


class TicketPngView(APIView):
    renderer_classes = [JSONRenderer, PNGRenderer]

    @swagger_auto_schema(responses={200: openapi.Response("The ticket's QR code (PNG)",
                                                          schema=openapi.Schema(type=openapi.TYPE_FILE)),
                                    **_errors(401, 404)})
    def get(self, request, booking_id):
        booking = selectors.booking_for_ticket(user=request.user, booking_id=booking_id)
        return HttpResponse(rendering.qr_png(booking.ticket_code), content_type="image/png")


class TicketSvgView(APIView):
    renderer_classes = [JSONRenderer, SVGRenderer]

    @swagger_auto_schema(responses={200: openapi.Response("The ticket's QR code (SVG)",
                                                          schema=openapi.Schema(type=openapi.TYPE_FILE)),
                                    **_errors(401, 404)})
    def get(self, request, booking_id):
        booking = selectors.booking_for_ticket(user=request.user, booking_id=booking_id)
        return HttpResponse(rendering.qr_svg(booking.ticket_code), content_type="image/svg+xml")


class CheckinView(APIView):
    permission_classes = [IsDoorStaff]

    @swagger_auto_schema(
        operation_description=(
            "Door staff (staff, or the `door` group) admit a scanned ticket. 409: already_checked_in (with the "
            "first checked_in_at), ticket_cancelled, wrong_show, checkin_not_open (more than CHECKIN_OPENS_MINUTES "
            "before the start), payment_required (an unpaid reservation). 404: unknown code."
        ),
        request_body=CheckinRequestSerializer,
        responses={200: CheckinSerializer, 409: openapi.Response("Refused (see the code)", CheckinErrorSerializer),
                   **_errors(400, 401, 403, 404, 415)},
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
        })


class ShowCheckinsView(APIView):
    permission_classes = [IsDoorStaff]

    @swagger_auto_schema(responses={200: CheckinListSerializer, **_errors(401, 403, 404)})
    def get(self, request, show_id):
        """Door staff: who is in, and how many valid tickets are still expected."""
        return Response(services.checkin_list(show_id=show_id))
