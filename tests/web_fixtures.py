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
