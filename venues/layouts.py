"""Seat layouts: the JSON a person writes by hand for a screen, checked and numbered.

    {"rows": [{"label": "A", "seats": [{"label": "A1", "category": "standard"}, null, {"label": "A2", ...}]}]}

Rows run front to back, seats left to right, `null` is a gap (an aisle). Seats are numbered 1..N in reading order
(row by row, left to right, gaps skipped): that number is the API's `seat_number`, so clients that only know
numbers keep working. Validation names the row and seat at fault, so a hand-written layout can be fixed quickly.
"""
from dataclasses import dataclass

from common.text import has_control_characters

# The seat categories a layout may use (pretix's "seat categories", the cinema chains' seat types).
SEAT_CATEGORIES = ("standard", "premium", "recliner", "wheelchair", "companion")
SEAT_FLAGS = ("wheelchair", "companion", "restricted_view")
MAX_LABEL_LENGTH = 10
# Larger than nearly every real auditorium, small enough that a seat map of a whole show stays a cheap response.
MAX_TOTAL_SEATS = 1000


class LayoutError(ValueError):
    """A layout that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class LayoutSeat:
    number: int  # 1..N in reading order
    label: str
    row_label: str
    row_index: int  # 0-based, front to back
    column: int  # 0-based position in its row, gaps included, so a seat map can be drawn again
    category: str
    wheelchair: bool = False
    companion: bool = False
    restricted_view: bool = False


def _label(value, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LayoutError(f"{where}: \"label\" must be a non-empty string.")
    if len(value) > MAX_LABEL_LENGTH:
        raise LayoutError(f"{where}: \"label\" must be at most {MAX_LABEL_LENGTH} characters.")
    if has_control_characters(value):
        raise LayoutError(f"{where}: \"label\" must not contain control characters.")
    return value.strip()


def layout_seats(layout) -> list[LayoutSeat]:
    """The layout's seats in number order, or `LayoutError` naming the first row/seat that is wrong."""
    max_seats = MAX_TOTAL_SEATS
    if not isinstance(layout, dict) or not isinstance(layout.get("rows"), list) or not layout["rows"]:
        raise LayoutError("A layout is an object with a non-empty list \"rows\".")
    unknown = set(layout) - {"rows"}
    if unknown:
        raise LayoutError(f"Unknown layout key(s): {', '.join(sorted(map(str, unknown)))}.")
    seats: list[LayoutSeat] = []
    seat_labels: set[str] = set()
    row_labels: set[str] = set()
    for row_index, row in enumerate(layout["rows"]):
        where_row = f"Row {row_index + 1}"
        if not isinstance(row, dict):
            raise LayoutError(f"{where_row}: a row is an object with \"label\" and \"seats\".")
        row_label = _label(row.get("label"), where_row)
        where_row = f"Row {row_index + 1} (\"{row_label}\")"
        if row_label in row_labels:
            raise LayoutError(f"{where_row}: the row label is used twice.")
        row_labels.add(row_label)
        extra_keys = set(row) - {"label", "seats"}
        if extra_keys:
            raise LayoutError(f"{where_row}: unknown key(s) {', '.join(sorted(map(str, extra_keys)))}.")
        row_seats = row.get("seats")
        if not isinstance(row_seats, list) or not row_seats:
            raise LayoutError(f"{where_row}: \"seats\" must be a non-empty list (null for a gap).")
        for column, seat in enumerate(row_seats):
            if seat is None:
                continue
            where = f"{where_row}, position {column + 1}"
            if not isinstance(seat, dict):
                raise LayoutError(f"{where}: a seat is an object with \"label\" and \"category\", or null for a gap.")
            label = _label(seat.get("label"), where)
            where = f"{where_row}, seat \"{label}\""
            extra = set(seat) - {"label", "category", *SEAT_FLAGS}
            if extra:
                raise LayoutError(f"{where}: unknown key(s) {', '.join(sorted(map(str, extra)))}.")
            if label in seat_labels:
                raise LayoutError(f"{where}: the seat label is used twice.")
            seat_labels.add(label)
            category = seat.get("category")
            if category not in SEAT_CATEGORIES:
                raise LayoutError(f"{where}: unknown category {category!r}; one of {', '.join(SEAT_CATEGORIES)}.")
            flags = {}
            for flag in SEAT_FLAGS:
                value = seat.get(flag, False)
                if not isinstance(value, bool):
                    raise LayoutError(f"{where}: \"{flag}\" must be true or false.")
                flags[flag] = value
            seats.append(LayoutSeat(number=len(seats) + 1, label=label, row_label=row_label, row_index=row_index,
                                    column=column, category=category, **flags))
            if len(seats) > max_seats:
                raise LayoutError(f"A layout has at most {max_seats} seats.")
    if not seats:
        raise LayoutError("A layout has at least one seat.")
    return seats


def plain_layout(total_seats: int) -> dict:
    """The layout of a show created in the seed's form (`screen_name`, `total_seats`): one row of seats labelled
    by their number, all standard, so seat N is still simply "N"."""
    return {"rows": [{"label": "1", "seats": [{"label": str(n), "category": "standard"}
                                              for n in range(1, total_seats + 1)]}]}


def layout_categories(seats: list[LayoutSeat]) -> list[str]:
    """The categories a layout uses, in the order of SEAT_CATEGORIES."""
    used = {seat.category for seat in seats}
    return [category for category in SEAT_CATEGORIES if category in used]
