"""HTTP endpoints. Each view parses its input, calls one service or selector, and serializes the result;
the rules live in `core.services`, the error responses in `core.exception_handler`."""
from drf_yasg import openapi
from drf_yasg.utils import no_body, swagger_auto_schema
from rest_framework import generics, permissions, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from core import selectors
from core.serializers import (
    BookingSerializer,
    BookSeatSerializer,
    DetailSerializer,
    ErrorSerializer,
    HealthSerializer,
    LogoutSerializer,
    MovieCreateSerializer,
    MovieSerializer,
    ShowCreateSerializer,
    ShowWithAvailabilitySerializer,
    SignupSerializer,
    UserSerializer,
)
from core.services import accounts, booking, catalog

CANCELLED_DETAIL = "Booking cancelled successfully."
LOGGED_OUT_DETAIL = "Logged out."
HEALTH_OK = "ok"


def _errors(*statuses: int) -> dict:
    """Swagger response entries for error statuses; every error has the same JSON shape."""
    descriptions = {
        400: "Invalid input (code: invalid, or a rule's code)",
        401: "Missing, invalid or expired token",
        403: "Not allowed",
        404: "Not found",
        409: "Conflict with the current state",
        415: "Content-Type is not application/json",
        503: "Busy (retry after the Retry-After header's seconds) or, for /health/, the database is down",
    }
    return {s: openapi.Response(descriptions[s], ErrorSerializer) for s in statuses}


class OptionalLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=&offset=` pages a list; without `limit` the list is the plain JSON array the seed documents."""

    default_limit = None
    max_limit = 100


class IsStaffOrReadOnly(permissions.BasePermission):
    """Anyone may read; only staff may create. Anonymous writers get 401, signed-in non-staff 403."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


# --- Operations -------------------------------------------------------------------------------------------
class HealthView(APIView):
    """For load balancers and orchestrators: 200 when the database answers, 503 when it does not."""

    # No authentication (a probe has no token, and it must not cost a user look-up) and no throttling.
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = []

    @swagger_auto_schema(security=[], responses={200: HealthSerializer, **_errors(503)})
    def get(self, request):
        selectors.database_ping()
        return Response({"status": HEALTH_OK})


# --- Accounts ---------------------------------------------------------------------------------------------
class SignupView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @swagger_auto_schema(request_body=SignupSerializer, responses={201: UserSerializer, **_errors(400, 415)},
                         security=[])
    def post(self, request):
        serializer = SignupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = accounts.user_create(**serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginView(TokenObtainPairView):
    """Exchange username and password for an access token (60 min) and a refresh token (1 day)."""

    @swagger_auto_schema(responses={**_errors(400, 401, 415)}, security=[])
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class RefreshView(TokenRefreshView):
    """Exchange a refresh token for a new access token."""

    @swagger_auto_schema(responses={**_errors(400, 401, 415)}, security=[])
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class LogoutView(APIView):
    @swagger_auto_schema(request_body=LogoutSerializer, responses={200: DetailSerializer, **_errors(400, 401)})
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        accounts.logout(user=request.user, refresh=serializer.validated_data["refresh"])
        return Response({"detail": LOGGED_OUT_DETAIL})


# --- Movies and shows -------------------------------------------------------------------------------------
class MovieListView(generics.ListAPIView):
    permission_classes = [IsStaffOrReadOnly]
    serializer_class = MovieSerializer
    pagination_class = OptionalLimitOffsetPagination

    def get_queryset(self):
        return selectors.movie_list()

    @swagger_auto_schema(security=[])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @swagger_auto_schema(request_body=MovieCreateSerializer,
                         responses={201: MovieSerializer, **_errors(400, 401, 403, 415)})
    def post(self, request):
        serializer = MovieCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        movie = catalog.movie_create(**serializer.validated_data)
        return Response(MovieSerializer(movie).data, status=status.HTTP_201_CREATED)


class MovieShowsView(generics.ListAPIView):
    permission_classes = [IsStaffOrReadOnly]
    serializer_class = ShowWithAvailabilitySerializer
    pagination_class = OptionalLimitOffsetPagination

    def get_queryset(self):
        return selectors.show_list_for_movie(movie_id=self.kwargs["movie_id"])

    @swagger_auto_schema(security=[], responses={200: ShowWithAvailabilitySerializer(many=True), **_errors(404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @swagger_auto_schema(request_body=ShowCreateSerializer,
                         responses={201: ShowWithAvailabilitySerializer, **_errors(400, 401, 403, 404, 415)})
    def post(self, request, movie_id):
        serializer = ShowCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        show = catalog.show_create(movie_id=movie_id, **serializer.validated_data)
        return Response(ShowWithAvailabilitySerializer(selectors.show_get(show_id=show.pk)).data,
                        status=status.HTTP_201_CREATED)


class ShowDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @swagger_auto_schema(security=[], responses={200: ShowWithAvailabilitySerializer, **_errors(404)})
    def get(self, request, show_id):
        return Response(ShowWithAvailabilitySerializer(selectors.show_get(show_id=show_id)).data)


# --- Bookings ---------------------------------------------------------------------------------------------
class BookSeatView(APIView):
    @swagger_auto_schema(request_body=BookSeatSerializer,
                         responses={201: BookingSerializer, **_errors(400, 401, 404, 409, 415, 503)})
    def post(self, request, show_id):
        serializer = BookSeatSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new_booking = booking.booking_create(
            user=request.user, show_id=show_id, seat_number=serializer.validated_data["seat_number"]
        )
        return Response(BookingSerializer(new_booking).data, status=status.HTTP_201_CREATED)


class CancelBookingView(APIView):
    @swagger_auto_schema(request_body=no_body,
                         responses={200: DetailSerializer, **_errors(400, 401, 404, 409, 503)})
    def post(self, request, booking_id):
        booking.booking_cancel(user=request.user, booking_id=booking_id)
        return Response({"detail": CANCELLED_DETAIL})


class MyBookingsView(generics.ListAPIView):
    serializer_class = BookingSerializer
    pagination_class = OptionalLimitOffsetPagination

    def get_queryset(self):
        return selectors.booking_list_for_user(user=self.request.user)

    @swagger_auto_schema(responses={200: BookingSerializer(many=True), **_errors(401)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
