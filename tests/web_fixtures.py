"""A real auditorium for the web pages' tests: rows A–F of ten seats with a centre aisle, the screen in front of
row A; rows A–E standard, row F premium with a wheelchair space (F1) and its companion seat (F2). Seats are
numbered in reading order, so C5 is seat 25."""
from datetime import timedelta

from django.utils import timezone

from core.services import catalog
from tests.factories import MovieFactory, ScreenFactory


def _row(label: str, category: str) -> dict:
    seats = [{"label": f"{label}{n}", "category": category} for n in range(1, 11)]
    if label == "F":
        seats[0] = {"label": "F1", "category": "wheelchair", "wheelchair": True}
        seats[1] = {"label": "F2", "category": "companion", "companion": True}
    return {"label": label, "seats": [*seats[:5], None, *seats[5:]]}


AUDITORIUM = {"rows": [_row(label, "standard") for label in "ABCDE"] + [_row("F", "premium")]}
PRICES = {"standard": "12.50", "premium": "18.00", "wheelchair": "12.50", "companion": "6.00"}


def laid_out_show(*, movie=None, when=None, screen=None, **screen_fields):
    movie = movie or MovieFactory()
    screen = screen or ScreenFactory(layout=AUDITORIUM, **screen_fields)
    when = when or timezone.now().replace(microsecond=0) + timedelta(days=1)
    return catalog.show_create(movie_id=movie.pk, date_time=when, screen_id=screen.pk, prices=PRICES)


# The same auditorium selling ticket types (decision 0044): Child (up to 14) and Senior (65 and over, proof asked at
# the door) besides Adult, named in Spanish and Hindi; Senior is not sold in the premium row.
TYPED_PRICES = {"standard": {"adult": "12.50", "child": "8.00", "senior": "9.00"},
                "premium": {"adult": "18.00", "child": "13.00"}, "wheelchair": "12.50", "companion": "6.00"}


def typed_show(*, certificate: str = "PG", title: str = "Paddington", when=None):
    from tests.factories import TicketTypeFactory

    screen = ScreenFactory(layout=AUDITORIUM)
    TicketTypeFactory(cinema=screen.cinema, code="child", name="Child", names={"es": "Niño", "hi": "बच्चा"},
                      max_age=14)
    TicketTypeFactory(cinema=screen.cinema, code="senior", name="Senior",
                      names={"es": "Mayor de 65", "hi": "वरिष्ठ नागरिक"}, min_age=65, max_age=None,
                      proof_required=True)
    when = when or timezone.now().replace(microsecond=0) + timedelta(days=1)
    movie = MovieFactory(title=title, certificate=certificate)
    return catalog.show_create(movie_id=movie.pk, date_time=when, screen_id=screen.pk, prices=TYPED_PRICES)
