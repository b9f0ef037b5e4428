"""JWT issue, rotation and revocation.

simplejwt signs and verifies the tokens; what it does not do is kept here:
- every login starts a *family* (accounts.models.RefreshFamily); each refresh token carries its family's id
  and the family remembers the one refresh token that may be exchanged next (`current_jti`);
- refreshing swaps `current_jti` with one conditional UPDATE, so of simultaneous refreshes of one token exactly
  one matches the row and wins (on PostgreSQL the others wait for its row lock, then find the new value; on
  SQLite BEGIN IMMEDIATE serialises them the same way);
- a refresh token whose family has moved on was copied: the family is revoked (RFC 9700, 4.14.2);
- the refresh tokens of a family all expire when the login's lifetime ends (JWT_REFRESH_DAYS from the login);
- every token carries the account's token version (`ver`): bumping it revokes everything issued before.
The per-request check of access tokens (version, family, password) is in accounts.authentication.
"""
import uuid
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts import identity
from accounts.errors import (
    InvalidRefreshToken,
    NoActiveAccount,
    RefreshTokenNotValid,
    TokenReused,
    TokenRevoked,
)
from accounts.models import Account, RefreshFamily
from common.events import log_event

User = get_user_model()

FAMILY_CLAIM = "fam"
VERSION_CLAIM = "ver"


def token_version(user) -> int:
    return Account.objects.filter(user=user).values_list("token_version", flat=True).first() or 0


def token_pair_issue(*, user, now: datetime | None = None) -> dict:
    """A new login: a new family and its first access and refresh tokens."""
    now = now or timezone.now()
    jti = uuid.uuid4().hex
    family = RefreshFamily.objects.create(
        user=user, created_at=now, expires_at=now + api_settings.REFRESH_TOKEN_LIFETIME, current_jti=jti,
    )
    return _token_pair(user=user, family_id=family.pk, jti=jti, expires_at=family.expires_at,
                       version=token_version(user), now=now)


def token_refresh(*, refresh: str, now: datetime | None = None) -> dict:
    """Exchange the family's current refresh token for a new pair; the old one can never be exchanged again."""
    now = now or timezone.now()
    try:
        # Signature, expiry and simplejwt's blacklist (/logout) are checked here.
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise RefreshTokenNotValid(str(exc.args[0]) if exc.args else None) from exc
    family_id = token.get(FAMILY_CLAIM)
    if not isinstance(family_id, int):
        # Issued before families existed (or not by /login): it cannot be rotated safely, so it is not at all.
        raise RefreshTokenNotValid()

    user = User.objects.filter(pk=token.get(api_settings.USER_ID_CLAIM)).select_related("account").first()
    if user is None or not user.is_active:
        raise NoActiveAccount()
    account = getattr(user, "account", None)
    version = account.token_version if account is not None else 0
    if token_revoked_reason(token, user=user, token_version=version):
        raise TokenRevoked()

    new_jti = uuid.uuid4().hex
    reused = False
    with transaction.atomic():
        # The conditional UPDATE is the whole race: only a request that still sees its own jti as current moves
        # the family on; a concurrent one blocks on the row and then matches nothing.
        rotated = RefreshFamily.objects.filter(
            pk=family_id, user=user, current_jti=token[api_settings.JTI_CLAIM], revoked_at__isnull=True
        ).update(current_jti=new_jti, rotated_at=now)
        if not rotated:
            family = RefreshFamily.objects.select_for_update().filter(pk=family_id, user=user).first()
            reused = family is not None and family.current_jti != token[api_settings.JTI_CLAIM]
            if reused and family.revoked_at is None:
                family.revoked_at, family.revoked_reason = now, RefreshFamily.RevokedReason.REUSE
                family.save(update_fields=["revoked_at", "revoked_reason"])
    if reused:
        log_event("refresh_token_reused", user_id=user.pk, family_id=family_id)
        raise TokenReused()
    if not rotated:
        raise TokenRevoked()
    # The family's end, not a new lifetime: rotation never extends a login.
    return _token_pair(user=user, family_id=family_id, jti=new_jti,
                       expires_at=datetime.fromtimestamp(token["exp"], tz=UTC), version=version, now=now)


def logout(*, user, refresh: str) -> None:
    """Blacklist the user's refresh token so it can no longer mint tokens."""
    try:
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise InvalidRefreshToken() from exc
    # Only the owner may revoke a token; anyone else is told it is not valid, as if it did not exist.
    if str(token.get(api_settings.USER_ID_CLAIM)) != str(user.pk):
        raise InvalidRefreshToken()
    # Only this refresh token: its access tokens live on until they expire (JWT_ACCESS_MINUTES), as the API
    # has always documented; /logout/all ends those too.
    token.blacklist()


def logout_all(*, user, now: datetime | None = None) -> None:
    """Every token of the user, access and refresh, from every login, stops working at its next use."""
    with transaction.atomic():
        version_bump(user=user)
        families_revoke(user=user, reason=RefreshFamily.RevokedReason.LOGOUT_ALL, now=now)
    log_event("logged_out_everywhere", user_id=user.pk)


def version_bump(*, user) -> None:
    """Revoke every token issued to the user so far (call inside a transaction)."""
    if not Account.objects.filter(user=user).update(token_version=F("token_version") + 1):
        Account.objects.create(user=user, username_key=identity.username_key(user.username),
                               email_key=identity.email_key(user.email), token_version=1)


def families_revoke(*, user, reason: str, family_id: int | None = None, now: datetime | None = None) -> int:
    families = RefreshFamily.objects.filter(user=user, revoked_at__isnull=True)
    if family_id is not None:
        families = families.filter(pk=family_id)
    return families.update(revoked_at=now or timezone.now(), revoked_reason=reason)


# Why a token of a user no longer counts (`token_revoked_reason`).
PASSWORD_CHANGED = "password_changed"  # nosec B105 - a reason (the error code), not a password
VERSION_BUMPED = "token_revoked"


def token_revoked_reason(claims, *, user, token_version: int) -> str | None:
    """Why a token (access or refresh) of `user` was revoked, or None: the password changed since it was issued
    (simplejwt's password digest claim), or the account's token version moved on (/logout/all, an account
    deletion). The one rule for both: authenticating a request (accounts.authentication) and refreshing.
    `token_version` is the account's current version (0 without an account row)."""
    if api_settings.CHECK_REVOKE_TOKEN and claims.get(api_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(
            user.password):
        return PASSWORD_CHANGED
    # Tokens from before accounts had versions carry none: version 0, which any revocation leaves behind.
    if claims.get(VERSION_CLAIM, 0) != token_version:
        return VERSION_BUMPED
    return None


# The session key that remembers the token version a web (Django session) login was made under.
SESSION_VERSION_KEY = "_account_token_version"


def session_version_record(*, session, user) -> None:
    """Remember, in a new login's session, the account's token version (accounts.receivers, on user_logged_in)."""
    session[SESSION_VERSION_KEY] = _loaded_token_version(user)


def session_revoked(*, session, user) -> bool:
    """Whether a signed-in session was revoked: the account's token version moved on since its login (/logout/all,
    an account deletion), the same version that revokes the tokens (`token_revoked_reason`). A password change or
    reset and a deactivation end sessions in Django itself (the session auth hash, the backend's is_active rule).
    Sessions from before versions were recorded count as version 0, which any revocation leaves behind."""
    return session.get(SESSION_VERSION_KEY, 0) != _loaded_token_version(user)


def _loaded_token_version(user) -> int:
    # The session user is loaded with its account (accounts.backends), so this costs no query.
    try:
        return user.account.token_version
    except Account.DoesNotExist:
        return 0


def _token_pair(*, user, family_id: int, jti: str, expires_at: datetime, version: int, now: datetime) -> dict:
    # Built without RefreshToken.for_user, which records every token in simplejwt's OutstandingToken table: the
    # family row already is the record, and /logout's blacklist() adds the outstanding row when it needs one.
    refresh = RefreshToken()
    refresh[api_settings.USER_ID_CLAIM] = user.pk
    refresh[api_settings.JTI_CLAIM] = jti
    refresh.set_iat(at_time=now)
    refresh.set_exp(from_time=expires_at, lifetime=timedelta(0))
    refresh[FAMILY_CLAIM] = family_id
    refresh[VERSION_CLAIM] = version
    if api_settings.CHECK_REVOKE_TOKEN:
        refresh[api_settings.REVOKE_TOKEN_CLAIM] = get_md5_hash_password(user.password)
    # The access token copies every claim but the type, jti, iat and exp (simplejwt's no_copy_claims); it never
    # outlives its login either.
    access = refresh.access_token
    access["exp"] = min(access["exp"], refresh["exp"])
    return {"access": str(access), "refresh": str(refresh)}
