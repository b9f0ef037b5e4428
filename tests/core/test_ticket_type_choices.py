"""What the pages offer per seat (core.selectors.ticket_type_choices): the show's price table without the types its
certificate refuses (the rule holding applies, core.ticket_types), names in the reader's language, Adult first;
nothing for a show that sells only Adult. A hold's seat lines price each seat as its type, and a type taken off the
show meanwhile shows no price rather than failing the page."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core import selectors
from core.models import Show
from core.services import catalog, holds
from core.ticket_types import types_for_sale
from tests.factories import SMALL_PRICES, MovieFactory, ScreenFactory, ShowFactory, TicketTypeFactory, UserFactory

pytestmark = pytest.mark.django_db

STARTS = timezone.now().replace(microsecond=0) + timedelta(days=3)
TABLE = {**SMALL_PRICES, "standard": {"adult": "10.00", "student": "7.50", "child": "6.50"}}


def typed_show(certificate=""):
    screen = ScreenFactory()
    # Created child first: the pages list a cinema's types in the order it made them, after Adult.
    TicketTypeFactory(cinema=screen.cinema, code="child", name="Child", names={"hi": "बच्चा"}, max_age=14)
    TicketTypeFactory(cinema=screen.cinema, code="student", name="Student", names={"es": "Estudiante"}, max_age=None,
                      proof_required=True)
    movie = MovieFactory(certificate=certificate)
    return catalog.show_create(movie_id=movie.id, screen_id=screen.id, date_time=STARTS, prices=TABLE)


def test_the_choices_name_each_type_in_the_language_adult_first():
    show = typed_show()

    choices = selectors.ticket_type_choices(show=show, language="es")

    assert choices["types"] == [{"code": "adult", "name": "Adulto", "proof_required": False},
                                {"code": "child", "name": "Child", "proof_required": False},
                                {"code": "student", "name": "Estudiante", "proof_required": True}]
    assert choices["prices"]["standard"] == {"adult": "10.00", "student": "7.50", "child": "6.50"}


def test_the_certificate_takes_child_off_every_category():
    show = typed_show(certificate="15")

    assert types_for_sale(show)["standard"] == {"adult": Decimal("10.00"), "student": Decimal("7.50")}
    assert [t["code"] for t in selectors.ticket_type_choices(show=show, language="en")["types"]] == ["adult",
                                                                                                  "student"]


def test_an_adult_only_show_and_a_seed_form_show_offer_no_choice():
    seed_form = ShowFactory()

    assert selectors.ticket_type_choices(show=seed_form, language="en") == {}
    assert not selectors.show_offers_types(seed_form)


def test_a_holds_lines_price_each_seat_as_its_type_and_survive_a_type_taken_off():
    show = typed_show()
    user = UserFactory()
    hold = holds.hold_create(user=user, show_id=show.pk, seat_numbers=[1, 2], ticket_types={1: "child"})

    lines = selectors.held_seat_lines(hold=hold, show=show)

    assert [(line["number"], line["ticket_type"], line["price"]) for line in lines] == [
        (1, "child", Decimal("6.50")), (2, "adult", Decimal("10.00"))]
    Show.objects.filter(pk=show.pk).update(prices={**TABLE, "standard": {"adult": "10.00"}})
    show.refresh_from_db()
    assert [line["price"] for line in selectors.held_seat_lines(hold=hold, show=show)] == [None, Decimal("10.00")]


def test_names_of_several_cinemas_in_one_query(django_assert_num_queries):
    first, second = typed_show(), typed_show()
    cinemas = [first.screen.cinema_id, second.screen.cinema_id, None]

    with django_assert_num_queries(1):
        names = selectors.ticket_type_names(cinema_ids=cinemas, language="hi")

    assert names.get(first.screen.cinema_id, "child").name == "बच्चा"
    assert names.get(second.screen.cinema_id, "student").proof_required
    assert names.get(None, "adult").name == "वयस्क"  # the built-in Adult, translated into the language asked for
    assert names.get(first.screen.cinema_id, "gone").name == "gone"
