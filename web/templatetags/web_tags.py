"""Template helpers of the web pages: money in the reader's language, and what each seat is called."""

from django import template
from django.conf import settings
from django.templatetags.tz import do_timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.money import money_text

register = template.Library()

CATEGORY_NAMES = {
    "standard": gettext_lazy("standard"),
    "premium": gettext_lazy("premium"),
    "recliner": gettext_lazy("recliner"),
    "wheelchair": gettext_lazy("wheelchair space"),
    "companion": gettext_lazy("companion seat"),
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
