"""HTTP endpoints for cinemas and screens: parse, call one service or selector, serialize."""
from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.views import IsStaffOrReadOnly, OptionalLimitOffsetPagination, _errors
from venues import selectors, services
from venues.serializers import (
    CinemaCreateSerializer,
    CinemaDetailSerializer,
    CinemaSerializer,
    ScreenCreateSerializer,
    ScreenSerializer,
)

CITY_PARAMETER = openapi.Parameter("city", openapi.IN_QUERY, type=openapi.TYPE_STRING,
                                   description="Only cinemas in this city (case-insensitive).")


class CinemaListView(generics.ListAPIView):
    permission_classes = [IsStaffOrReadOnly]
    serializer_class = CinemaSerializer
    pagination_class = OptionalLimitOffsetPagination

    def get_queryset(self):
        return selectors.cinema_list(city=self.request.query_params.get("city"))

    @swagger_auto_schema(security=[], manual_parameters=[CITY_PARAMETER])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @swagger_auto_schema(request_body=CinemaCreateSerializer,
                         responses={201: CinemaSerializer, **_errors(400, 401, 403, 415)})
    def post(self, request):
        serializer = CinemaCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cinema = services.cinema_create(**serializer.validated_data)
        return Response(CinemaSerializer(cinema).data, status=status.HTTP_201_CREATED)


class CinemaDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @swagger_auto_schema(security=[], responses={200: CinemaDetailSerializer, **_errors(404)})
    def get(self, request, cinema_id):
        return Response(CinemaDetailSerializer(selectors.cinema_get(cinema_id=cinema_id)).data)


class CinemaScreensView(APIView):
    permission_classes = [IsStaffOrReadOnly]

    @swagger_auto_schema(
        operation_description="Add a screen with its seat layout (see the README, \"Seat layouts\"). Shows created "
                              "on it afterwards are sold from this layout.",
        request_body=ScreenCreateSerializer,
        responses={201: ScreenSerializer, **_errors(400, 401, 403, 404, 415)},
    )
    def post(self, request, cinema_id):
        serializer = ScreenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        screen = services.screen_create(cinema_id=cinema_id, **serializer.validated_data)
        return Response(ScreenSerializer(selectors.screen_get(screen_id=screen.pk)).data,
                        status=status.HTTP_201_CREATED)


class ScreenDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @swagger_auto_schema(security=[], responses={200: ScreenSerializer, **_errors(404)})
    def get(self, request, screen_id):
        return Response(ScreenSerializer(selectors.screen_get(screen_id=screen_id)).data)
