"""Changing a password (knowing the old one) and resetting it (by e-mail, with Django's one-time token)."""
import logging
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext, gettext_noop

from accounts import identity
from accounts.errors import InvalidResetToken, PasswordRejected, WrongPassword
from accounts.languages import account_language
from accounts.models import RefreshFamily
from accounts.services import tokens
from accounts.signals import password_reset_requested
from common.events import log_event

User = get_user_model()
logger = logging.getLogger(__name__)

RESET_MAIL_SUBJECT = gettext_noop("Reset your password")


def password_change(*, user, old_password: str, new_password: str) -> dict:
    """Set a new password; every token issued before stops working. Returns a fresh token pair for the caller,
    as Django keeps the session that changed the password and ends every other one."""
    if not user.check_password(old_password):
        raise WrongPassword()
    _validate(new_password, user)
    with transaction.atomic():
        _set_password(user, new_password)
        pair = tokens.token_pair_issue(user=user)
    log_event("password_changed", user_id=user.pk)
    return pair


def password_reset_request(*, email: str) -> None:
    """Mail a one-time reset link if an active account has this address; otherwise do nothing, silently.

    The caller answers the same either way, so the endpoint does not tell who has an account.
    """
    key = identity.email_key(email)
    user = User.objects.filter(account__email_key=key, is_active=True).first() if key else None
    if user is None or not user.has_usable_password():
        log_event("password_reset_unknown_email")
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    # Announced, for the mail outbox (notifications) to send after commit (a mail must never announce something that was
    # rolled back), by the worker when there is one, and retried while the SMTP server is unreachable. Each request
    # is its own message. The row keeps the mail's text, token included, as any sent-mail log would; the token
    # works once and for PASSWORD_RESET_TIMEOUT only.
    # In the account's language, not the request's: whoever asks, the owner reads it.
    language = account_language(user)
    with translation.override(language):
        password_reset_requested.send(
            sender=User, user=user, to=user.email, subject=gettext(RESET_MAIL_SUBJECT), language=language,
            text=_reset_mail_body(username=user.username, uid=uid, token=token),
            dedupe_key=f"password_reset:{user.pk}:{uuid.uuid4().hex}")
    log_event("password_reset_requested", user_id=user.pk)


def password_reset_confirm(*, uid: str, token: str, new_password: str) -> None:
    """Set the password with a reset token; the token then stops working (it is derived from the old hash)."""
    user = _user_from_uid(uid)
    if user is None or not user.is_active or not default_token_generator.check_token(user, token):
        raise InvalidResetToken()
    _validate(new_password, user)
    with transaction.atomic():
        _set_password(user, new_password)
    log_event("password_reset", user_id=user.pk)


def _set_password(user, new_password: str) -> None:
    user.set_password(new_password)
    user.save(update_fields=["password"])
    # The access tokens carry a digest of the password hash (accounts.authentication checks it on every request);
    # the refresh families are revoked too, so no refresh token of an old login can be exchanged either.
    tokens.families_revoke(user=user, reason=RefreshFamily.RevokedReason.PASSWORD)


def _validate(new_password: str, user) -> None:
    try:
        validate_password(new_password, user=user)
    except DjangoValidationError as exc:
        raise PasswordRejected(exc.messages) from exc


def _user_from_uid(uid: str):
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    if not 0 < pk < 2**63:
        return None
    return User.objects.filter(pk=pk).first()


def _reset_mail_body(*, username: str, uid: str, token: str) -> str:
    """The reset mail's text, in the active language (the caller overrides it with the account's)."""
    link = settings.PASSWORD_RESET_LINK.format(uid=uid, token=token) if settings.PASSWORD_RESET_LINK else ""
    parts = [gettext("Hello %(name)s,") % {"name": username}, "",
             gettext("someone (hopefully you) asked to reset the password of your cinema account."), ""]
    if link:
        parts += [gettext("Open this link to choose a new password:"), link, ""]
    parts += [gettext("Or send them to POST /password/reset/confirm with your new password:"),
              f"  uid: {uid}", f"  token: {token}", "",
              gettext("The link works once, for %(minutes)s minutes. If you did not ask for it, ignore this mail: "
                      "your password is unchanged.") % {"minutes": settings.PASSWORD_RESET_TIMEOUT // 60}]
    return "\n".join(parts) + "\n"
