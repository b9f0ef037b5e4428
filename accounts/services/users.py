"""Signing up, and the account itself (/me): read, change the e-mail, delete."""
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts import identity
from accounts.errors import EmailTaken, UsernameTaken
from accounts.languages import supported_language
from accounts.models import Account, RefreshFamily
from accounts.services import tokens
from accounts.signals import account_deleted
from common.db import violates_unique
from common.events import log_event

User = get_user_model()

# Prefix of a deleted account's username: ":" is outside Django's username characters, so no signup or admin
# form can ever take it.
DELETED_USERNAME = "deleted:{pk}"


def user_create(*, username: str, email: str, password: str, language: str = ""):
    """Create a user. Password validation happens before (in the serializer, where it has the field context).

    Uniqueness (case-insensitive, after NFKC) of the username and of the e-mail is the database's: two signups
    at the same moment both insert, and the unique index of accounts_account refuses the second. `language`
    (the request's, usually) is what the account's mails are written in (accounts.languages).
    """
    try:
        # A savepoint of its own, so the race leaves a usable connection; the Account row is written by
        # accounts.receivers in the same transaction.
        with transaction.atomic():
            user = User.objects.create_user(username=identity.normalize_username(username),
                                            email=email.strip(), password=password)
            language = supported_language(language)
            if language:
                Account.objects.filter(user=user).update(language=language)
            user.account_language = language
            return user
    except IntegrityError as exc:
        raise _identity_error(exc) from exc


def me_update(*, user, email: str | None = None, language: str | None = None):
    """Change the account's e-mail address (unique, case-insensitive) and/or the language of its mails (one of
    settings.LANGUAGES; the serializer checks it)."""
    try:
        with transaction.atomic():
            if email is not None:
                user.email = email.strip()
                user.save(update_fields=["email"])
            if language is not None:
                Account.objects.filter(user=user).update(language=language)
                user.account_language = language
    except IntegrityError as exc:
        user.refresh_from_db(fields=["email"])
        raise _identity_error(exc) from exc
    return user


def me_delete(*, user) -> None:
    """Delete the account's personal data and every token; its bookings (and orders) stay, anonymised.

    The user row itself stays, emptied and deactivated, because bookings point at it (the cinema's accounts
    need them); nothing left in it identifies the person.
    """
    with transaction.atomic():
        user.username = DELETED_USERNAME.format(pk=user.pk)
        user.email = ""
        user.first_name = user.last_name = ""
        user.is_active = user.is_staff = user.is_superuser = False
        user.last_login = None
        user.set_unusable_password()
        user.save()
        tokens.version_bump(user=user)
        RefreshFamily.objects.filter(user=user).delete()
        # The outstanding tokens (and their blacklist entries, by cascade) hold the token strings.
        OutstandingToken.objects.filter(user=user).delete()
    # After the commit: the layers above let go of what the account had (core frees the seats it was holding now
    # rather than when its holds expire, each hold under its show's locks in a transaction of its own).
    account_deleted.send(sender=User, user=user)
    log_event("account_deleted", user_id=user.pk)


def _identity_error(exc: IntegrityError) -> Exception:
    table = Account._meta.db_table
    if violates_unique(exc, constraint="account_email_key_unique", table=table, columns=("email_key",)):
        return EmailTaken()
    # The username key, or auth_user's own unique username: either way the name is taken.
    return UsernameTaken()
