"""Reads for the API, each a fixed number of queries however many rows it returns.

Availability counts a seat as taken when it has an active booking or is in an unexpired hold; `now` decides what
"unexpired" means (core.sellable, the one definition), so an expired hold frees its seats in every read without
any job having run.
"""
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import connections, router
from django.db.models import Func, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext

from common import precomposed
from common.money import price_text
from core.errors import InvalidTicketType, MovieNotFound, ShowNotFound
from core.models import SCREEN_FIELDS_LEFT_OUT, Booking, Hold, HoldSeat, Movie, Show, ShowSeat
from core.prices import adult_prices, category_prices, offers_types, seat_price, sells_types
from core.sellable import is_sellable, sellable_now
from core.ticket_types import types_for_sale
from venues.layouts import SEAT_CATEGORIES
from venues.models import ADULT, Cinema, Screen, TicketType


def movie_list() -> QuerySet[Movie]:
    return Movie.objects.order_by("id")


def movies() -> list[Movie]:
    """`movie_list()` as a list, from its query composed once per process (see the show reads below): what
    `GET /movies/` without parameters answers."""
    found = movie_rows()
    if found is None:
        return list(movie_list())
    return [found.movie(row) for row in found.rows]


class MovieRows(NamedTuple):
    """`movies()`'s rows as the database gave them (`precomposed.Rows.fetch_raw`: the genres still JSON text), so
    that a row can key what was made of it (core.rendered); `movie(row)` is the Movie the queryset would make."""

    rows: list[tuple]
    using: str
    composed: precomposed.Rows

    def movie(self, row: tuple) -> Movie:
        return Movie.from_db(self.using, _MOVIE_LIST_ATTNAMES, self.composed.convert(row, connections[self.using]))


def movie_rows() -> MovieRows | None:
    """`movies()` unconverted, or None where that read is not composed (SQLite): then use `movies()`."""
    using = Movie.objects.all().db
    composed = _composed_movies(connections[using].vendor)
    if composed is None:
        return None
    return MovieRows(composed.fetch_raw(using), using, composed)


def movie_get(*, movie_id: int) -> Movie:
    movie = Movie.objects.filter(pk=movie_id).first()
    if movie is None:
        raise MovieNotFound()
    return movie


def _count_per_show(queryset: QuerySet) -> Subquery:
    # A correlated COUNT per show: two plain JOINs + Count would multiply rows. COUNT as a plain function, not the
    # Count aggregate: an aggregate makes the subquery GROUP BY the show, which PostgreSQL ran as a sorted group
    # aggregate over the show's seats, about a third slower than a plain count, and planned in five times as long
    # (docs/performance.md). Without GROUP BY the count always has its one row: 0 when no seat matches.
    counted = queryset.filter(show=OuterRef("pk")).order_by().annotate(n=Func("pk", function="COUNT")).values("n")
    return Subquery(counted, output_field=IntegerField())


def available_seat_count_per_show(*, now: datetime):
    """An expression for `Show` querysets: how many of the show's seats can be sold right now."""
    return _count_per_show(ShowSeat.objects.filter(sellable_now(now=now)))


def shows_with_availability(now: datetime | None = None) -> QuerySet[Show]:
    """Shows with movie, screen and cinema (one query) and `available_seats` counted in the same query."""
    now = now or timezone.now()
    # Not the screen's layout (core.models.SCREEN_FIELDS_LEFT_OUT): decoded for each row of a list, it was the
    # largest share of a movie's shows' CPU (docs/performance.md).
    return Show.objects.with_relations().annotate(available_seats=available_seat_count_per_show(now=now))


def show_list(*, now: datetime | None = None) -> QuerySet[Show]:
    """Every show, soonest first; the catalogue's filters (core.filters.ShowFilter) narrow it."""
    return shows_with_availability(now).order_by("date_time", "id")


def show_list_for_movie(*, movie_id: int, now: datetime | None = None) -> QuerySet[Show]:
    if not Movie.objects.filter(pk=movie_id).exists():
        raise MovieNotFound()
    return shows_with_availability(now).filter(movie_id=movie_id).order_by("date_time", "id")


def shows_of_movie(*, movie_id: int, now: datetime | None = None, must_exist: bool = True) -> list[Show]:
    """`show_list_for_movie`, unfiltered, as a list: what `GET /movies/<id>/shows/` without parameters answers, and
    (`must_exist=False`: an unknown movie has no shows) `GET /shows/?movie=<id>`."""
    found = show_rows_of_movie(movie_id=movie_id, now=now, must_exist=must_exist)
    if found is None:
        shows = list(shows_with_availability(now).filter(movie_id=movie_id).order_by("date_time", "id"))
        _movie_must_exist(found_shows=bool(shows), movie_id=movie_id, must_exist=must_exist)
        return shows
    related = {}
    return [found.show(row, related) for row in found.rows]


def show_get(*, show_id: int, now: datetime | None = None) -> Show:
    now = now or timezone.now()
    using = Show.objects.all().db
    composed = _composed_shows("show", connections[using].vendor)
    if composed is None:
        show = shows_with_availability(now).filter(pk=show_id).first()
    else:
        found = composed.fetch(using, key=show_id, now=now)
        show = _show_from_row(found[0], using) if found else None
    if show is None:
        raise ShowNotFound()
    return show


class ShowRows(NamedTuple):
    """The rows of a composed show read as the database gave them (`precomposed.Rows.fetch_raw`: the prices still
    JSON text), so that a row can key what was made of it (core.rendered). Each row ends with `available_seats`;
    rows of one `kind` have the same columns. `show(row)` is the Show, with its movie, screen and cinema, that the
    queryset would have made of the row."""

    rows: list[tuple]
    kind: str
    using: str
    composed: precomposed.Rows

    def show(self, row: tuple, related: dict | None = None) -> Show:
        return _show_from_row(self.composed.convert(row, connections[self.using]), self.using,
                              _LAYOUTS[self.kind], related)


def show_rows_of_movie(*, movie_id: int, now: datetime | None = None, must_exist: bool = True) -> ShowRows | None:
    """`shows_of_movie`'s rows unconverted (the fields the API lists), or None where the read is not composed
    (SQLite): then use `shows_of_movie`."""
    using = Show.objects.all().db
    composed = _composed_shows("movie", connections[using].vendor)
    if composed is None:
        return None
    rows = composed.fetch_raw(using, key=movie_id, now=now or timezone.now())
    _movie_must_exist(found_shows=bool(rows), movie_id=movie_id, must_exist=must_exist)
    return ShowRows(rows, "movie", using, composed)


def _movie_must_exist(*, found_shows: bool, movie_id: int, must_exist: bool) -> None:
    """Shows prove their movie exists: only an empty list asks the database (MovieNotFound when it must exist)."""
    if not found_shows and must_exist and not Movie.objects.filter(pk=movie_id).exists():
        raise MovieNotFound()


def listed_show_row(*, show_id: int, now: datetime | None = None) -> ShowRows | None:
    """`show_get`'s show with only the fields the API writes (as a movie's shows list them), its one row
    unconverted; None where the read is not composed (SQLite): then use `show_get`."""
    using = Show.objects.all().db
    composed = _composed_shows("listed show", connections[using].vendor)
    if composed is None:
        return None
    rows = composed.fetch_raw(using, key=show_id, now=now or timezone.now())
    if not rows:
        raise ShowNotFound()
    return ShowRows(rows, "listed show", using, composed)


# --- The show reads, composed once per process --------------------------------------------------------------
# Profiled (bench/profile_reads.py, docs/performance.md), building and compiling `shows_with_availability`'s query
# (three joins, the availability subquery from core.sellable) cost several times what PostgreSQL spends running it,
# and was most of a show's CPU. The same querysets are therefore compiled once per process (common.precomposed:
# the ORM composes the SQL, so the availability rule keeps its one home) and run with the show's or movie's id and
# `now` bound; the rows become the same instances (`Model.from_db`) the queryset would have made. Where a value
# does not reach the database as given (SQLite turns datetimes into text), the queryset runs as before.
def _model_fields(model, prefix: str, *, leave_out: tuple = ()) -> list[tuple[str, str]]:
    return [(f.attname, prefix + f.attname) for f in model._meta.concrete_fields if f.name not in leave_out]


def _only(model, prefix: str, names: tuple) -> list[tuple[str, str]]:
    return [(f.attname, prefix + f.attname) for f in model._meta.concrete_fields if f.name in names]


class _Layout(NamedTuple):
    """Which fields of each model a composed show read selects: (attname, the values_list() path) per model."""

    show: list
    movie: list
    screen: list
    cinema: list

    def paths(self, *, available: bool = True) -> list[str]:
        # The annotation last: values_list() puts annotations after the fields in the SQL, so the columns are in
        # this order.
        return [path for fields in self for _, path in fields] + (["available_seats"] if available else [])


# One show (`show_get`, also the pages'): every field, as `shows_with_availability` (the screen's layout left out).
_FULL = _Layout(_model_fields(Show, ""), _model_fields(Movie, "movie__"),
                _model_fields(Screen, "screen__", leave_out=SCREEN_FIELDS_LEFT_OUT),
                _model_fields(Cinema, "screen__cinema__"))
# A movie's shows for the API: only what ShowWithAvailabilitySerializer writes (the other fields would be converted,
# JSON-decoded for the movie's genres, on every row for nothing). tests/core/test_query_budgets.py fails if the
# serializer ever reads a field left out here (a deferred field is one more query per show).
_LISTED = _Layout(
    _only(Show, "", ("id", "movie", "screen_name", "date_time", "total_seats", "screen", "prices", "language", "format",
                     "status")),
    _only(Movie, "movie__", ("id", "title", "duration_minutes")),
    _only(Screen, "screen__", ("id", "name", "cinema")),
    _only(Cinema, "screen__cinema__", ("id", "name", "city", "time_zone")))
# Which layout each composed read selects: one show for the pages, a movie's shows and one show for the API.
_LAYOUTS = {"show": _FULL, "movie": _LISTED, "listed show": _LISTED}
_SHOW_MOVIE, _SHOW_SCREEN = Show._meta.get_field("movie"), Show._meta.get_field("screen")
_SCREEN_CINEMA = Screen._meta.get_field("cinema")
_SAMPLES = ({"key": 900_000_001, "now": datetime(2000, 1, 1, tzinfo=UTC)},
            {"key": 900_000_002, "now": datetime(2001, 1, 1, tzinfo=UTC)})


@functools.cache
def _composed_shows(kind: str, vendor: str) -> precomposed.Rows | None:
    layout = _LAYOUTS[kind]

    def build(*, key, now):
        if kind != "movie":
            queryset = shows_with_availability(now).filter(pk=key)
        else:
            queryset = shows_with_availability(now).filter(movie_id=key).order_by("date_time", "id")
        return queryset.values_list(*layout.paths())

    try:
        return precomposed.rows(build, _SAMPLES)
    except ValueError:
        return None  # e.g. SQLite: the queryset runs each time


_MOVIE_LIST_FIELDS = _model_fields(Movie, "")
_MOVIE_LIST_ATTNAMES = [attname for attname, _ in _MOVIE_LIST_FIELDS]


@functools.cache
def _composed_movies(vendor: str) -> precomposed.Rows | None:
    try:
        return precomposed.rows(lambda: movie_list().values_list(*[path for _, path in _MOVIE_LIST_FIELDS]), ({}, {}))
    except ValueError:
        return None


def show_with_relations(*, show_id: int) -> Show | None:
    """The show with its movie, screen and cinema (the screen's layout left out, as `shows_with_availability` leaves
    it), without the availability count, or None: what every seat writer reads once it holds its seats
    (core.services.seats.show_for_sale). The queryset is composed once per process: composing it through the ORM
    cost more CPU than PostgreSQL spends running it, on every hold and every booking refused (docs/performance.md)."""
    using = router.db_for_read(Show)
    found = _composed_show_alone(connections[using].vendor).fetch(using, key=show_id)
    return _show_from_row(found[0], using, available=False) if found else None


def _show_alone(key: int) -> QuerySet:
    # _FULL has no screen layout: values_list() reads only the paths it is given.
    return Show.objects.filter(pk=key).values_list(*_FULL.paths(available=False))


@functools.cache
def _composed_show_alone(vendor: str) -> precomposed.Rows:
    return precomposed.rows(_show_alone, ({"key": 900_000_001}, {"key": 900_000_002}))


def _show_from_row(row: tuple, using: str, layout: _Layout = _FULL, related: dict | None = None, *,
                   available: bool = True) -> Show:
    """A show with its movie, screen and cinema from one row of a `layout`; `related` (per list) lets the shows of
    one movie or screen share its instance, as they would share the values (a movie's dozen shows: one Movie).
    `available`: the row ends with the availability count (`available_seats`)."""
    related = {} if related is None else related

    def part(model, fields, start):
        key = (model, row[start])  # the primary key comes first in each model's fields
        instance = related.get(key)
        if instance is None:
            instance = related[key] = model.from_db(using, [attname for attname, _ in fields],
                                                    row[start:start + len(fields)])
        return instance

    show = Show.from_db(using, [attname for attname, _ in layout.show], row[:len(layout.show)])
    at = len(layout.show)
    # As select_related fills them (the relation's cache), without the descriptor's checks of a new assignment.
    _SHOW_MOVIE.set_cached_value(show, part(Movie, layout.movie, at))
    at += len(layout.movie)
    screen = None
    if show.screen_id is not None:
        screen = part(Screen, layout.screen, at)
        if not _SCREEN_CINEMA.is_cached(screen):
            _SCREEN_CINEMA.set_cached_value(screen, part(Cinema, layout.cinema, at + len(layout.screen)))
    _SHOW_SCREEN.set_cached_value(show, screen)
    if available:
        show.available_seats = row[-1]
    return show


def seats_for_show(*, show_id: int, seat_numbers: list[int]) -> list[ShowSeat]:
    """The priced seats of a show for the given numbers (label, row, category, price), in number order; one query.

    A read for display and quotes: the price can change until a seat is booked (Booking.price is what was paid).
    """
    return list(ShowSeat.objects.filter(show_id=show_id, number__in=seat_numbers).order_by("number"))


def held_seat_lines(*, hold: Hold, show: Show) -> list[dict]:
    """A hold's seats as checkout lists them, in seat order: label, category, ticket type and its price now (the
    order stores what is charged: `orders.models.Order.seats` has this shape). A type staff have since taken off
    the show has no price (None): paying is refused, the page must still show."""
    kinds = {seat.seat_number: seat.ticket_type for seat in hold.seats.all()}
    lines = []
    for seat in seats_for_show(show_id=show.pk, seat_numbers=list(kinds)):
        kind = kinds.get(seat.number, ADULT)
        try:
            price = seat_price(seat, kind, show.prices)
        except InvalidTicketType:
            price = None
        lines.append({"number": seat.number, "label": seat.label, "category": seat.category, "ticket_type": kind,
                      "price": price})
    return lines


def seat_map(*, show_id: int, now: datetime | None = None) -> dict:
    """The show's seats row by row with category, price and state: two queries, however big the show is.

    A seat in a hold that has expired is shown free: it is, for every writer too.
    """
    now = now or timezone.now()
    show = Show.objects.filter(pk=show_id).values("total_seats", "prices").first()
    if show is None:
        raise ShowNotFound()
    states = {"booked": [], "held": [], "blocked": []}
    rows: list[dict] = []
    categories: dict[str, int] = {}
    row_index = None
    # Plain tuples, not model instances: a 1000-seat show would build 1000 objects just to read eight values each.
    seat_rows = ShowSeat.objects.filter(show_id=show_id).order_by("number").values_list(
        "number", "label", "row_label", "row_index", "column", "category", "price", "state", "held_until",
        "wheelchair", "companion", "restricted_view")
    for (number, label, row_label, seat_row, column, category, price, state, held_until, wheelchair, companion,
         restricted_view) in seat_rows:
        if is_sellable(state, held_until, now=now):
            state = ShowSeat.State.FREE
        if state != ShowSeat.State.FREE:
            states[state].append(number)
        categories.setdefault(category, 0)
        if state == ShowSeat.State.FREE:
            categories[category] += 1
        if seat_row != row_index:
            row_index = seat_row
            rows.append({"label": row_label, "seats": []})
        row_seats = rows[-1]["seats"]
        # Gaps (aisles) come back as null, where the layout had them (before a seat; trailing gaps are not kept).
        row_seats.extend([None] * (column - len(row_seats)))
        row_seats.append({
            "number": number, "label": label, "category": category, "price": price_text(price),
            "state": str(state), "wheelchair": wheelchair, "companion": companion,
            "restricted_view": restricted_view,
        })
    unavailable = len(states["booked"]) + len(states["held"]) + len(states["blocked"])
    adult = adult_prices(show["prices"])
    return {
        "show_id": show_id,
        "total_seats": show["total_seats"],
        "available_seats": show["total_seats"] - unavailable,
        "booked": states["booked"],
        "held": states["held"],
        "blocked": states["blocked"],
        "currency": settings.CURRENCY,
        # `price` is the Adult price, as before ticket types; `prices` each offered type's.
        "categories": [{"name": name, "price": price_text(adult[name]) if name in adult else None,
                        "prices": category_prices(show["prices"], name), "available": count}
                       for name, count in sorted(categories.items(), key=lambda item: _category_order(item[0]))],
        "rows": rows,
    }


def seat_state(*, show_id: int, now: datetime | None = None) -> dict:
    """Which of the show's seats are taken, what the live seat map polls: `seat_map`'s states without the layout.

    Two queries that read only the taken seats' numbers (an unsold show reads no seat row), where `seat_map` builds
    every seat of the show; the same rule for expired holds (shown free).
    """
    now = now or timezone.now()
    show = Show.objects.filter(pk=show_id).values("total_seats").first()
    if show is None:
        raise ShowNotFound()
    states: dict[str, list[int]] = {"booked": [], "held": [], "blocked": []}
    taken = ShowSeat.objects.filter(show_id=show_id).exclude(state=ShowSeat.State.FREE).order_by("number")
    for number, state, held_until in taken.values_list("number", "state", "held_until"):
        if is_sellable(state, held_until, now=now):
            continue  # in an expired hold
        states[state].append(number)
    unavailable = len(states["booked"]) + len(states["held"]) + len(states["blocked"])
    return {"show_id": show_id, "total_seats": show["total_seats"],
            "available_seats": show["total_seats"] - unavailable, **states}


def _category_order(name: str) -> int:
    return SEAT_CATEGORIES.index(name) if name in SEAT_CATEGORIES else len(SEAT_CATEGORIES)


def booking_list_for_user(*, user) -> QuerySet[Booking]:
    return Booking.objects.filter(user=user).with_show().order_by("-created_at", "-id")


def hold_list_for_user(*, user, now: datetime | None = None) -> QuerySet[Hold]:
    """The user's unexpired holds, soonest to expire first, with their seats (two queries)."""
    now = now or timezone.now()
    # Holds keeping the seats of a pending order are the order's (GET /orders/<id>/), not listed here.
    return (Hold.objects.filter(user=user, expires_at__gt=now, order__isnull=True).order_by("expires_at", "id")
            .prefetch_related(Prefetch("seats", queryset=HoldSeat.objects.order_by("seat_number"))))




# The categories a person without special needs does not buy: a wheelchair space and its companion seat are often
# cheaper, and advertising their price as "from" would mislead everyone else.
_NOT_FOR_EVERYONE = frozenset({"wheelchair", "companion"})


def from_price(shows) -> Decimal | None:
    """The honest "from" price of some shows: what a person without special needs pays at the least for an Adult
    ticket, the one home of that rule (the pages' "from" prices, the waiting list's worth in revenue).

    Per show: its "standard" category's Adult price, or, for a show with no standard seats, its cheapest category
    open to everyone. Child and other types' cheaper prices are not a "from" price: they are not everyone's."""
    prices = []
    for show in shows:
        listed = adult_prices(show.prices)
        if "standard" in listed:
            prices.append(listed["standard"])
        else:
            prices += [price for name, price in listed.items() if name not in _NOT_FOR_EVERYONE]
    return min(prices) if prices else None


# --- Ticket types as pages, tickets and mails name them -----------------------------------------------------------
@dataclass(frozen=True)
class TicketTypeLabel:
    code: str
    name: str
    proof_required: bool = False


class TicketTypeNames:
    """The names of some cinemas' ticket types in one language, read in one query (`ticket_type_names`)."""

    def __init__(self, types: Iterable[TicketType], language: str):
        self._language = language
        self._labels = {(kind.cinema_id, kind.code): TicketTypeLabel(kind.code, kind.name_in(language),
                                                                     kind.proof_required) for kind in types}

    def get(self, cinema_id: int | None, code: str) -> TicketTypeLabel:
        """The type `code` of that cinema; Adult without a row of its own is "Adult" in the active language, and a
        code the cinema no longer has is shown as the code (what was sold stays readable)."""
        label = self._labels.get((cinema_id, code))
        if label is not None:
            return label
        if code != ADULT:
            return TicketTypeLabel(code, code)
        with translation.override(self._language or None):
            return TicketTypeLabel(code, gettext("Adult"))


def ticket_type_names(*, cinema_ids: Iterable[int | None], language: str) -> TicketTypeNames:
    """The ticket types of the given cinemas (None: a seed-form show's, which has only Adult), one query."""
    wanted = sorted({cinema_id for cinema_id in cinema_ids if cinema_id is not None})
    return TicketTypeNames(TicketType.objects.filter(cinema_id__in=wanted) if wanted else [], language)


def show_offers_types(show: Show) -> bool:
    """Whether the show sells other types than Adult (its pages then name each seat's type)."""
    return offers_types(show.prices)


def names_ticket_types(show: Show, ticket_types: Iterable[str]) -> bool:
    """Whether pages, tickets and mails name the types of seats sold as `ticket_types` for `show`: on a show that
    sells more than Adult, or when a seat was sold as another type; an Adult-only show reads as before (0048)."""
    return any(kind != ADULT for kind in ticket_types) or show_offers_types(show)


def ticket_type_choices(*, show: Show, language: str) -> dict:
    """What the seat map offers per seat: the types the show prices for each category and its certificate allows
    (core.ticket_types, the rule holding applies), Adult first, with their names in `language`; prices as decimal
    strings. Empty when the show sells only Adult: its page stays as it was."""
    if not offers_types(show.prices):  # read nothing more for an Adult-only show
        return {}
    table = types_for_sale(show)
    if not sells_types(table):  # every other type refused by the certificate
        return {}
    cinema_id = show.screen.cinema_id if show.screen_id is not None else None
    kinds = list(TicketType.objects.filter(cinema_id=cinema_id).order_by("id")) if cinema_id is not None else []
    names = TicketTypeNames(kinds, language)
    order = [ADULT] + [kind.code for kind in kinds if kind.code != ADULT]
    offered = {kind for types in table.values() for kind in types}
    return {
        "types": [{"code": code, "name": names.get(cinema_id, code).name,
                   "proof_required": names.get(cinema_id, code).proof_required}
                  for code in order + sorted(offered - set(order)) if code in offered],
        "prices": {category: {kind: price_text(price) for kind, price in types.items()}
                   for category, types in table.items()},
    }
