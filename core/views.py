"""HTTP endpoints. Each view parses its input, calls one service or selector, and serializes the result;
the rules live in `core.services`, the error responses in `core.exception_handler`."""
from django_filters.rest_framework import DjangoFilterBackend
from drf_yasg import openapi
from drf_yasg.utils import no_body, swagger_auto_schema
from rest_framework import generics, permissions, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.serializers import LoginSerializer, RefreshSerializer
from accounts.services import login as login_service
from accounts.services import tokens, users
from accounts.throttles import AccountUserThrottle, LoginUsernameIPThrottle, RefreshIPThrottle
from core import selectors
from core.filters import MovieFilter, ShowFilter, swagger_parameters
from core.idempotency import SWAGGER_PARAMETER as IDEMPOTENCY_KEY_PARAMETER
from core.idempotency import idempotent
from core.serializers import (
    BlockSeatsSerializer,
    BookingSerializer,
    BookSeatSerializer,
    DetailSerializer,
    ErrorSerializer,
    HealthSerializer,
    HoldSerializer,
    LogoutSerializer,
    MovieCreateSerializer,
    MovieDetailSerializer,
    SeatMapSerializer,
    SeatNumbersSerializer,
    SeatsErrorSerializer,
    ShowCreateSerializer,
    ShowUpdateSerializer,
    ShowWithAvailabilitySerializer,
    SignupSerializer,
    TokenPairSerializer,
    UserSerializer,
)
from core.services import booking, catalog, holds
from core.throttles import (
    BookingUserThrottle,
    CancelUserThrottle,
    HoldUserThrottle,
    LoginIPThrottle,
    SignupIPThrottle,
)

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
        410: "Gone (hold_expired)",
        413: "Request body too large",
        415: "Content-Type is not application/json",
        422: "idempotency_key_reused: this Idempotency-Key was used with another request",
        429: "Too many requests (code: throttled): retry after the Retry-After header's seconds",
        503: "Busy, or the database is unavailable (code: busy / unavailable): retry after Retry-After seconds",
    }
    # Any endpoint can meet an unreachable database (503), and any that takes a JSON body (so can answer 415) can
    # be sent one over the size limit (413); documenting them everywhere keeps the schema honest.
    implied = {503, 413} if 415 in statuses else {503}
    return {s: openapi.Response(descriptions[s], ErrorSerializer) for s in sorted({*statuses, *implied})}


def _seat_errors() -> dict:
    """Errors of the multi-seat endpoints (book with seat_numbers, hold, confirm): some list the seats concerned."""
    return {
        **_errors(401, 404, 415, 422, 429, 503),
        400: openapi.Response(
            "invalid (empty, repeated or too many seats; bad Idempotency-Key: invalid_idempotency_key), "
            "invalid_seat (\"seats\" lists those outside the show), show_started", SeatsErrorSerializer),
        409: openapi.Response(
            "seats_unavailable (\"seats\" lists the seats booked or held by someone else; nothing was written), "
            "seat_taken / seat_held (single seat_number), hold_limit_reached, request_in_progress",
            SeatsErrorSerializer),
    }


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
    throttle_classes = [SignupIPThrottle]

    @swagger_auto_schema(request_body=SignupSerializer, responses={201: UserSerializer, **_errors(400, 415, 429)},
                         security=[])
    def post(self, request):
        serializer = SignupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = users.user_create(**serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginView(APIView):
    """Exchange username and password for an access token (60 min) and a refresh token (1 day from this login)."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    # Per client address and per (username, address); a growing per-username delay across addresses is applied
    # by the login service (accounts.throttles explains the scheme).
    throttle_classes = [LoginIPThrottle, LoginUsernameIPThrottle]

    @swagger_auto_schema(request_body=LoginSerializer,
                         responses={200: TokenPairSerializer, **_errors(400, 401, 415, 429)}, security=[])
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = login_service.login(**serializer.validated_data, client_ip=LoginIPThrottle().get_ident(request),
                                   request=request)
        return Response(pair)


class RefreshView(APIView):
    """Exchange a refresh token for a new access token and a new refresh token. The one given can never be
    exchanged again: presenting it again revokes every token of its login (401 token_reused)."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [RefreshIPThrottle]

    @swagger_auto_schema(request_body=RefreshSerializer,
                         responses={200: TokenPairSerializer, **_errors(400, 401, 415, 429)}, security=[])
    def post(self, request):
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(tokens.token_refresh(refresh=serializer.validated_data["refresh"]))


class LogoutView(APIView):
    throttle_classes = [AccountUserThrottle]

    @swagger_auto_schema(request_body=LogoutSerializer,
                         responses={200: DetailSerializer, **_errors(400, 401, 415, 429)})
    def post(self, request):
        """Revoke this refresh token. Access tokens already issued last until they expire (JWT_ACCESS_MINUTES);
        /logout/all revokes those too."""
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tokens.logout(user=request.user, refresh=serializer.validated_data["refresh"])
        return Response({"detail": LOGGED_OUT_DETAIL})


# --- Movies and shows -------------------------------------------------------------------------------------
class IsStaff(permissions.BasePermission):
    """Staff only: anonymous callers get 401, signed-in non-staff 403."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class MovieListView(generics.ListAPIView):
    permission_classes = [IsStaffOrReadOnly]
    serializer_class = MovieDetailSerializer
    pagination_class = OptionalLimitOffsetPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = MovieFilter

    def get_queryset(self):
        return selectors.movie_list()

    @swagger_auto_schema(security=[], manual_parameters=swagger_parameters(MovieFilter),
                         responses={**_errors(400)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @swagger_auto_schema(request_body=MovieCreateSerializer,
                         responses={201: MovieDetailSerializer, **_errors(400, 401, 403, 415)})
    def post(self, request):
        serializer = MovieCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        movie = catalog.movie_create(**serializer.validated_data)
        return Response(MovieDetailSerializer(movie).data, status=status.HTTP_201_CREATED)


class MovieDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @swagger_auto_schema(security=[], responses={200: MovieDetailSerializer, **_errors(404)})
    def get(self, request, movie_id):
        return Response(MovieDetailSerializer(selectors.movie_get(movie_id=movie_id)).data)


class MovieShowsView(generics.ListAPIView):
    permission_classes = [IsStaffOrReadOnly]
    serializer_class = ShowWithAvailabilitySerializer
    pagination_class = OptionalLimitOffsetPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = ShowFilter

    def get_queryset(self):
        return selectors.show_list_for_movie(movie_id=self.kwargs["movie_id"])

    # 200 is left to drf-yasg, which documents the list with its optional pagination (core.schema).
    @swagger_auto_schema(security=[], manual_parameters=swagger_parameters(ShowFilter),
                         responses={**_errors(400, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @swagger_auto_schema(
        operation_description=(
            "Schedule a show on a screen (`screen`, `date_time`, `prices` for every seat category of the screen; "
            "optional `language`, `format`), or in the seed's form (`screen_name`, `date_time`, `total_seats`). "
            "400 invalid_date_time for a time in the past; 409 screen_busy if it overlaps another show on the "
            "screen (movie duration plus CLEANING_MINUTES)."
        ),
        request_body=ShowCreateSerializer,
        responses={201: ShowWithAvailabilitySerializer, **_errors(400, 401, 403, 404, 409, 415)})
    def post(self, request, movie_id):
        serializer = ShowCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        show = catalog.show_create(movie_id=movie_id, **serializer.validated_data)
        return Response(ShowWithAvailabilitySerializer(selectors.show_get(show_id=show.pk)).data,
                        status=status.HTTP_201_CREATED)


class ShowListView(generics.ListAPIView):
    """What's on: shows of every movie, soonest first, with the catalogue's filters."""

    permission_classes = [permissions.AllowAny]
    serializer_class = ShowWithAvailabilitySerializer
    pagination_class = OptionalLimitOffsetPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = ShowFilter

    def get_queryset(self):
        return selectors.show_list()

    @swagger_auto_schema(security=[], manual_parameters=swagger_parameters(ShowFilter), responses={**_errors(400)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SeatMapView(APIView):
    permission_classes = [permissions.AllowAny]

    @swagger_auto_schema(security=[], responses={200: SeatMapSerializer, **_errors(404)})
    def get(self, request, show_id):
        """The show's seats row by row (label, category, price, state) and which are booked, held or blocked."""
        return Response(selectors.seat_map(show_id=show_id))


class ShowDetailView(APIView):
    def get_permissions(self):
        return [permissions.AllowAny()] if self.request.method == "GET" else [IsStaff()]

    @swagger_auto_schema(security=[], responses={200: ShowWithAvailabilitySerializer, **_errors(404)})
    def get(self, request, show_id):
        return Response(ShowWithAvailabilitySerializer(selectors.show_get(show_id=show_id)).data)

    @swagger_auto_schema(
        operation_description=(
            "Staff: reschedule (`date_time`), change the prices of unsold seats (`prices`), or change `movie` "
            "(only without bookings or holds: 409 show_has_sales), `language`, `format`. Bookings are kept at "
            "the price they were sold at; the change is logged as a `show_changed` event."
        ),
        request_body=ShowUpdateSerializer,
        responses={200: ShowWithAvailabilitySerializer, **_errors(400, 401, 403, 404, 409, 415)})
    def patch(self, request, show_id):
        serializer = ShowUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        catalog.show_update(show_id=show_id, **serializer.validated_data)
        return Response(ShowWithAvailabilitySerializer(selectors.show_get(show_id=show_id)).data)


class ShowCancelView(APIView):
    permission_classes = [IsStaff]

    @swagger_auto_schema(
        operation_description="Staff: cancel the show. Sales stop (409 show_cancelled), every active booking is "
                              "cancelled and every hold released, in one transaction; all stay in the history.",
        request_body=no_body,
        responses={200: ShowWithAvailabilitySerializer, **_errors(401, 403, 404, 409)})
    def post(self, request, show_id):
        catalog.show_cancel(show_id=show_id)
        return Response(ShowWithAvailabilitySerializer(selectors.show_get(show_id=show_id)).data)


class SeatBlockView(APIView):
    permission_classes = [IsStaff]

    @swagger_auto_schema(
        operation_description="Staff: take seats out of sale (all or none). A booked or held seat cannot be "
                              "blocked: 409 seats_unavailable listing them. Answers the seat map.",
        request_body=BlockSeatsSerializer,
        responses={200: SeatMapSerializer, **_errors(400, 401, 403, 404, 409, 415)})
    def post(self, request, show_id):
        serializer = BlockSeatsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        catalog.seats_block(show_id=show_id, seat_numbers=serializer.validated_data["seat_numbers"])
        return Response(selectors.seat_map(show_id=show_id))


class SeatUnblockView(APIView):
    permission_classes = [IsStaff]

    @swagger_auto_schema(
        operation_description="Staff: put blocked seats back on sale (seats not blocked are left as they are). "
                              "Answers the seat map.",
        request_body=BlockSeatsSerializer,
        responses={200: SeatMapSerializer, **_errors(400, 401, 403, 404, 409, 415)})
    def post(self, request, show_id):
        serializer = BlockSeatsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        catalog.seats_unblock(show_id=show_id, seat_numbers=serializer.validated_data["seat_numbers"])
        return Response(selectors.seat_map(show_id=show_id))


# --- Bookings ---------------------------------------------------------------------------------------------
class BookSeatView(APIView):
    throttle_classes = [BookingUserThrottle]

    @swagger_auto_schema(
        operation_description=(
            "Book one seat (`seat_number`: 201 with the booking) or several at once (`seat_numbers`: 201 with an "
            "array of bookings, all or none). A seat held by another customer is 409 seat_held (one seat) or part "
            "of 409 seats_unavailable (several); seats held by the caller are booked and leave their hold."
        ),
        request_body=BookSeatSerializer, manual_parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: openapi.Response("The booking (seat_number), or an array of bookings in seat order (seat_numbers)",
                                  BookingSerializer),
            **_seat_errors(),
        },
    )
    @idempotent
    def post(self, request, show_id):
        data = request.data
        # The seed's request, {"seat_number": <int>}, needs no serializer to be validated (a serializer's machinery
        # cost more CPU than the booking's SQL: issue 13). Anything else takes the serializer, which answers the
        # same errors as before.
        if type(data) is dict and len(data) == 1 and type(data.get("seat_number")) is int:
            new_booking = booking.booking_create(user=request.user, show_id=show_id, seat_number=data["seat_number"])
            return Response(BookingSerializer(new_booking).data, status=status.HTTP_201_CREATED)
        serializer = BookSeatSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        if "seat_numbers" in serializer.validated_data:
            new_bookings = booking.booking_create_many(
                user=request.user, show_id=show_id, seat_numbers=serializer.validated_data["seat_numbers"]
            )
            return Response(BookingSerializer(new_bookings, many=True).data, status=status.HTTP_201_CREATED)
        new_booking = booking.booking_create(
            user=request.user, show_id=show_id, seat_number=serializer.validated_data["seat_number"]
        )
        return Response(BookingSerializer(new_booking).data, status=status.HTTP_201_CREATED)


class CancelBookingView(APIView):
    throttle_classes = [CancelUserThrottle]

    @swagger_auto_schema(request_body=no_body,
                         responses={200: DetailSerializer, **_errors(400, 401, 404, 409, 429)})
    def post(self, request, booking_id):
        booking.booking_cancel(user=request.user, booking_id=booking_id)
        return Response({"detail": CANCELLED_DETAIL})


class MyBookingsView(generics.ListAPIView):
    serializer_class = BookingSerializer
    pagination_class = OptionalLimitOffsetPagination

    def get_queryset(self):
        return selectors.booking_list_for_user(user=self.request.user)

    @swagger_auto_schema(responses={**_errors(401)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Holds ------------------------------------------------------------------------------------------------
class HoldCreateView(APIView):
    throttle_classes = [HoldUserThrottle]

    @swagger_auto_schema(
        operation_description=(
            "Hold seats for SEAT_HOLD_MINUTES (default 8, never past the show's start) while paying, all or none. "
            "Held seats are unavailable to everyone else; confirm the hold to book them."
        ),
        request_body=SeatNumbersSerializer, manual_parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: HoldSerializer, **_seat_errors()},
    )
    @idempotent
    def post(self, request, show_id):
        serializer = SeatNumbersSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        hold = holds.hold_create(user=request.user, show_id=show_id,
                                 seat_numbers=serializer.validated_data["seat_numbers"])
        return Response(HoldSerializer(hold).data, status=status.HTTP_201_CREATED)


class HoldConfirmView(APIView):
    # Confirming books seats: it counts against the booking rate.
    throttle_classes = [BookingUserThrottle]

    @swagger_auto_schema(
        operation_description="Book every seat of your unexpired hold and consume the hold, atomically.",
        request_body=no_body, manual_parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: BookingSerializer(many=True), **_seat_errors(), **_errors(410)},
    )
    @idempotent
    def post(self, request, hold_id):
        new_bookings = holds.hold_confirm(user=request.user, hold_id=hold_id)
        return Response(BookingSerializer(new_bookings, many=True).data, status=status.HTTP_201_CREATED)


class HoldDetailView(APIView):
    # Releasing frees seats, like cancelling.
    throttle_classes = [CancelUserThrottle]

    @swagger_auto_schema(responses={204: "Released: the seats are free at once", **_errors(401, 404, 429, 503)})
    def delete(self, request, hold_id):
        """Release your hold. Someone else's hold is 404."""
        holds.hold_release(user=request.user, hold_id=hold_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyHoldsView(generics.ListAPIView):
    serializer_class = HoldSerializer
    pagination_class = OptionalLimitOffsetPagination

    def get_queryset(self):
        return selectors.hold_list_for_user(user=self.request.user)

    # The 200 shape (array, or page envelope with ?limit=) comes from the paginator inspector (core.schema).
    @swagger_auto_schema(responses={**_errors(401)})
    def get(self, request, *args, **kwargs):
        """Your unexpired holds, soonest to expire first."""
        return super().get(request, *args, **kwargs)
