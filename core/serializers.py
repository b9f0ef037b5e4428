"""Request parsing and response shapes. The response shapes are the seed README's contract: fields may be added,
never removed or renamed."""
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenRefreshSerializer

from core.models import Booking, Hold, Movie, Show

User = get_user_model()


# --- Responses --------------------------------------------------------------------------------------------
# The response serializers declare their fields (for validation of the shapes' documentation in Swagger and
# for anything generic that introspects them) but write their output by hand: a ModelSerializer rebuilds its
# fields from the model on every instantiation, which was about 15% of a booking request's CPU time, spent
# while other requests wait for the CPU. tests/test_serializers.py checks that the hand-written output equals
# what DRF builds from the declared fields, so the two cannot drift apart.
_datetime = serializers.DateTimeField()  # formats exactly as the declared DateTimeFields do (ISO 8601, "Z")


def _movie_data(movie: Movie) -> dict:
    return {"id": movie.id, "title": movie.title, "duration_minutes": movie.duration_minutes}


def _show_data(show: Show) -> dict:
    return {
        "id": show.id,
        "movie": _movie_data(show.movie),
        "screen_name": show.screen_name,
        "date_time": _datetime.to_representation(show.date_time),
        "total_seats": show.total_seats,
    }


class MovieSerializer(serializers.ModelSerializer):
    class Meta:
        model = Movie
        fields = ["id", "title", "duration_minutes"]

    def to_representation(self, instance):
        return _movie_data(instance)


class ShowSerializer(serializers.ModelSerializer):
    movie = MovieSerializer(read_only=True)

    class Meta:
        model = Show
        fields = ["id", "movie", "screen_name", "date_time", "total_seats"]

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
        fields = ["id", "show", "seat_number", "status", "created_at", "cancelled_at"]

    def to_representation(self, instance):
        return {
            "id": instance.id,
            "show": _show_data(instance.show),
            "seat_number": instance.seat_number,
            "status": str(instance.status),
            "created_at": _datetime.to_representation(instance.created_at),
            "cancelled_at": _datetime.to_representation(instance.cancelled_at),
        }


class HoldSerializer(serializers.ModelSerializer):
    show_id = serializers.IntegerField(read_only=True)
    seat_numbers = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = Hold
        fields = ["id", "show_id", "seat_numbers", "expires_at"]


class SeatMapSerializer(serializers.Serializer):
    """A show's seats at a glance (documentation of the selector's dict; nothing is validated)."""

    show_id = serializers.IntegerField()
    total_seats = serializers.IntegerField()
    available_seats = serializers.IntegerField()
    booked = serializers.ListField(child=serializers.IntegerField(), help_text="Booked seat numbers, ascending.")
    held = serializers.ListField(child=serializers.IntegerField(),
                                 help_text="Seats in unexpired holds (anyone's), ascending.")


class UserSerializer(serializers.ModelSerializer):
    # Declared rather than derived from the model, so the schema says what is really answered: the model's
    # username pattern is Python's Unicode \w, which JSON Schema reads as ASCII (it would reject "zoë"), and an
    # email is optional at signup while "" is not a valid `format: email`.
    username = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True, allow_blank=True,
                                  help_text="The email address given at signup, or empty.")

    class Meta:
        model = User
        fields = ["id", "username", "email"]


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """Every error response: a human message and a stable machine-readable code (core.error_codes)."""

    detail = serializers.CharField(help_text="For people; may change.")
    code = serializers.CharField(help_text="For programs; stable. The README lists every code.")


class SeatsErrorSerializer(ErrorSerializer):
    """An error about some of the requested seats (seats_unavailable, invalid_seat for a list): which ones."""

    seats = serializers.ListField(child=serializers.IntegerField(), required=False,
                                  help_text="The seats concerned, ascending.")


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField()


# --- Requests ---------------------------------------------------------------------------------------------
class SignupSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    # No default: the description would show `default: ""`, which is not a valid `format: email`
    # (openapi-spec-validator refuses it). A missing email is stored as "" (validate below).
    email = serializers.EmailField(required=False, allow_blank=True)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})

    def validate_username(self, value):
        # Django's own username rules (letters, digits and @/./+/-/_), as the admin applies them.
        # Uniqueness is left to the database (core.services.accounts): a check here would race anyway.
        try:
            User._meta.get_field("username").run_validators(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value

    def validate(self, attrs):
        # The similarity validator needs the user's other attributes; the user is not saved here.
        attrs.setdefault("email", "")
        candidate = User(username=attrs["username"], email=attrs["email"])
        try:
            validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": exc.messages}) from exc
        return attrs


class RotatingTokenRefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh (rotating: it answers a new refresh token and blacklists the old one), plus the case
    it leaves as a 500: a valid token whose user was deleted since. That is a 401 like an inactive user."""

    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except User.DoesNotExist:
            raise AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account") from None


class LoginSerializer(serializers.Serializer):
    """What /login reads (documentation only; simplejwt's TokenObtainPairSerializer parses it)."""

    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


class TokenPairSerializer(serializers.Serializer):
    """What /login and /token/refresh answer (documentation only; simplejwt's serializers produce it)."""

    access = serializers.CharField(help_text="JWT access token, valid 60 minutes: send as `Bearer <access>`")
    refresh = serializers.CharField(help_text="JWT refresh token, valid 1 day: exchange at /token/refresh")


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()


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


class MultiSeatBookingSerializer(SeatNumbersSerializer):
    """Seats of one show, to book together (all or none). Its own class, so its own definition and example."""


class MovieCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    duration_minutes = serializers.IntegerField(min_value=1, max_value=1000)


class ShowCreateSerializer(serializers.Serializer):
    screen_name = serializers.CharField(max_length=100)
    date_time = serializers.DateTimeField()
    total_seats = serializers.IntegerField(min_value=1, max_value=Show.MAX_TOTAL_SEATS)
