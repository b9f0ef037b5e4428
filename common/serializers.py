"""Response shapes every app shares: a plain message, an error, the health check."""
from rest_framework import serializers


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """Every error response: a human message and a stable machine-readable code (common.error_codes)."""

    detail = serializers.CharField(help_text="For people; may change.")
    code = serializers.CharField(help_text="For programs; stable. docs/api.md lists every code.")


class SeatsErrorSerializer(ErrorSerializer):
    """An error about some of the requested seats (seats_unavailable, invalid_seat for a list): which ones."""

    seats = serializers.ListField(child=serializers.IntegerField(), required=False,
                                  help_text="The seats concerned, ascending.")


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField()
