"""Which language an account's e-mails are written in (English, Spanish, Hindi: settings.LANGUAGES).

Recorded on the account (accounts.models.Account.language): the request's language at signup (the switcher's
cookie or Accept-Language, as LocaleMiddleware chose it), then whatever `PATCH /me` sets. Mails are sent long
after the request that caused them, often to someone else than the caller (staff cancel a show, a webhook pays
an order), so the language must be the recipient's own, not the active one.
"""
from django.conf import settings
from django.utils.translation import get_supported_language_variant

from accounts.models import Account


def supported_language(code: str | None) -> str:
    """`code` as one of settings.LANGUAGES ("es-MX" → "es"), or "" if none fits."""
    if not code:
        return ""
    try:
        return get_supported_language_variant(code)
    except LookupError:
        return ""


def account_language(user) -> str:
    """The language to write to `user` in. No query when the user came from the API's token look-up
    (accounts.authentication reads it with the user) or with its account loaded; one small query otherwise."""
    language = getattr(user, "account_language", None)
    if language is None:
        account = user._state.fields_cache.get("account")
        if account is not None:
            language = account.language
        else:
            language = Account.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    return language or settings.LANGUAGE_CODE
