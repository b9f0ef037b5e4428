"""What may be sold to whom: a seat's ticket type must be offered for its category, and the movie's certificate
may refuse a type (its maximum age below the certificate's minimum age). Checked when seats are held with types."""
import re

from core.errors import InvalidTicketType, TicketTypeNotAllowed
from core.models import Show, ShowSeat
from core.prices import price_table
from venues.models import TicketType

# The youngest person a film of that certificate may be sold to (BBFC and MPA ratings, which the movies'
# `certificate` field carries). Advisory ratings (U, PG, 12A, PG-13, R: younger with an adult) refuse no one; a
# plain number ("16") is that age; anything else is not known here and refuses no one (decision 0045).
CERTIFICATE_MIN_AGES = {"12": 12, "15": 15, "18": 18, "R18": 18, "NC-17": 18}
_PLAIN_AGE = re.compile(r"^\d{1,2}$")


def certificate_min_age(certificate: str) -> int | None:
    rating = (certificate or "").strip().upper()
    if rating in CERTIFICATE_MIN_AGES:
        return CERTIFICATE_MIN_AGES[rating]
    return int(rating) if _PLAIN_AGE.match(rating) else None


def refused_by_certificate(max_age: int | None, min_age: int | None) -> bool:
    """The certificate's rule: a type is refused when its oldest person is younger than the film allows. A type
    without `max_age` (Adult, Senior) or a film without a minimum age refuses no one."""
    return min_age is not None and max_age is not None and max_age < min_age


def refused_types(show: Show) -> set[str]:
    """The codes of the show's cinema's types that its movie's certificate refuses (one query; none without one)."""
    min_age = certificate_min_age(show.movie.certificate)
    if min_age is None or show.screen_id is None:
        return set()
    return {code for code, max_age in TicketType.objects.filter(cinema_id=show.screen.cinema_id)
            .values_list("code", "max_age") if refused_by_certificate(max_age, min_age)}


def types_for_sale(show: Show) -> dict[str, dict]:
    """{category: {type: price}} of what the show may sell: its price table without the types its certificate
    refuses (what the seat map's pages offer; `check_ticket_types` refuses the same when holding)."""
    refused = refused_types(show)
    return {category: {kind: price for kind, price in types.items() if kind not in refused}
            for category, types in price_table(show.prices).items()}


def check_ticket_types(show: Show, seats: list[ShowSeat], ticket_types: dict[int, str]) -> None:
    """Refuse a type not offered for a seat's category (400), then one the certificate refuses (409).

    `ticket_types`: seat number -> type code, for the seats named with a type (the others are Adult).
    """
    table = price_table(show.prices)
    for kind in sorted(set(ticket_types.values())):
        refused = [seat.number for seat in seats if ticket_types.get(seat.number) == kind
                   and kind not in table.get(seat.category, {})]
        if refused:
            raise InvalidTicketType(kind, refused)
    too_young = sorted(refused_types(show) & set(ticket_types.values()))
    if too_young:
        raise TicketTypeNotAllowed(too_young[0], show.movie.certificate, certificate_min_age(show.movie.certificate))
