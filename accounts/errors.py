"""The errors of accounts: signup, login, tokens, passwords (see common.errors for the shape)."""
from django.utils.translation import gettext_noop as _

from common.errors import DomainError


class UsernameTaken(DomainError):
    status_code = 400
    code = "username_taken"
    message = _("A user with that username already exists.")


class InvalidRefreshToken(DomainError):
    status_code = 400
    code = "token_not_valid"
    message = _("The refresh token is invalid, expired or already revoked.")


class EmailTaken(DomainError):
    status_code = 400
    code = "email_taken"
    message = _("A user with that e-mail address already exists.")


class WrongPassword(DomainError):
    status_code = 400
    code = "wrong_password"
    message = _("The current password is not correct.")


class PasswordRejected(DomainError):
    """The new password fails the password validators; shaped like a validation error of `new_password`."""

    status_code = 400
    code = "invalid"
    message = _("Invalid input.")

    def __init__(self, messages: list[str]):
        super().__init__(extra={"new_password": list(messages)})


class InvalidResetToken(DomainError):
    status_code = 400
    code = "invalid_reset_token"
    message = _("The password reset link is invalid or has expired.")


class RefreshTokenNotValid(DomainError):
    """/token/refresh with a token that is malformed, expired, blacklisted, or from before token families."""

    status_code = 401
    code = "token_not_valid"
    message = _("Token is invalid")


class NoActiveAccount(DomainError):
    status_code = 401
    code = "no_active_account"
    message = _("No active account found for the given token.")


class TokenRevoked(DomainError):
    """A token issued before a logout (everywhere), a password change or reset, or an account deletion."""

    status_code = 401
    code = "token_revoked"
    message = _("This token has been revoked; log in again.")


class TokenReused(DomainError):
    """An already-rotated refresh token was presented again: a copy exists, so its whole family is revoked."""

    status_code = 401
    code = "token_reused"
    message = _("This refresh token was already used; every token of this login has been revoked. Log in again.")


class InvalidCredentials(DomainError):
    # simplejwt's wording and code, as /login has always answered.
    status_code = 401
    code = "no_active_account"
    message = _("No active account found with the given credentials")
