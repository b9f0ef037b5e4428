"""Requests and responses of the account endpoints (/me, /password/*, /logout/all)."""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from rest_framework import serializers

User = get_user_model()
LANGUAGE_CHOICES = [code for code, _name in settings.LANGUAGES]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True, allow_blank=True,
                                  help_text="The account's e-mail address (empty for accounts made without one).")
    date_joined = serializers.DateTimeField(read_only=True)
    language = serializers.ChoiceField(
        choices=LANGUAGE_CHOICES, read_only=True,
        help_text="The language your e-mails are written in (set at signup from the request's language).")


class MeUpdateSerializer(serializers.Serializer):
    """Change what you give; at least one field."""

    email = serializers.EmailField(max_length=254, required=False)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False,
                                       help_text="The language of your e-mails: en, es or hi.")

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(gettext("Give the e-mail address or the language to change."))
        return attrs


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    new_password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64, help_text="`uid` from the reset mail")
    token = serializers.CharField(max_length=128, help_text="`token` from the reset mail")
    new_password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True,
                                     style={"input_type": "password"})


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField()
