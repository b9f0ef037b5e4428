"""Shapes every app shares: a plain message, an error, the health check; the fields of free text people type."""
from rest_framework import serializers

from common.text import validate_multi_line, validate_single_line


class SingleLineField(serializers.CharField):
    """A name, a title, a label: refuses control characters (common.text), as the model field it fills does."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_single_line)


class MultiLineField(serializers.CharField):
    """A longer text (a synopsis): line breaks and tabs allowed, no other control character (common.text)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_multi_line)


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
