"""Requests and responses of the account endpoints (/me, /password/*, /logout/all)."""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext
from rest_framework import serializers

from accounts import identity

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


# --- Requests ---------------------------------------------------------------------------------------------
CONFUSABLE_USERNAME = ("This username mixes scripts with look-alike characters (such as a Cyrillic \"а\" among "
                       "Latin letters); write it in one script.")


class SignupSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    # Required and unique (case-insensitively): it is how a forgotten password is reset.
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})

    def validate_username(self, value):
        # Django's own username rules (letters, digits and @/./+/-/_), as the admin applies them, to the name as
        # it will be stored (NFKC, no surrounding spaces).
        value = identity.normalize_username(value)
        try:
            User._meta.get_field("username").run_validators(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        if identity.is_mixed_script_confusable(value):
            raise serializers.ValidationError(CONFUSABLE_USERNAME)
        # Uniqueness (case-insensitive) is left to the database (accounts.services.users): a check here would race.
        return value

    def validate(self, attrs):
        # The similarity validator needs the user's other attributes; the user is not saved here.
        candidate = User(username=attrs["username"], email=attrs.get("email", ""))
        try:
            validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": exc.messages}) from exc
        return attrs


class TokenPairSerializer(serializers.Serializer):
    """What /login and /token/refresh answer (documentation only; simplejwt's serializers produce it)."""

    access = serializers.CharField(help_text="JWT access token, valid 60 minutes: send as `Bearer <access>`")
    refresh = serializers.CharField(help_text="JWT refresh token, once, at /token/refresh; every refresh token "
                                              "of a login expires 1 day after the login")


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()
