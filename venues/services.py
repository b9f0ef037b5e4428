"""Staff operations on cinemas and screens."""
from django.db import IntegrityError, transaction

from venues.errors import CinemaNotFound, InvalidLayout, ScreenNameTaken, TicketTypeCodeTaken
from venues.layouts import LayoutError, layout_seats
from venues.models import Cinema, Screen, TicketType


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


def ticket_type_create(*, cinema_id: int, code: str, name: str, names: dict | None = None, min_age: int | None = None,
                       max_age: int | None = None, proof_required: bool = False) -> TicketType:
    """A ticket type of the cinema; its code is unique per cinema (the constraint decides between two at once)."""
    cinema = Cinema.objects.filter(pk=cinema_id).first()
    if cinema is None:
        raise CinemaNotFound()
    if TicketType.objects.filter(cinema=cinema, code=code).exists():
        raise TicketTypeCodeTaken()
    try:
        with transaction.atomic():
            return TicketType.objects.create(cinema=cinema, code=code, name=name, names=names or {},
                                             min_age=min_age, max_age=max_age, proof_required=proof_required)
    except IntegrityError as exc:
        raise TicketTypeCodeTaken() from exc
