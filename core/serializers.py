"""Request parsing and response shapes. The response shapes are the seed README's contract: fields may be added,
never removed or renamed."""
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from core.models import Booking, Movie, Show

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


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email"]


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """Every error response: a human message and a stable machine-readable code."""

    detail = serializers.CharField()
    code = serializers.CharField()


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField()


# --- Requests ---------------------------------------------------------------------------------------------
class SignupSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
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
        candidate = User(username=attrs["username"], email=attrs.get("email", ""))
        try:
            validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": exc.messages}) from exc
        return attrs


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class BookSeatSerializer(serializers.Serializer):
    # The range check (1..total_seats) needs the show and is done by the service, under the lock.
    seat_number = serializers.IntegerField()


class MovieCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    duration_minutes = serializers.IntegerField(min_value=1, max_value=1000)


class ShowCreateSerializer(serializers.Serializer):
    screen_name = serializers.CharField(max_length=100)
    date_time = serializers.DateTimeField()
    total_seats = serializers.IntegerField(min_value=1, max_value=Show.MAX_TOTAL_SEATS)
