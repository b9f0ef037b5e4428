"""venues.layouts: a hand-written layout is numbered in reading order, and a wrong one is named precisely."""
import copy

import pytest

from tests.factories import SMALL_LAYOUT
from venues.layouts import MAX_TOTAL_SEATS, LayoutError, layout_categories, layout_seats, plain_layout


def test_seats_are_numbered_row_by_row_left_to_right_skipping_gaps():
    seats = layout_seats(SMALL_LAYOUT)

    assert [(s.number, s.label, s.row_label, s.column) for s in seats] == [
        (1, "A1", "A", 0), (2, "A2", "A", 1), (3, "A3", "A", 3), (4, "B1", "B", 0), (5, "B2", "B", 1),
        (6, "C1", "C", 1), (7, "C2", "C", 2)]
    assert seats[2].restricted_view and seats[5].wheelchair and seats[6].companion and not seats[0].wheelchair
    assert layout_categories(seats) == ["standard", "premium", "wheelchair", "companion"]


def test_the_seed_form_layout_is_one_row_labelled_by_number():
    seats = layout_seats(plain_layout(3))

    assert [(s.number, s.label, s.category) for s in seats] == [(1, "1", "standard"), (2, "2", "standard"),
                                                                (3, "3", "standard")]


def _broken(change):
    layout = copy.deepcopy(SMALL_LAYOUT)
    change(layout)
    return layout


@pytest.mark.parametrize("layout, message", [
    ({}, "A layout is an object with a non-empty list \"rows\"."),
    ({"rows": []}, "A layout is an object with a non-empty list \"rows\"."),
    (_broken(lambda lay: lay["rows"][1]["seats"][1].update(category="balcony")),
     "Row 2 (\"B\"), seat \"B2\": unknown category 'balcony'; one of standard, premium, recliner, wheelchair, "
     "companion."),
    (_broken(lambda lay: lay["rows"][2]["seats"][2].update(label="A1")),
     "Row 3 (\"C\"), seat \"A1\": the seat label is used twice."),
    (_broken(lambda lay: lay["rows"][0]["seats"].__setitem__(3, "A3")),
     "Row 1 (\"A\"), position 4: a seat is an object with \"label\" and \"category\", or null for a gap."),
    (_broken(lambda lay: lay["rows"][1].update(label="A")), "Row 2 (\"A\"): the row label is used twice."),
    (_broken(lambda lay: lay["rows"][0]["seats"][0].update(wheelchair="yes")),
     "Row 1 (\"A\"), seat \"A1\": \"wheelchair\" must be true or false."),
    (_broken(lambda lay: lay["rows"][0]["seats"][0].update(colour="red")),
     "Row 1 (\"A\"), seat \"A1\": unknown key(s) colour."),
    ({"rows": [{"label": "A", "seats": [None, None]}]}, "A layout has at least one seat."),
    ({"rows": [{"label": "A", "seats": [{"label": f"A{n}", "category": "standard"}
                                        for n in range(MAX_TOTAL_SEATS + 1)]}]},
     f"A layout has at most {MAX_TOTAL_SEATS} seats."),
])
def test_errors_name_the_row_and_seat(layout, message):
    with pytest.raises(LayoutError) as raised:
        layout_seats(layout)

    assert str(raised.value) == message
