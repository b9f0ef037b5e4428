"""Authentication of API requests: simplejwt's access tokens, with the user read from the database each time.

Deliberately *not* simplejwt's stateless variant (JWTStatelessUserAuthentication), which would save the one
query per request: with it, a deactivated or deleted user's tokens would keep working until they expire (up to
JWT_ACCESS_MINUTES), and the API promises they stop at once.

The same query reads what revokes tokens (accounts.services.tokens): the account's token version (bumped by
/logout/all and account deletion) and the token's refresh family (revoked when a rotated refresh token is
reused, or by a password change). The password digest claim (simplejwt's CHECK_REVOKE_TOKEN) covers a password
changed anywhere, the admin included.
"""
import functools

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.signals import setting_changed
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import aware_utcnow

from accounts.errors import TokenRevoked
from accounts.models import Account, RefreshFamily
from accounts.services import tokens
from accounts.services.tokens import FAMILY_CLAIM
from common import precomposed

User = get_user_model()


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's JWTAuthentication with the same checks and errors, a cheaper user query, and each token's
    signature checked once per process.

    simplejwt's `User.objects.get(id=...)` spent more CPU composing its SQL than anything else in a booking
    request (~27% of a worker's CPU under load, measured with py-spy). The user is now read with one SQL
    statement composed once; what is checked and answered is unchanged (user_not_found, user_inactive,
    password_changed, as in simplejwt 5.5's get_user).

    Decoding a token (PyJWT: base64 checks, JSON, HMAC) was the next largest part of a booking's CPU, about 0.1 ms,
    repeated for the same token on every request of a client. A token's bytes either carry a valid signature or
    not, for as long as the signing key is the same, so the decoded claims of tokens that passed are kept
    (`_verified_claims`, bounded); everything that depends on time (expiry) or on the database (the user, its
    active flag, password, token version and refresh family) is still checked on every request.
    """

    def get_validated_token(self, raw_token):
        if len(api_settings.AUTH_TOKEN_CLASSES) != 1:
            return super().get_validated_token(raw_token)
        token_class = api_settings.AUTH_TOKEN_CLASSES[0]  # imported by simplejwt's settings
        try:
            claims = _verified_claims(raw_token, token_class)
        except TokenError:
            # Not valid: let simplejwt build its error exactly as it always does.
            return super().get_validated_token(raw_token)
        # The token object simplejwt would have made, without decoding again; verify() checks expiry (with the
        # configured leeway, at this request's time), the token id and the token type, as on a first decode.
        token = token_class.__new__(token_class)
        token.token, token.current_time, token.payload = raw_token, aware_utcnow(), dict(claims)
        try:
            token.verify()
        except TokenError:
            return super().get_validated_token(raw_token)  # expired since: simplejwt's own answer, as always
        return token

    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as e:
            raise InvalidToken(_("Token contained no recognizable user identification")) from e

        family_id = validated_token.get(FAMILY_CLAIM)
        if family_id is not None and not isinstance(family_id, int):
            raise InvalidToken(_("Token is invalid"))
        user = _user_by_id(user_id, family_id)
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")

        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")

        revoked = tokens.token_revoked_reason(validated_token, user=user, token_version=user.account_token_version)
        if revoked == tokens.PASSWORD_CHANGED:
            raise AuthenticationFailed(_("The user's password has been changed."), code="password_changed")
        if revoked is not None:
            raise AuthenticationFailed(TokenRevoked.message, code=TokenRevoked.code)
        if family_id is not None and (user.refresh_family_id is None or user.refresh_family_revoked_at is not None):
            raise AuthenticationFailed(TokenRevoked.message, code=TokenRevoked.code)
        return user


@functools.lru_cache(maxsize=4096)
def _verified_claims(raw_token: bytes, token_class) -> dict:
    """The claims of a token whose signature, format and claims were verified (simplejwt's own decoding and
    checks); raises TokenError otherwise (not kept: lru_cache keeps results, not exceptions). Callers copy it."""
    return token_class(raw_token).payload


def _forget_verified_tokens(*, setting, **kwargs):
    # Tests change the signing key at run time; production changes it only with a restart.
    if setting in ("SIMPLE_JWT", "SECRET_KEY"):
        _verified_claims.cache_clear()


setting_changed.connect(_forget_verified_tokens)


def _user_by_id(user_id, family_id: int | None):
    id_field = User._meta.get_field(api_settings.USER_ID_FIELD)
    try:
        value = id_field.get_prep_value(id_field.to_python(user_id))
    except (ValidationError, ValueError, TypeError):
        return None  # cannot name any user (the token is signed by us, so this is not expected)
    if (isinstance(value, int) and not -(2**63) <= value < 2**63) or (
            family_id is not None and not 0 < family_id < 2**63):
        return None  # beyond any id the database can hold (SQLite would raise OverflowError)
    # Through a cursor, not `raw()`: RawQuerySet re-derives its column mapping on every call, which cost more than
    # the query itself (measured with `make bench`); the row becomes a User exactly as the ORM builds one
    # (common.precomposed), and the three columns after the user's are set on it as raw() would set them.
    with connection.cursor() as cursor:
        cursor.execute(_user_sql(), [family_id, value])
        row = cursor.fetchone()
    if row is None:
        return None
    count = precomposed.field_count(User)
    user = precomposed.instance_from_row(User, row[:count])
    (user.account_token_version, user.account_language, user.refresh_family_id,
     user.refresh_family_revoked_at) = row[count:]
    return user


def _user_sql() -> str:
    return _user_sql_for(connection.vendor)


@functools.cache
def _user_sql_for(vendor: str) -> str:
    q = connection.ops.quote_name
    id_column = User._meta.get_field(api_settings.USER_ID_FIELD).column
    columns = precomposed.select_columns(User, "u")
    account, family = Account._meta, RefreshFamily._meta
    # Identifiers come from the models' metadata, quoted; the ids are bound parameters: no input in the SQL text.
    # LEFT JOINs: a user without an account row has version 0; a token without a family matches none.
    return (
        f"SELECT {columns}, COALESCE(a.{q(account.get_field('token_version').column)}, 0) AS account_token_version, "
        # The account's language, for the mails this request may send (accounts.languages): no query of its own.
        f"COALESCE(a.{q(account.get_field('language').column)}, '') AS account_language, "
        f"f.{q(family.pk.column)} AS refresh_family_id, "
        f"f.{q(family.get_field('revoked_at').column)} AS refresh_family_revoked_at "
        f"FROM {q(User._meta.db_table)} u "
        f"LEFT JOIN {q(account.db_table)} a ON a.{q(account.pk.column)} = u.{q(User._meta.pk.column)} "
        f"LEFT JOIN {q(family.db_table)} f ON f.{q(family.pk.column)} = %s "
        f"AND f.{q(family.get_field('user').column)} = u.{q(User._meta.pk.column)} "
        f"WHERE u.{q(id_column)} = %s"  # nosec B608
    )
