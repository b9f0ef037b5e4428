"""Messages in the client's language (English, Spanish, Hindi: locale/).

Message constants stay plain English strings, marked for translation with `gettext_noop` (imported as `_`), so
code and tests can join, compare and format them like any string; they are translated where a response is made,
in the language LocaleMiddleware chose for the request. A `code` is never translated.
"""
from django.utils.translation import gettext


def translated(message: str, **params) -> str:
    """`message` (a constant marked with `_`) in the active language, its `{placeholders}` filled from `params`."""
    text = gettext(message)
    return text.format(**params) if params else text


def translated_body(body: dict) -> dict:
    """An error body constant (`{"detail": ..., "code": ...}`) with its detail in the active language."""
    return {**body, "detail": gettext(body["detail"])}
