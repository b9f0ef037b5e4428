"""Authentication of API requests: simplejwt's access tokens, with the user read from the database each time.

Deliberately *not* simplejwt's stateless variant (JWTStatelessUserAuthentication), which would save the one
query per request: with it, a deactivated or deleted user's tokens would keep working until they expire (up to
JWT_ACCESS_MINUTES), and the API promises they stop at once.
"""
import functools

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from core import precomposed

User = get_user_model()


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's JWTAuthentication with the same checks and errors, and a cheaper user query.

    simplejwt's `User.objects.get(id=...)` spent more CPU composing its SQL than anything else in a booking
    request (~27% of a worker's CPU under load, measured with py-spy). The user is now read with one SQL
    statement composed once; what is checked and answered is unchanged (user_not_found, user_inactive,
    password_changed, as in simplejwt 5.5's get_user).
    """

    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as e:
            raise InvalidToken(_("Token contained no recognizable user identification")) from e

        user = _user_by_id(user_id)
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")

        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")

        if api_settings.CHECK_REVOKE_TOKEN:
            if validated_token.get(api_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
                raise AuthenticationFailed(_("The user's password has been changed."), code="password_changed")

        return user


def _user_by_id(user_id):
    id_field = User._meta.get_field(api_settings.USER_ID_FIELD)
    try:
        value = id_field.get_prep_value(id_field.to_python(user_id))
    except (ValidationError, ValueError, TypeError):
        return None  # cannot name any user (the token is signed by us, so this is not expected)
    # Through a cursor, not `raw()`: RawQuerySet re-derives its column mapping on every call, which cost more than
    # the query itself (issue 13); the row becomes a User exactly as the ORM builds one (core.precomposed).
    with connection.cursor() as cursor:
        cursor.execute(_user_sql(), [value])
        row = cursor.fetchone()
    return None if row is None else precomposed.instance_from_row(User, row)


def _user_sql() -> str:
    return _user_sql_for(connection.vendor)


@functools.cache
def _user_sql_for(vendor: str) -> str:
    q = connection.ops.quote_name
    id_column = User._meta.get_field(api_settings.USER_ID_FIELD).column
    columns = precomposed.select_columns(User, q(User._meta.db_table))
    # Identifiers come from the model's metadata, quoted; the id is a bound parameter: no input in the SQL text.
    return f"SELECT {columns} FROM {q(User._meta.db_table)} WHERE {q(id_column)} = %s"  # nosec B608
