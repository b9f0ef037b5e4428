"""Dates and times as people read them in the active language: one format per language, everywhere.

Unicode CLDR's patterns (Babel, as common.money does for amounts): the pages, the tickets and the e-mails all write
a show's day and time through here, so one page never shows a date two ways. Pass a datetime already in the zone it
is to be read in (the cinema's: core.models.Show.local_date_time); it is written as it is, not converted.
"""
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time
from django.utils.translation import get_language, to_locale


def _locale() -> str:
    return to_locale(get_language() or "en")


def day_text(moment) -> str:
    """"Mon, Dec 7" (en), "lun, 7 dic" (es), "सोम, 7 दिस॰" (hi): a day of the next weeks, on the pages."""
    return format_skeleton("MMMEd", moment, locale=_locale())


def long_date_text(moment) -> str:
    """"Monday, December 7, 2026" (en), "lunes, 7 de diciembre de 2026" (es): a ticket's date, with the year."""
    return format_date(moment, "full", locale=_locale())


def time_text(moment) -> str:
    """"6:00 PM" (en), "18:00" (es), "6:00 pm" (hi)."""
    return format_time(moment, "short", locale=_locale())


def language_name(code: str, *, in_language: str | None = None) -> str:
    """A language's name, in the reader's language ("en" → "inglés" for a Spanish reader), or in another
    (`in_language`: the language switcher names each language in its own). An unknown code is shown as is."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(in_language or _locale())
    except (ValueError, UnknownLocaleError):
        return code
    return name or code
