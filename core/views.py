"""HTTP endpoints. Each view parses its input, calls one service or selector, and serializes the result;
the rules live in `core.services`, the error responses in `common.exception_handler`."""
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _
from drf_yasg.utils import no_body
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import MANAGER, PROGRAMME, role_required, role_required_to_write
from common.filters import CatalogueFilterBackend, swagger_parameters
from common.httpcache import PubliclyCachedView
from common.idempotency import idempotent
from common.pagination import OptionalLimitOffsetPagination
from common.schema import (
    PUBLIC,
    STAFF,
    TAG_BOOKINGS,
    TAG_CATALOGUE,
    TAG_HOLDS,
    USER,
    api_operation,
)
from common.serializers import DetailSerializer, ErrorSerializer
from common.views import OwnListView
from core import rendered, selectors
from core.filters import MovieFilter, ShowFilter
from core.serializers import (
    BlockSeatsSerializer,
    BookingSerializer,
    BookOneSeatSerializer,
    BookSeatSerializer,
    HoldCreateSerializer,
    HoldSerializer,
    MovieCreateSerializer,
    MovieDetailSerializer,
    MultiSeatBookingSerializer,
    ScheduleCreatedSerializer,
    ScheduleErrorSerializer,
    SeatMapSerializer,
    ShowCreateSerializer,
    ShowScheduleSerializer,
    ShowUpdateSerializer,
    ShowWithAvailabilitySerializer,
)
from core.services import booking, catalog, holds, schedule
from core.throttles import BookingUserThrottle, CancelUserThrottle, HoldUserThrottle

CANCELLED_DETAIL = _("Booking cancelled successfully.")


def _queue_pass(request) -> str | None:
    """The waiting room's pass the request carries (`Queue-Pass` header), for the sale gates (core.signals)."""
    return request.headers.get("Queue-Pass")


# The catalogue's reads (movies, a movie's shows, what's on, a show) are answered from the shared cache for anonymous
# visitors, with validators and a short public lifetime (common.httpcache, docs/decisions/0039); their writes
# (POST, PATCH) go through as usual and make the next read fresh (core.receivers).
class MovieListView(PubliclyCachedView, generics.ListAPIView):
    permission_classes = [role_required_to_write(PROGRAMME)]
    serializer_class = MovieDetailSerializer
    pagination_class = OptionalLimitOffsetPagination
    filter_backends = [CatalogueFilterBackend]
    filterset_class = MovieFilter

    def get_queryset(self):
        return selectors.movie_list()

    @api_operation(operation_id="movies_list", summary="List the movies", tag=TAG_CATALOGUE, auth=PUBLIC,
                   manual_parameters=swagger_parameters(MovieFilter),
                   success=(200, MovieDetailSerializer(many=True)), errors=["invalid"])
    def get(self, request, *args, **kwargs):
        if _unpaged(self) and not request.GET:
            # No filter and no page: the list the queryset would give, composed once per process (core.selectors),
            # each movie's part rendered once per distinct row (core.rendered).
            found = selectors.movie_rows() if rendered.applies(request) else None
            if found is not None:
                return rendered.response(rendered.movies(found))
            return Response(MovieDetailSerializer(selectors.movies(), many=True).data)
        return super().get(request, *args, **kwargs)

    @api_operation(operation_id="movies_create", summary="Add a movie (programme)", tag=TAG_CATALOGUE, auth=STAFF,
                   role=PROGRAMME,
                   request_body=MovieCreateSerializer, example={"title": "Dune", "duration_minutes": 155},
                   success=(201, MovieDetailSerializer), errors=[])
    def post(self, request):
        serializer = MovieCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        movie = catalog.movie_create(**serializer.validated_data)
        return Response(MovieDetailSerializer(movie).data, status=status.HTTP_201_CREATED)


class MovieDetailView(PubliclyCachedView, APIView):
    permission_classes = [permissions.AllowAny]

    @api_operation(operation_id="movies_retrieve", summary="Get one movie", tag=TAG_CATALOGUE, auth=PUBLIC,
                   success=(200, MovieDetailSerializer), errors=[])
    def get(self, request, movie_id):
        return Response(MovieDetailSerializer(selectors.movie_get(movie_id=movie_id)).data)


class MovieShowsView(PubliclyCachedView, generics.ListAPIView):
    permission_classes = [role_required_to_write(PROGRAMME)]
    serializer_class = ShowWithAvailabilitySerializer
    pagination_class = OptionalLimitOffsetPagination
    filter_backends = [CatalogueFilterBackend]
    filterset_class = ShowFilter

    def get_queryset(self):
        return selectors.show_list_for_movie(movie_id=self.kwargs["movie_id"])

    @api_operation(operation_id="movie_shows_list", summary="List a movie's shows, with their free seats",
                   tag=TAG_CATALOGUE, auth=PUBLIC, manual_parameters=swagger_parameters(ShowFilter),
                   success=(200, ShowWithAvailabilitySerializer(many=True)), errors=["invalid"])
    def get(self, request, *args, **kwargs):
        if _unpaged(self) and not request.GET:
            # No filter and no page: the list the queryset would give, from the show read composed once per
            # process (core.selectors.shows_of_movie), each show's part rendered once per distinct row
            # (core.rendered); with parameters, the filters and pages of a ListAPIView.
            return _shows_of_movie(request, movie_id=self.kwargs["movie_id"], must_exist=True)
        return super().get(request, *args, **kwargs)

    @api_operation(
        operation_id="shows_create", summary="Add a show of a movie (programme)", tag=TAG_CATALOGUE, auth=STAFF,
        role=PROGRAMME,
        description=(
            "Schedule a show on a screen (`screen`, `date_time`, `prices` for every seat category of the screen; "
            "optional `language`, `format`), or in the seed's form (`screen_name`, `date_time`, `total_seats`). "
            "400 invalid_date_time for a time in the past; 409 screen_busy if it overlaps another show on the "
            "screen (movie duration plus CLEANING_MINUTES)."
        ),
        request_body=ShowCreateSerializer,
        example={"screen_name": "Screen 2", "date_time": "2030-12-24T20:00:00Z", "total_seats": 120},
        success=(201, ShowWithAvailabilitySerializer), errors=["invalid_date_time", "screen_busy"],
    )
    def post(self, request, movie_id):
        serializer = ShowCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        show = catalog.show_create(movie_id=movie_id, **serializer.validated_data)
        return Response(ShowWithAvailabilitySerializer(selectors.show_get(show_id=show.pk)).data,
                        status=status.HTTP_201_CREATED)


class ShowListView(PubliclyCachedView, generics.ListAPIView):
    """What's on: shows of every movie, soonest first, with the catalogue's filters."""

    permission_classes = [permissions.AllowAny]
    serializer_class = ShowWithAvailabilitySerializer
    pagination_class = OptionalLimitOffsetPagination
    filter_backends = [CatalogueFilterBackend]
    filterset_class = ShowFilter

    def get_queryset(self):
        return selectors.show_list()

    @api_operation(operation_id="shows_list", summary="List what's on: every show, soonest first",
                   tag=TAG_CATALOGUE, auth=PUBLIC, manual_parameters=swagger_parameters(ShowFilter),
                   success=(200, ShowWithAvailabilitySerializer(many=True)), errors=["invalid"])
    def get(self, request, *args, **kwargs):
        movie_id = _only_movie_filter(request) if _unpaged(self) else None
        if movie_id is not None:
            # The commonest filter, one movie's shows (`?movie=<id>` alone): the read composed once per process,
            # which is exactly the filtered list (an unknown movie: none).
            return _shows_of_movie(request, movie_id=movie_id, must_exist=False)
        return super().get(request, *args, **kwargs)


def _shows_of_movie(request, *, movie_id: int, must_exist: bool):
    found = selectors.show_rows_of_movie(movie_id=movie_id, must_exist=must_exist) if rendered.applies(request) \
        else None
    if found is not None:
        return rendered.response(rendered.shows(found))
    shows = selectors.shows_of_movie(movie_id=movie_id, must_exist=must_exist)
    return Response(ShowWithAvailabilitySerializer(shows, many=True).data)


def _unpaged(view) -> bool:
    """Whether the list view answers a plain array when no `limit` is given (not its paged twin, which always pages:
    common.schema.paged_twin)."""
    return getattr(view.pagination_class, "default_limit", None) is None


def _only_movie_filter(request) -> int | None:
    """The movie id when `movie` is the request's only query parameter and ShowFilter's own field accepts it."""
    if len(request.GET) != 1 or "movie" not in request.GET or len(request.GET.getlist("movie")) != 1:
        return None
    try:
        return ShowFilter.base_filters["movie"].field.clean(request.GET["movie"])
    except ValidationError:
        return None  # the FilterSet answers it (a 400 naming the parameter)


class ShowScheduleView(APIView):
    permission_classes = [role_required(PROGRAMME)]

    @api_operation(
        operation_id="shows_schedule", summary="Schedule a run of shows at once (programme)", tag=TAG_CATALOGUE,
        auth=STAFF, role=PROGRAMME,
        description=(
            "Every day from `from` to `to` on one of `weekdays` (ISO, Monday = 1), at each of `times` (local to the "
            "screen's cinema). Each show is checked as one created alone: 400 invalid_date_time if one is in the "
            "past; 409 screen_busy if any overlaps an existing show or another of the run, listing every clash, and "
            "nothing is created. Otherwise all are created in one transaction (201). `dry_run: true`: 200 "
            "`{\"shows\": [{\"date_time\", \"local_date_time\"}, ...], \"clashes\": [...]}` (clashes shaped as in "
            "the 409), nothing created."
        ),
        request_body=ShowScheduleSerializer,
        example={"movie": 1, "screen": 1, "from": "2030-12-10", "to": "2030-12-16", "times": ["14:00", "20:00"],
                 "weekdays": [1, 2, 3, 4, 5, 6, 7],
                 "prices": {"standard": "12.50", "premium": "18.00", "wheelchair": "12.50", "companion": "6.00"}},
        success=(201, ScheduleCreatedSerializer), error_schemas={409: ScheduleErrorSerializer},
        errors=["invalid_date_time", "screen_busy", (404, "not_found")],
    )
    def post(self, request):
        serializer = ShowScheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = schedule.shows_schedule(**serializer.validated_data)
        if serializer.validated_data["dry_run"]:
            starts = [{"date_time": schedule.iso(start), "local_date_time": schedule.iso(run.local(start))}
                      for start in run.starts]
            return Response({"shows": starts, "clashes": schedule.clash_data(run)})
        created = selectors.show_list().filter(pk__in=[show.pk for show in run.shows])
        return Response({"shows": ShowWithAvailabilitySerializer(created, many=True).data},
                        status=status.HTTP_201_CREATED)


class SeatMapView(APIView):
    permission_classes = [permissions.AllowAny]

    @api_operation(operation_id="show_seat_map", summary="See a show's seats and which are booked, held or blocked",
                   description="Row by row (label, category, price, state). Expired holds are not counted.",
                   tag=TAG_CATALOGUE, auth=PUBLIC, success=(200, SeatMapSerializer), errors=[])
    def get(self, request, show_id):
        return Response(selectors.seat_map(show_id=show_id))


class ShowDetailView(PubliclyCachedView, APIView):
    def get_permissions(self):
        return [permissions.AllowAny()] if self.request.method == "GET" else [role_required(PROGRAMME)()]

    @api_operation(operation_id="shows_retrieve", summary="Get one show, with its free seats", tag=TAG_CATALOGUE,
                   auth=PUBLIC, success=(200, ShowWithAvailabilitySerializer), errors=[])
    def get(self, request, show_id):
        # The show's part rendered once per distinct row (core.rendered), where the read is composed.
        found = selectors.listed_show_row(show_id=show_id) if rendered.applies(request) else None
        if found is not None:
            return rendered.response(rendered.show(found))
        return Response(ShowWithAvailabilitySerializer(selectors.show_get(show_id=show_id)).data)

    @api_operation(
        operation_id="shows_update", summary="Change a show (programme)", tag=TAG_CATALOGUE, auth=STAFF,
        role=PROGRAMME,
        description=(
            "Reschedule (`date_time`), change the prices of unsold seats (`prices`), or change `movie` "
            "(only without bookings or holds: 409 show_has_sales), `language`, `format`. Bookings are kept at "
            "the price they were sold at; the change is logged as a `show_changed` event."
        ),
        request_body=ShowUpdateSerializer, example={"date_time": "2030-12-24T21:00:00Z"},
        success=(200, ShowWithAvailabilitySerializer),
        errors=["invalid_date_time", "show_started", "show_cancelled", "show_has_sales"],
    )
    def patch(self, request, show_id):
        serializer = ShowUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        catalog.show_update(show_id=show_id, **serializer.validated_data)
        return Response(ShowWithAvailabilitySerializer(selectors.show_get(show_id=show_id)).data)


class ShowCancelView(APIView):
    permission_classes = [role_required(MANAGER)]

    @api_operation(
        operation_id="shows_cancel", summary="Cancel a show and all its bookings (manager)", tag=TAG_CATALOGUE,
        auth=STAFF, role=MANAGER,
        description="Sales stop (409 show_cancelled), every active booking is cancelled and every hold released, in "
                    "one transaction; all stay in the history.",
        request_body=no_body, success=(200, ShowWithAvailabilitySerializer), errors=["show_cancelled"],
    )
    def post(self, request, show_id):
        catalog.show_cancel(show_id=show_id)
        return Response(ShowWithAvailabilitySerializer(selectors.show_get(show_id=show_id)).data)


class SeatBlockView(APIView):
    permission_classes = [role_required(PROGRAMME)]

    @api_operation(
        operation_id="show_seats_block", summary="Take seats out of sale (programme)", tag=TAG_CATALOGUE, auth=STAFF,
        role=PROGRAMME,
        description="All or none. A booked or held seat cannot be blocked: 409 seats_unavailable listing them. "
                    "Answers the seat map.",
        request_body=BlockSeatsSerializer, example={"seat_numbers": [40]}, success=(200, SeatMapSerializer),
        errors=["invalid_seat", "show_cancelled", "seats_unavailable"],
    )
    def post(self, request, show_id):
        serializer = BlockSeatsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        catalog.seats_block(show_id=show_id, seat_numbers=serializer.validated_data["seat_numbers"])
        return Response(selectors.seat_map(show_id=show_id))


class SeatUnblockView(APIView):
    permission_classes = [role_required(PROGRAMME)]

    @api_operation(
        operation_id="show_seats_unblock", summary="Put blocked seats back on sale (programme)", tag=TAG_CATALOGUE,
        auth=STAFF, role=PROGRAMME, description="Seats not blocked are left as they are. Answers the seat map.",
        request_body=BlockSeatsSerializer, example={"seat_numbers": [40]}, success=(200, SeatMapSerializer),
        errors=["invalid_seat", "show_cancelled"],
    )
    def post(self, request, show_id):
        serializer = BlockSeatsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        catalog.seats_unblock(show_id=show_id, seat_numbers=serializer.validated_data["seat_numbers"])
        return Response(selectors.seat_map(show_id=show_id))


# --- Bookings ---------------------------------------------------------------------------------------------
class BookSeatView(APIView):
    throttle_classes = [BookingUserThrottle]

    @api_operation(
        operation_id="bookings_create", summary="Book one seat", tag=TAG_BOOKINGS, auth=USER,
        description="A seat held by another customer is 409 seat_held; a seat you hold is booked and leaves your "
                    "hold. To book several seats at once use `POST /shows/{show_id}/bookings/`.",
        # Documented: the seed's one-seat request. The older `{"seat_numbers": [...]}` form is still accepted
        # here for existing clients (answered with an array, as before) but deprecated and not described:
        # one operation, one success shape.
        request_body=BookOneSeatSerializer, example={"seat_number": 15},
        success=(201, BookingSerializer),
        errors=["invalid_seat", "show_started", "show_cancelled", "seat_taken", "seat_held", "seat_blocked",
                "queue_required", "busy"],
    )
    @idempotent
    def post(self, request, show_id):
        data = request.data
        # The seed's request, {"seat_number": <int>}, needs no serializer to be validated (a serializer's machinery
        # cost more CPU than the booking's SQL, docs/performance.md). Anything else takes the serializer, which
        # answers the same errors as before.
        if type(data) is dict and len(data) == 1 and type(data.get("seat_number")) is int:
            new_booking = booking.booking_create(user=request.user, show_id=show_id, seat_number=data["seat_number"],
                                                 queue_pass=_queue_pass(request))
            return Response(BookingSerializer(new_booking).data, status=status.HTTP_201_CREATED)
        serializer = BookSeatSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        if "seat_numbers" in serializer.validated_data:
            return _book_seats(request, show_id, serializer.validated_data["seat_numbers"])
        new_booking = booking.booking_create(
            user=request.user, show_id=show_id, seat_number=serializer.validated_data["seat_number"],
            queue_pass=_queue_pass(request),
        )
        return Response(BookingSerializer(new_booking).data, status=status.HTTP_201_CREATED)


class BookSeatsView(APIView):
    throttle_classes = [BookingUserThrottle]

    @api_operation(
        operation_id="bookings_create_many", summary="Book several seats at once, all or none", tag=TAG_BOOKINGS,
        auth=USER, description="Answers the bookings in seat order. Seats booked or held by someone else: 409 "
                               "seats_unavailable listing them, and nothing is booked.",
        request_body=MultiSeatBookingSerializer, example={"seat_numbers": [3, 4]},
        success=(201, BookingSerializer(many=True)),
        errors=["invalid", "invalid_seat", "show_started", "show_cancelled", "seats_unavailable", "queue_required",
                "busy"],
    )
    @idempotent
    def post(self, request, show_id):
        serializer = MultiSeatBookingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _book_seats(request, show_id, serializer.validated_data["seat_numbers"])


def _book_seats(request, show_id, seat_numbers):
    new_bookings = booking.booking_create_many(user=request.user, show_id=show_id, seat_numbers=seat_numbers,
                                               queue_pass=_queue_pass(request))
    return Response(BookingSerializer(new_bookings, many=True).data, status=status.HTTP_201_CREATED)


class CancelBookingView(APIView):
    throttle_classes = [CancelUserThrottle]

    @api_operation(operation_id="bookings_cancel", summary="Cancel one of your bookings", tag=TAG_BOOKINGS,
                   auth=USER, request_body=no_body, success=(200, DetailSerializer),
                   errors=["show_started", "already_cancelled", "busy"])
    def post(self, request, booking_id):
        booking.booking_cancel(user=request.user, booking_id=booking_id)
        return Response({"detail": gettext(CANCELLED_DETAIL)})


class MyBookingsView(OwnListView):
    serializer_class = BookingSerializer
    list_for_user = staticmethod(selectors.booking_list_for_user)

    @api_operation(operation_id="my_bookings_list", summary="List your bookings, newest first", tag=TAG_BOOKINGS,
                   auth=USER, description="Cancelled bookings are included (status `cancelled`).",
                   success=(200, BookingSerializer(many=True)), errors=[])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Holds ------------------------------------------------------------------------------------------------
class HoldCreateView(APIView):
    throttle_classes = [HoldUserThrottle]

    @api_operation(
        operation_id="holds_create", summary="Hold seats while you pay, all or none", tag=TAG_HOLDS, auth=USER,
        description="Held seats are unavailable to everyone else for SEAT_HOLD_MINUTES (default 8, never past the "
                    "show's start); confirm the hold to book them.",
        request_body=HoldCreateSerializer,
        example={"seats": [{"number": 20, "ticket_type": "adult"}, {"number": 21}]}, success=(201, HoldSerializer),
        errors=["invalid", "invalid_seat", "invalid_ticket_type", "show_started", "show_cancelled",
                "seats_unavailable", "ticket_type_not_allowed", "hold_limit_reached", "queue_required", "busy"],
        # A 400 names the request's fields: `seats` is the field's messages for `invalid`, the seat numbers for
        # `invalid_seat`, so the 400 shape is the plain error's (the 409's keeps the numbers).
        error_schemas={400: ErrorSerializer},
    )
    @idempotent
    def post(self, request, show_id):
        serializer = HoldCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        hold = holds.hold_create(user=request.user, show_id=show_id,
                                 seat_numbers=serializer.validated_data["seat_numbers"],
                                 ticket_types=serializer.validated_data.get("ticket_types"),
                                 queue_pass=_queue_pass(request))
        return Response(HoldSerializer(hold).data, status=status.HTTP_201_CREATED)


class HoldConfirmView(APIView):
    # Confirming books seats: it counts against the booking rate.
    throttle_classes = [BookingUserThrottle]

    @api_operation(
        operation_id="holds_confirm", summary="Book the seats of your hold", tag=TAG_HOLDS, auth=USER,
        description="Books every seat of your unexpired hold and consumes the hold, atomically; answers the "
                    "bookings in seat order.",
        request_body=no_body, success=(201, BookingSerializer(many=True)),
        errors=["show_started", "show_cancelled", "seats_unavailable", "hold_expired", "invalid_ticket_type", "busy"],
    )
    @idempotent
    def post(self, request, hold_id):
        new_bookings = holds.hold_confirm(user=request.user, hold_id=hold_id)
        return Response(BookingSerializer(new_bookings, many=True).data, status=status.HTTP_201_CREATED)


class HoldDetailView(APIView):
    # Releasing frees seats, like cancelling.
    throttle_classes = [CancelUserThrottle]

    @api_operation(operation_id="holds_release", summary="Release your hold", tag=TAG_HOLDS, auth=USER,
                   description="The seats are free at once. Someone else's hold is 404.",
                   success=(204, "Released: the seats are free at once"), errors=["busy"])
    def delete(self, request, hold_id):
        holds.hold_release(user=request.user, hold_id=hold_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyHoldsView(OwnListView):
    serializer_class = HoldSerializer
    list_for_user = staticmethod(selectors.hold_list_for_user)

    @api_operation(operation_id="my_holds_list", summary="List your unexpired holds, soonest to expire first",
                   tag=TAG_HOLDS, auth=USER, success=(200, HoldSerializer(many=True)), errors=[])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
