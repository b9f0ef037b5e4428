"""Request and response shapes of cinemas and screens."""
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from common.serializers import SingleLineField
from venues.layouts import LayoutError, layout_seats
from venues.models import Cinema, Screen, validate_time_zone


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
