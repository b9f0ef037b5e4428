"""Signing up and logging out."""
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from core.exceptions import InvalidRefreshToken, UsernameTaken

User = get_user_model()


def user_create(*, username: str, email: str, password: str):
    """Create a user. Password validation happens before (in the serializer, where it has the field context)."""
    try:
        # A savepoint of its own, so the unique-username race (two signups at once) leaves a usable connection.
        with transaction.atomic():
            return User.objects.create_user(username=username, email=email, password=password)
    except IntegrityError as exc:
        raise UsernameTaken() from exc


def logout(*, user, refresh: str) -> None:
    """Blacklist the user's refresh token so it can no longer mint access tokens."""
    try:
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise InvalidRefreshToken() from exc
    # Only the owner may revoke a token; anyone else is told it is not valid, as if it did not exist.
    if str(token.get("user_id")) != str(user.pk):
        raise InvalidRefreshToken()
    token.blacklist()
