"""Reads of cinemas and screens, each a fixed number of queries."""
from django.db.models import Prefetch, QuerySet

from venues.errors import CinemaNotFound, ScreenNotFound
from venues.models import Cinema, Screen, TicketType


def cinema_list(*, city: str | None = None) -> QuerySet[Cinema]:
    cinemas = Cinema.objects.order_by("city", "name", "id")
    if city:
        cinemas = cinemas.filter(city__iexact=city)
    return cinemas


def cinema_get(*, cinema_id: int) -> Cinema:
    """The cinema with its screens (two queries); screens without their layouts, which can be large."""
    screens = Screen.objects.order_by("name", "id")
    cinema = Cinema.objects.filter(pk=cinema_id).prefetch_related(Prefetch("screens", queryset=screens)).first()
    if cinema is None:
        raise CinemaNotFound()
    return cinema


def screen_get(*, screen_id: int) -> Screen:
    screen = Screen.objects.select_related("cinema").filter(pk=screen_id).first()
    if screen is None:
        raise ScreenNotFound()
    return screen


def ticket_type_list(*, cinema_id: int) -> list[TicketType]:
    """The cinema's ticket types in the order they were created (two queries: the cinema, its types)."""
    if not Cinema.objects.filter(pk=cinema_id).exists():
        raise CinemaNotFound()
    return list(TicketType.objects.filter(cinema_id=cinema_id).order_by("id"))


def ticket_type_codes(*, cinema_id: int) -> set[str]:
    return set(TicketType.objects.filter(cinema_id=cinema_id).values_list("code", flat=True))
