"""The seat map as the pages draw it: rows front to back, seats left to right, gaps, categories and states.

It is built from the API's own seat map (`core.selectors.seat_map`), so the pages and `/shows/<id>/seats/` can
never disagree. When that map carries the screen's layout (`rows`, `categories`: screens with a layout) it is used
as is (the one long row of a show created in the seed's form is drawn in lines of `SEATS_PER_ROW`); a map without
rows is drawn as rows of `SEATS_PER_ROW` seats labelled A1, A2, ... in seat-number order, one "standard" category.
Either way the template gets the same structure.
"""
from dataclasses import dataclass, field
from decimal import Decimal
from string import ascii_uppercase

from django.conf import settings
from django.utils.translation import gettext as _

from venues.models import ADULT
from web.templatetags.web_tags import STATE_NAMES

FREE, HELD, BOOKED, BLOCKED = "free", "held", "booked", "blocked"
STATES = (FREE, HELD, BOOKED, BLOCKED)
# A seed show without a layout: how many seats per drawn row (a typical small auditorium's width).
SEATS_PER_ROW = 10
DEFAULT_CATEGORY = "standard"


@dataclass
class Seat:
    number: int
    label: str
    row: str
    category: str
    price: Decimal | None
    state: str
    wheelchair: bool = False
    companion: bool = False
    restricted_view: bool = False

    @property
    def selectable(self) -> bool:
        return self.state == FREE


@dataclass
class Row:
    label: str
    # None for a gap (an aisle).
    seats: list[Seat | None] = field(default_factory=list)


@dataclass
class Category:
    name: str
    price: Decimal | None
    available: int


@dataclass
class SeatMap:
    show_id: int
    total_seats: int
    available_seats: int
    rows: list[Row]
    categories: list[Category]

    @property
    def width(self) -> int:
        return max((len(row.seats) for row in self.rows), default=0)


def row_label(index: int) -> str:
    """A, B, ..., Z, AA, AB, ... (index 0 is A)."""
    label = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        label = ascii_uppercase[rest] + label
    return label


def _price(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _state(number: int, booked: set, held: set, blocked: set) -> str:
    if number in booked:
        return BOOKED
    if number in held:
        return HELD
    if number in blocked:
        return BLOCKED
    return FREE


def build_seat_map(data: dict) -> SeatMap:
    """The drawable map from the dict `core.selectors.seat_map` answers (before or after layouts exist)."""
    booked, held, blocked = set(data["booked"]), set(data["held"]), set(data.get("blocked", []))
    if data.get("rows"):
        rows = []
        for row in data["rows"]:
            seats = []
            for seat in row["seats"]:
                if seat is None:
                    seats.append(None)
                    continue
                seats.append(Seat(
                    number=seat["number"], label=seat["label"], row=row["label"], category=seat["category"],
                    price=_price(seat.get("price")),
                    # The layout's own state wins where it has one; the lists say the same thing otherwise.
                    state=seat.get("state") or _state(seat["number"], booked, held, blocked),
                    wheelchair=bool(seat.get("wheelchair")), companion=bool(seat.get("companion")),
                    restricted_view=bool(seat.get("restricted_view")),
                ))
            rows.append(Row(row["label"], seats))
        categories = [Category(c["name"], _price(c.get("price")), c.get("available", 0))
                      for c in data.get("categories", [])]
        if len(rows) == 1 and len(rows[0].seats) > SEATS_PER_ROW and None not in rows[0].seats:
            # One long row without aisles is the plain layout of a show created in the seed's form ("N numbered
            # seats"): drawn in lines of SEATS_PER_ROW so it fits a phone; the seats keep their labels.
            seats = rows[0].seats
            rows = [Row(rows[0].label, seats[i:i + SEATS_PER_ROW]) for i in range(0, len(seats), SEATS_PER_ROW)]
    else:
        rows = []
        for start in range(1, data["total_seats"] + 1, SEATS_PER_ROW):
            label = row_label(len(rows))
            rows.append(Row(label, [
                Seat(number=n, label=f"{label}{n - start + 1}", row=label, category=DEFAULT_CATEGORY, price=None,
                     state=_state(n, booked, held, blocked))
                for n in range(start, min(start + SEATS_PER_ROW, data["total_seats"] + 1))
            ]))
        categories = [Category(DEFAULT_CATEGORY, None, data["available_seats"])]
    return SeatMap(show_id=data["show_id"], total_seats=data["total_seats"],
                   available_seats=data["available_seats"], rows=rows, categories=categories)


def seat_state_payload(data: dict) -> dict:
    """What the live map polls: only which seats are taken (the layout does not change while a page is open)."""
    return {
        "show_id": data["show_id"],
        "available_seats": data["available_seats"],
        "booked": data["booked"],
        "held": data["held"],
        "blocked": data.get("blocked", []),
    }


def seat_map_texts() -> dict:
    """The seat map's live texts (web/seatmap.js, for customers and the till), translated here from the catalogue
    (the script only fills in the numbers)."""

    return {
        "states": {state: str(name) for state, name in STATE_NAMES.items()},
        "chosen": _("Chosen: %(seats)s"),
        "none": _("No seats chosen."),
        "subtotal": _("%(count)s × %(category)s: %(amount)s"),
        "total": _("Total: %(amount)s"),
        "free_one": _("1 seat free"),
        "free_many": _("%(count)s seats free"),
        "taken": _("Seat %(seat)s was just taken by someone else."),
        # A chosen seat's choice of ticket type (shows that sell more than Adult): its label and each option.
        "seat_type": _("Seat %(seat)s"),
        "type_option": "%(type)s, %(amount)s",
        "type_option_proof": _("%(type)s, %(amount)s (proof required at the door)"),
        "limit": _("You can choose at most %(max)s seats.") % {"max": settings.MAX_SEATS_PER_BOOKING},
    }


def chosen_ticket_types(post, seat_numbers: list[int]) -> dict[int, str]:
    """The seat map's choice of type per seat (the form's "ticket_type_<seat>"), for hold_create's `ticket_types`;
    a seat without one is Adult (a show that sells only Adult, or a form posted without the script)."""
    return {number: post[f"ticket_type_{number}"] for number in seat_numbers
            if post.get(f"ticket_type_{number}", ADULT) != ADULT}
