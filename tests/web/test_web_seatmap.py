"""The seat map the pages draw, built from the API's seat map: seed shows (numbers only) and laid-out shows."""
from decimal import Decimal

from web.seatmap import BOOKED, FREE, HELD, build_seat_map, row_label, seat_state_payload


def test_row_labels_run_a_to_z_then_aa():
    assert [row_label(i) for i in (0, 1, 25, 26, 27, 51, 52)] == ["A", "B", "Z", "AA", "AB", "AZ", "BA"]


def test_a_show_without_layout_is_drawn_in_rows_of_ten_in_seat_order():
    data = {"show_id": 3, "total_seats": 23, "available_seats": 20, "booked": [1, 12], "held": [23]}
    seat_map = build_seat_map(data)
    assert [row.label for row in seat_map.rows] == ["A", "B", "C"]
    assert [len(row.seats) for row in seat_map.rows] == [10, 10, 3]
    first, twelfth, last = seat_map.rows[0].seats[0], seat_map.rows[1].seats[1], seat_map.rows[2].seats[2]
    assert (first.number, first.label, first.state) == (1, "A1", BOOKED)
    assert (twelfth.number, twelfth.label, twelfth.state) == (12, "B2", BOOKED)
    assert (last.number, last.label, last.state) == (23, "C3", HELD)
    assert seat_map.rows[0].seats[1].state == FREE
    assert [c.name for c in seat_map.categories] == ["standard"]
    assert seat_map.categories[0].available == 20


def test_a_laid_out_show_keeps_rows_gaps_categories_prices_and_flags():
    # The shape of GET /shows/<id>/seats/ for a laid-out show (tests/core/test_api_shows_on_screens.py).
    data = {
        "show_id": 1, "total_seats": 3, "available_seats": 2, "booked": [2], "held": [], "blocked": [],
        "rows": [{"label": "A", "seats": [
            {"number": 1, "label": "A1", "category": "standard", "price": "12.50", "state": "free",
             "wheelchair": True, "companion": False, "restricted_view": False},
            None,
            {"number": 2, "label": "A2", "category": "premium", "price": "18.00", "state": "booked",
             "wheelchair": False, "companion": True, "restricted_view": False},
        ]}, {"label": "B", "seats": [
            {"number": 3, "label": "B1", "category": "standard", "price": "12.50", "state": "free"},
        ]}],
        "categories": [{"name": "standard", "price": "12.50", "available": 2},
                       {"name": "premium", "price": "18.00", "available": 0}],
    }
    seat_map = build_seat_map(data)
    row_a = seat_map.rows[0]
    assert row_a.seats[1] is None  # the aisle
    assert row_a.seats[0].wheelchair and row_a.seats[0].price == Decimal("12.50")
    assert row_a.seats[2].companion and row_a.seats[2].state == BOOKED and not row_a.seats[2].selectable
    assert seat_map.width == 3
    assert [(c.name, c.price) for c in seat_map.categories] == [("standard", Decimal("12.50")),
                                                              ("premium", Decimal("18.00"))]


def test_the_polled_state_carries_only_what_changes():
    data = {"show_id": 1, "total_seats": 5, "available_seats": 3, "booked": [1], "held": [2]}
    assert seat_state_payload(data) == {"show_id": 1, "available_seats": 3, "booked": [1], "held": [2],
                                        "blocked": []}


def test_the_one_long_row_of_a_seed_form_show_is_drawn_in_lines_keeping_its_labels():
    data = {"show_id": 1, "total_seats": 23, "available_seats": 23, "booked": [], "held": [], "blocked": [],
            "rows": [{"label": "1", "seats": [{"number": n, "label": str(n), "category": "standard",
                                               "price": "0.00", "state": "free"} for n in range(1, 24)]}],
            "categories": [{"name": "standard", "price": "0.00", "available": 23}]}
    seat_map = build_seat_map(data)
    assert [len(row.seats) for row in seat_map.rows] == [10, 10, 3]
    assert seat_map.rows[1].seats[1].label == "12"


def test_seat_in_row_strips_only_a_letter_row_prefix():
    from web.seatmap import Seat
    from web.templatetags.web_tags import seat_in_row

    def seat(label, row):
        return Seat(number=1, label=label, row=row, category="standard", price=None, state=FREE)

    assert seat_in_row(seat("C7", "C")) == "7"
    assert seat_in_row(seat("12", "1")) == "12"
    assert seat_in_row(seat("W1", "A")) == "W1"
