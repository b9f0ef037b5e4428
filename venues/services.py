"""Staff operations on cinemas and screens."""
from django.db import IntegrityError, transaction

from venues.errors import CinemaNotFound, InvalidLayout, ScreenNameTaken
from venues.layouts import LayoutError, layout_seats
from venues.models import Cinema, Screen


def cinema_create(*, name: str, city: str, address: str = "", time_zone: str = "UTC") -> Cinema:
    return Cinema.objects.create(name=name, city=city, address=address, time_zone=time_zone)


def screen_create(*, cinema_id: int, name: str, layout: dict) -> Screen:
    """A screen with a validated layout; shows created on it from now on are sold from that layout."""
    try:
        layout_seats(layout)
    except LayoutError as exc:
        raise InvalidLayout(str(exc)) from exc
    cinema = Cinema.objects.filter(pk=cinema_id).first()
    if cinema is None:
        raise CinemaNotFound()
    if Screen.objects.filter(cinema=cinema, name=name).exists():
        raise ScreenNameTaken()
    try:
        with transaction.atomic():
            return Screen.objects.create(cinema=cinema, name=name, layout=layout)
    except IntegrityError as exc:  # the same name created at the same moment: the unique constraint decided
        raise ScreenNameTaken() from exc
