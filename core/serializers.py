"""Request parsing and response shapes. The response shapes are the original API's contract: fields may be added,
never removed or renamed."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_yasg.utils import swagger_serializer_method
from rest_framework import serializers

from common.money import price_text
from common.serializers import ErrorSerializer, MultiLineField, SingleLineField
from core.models import Booking, Hold, Movie, Show
from core.prices import adult_prices
from venues.layouts import SEAT_CATEGORIES
from venues.models import ADULT

User = get_user_model()


# --- Responses --------------------------------------------------------------------------------------------
# The response serializers declare their fields (for validation of the shapes' documentation in Swagger and
# for anything generic that introspects them) but write their output by hand: a ModelSerializer rebuilds its
# fields from the model on every instantiation, which was about 15% of a booking request's CPU time, spent
# while other requests wait for the CPU. tests/core/test_serializers.py checks that the hand-written output equals
# what DRF builds from the declared fields, so the two cannot drift apart.
def _iso_datetime(value) -> str | None:
    """What a declared `serializers.DateTimeField()` writes (ISO 8601 in the current time zone, "Z" for UTC), without
    its look-ups of the settings on every call (a tenth of a movie's shows' CPU, bench/profile_reads.py);
    tests/core/test_serializers.py holds it to DRF's output."""
    if not value:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _movie_data(movie: Movie) -> dict:
    return {"id": movie.id, "title": movie.title, "duration_minutes": movie.duration_minutes}


def _movie_detail_data(movie: Movie) -> dict:
    return {
        **_movie_data(movie),
        "genres": list(movie.genres or []),
        "language": movie.language,
        "certificate": movie.certificate,
        "release_date": movie.release_date.isoformat() if movie.release_date else None,
        "synopsis": movie.synopsis,
        "poster_url": movie.poster_url,
    }


def _screen_data(show: Show) -> dict | None:
    if show.screen_id is None:
        return None
    screen, cinema = show.screen, show.screen.cinema
    return {"id": screen.id, "name": screen.name, "cinema": {"id": cinema.id, "name": cinema.name, "city": cinema.city}}


def _local_date_time(show: Show) -> str:
    """The start in the cinema's own time zone, with its offset (the server's TIME_ZONE for seed-form shows)."""
    return show.local_date_time().isoformat()


def _show_data(show: Show) -> dict:
    return {
        "id": show.id,
        "movie": _movie_data(show.movie),
        "screen_name": show.screen_name,
        "date_time": _iso_datetime(show.date_time),
        "total_seats": show.total_seats,
        "screen": _screen_data(show),
        # The Adult price per category, as before ticket types; the seat map lists every type's (core.prices).
        "prices": {category: price_text(price) for category, price in adult_prices(show.prices).items()},
        "currency": settings.CURRENCY,
        "local_date_time": _local_date_time(show),
        "language": show.language,
        "format": show.format,
        "status": str(show.status),
    }


class MovieSerializer(serializers.ModelSerializer):
    class Meta:
        model = Movie
        fields = ["id", "title", "duration_minutes"]

    def to_representation(self, instance):
        return _movie_data(instance)


class MovieDetailSerializer(MovieSerializer):
    """A movie as listed and looked up: the seed's fields plus its metadata (all optional)."""

    genres = serializers.ListField(child=serializers.CharField(), read_only=True)
    language = serializers.CharField(read_only=True, allow_blank=True)
    certificate = serializers.CharField(read_only=True, allow_blank=True)
    release_date = serializers.DateField(read_only=True, allow_null=True)
    synopsis = serializers.CharField(read_only=True, allow_blank=True)
    # Declared as text, not URLField: an empty string ("no poster") is not a valid `format: uri`.
    poster_url = serializers.CharField(read_only=True, allow_blank=True, help_text="A URL, or empty.")

    class Meta(MovieSerializer.Meta):
        fields = [*MovieSerializer.Meta.fields, "genres", "language", "certificate", "release_date", "synopsis",
                  "poster_url"]

    def to_representation(self, instance):
        return _movie_detail_data(instance)


class ShowCinemaSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    city = serializers.CharField()


def _price_field():
    # Decimal strings (or numbers) in, exact Decimals out: money never goes through a float.
    return serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)


class CategoryPriceField(serializers.Field):
    """One seat category's price: a bare price (the Adult price) or `{ticket type code: price}` (core.prices)."""

    default_error_messages = {"invalid": "A price, or an object of ticket type codes to prices."}

    class Meta:
        # Swagger 2.0 has no oneOf: documented as the price string every client sends today; the object form is in
        # the description and docs/api.md ("Ticket types and age ratings").
        swagger_schema_fields = {"type": "string", "description": "\"12.50\" (the adult price), or an object "
                                 "of ticket type codes to prices {\"adult\": \"12.50\", \"child\": \"8.00\"}"}

    def to_internal_value(self, data):
        if isinstance(data, dict):
            if not data:
                self.fail("invalid")
            return serializers.DictField(child=_price_field()).run_validation(
                {str(kind): price for kind, price in data.items()})
        if isinstance(data, (list, bool)):
            self.fail("invalid")
        return _price_field().run_validation(data)

    def to_representation(self, value):
        return value


def _prices_field(**kwargs):
    return serializers.DictField(child=CategoryPriceField(), **kwargs)


class ShowScreenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    cinema = ShowCinemaSerializer()


class ShowSerializer(serializers.ModelSerializer):
    movie = MovieSerializer(read_only=True)
    screen = serializers.SerializerMethodField(help_text="Null for shows created with screen_name/total_seats.")
    prices = serializers.DictField(child=serializers.CharField(), read_only=True,
                                   help_text="The adult price per seat category, decimal strings in `currency` (the "
                                             "seat map's `categories` list each ticket type's price).")
    currency = serializers.SerializerMethodField(help_text="ISO 4217 code (the CURRENCY setting).")
    local_date_time = serializers.SerializerMethodField(help_text="date_time in the cinema's time zone.")
    language = serializers.CharField(read_only=True, allow_blank=True)
    format = serializers.CharField(read_only=True, allow_blank=True, help_text="2D, 3D, IMAX, ... or empty.")
    status = serializers.ChoiceField(choices=Show.Status.choices, read_only=True)

    class Meta:
        model = Show
        fields = ["id", "movie", "screen_name", "date_time", "total_seats", "screen", "prices", "currency",
                  "local_date_time", "language", "format", "status"]

    @swagger_serializer_method(serializer_or_field=ShowScreenSerializer(allow_null=True))
    def get_screen(self, show):
        return _screen_data(show)

    @swagger_serializer_method(serializer_or_field=serializers.CharField())
    def get_currency(self, show):
        return settings.CURRENCY

    @swagger_serializer_method(serializer_or_field=serializers.CharField())
    def get_local_date_time(self, show):
        return _local_date_time(show)

    def to_representation(self, instance):
        return _show_data(instance)


class ShowWithAvailabilitySerializer(ShowSerializer):
    """A show as listed and looked up: the seed's fields plus how many seats are still free."""

    # Computed in the query (core.selectors), not per row.
    available_seats = serializers.IntegerField(read_only=True)

    class Meta(ShowSerializer.Meta):
        fields = [*ShowSerializer.Meta.fields, "available_seats"]

    def to_representation(self, instance):
        return {**_show_data(instance), "available_seats": instance.available_seats}


class BookingSerializer(serializers.ModelSerializer):
    show = ShowSerializer(read_only=True)

    class Meta:
        model = Booking
        fields = ["id", "show", "seat_number", "status", "price", "ticket_type", "created_at", "cancelled_at",
                  "order_id", "payment_status"]

    # Not model-derived: `order_id` is the FK's column (null for a reservation made without an order).
    order_id = serializers.IntegerField(read_only=True, allow_null=True)
    payment_status = serializers.ChoiceField(choices=Booking.PaymentStatus.choices, read_only=True)

    def to_representation(self, instance):
        return {
            "id": instance.id,
            "show": _show_data(instance.show),
            "seat_number": instance.seat_number,
            "status": str(instance.status),
            "price": price_text(instance.price),
            "ticket_type": instance.ticket_type,
            "created_at": _iso_datetime(instance.created_at),
            "cancelled_at": _iso_datetime(instance.cancelled_at),
            "order_id": instance.order_id,
            "payment_status": str(instance.payment_status),
        }


class HeldSeatSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    ticket_type = serializers.CharField(help_text="A ticket type code of the cinema, or \"adult\".")


class HoldSerializer(serializers.ModelSerializer):
    show_id = serializers.IntegerField(read_only=True)
    seat_numbers = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    seats = serializers.SerializerMethodField(help_text="Each seat with its ticket type, in seat order.")

    class Meta:
        model = Hold
        fields = ["id", "show_id", "seat_numbers", "seats", "expires_at"]

    @swagger_serializer_method(serializer_or_field=HeldSeatSerializer(many=True))
    def get_seats(self, hold):
        return [{"number": seat.seat_number, "ticket_type": seat.ticket_type}
                for seat in sorted(hold.seats.all(), key=lambda seat: seat.seat_number)]


class SeatSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="The seat_number used to book it.")
    label = serializers.CharField()
    category = serializers.ChoiceField(choices=SEAT_CATEGORIES)
    price = serializers.CharField(help_text="Decimal string, in the show's currency.")
    state = serializers.ChoiceField(choices=["free", "held", "booked", "blocked"])
    wheelchair = serializers.BooleanField()
    companion = serializers.BooleanField()
    restricted_view = serializers.BooleanField()


class SeatRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    seats = SeatSerializer(many=True, allow_null=True)


class SeatCategorySerializer(serializers.Serializer):
    name = serializers.CharField()
    price = serializers.CharField(help_text="The adult price: each seat's `price`.")
    prices = serializers.DictField(child=serializers.CharField(),
                                   help_text="Each ticket type offered in this category with its price, e.g. "
                                             "{\"adult\": \"12.50\", \"child\": \"8.00\"}.")
    available = serializers.IntegerField()


class SeatMapSerializer(serializers.Serializer):
    """A show's seats at a glance (documentation of the selector's dict; nothing is validated)."""

    show_id = serializers.IntegerField()
    total_seats = serializers.IntegerField()
    available_seats = serializers.IntegerField()
    booked = serializers.ListField(child=serializers.IntegerField(), help_text="Booked seat numbers, ascending.")
    held = serializers.ListField(child=serializers.IntegerField(),
                                 help_text="Seats in unexpired holds (anyone's), ascending.")
    blocked = serializers.ListField(child=serializers.IntegerField(),
                                    help_text="Seats staff took out of sale, ascending.")
    currency = serializers.CharField()
    categories = SeatCategorySerializer(many=True)
    rows = SeatRowSerializer(many=True, help_text="Front to back; in each row seats left to right, null for a gap.")


class BookSeatSerializer(serializers.Serializer):
    """What /book/ parses: `{"seat_number": n}` (the seed's request, the documented one) or, deprecated and kept
    for existing clients, `{"seat_numbers": [...]}` (several, all or none; now `POST /shows/<id>/bookings/`).

    Only the shape is checked here. The rules (not empty, no repeats, at most MAX_SEATS_PER_BOOKING, within the
    show's seats) belong to the booking service, which applies them to holds too.
    """

    seat_number = serializers.IntegerField(required=False, help_text="One seat; answered with one booking.")
    seat_numbers = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_empty=True,
        # An absolute bound on the work of validating the list; the real limit is a setting, checked by the service.
        max_length=Show.MAX_TOTAL_SEATS,
        help_text="Several seats (at most MAX_SEATS_PER_BOOKING, default 10); answered with an array of bookings.",
    )

    def validate(self, attrs):
        if "seat_number" in attrs and "seat_numbers" in attrs:
            raise serializers.ValidationError("Send either seat_number or seat_numbers, not both.")
        if "seat_number" not in attrs and "seat_numbers" not in attrs:
            # Keyed by the seed's field, as before seat_numbers existed.
            raise serializers.ValidationError({"seat_number": ["This field is required."]})
        return attrs


class BookOneSeatSerializer(serializers.Serializer):
    """What /book/ is documented to read: the seed's one seat (documentation; BookSeatSerializer parses it)."""

    seat_number = serializers.IntegerField(help_text="The seat to book, 1..total_seats.")


class SeatNumbersSerializer(serializers.Serializer):
    """Seats of one show, for a hold."""

    seat_numbers = serializers.ListField(child=serializers.IntegerField(), allow_empty=True,
                                         max_length=Show.MAX_TOTAL_SEATS,
                                         help_text="At most MAX_SEATS_PER_BOOKING (default 10) distinct seats.")


class TypedSeatSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    ticket_type = serializers.SlugField(max_length=32, required=False, default=ADULT,
                                        help_text="A ticket type code the show offers for this seat (default adult).")


def typed_seats(seats: list[dict]) -> tuple[list[int], dict[int, str]]:
    """TypedSeatSerializer's seats as the hold service takes them: the numbers, and the type of each seat named as
    another than Adult (Adult is what a seat without a type is: only the others are checked, core.ticket_types)."""
    return ([seat["number"] for seat in seats],
            {seat["number"]: seat["ticket_type"] for seat in seats if seat["ticket_type"] != ADULT})


class HoldCreateSerializer(serializers.Serializer):
    """Seats of one show, for a hold: `seats` with a ticket type each, or `seat_numbers` (all Adult)."""

    seat_numbers = serializers.ListField(child=serializers.IntegerField(), allow_empty=True, required=False,
                                         max_length=Show.MAX_TOTAL_SEATS,
                                         help_text="At most MAX_SEATS_PER_BOOKING (default 10) distinct seats, "
                                                   "sold as Adult.")
    seats = serializers.ListField(child=TypedSeatSerializer(), allow_empty=True, required=False,
                                  max_length=Show.MAX_TOTAL_SEATS,
                                  help_text="The seats with their ticket types, e.g. [{\"number\": 14, "
                                            "\"ticket_type\": \"child\"}, {\"number\": 15}].")

    def validate(self, attrs):
        if "seats" in attrs and "seat_numbers" in attrs:
            raise serializers.ValidationError("Send either seats or seat_numbers, not both.")
        if "seats" not in attrs and "seat_numbers" not in attrs:
            raise serializers.ValidationError({"seat_numbers": ["This field is required."]})
        if "seats" in attrs:
            attrs["seat_numbers"], attrs["ticket_types"] = typed_seats(attrs.pop("seats"))
        return attrs


class MultiSeatBookingSerializer(SeatNumbersSerializer):
    """Seats of one show, to book together (all or none). Its own class, so its own definition and example."""


class MovieCreateSerializer(serializers.Serializer):
    title = SingleLineField(max_length=200)
    duration_minutes = serializers.IntegerField(min_value=1, max_value=1000)
    genres = serializers.ListField(child=SingleLineField(max_length=40), max_length=10, required=False)
    language = SingleLineField(max_length=50, required=False, allow_blank=True)
    certificate = SingleLineField(max_length=20, required=False, allow_blank=True)
    release_date = serializers.DateField(required=False, allow_null=True)
    synopsis = MultiLineField(max_length=5000, required=False, allow_blank=True)
    poster_url = serializers.URLField(max_length=500, required=False, allow_blank=True)


class ShowCreateSerializer(serializers.Serializer):
    """On a screen: `{"screen", "date_time", "prices"}`; or the seed's form `{"screen_name", "date_time",
    "total_seats"}` (one row of that many standard seats, price 0)."""

    screen = serializers.IntegerField(required=False, help_text="Screen id: seats and screen_name come from it.")
    prices = _prices_field(required=False, allow_empty=False,
                           help_text="A price for every seat category of the screen, e.g. {\"standard\": \"12.50\"} "
                                     "(the adult price) or per ticket type {\"standard\": {\"adult\": \"12.50\", "
                                     "\"child\": \"8.00\"}}. Required with `screen`.")
    screen_name = SingleLineField(max_length=100, required=False, help_text="Seed form (without `screen`).")
    date_time = serializers.DateTimeField()
    total_seats = serializers.IntegerField(min_value=1, max_value=Show.MAX_TOTAL_SEATS, required=False,
                                           help_text="Seed form (without `screen`).")
    language = SingleLineField(max_length=50, required=False, allow_blank=True, default="")
    format = SingleLineField(max_length=20, required=False, allow_blank=True, default="",
                                   help_text="2D, 3D, IMAX, ...")

    def validate(self, attrs):
        if "screen" in attrs:
            errors = {name: ["Not allowed with screen (it comes from the screen)."]
                      for name in ("screen_name", "total_seats") if name in attrs}
            if "prices" not in attrs:
                errors["prices"] = ["This field is required."]
            if errors:
                raise serializers.ValidationError(errors)
            attrs["screen_id"] = attrs.pop("screen")
        else:
            # The seed's form, with the seed's messages for what is missing.
            errors = {name: ["This field is required."] for name in ("screen_name", "total_seats")
                      if name not in attrs}
            if "prices" in attrs:
                errors["prices"] = ["Prices need a screen; the seed's form is sold at price 0."]
            if errors:
                raise serializers.ValidationError(errors)
        return attrs


class ShowUpdateSerializer(serializers.Serializer):
    """PATCH /shows/<id>/: what staff may change on a scheduled show."""

    date_time = serializers.DateTimeField(required=False, help_text="Reschedule (bookings are kept).")
    prices = _prices_field(required=False, allow_empty=False,
                           help_text="New prices of some categories (or of some ticket types of a category); "
                                     "applied to seats not yet sold.")
    movie = serializers.IntegerField(required=False, help_text="Only while the show has no bookings or holds.")
    language = SingleLineField(max_length=50, required=False, allow_blank=True)
    format = SingleLineField(max_length=20, required=False, allow_blank=True)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Send at least one of: " + ", ".join(self.fields) + ".")
        if "movie" in attrs:
            attrs["movie_id"] = attrs.pop("movie")
        return attrs


class BlockSeatsSerializer(serializers.Serializer):
    seat_numbers = serializers.ListField(child=serializers.IntegerField(), allow_empty=False,
                                         max_length=Show.MAX_TOTAL_SEATS, help_text="Seat numbers of the show.")


# Bounds of one schedule request: a quarter's programme at most, a dozen starts a day.
MAX_SCHEDULE_DAYS = 92
MAX_SCHEDULE_TIMES = 12


class ShowScheduleSerializer(serializers.Serializer):
    """POST /shows/schedule/: the rule of a run of shows. `from` and `to` are Python keywords, so get_fields adds
    them."""

    movie = serializers.IntegerField(min_value=1)
    screen = serializers.IntegerField(min_value=1, help_text="The shows are on this screen; times are local to its "
                                                             "cinema.")
    times = serializers.ListField(child=serializers.TimeField(format="%H:%M"), min_length=1,
                                  max_length=MAX_SCHEDULE_TIMES, help_text='Start times, e.g. ["18:00", "21:00"].')
    weekdays = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=7), min_length=1,
                                     max_length=7, required=False, default=[1, 2, 3, 4, 5, 6, 7],
                                     help_text="ISO weekdays, Monday = 1 (default: every day).")
    prices = _prices_field(allow_empty=False,
                           help_text="A price for every seat category of the screen (or a table per ticket type).")
    language = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    format = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    dry_run = serializers.BooleanField(required=False, default=False,
                                       help_text="Preview: answer the shows and clashes, create nothing.")

    def get_fields(self):
        fields = super().get_fields()
        return {"movie": fields.pop("movie"), "screen": fields.pop("screen"),
                "from": serializers.DateField(help_text="First day (YYYY-MM-DD), in the cinema's time zone."),
                "to": serializers.DateField(help_text=f"Last day, inclusive; at most {MAX_SCHEDULE_DAYS} days "
                                                      f"after `from`."),
                **fields}

    def validate(self, attrs):
        attrs["date_from"], attrs["date_to"] = attrs.pop("from"), attrs.pop("to")
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"to": ["Not before from."]})
        if (attrs["date_to"] - attrs["date_from"]).days >= MAX_SCHEDULE_DAYS:
            raise serializers.ValidationError({"to": [f"At most {MAX_SCHEDULE_DAYS} days after from."]})
        attrs["movie_id"], attrs["screen_id"] = attrs.pop("movie"), attrs.pop("screen")
        return attrs


class ScheduledStartSerializer(serializers.Serializer):
    date_time = serializers.DateTimeField()
    local_date_time = serializers.CharField(help_text="date_time in the cinema's time zone, with its offset.")


class ScheduleClashSerializer(ScheduledStartSerializer):
    shows = serializers.ListField(child=serializers.IntegerField(), help_text="Existing shows it overlaps (ids).")
    new_shows = serializers.ListField(child=serializers.CharField(),
                                      help_text="Other starts of this run it overlaps (local times).")


class ScheduleCreatedSerializer(serializers.Serializer):
    shows = ShowWithAvailabilitySerializer(many=True)


class ScheduleErrorSerializer(ErrorSerializer):
    """409 screen_busy for a schedule: every clash; nothing was created."""

    shows = serializers.ListField(child=serializers.IntegerField(), help_text="Every existing show overlapped.")
    clashes = ScheduleClashSerializer(many=True, required=False)
