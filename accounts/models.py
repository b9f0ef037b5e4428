"""What an account needs beyond Django's user: unique identity keys, a token version, and refresh-token families.

Django's `auth.User` is kept (swapping the user model of a live project is a migration nobody wants); the
extra state lives in one row per user, joined by the per-request user look-up (accounts.authentication) at no
extra query.
"""
from django.conf import settings
from django.db import models


class Account(models.Model):
    """One per user, kept in step with it by accounts.receivers (whatever saves the user: API, admin, shell).

    The unique keys are the database's guarantee that two signups at the same moment cannot both take "Alice"
    and "alice" (or the same e-mail): a check-then-insert in Python would race.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="account")
    # accounts.identity.username_key: NFKC, stripped, case-folded.
    username_key = models.CharField(max_length=150)
    # accounts.identity.email_key: stripped, lower-cased; NULL when the user has no e-mail (old accounts, the
    # admin's users), so any number of those may coexist.
    email_key = models.CharField(max_length=254, null=True, blank=True)
    # Every token carries the version it was issued under; bumping it (logout everywhere, account deletion)
    # revokes every token issued before, access and refresh alike, on their next use.
    token_version = models.PositiveIntegerField(default=0)
    # The language the account's e-mails are written in: a code of settings.LANGUAGES, taken from the request's
    # language at signup and changed with PATCH /me. "" (accounts from before it existed): LANGUAGE_CODE.
    language = models.CharField(max_length=10, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["username_key"], name="account_username_key_unique"),
            models.UniqueConstraint(fields=["email_key"], name="account_email_key_unique"),
        ]

    def __str__(self):
        return self.username_key


class RefreshFamily(models.Model):
    """The refresh tokens descended from one login: only the newest (`current_jti`) may be exchanged.

    Presenting an older one means a copy of it exists somewhere (RFC 9700, 4.14.2): the whole family is revoked.
    Access tokens carry their family's id, so revoking a family ends its access tokens at once too.
    """

    class RevokedReason(models.TextChoices):
        LOGOUT = "logout", "Logged out"
        LOGOUT_ALL = "logout_all", "Logged out everywhere"
        REUSE = "reuse", "A rotated refresh token was presented again"
        PASSWORD = "password", "Password changed or reset"
        DELETED = "deleted", "Account deleted"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="refresh_families")
    created_at = models.DateTimeField()
    # The login's refresh lifetime (JWT_REFRESH_DAYS) from `created_at`: rotation never extends it.
    expires_at = models.DateTimeField()
    current_jti = models.CharField(max_length=64)
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=20, choices=RevokedReason.choices, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"], name="refresh_family_user_idx")]

    def __str__(self):
        return f"family {self.pk} of user {self.user_id}"
