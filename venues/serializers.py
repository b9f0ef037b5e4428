"""Request and response shapes of cinemas and screens."""
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from common.serializers import SingleLineField
from venues.layouts import LayoutError, layout_seats
from venues.models import Cinema, Screen, TicketType, validate_time_zone


class CinemaBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cinema
        fields = ["id", "name", "city"]


class CinemaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cinema
        fields = ["id", "name", "city", "address", "time_zone"]


class ScreenBriefSerializer(serializers.ModelSerializer):
    seat_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Screen
        fields = ["id", "name", "seat_count"]


class CinemaDetailSerializer(CinemaSerializer):
    screens = ScreenBriefSerializer(many=True, read_only=True)

    class Meta(CinemaSerializer.Meta):
        fields = [*CinemaSerializer.Meta.fields, "screens"]


class LayoutField(serializers.JSONField):
    """A seat layout (docs/api.md, "Seat layouts"); the error names the row and seat at fault."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            layout_seats(value)
        except LayoutError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        return value


class ScreenSerializer(serializers.ModelSerializer):
    cinema = CinemaBriefSerializer(read_only=True)
    seat_count = serializers.IntegerField(read_only=True)
    layout = serializers.JSONField(read_only=True, help_text="Rows front to back, seats left to right, null = gap.")

    class Meta:
        model = Screen
        fields = ["id", "name", "cinema", "seat_count", "layout"]


class CinemaCreateSerializer(serializers.Serializer):
    name = SingleLineField(max_length=200)
    city = SingleLineField(max_length=100)
    address = SingleLineField(max_length=300, required=False, allow_blank=True, default="")
    time_zone = serializers.CharField(max_length=64, required=False, default="UTC",
                                      help_text="IANA time zone name, e.g. Europe/Paris.")

    def validate_time_zone(self, value):
        try:
            validate_time_zone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value


class ScreenCreateSerializer(serializers.Serializer):
    name = SingleLineField(max_length=100)
    layout = LayoutField()


class TicketTypeSerializer(serializers.ModelSerializer):
    names = serializers.DictField(child=serializers.CharField(), read_only=True,
                                  help_text="The name in other languages, by language code.")

    class Meta:
        model = TicketType
        fields = ["id", "code", "name", "names", "min_age", "max_age", "proof_required"]


class TicketTypeCreateSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=32, help_text="Lower-case letters, digits, - and _; unique per cinema.")
    name = SingleLineField(max_length=100)
    names = serializers.DictField(child=SingleLineField(max_length=100), required=False, default=dict,
                                  help_text="The name in other languages, e.g. {\"es\": \"Niño\"}.")
    min_age = serializers.IntegerField(min_value=0, max_value=150, required=False, allow_null=True, default=None)
    max_age = serializers.IntegerField(min_value=0, max_value=150, required=False, allow_null=True, default=None)
    proof_required = serializers.BooleanField(required=False, default=False,
                                              help_text="Door staff are told to check proof (of age, a card...).")

    def validate_code(self, value):
        if value != value.lower():
            raise serializers.ValidationError("Use lower-case letters.")
        return value

    def validate_names(self, value):
        languages = {code for code, _name in settings.LANGUAGES}
        unknown = sorted(set(value) - languages)
        if unknown:
            raise serializers.ValidationError(
                f"Unknown language {unknown[0]!r}; one of {', '.join(sorted(languages))}.")
        return value

    def validate(self, attrs):
        if attrs["min_age"] is not None and attrs["max_age"] is not None and attrs["min_age"] > attrs["max_age"]:
            raise serializers.ValidationError({"max_age": ["Must not be below min_age."]})
        return attrs
