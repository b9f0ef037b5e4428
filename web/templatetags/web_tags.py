"""Template helpers of the web pages: money in the reader's language, and what each seat is called."""

from django import template
from django.conf import settings
from django.templatetags.tz import do_timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common import dates
from common.money import money_text

register = template.Library()

CATEGORY_NAMES = {
    "standard": gettext_lazy("standard"),
    "premium": gettext_lazy("premium"),
    "recliner": gettext_lazy("recliner"),
    "wheelchair": gettext_lazy("wheelchair space"),
    "companion": gettext_lazy("companion seat"),
}
# Genres and formats as staff enter them (lower-case genre keys, format codes), named in the reader's language.
# One not listed here is shown as entered.
GENRE_NAMES = {
    "action": gettext_lazy("action"), "adventure": gettext_lazy("adventure"), "animation": gettext_lazy("animation"),
    "biography": gettext_lazy("biography"), "comedy": gettext_lazy("comedy"), "crime": gettext_lazy("crime"),
    "documentary": gettext_lazy("documentary"), "drama": gettext_lazy("drama"), "family": gettext_lazy("family"),
    "fantasy": gettext_lazy("fantasy"), "history": gettext_lazy("history"), "horror": gettext_lazy("horror"),
    "musical": gettext_lazy("musical"), "mystery": gettext_lazy("mystery"), "romance": gettext_lazy("romance"),
    "sci-fi": gettext_lazy("science fiction"), "thriller": gettext_lazy("thriller"), "war": gettext_lazy("war"),
    "western": gettext_lazy("western"),
}
FORMAT_NAMES = {
    "2D": gettext_lazy("2D"), "3D": gettext_lazy("3D"), "IMAX": gettext_lazy("IMAX"),
    "IMAX 3D": gettext_lazy("IMAX 3D"), "4DX": gettext_lazy("4DX"), "DOLBY": gettext_lazy("Dolby Cinema"),
}
STATE_NAMES = {
    "free": gettext_lazy("available"),
    "held": gettext_lazy("held by someone"),
    "booked": gettext_lazy("sold"),
    "blocked": gettext_lazy("not for sale"),
    "selected": gettext_lazy("selected"),
}


@register.filter
def show_local_time(show):
    """The show's start in its cinema's time zone (the server's TIME_ZONE for a show without a screen), as a
    datetime the date/time filters print as is."""
    zone = show.screen.cinema.time_zone if getattr(show, "screen_id", None) else settings.TIME_ZONE
    return do_timezone(show.date_time, zone)


@register.filter
def money(amount) -> str:
    """12.5 → "€12.50" (en), "12,50 €" (es): common.money.money_text, for templates."""
    return money_text(amount)


@register.filter
def category_name(category: str) -> str:
    return str(CATEGORY_NAMES.get(category, category))


@register.filter
def state_name(state: str) -> str:
    return str(STATE_NAMES.get(state, state))


def seat_in_row(seat) -> str:
    """"A7" in row "A" is seat "7"; any other label ("17" in row "1", "W1") is used whole."""
    rest = seat.label[len(seat.row):]
    if seat.label.startswith(seat.row) and rest.isdigit() and not seat.row.isdigit():
        return rest
    return seat.label


register.filter("seat_in_row", seat_in_row)


@register.simple_tag
def seat_description(seat) -> str:
    """Everything about a seat except its state: "Row A, seat 7, standard, €12.50, wheelchair space"."""
    parts = [_("Row %(row)s, seat %(seat)s") % {"row": seat.row, "seat": seat_in_row(seat)},
             category_name(seat.category)]
    if seat.price is not None:
        parts.append(money(seat.price))
    # The flags, unless the category already says so ("wheelchair space, wheelchair space").
    if seat.wheelchair and seat.category != "wheelchair":
        parts.append(_("wheelchair space"))
    if seat.companion and seat.category != "companion":
        parts.append(_("companion seat"))
    if seat.restricted_view:
        parts.append(_("restricted view"))
    return ", ".join(parts)


@register.filter
def local_to(moment, show):
    """Any moment about a show (its collection deadline, ...) in the show's own time zone, as show_local_time."""
    zone = show.screen.cinema.time_zone if getattr(show, "screen_id", None) else settings.TIME_ZONE
    return do_timezone(moment, zone)


@register.filter
def day(moment) -> str:
    """A show's day, the one way the pages write it in the reader's language (common.dates)."""
    return dates.day_text(moment) if moment else ""


@register.filter
def clock(moment) -> str:
    return dates.time_text(moment) if moment else ""


@register.filter
def genre_name(genre: str) -> str:
    return str(GENRE_NAMES.get(str(genre).strip().lower(), genre))


@register.filter
def genre_names(genres) -> str:
    return ", ".join(genre_name(g) for g in genres or [])


@register.filter
def format_name(code: str) -> str:
    return str(FORMAT_NAMES.get(str(code).strip().upper(), code))


@register.filter
def language_name(code: str) -> str:
    """A film's or show's language ("en") named in the reader's language ("inglés")."""
    return dates.language_name(code) if code else ""


@register.simple_tag
def language_choices():
    """The switcher's languages, each named in its own language ("English", "Español", "हिन्दी"), whatever the
    page's language: a reader who cannot read the page must still find theirs."""
    return [(code, dates.language_name(code, in_language=code).capitalize()) for code, _name in settings.LANGUAGES]


# "Nearly full": at most this share of the show's seats left (or NEARLY_FULL_SEATS, for a small room).
NEARLY_FULL_SHARE = 0.1
NEARLY_FULL_SEATS = 5


@register.filter
def availability_mark(show) -> str:
    """"sold-out", "nearly-full" or "" for a show, from its available seat count (core.selectors' availability)."""
    available = getattr(show, "available_seats", None)
    if available is None:
        return ""
    if available <= 0:
        return "sold-out"
    if available <= max(NEARLY_FULL_SEATS, show.total_seats * NEARLY_FULL_SHARE):
        return "nearly-full"
    return ""
