"""Staff operations on the programme: movies, shows on screens with their prices and seat inventory, and the
show-wide changes (reschedule, price change, cancel, block seats, delete).

Show-wide changes lock the show and all its seat rows (`core.locks.lock_show_and_all_seats`) so they never
interleave with a booking in flight; blocking locks only the seats it blocks, like any seat writer.
"""
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from common.db import locked_transaction
from common.events import log_event_on_commit
from core import signals
from core.errors import (
    InvalidDateTime,
    InvalidPrices,
    MovieNotFound,
    ScreenBusy,
    SeatsUnavailable,
    ShowCancelled,
    ShowHasBookingHistory,
    ShowHasSales,
    ShowNotFound,
    ShowStarted,
)
from core.locks import lock_seats, lock_show_and_all_seats
from core.models import Booking, Hold, Movie, Show, ShowSeat
from core.prices import price_table, stored_prices
from core.services.seats import check_seats_exist, classify, is_live_hold, set_state
from venues.errors import ScreenNotFound
from venues.layouts import LayoutSeat, layout_categories, layout_seats, plain_layout
from venues.models import ADULT, Screen
from venues.selectors import ticket_type_codes

MOVIE_FIELDS = ("genres", "language", "certificate", "release_date", "synopsis", "poster_url")
# Seed-form shows (no screen) are sold at this price: the seed had no prices.
FREE_PRICE = Decimal("0.00")


def movie_create(*, title: str, duration_minutes: int, **metadata) -> Movie:
    unknown = set(metadata) - set(MOVIE_FIELDS)
    if unknown:
        raise TypeError(f"movie_create() got unexpected fields: {sorted(unknown)}")
    return Movie.objects.create(title=title, duration_minutes=duration_minutes, **metadata)


def checked_prices(prices: dict, categories: list[str], *, ticket_types: set[str] = frozenset({ADULT}),
                   partial: bool = False) -> dict[str, dict[str, Decimal]]:
    """The price table (core.prices) of `prices` given for a show: every category its seats have (all of them
    unless `partial`), an Adult price in each, and only the cinema's `ticket_types`."""
    prices = price_table(prices)
    unknown = [c for c in prices if c not in categories]
    if unknown:
        raise InvalidPrices(InvalidPrices.UNKNOWN, categories=", ".join(sorted(unknown)))
    missing = [c for c in categories if c not in prices]
    if missing and not partial:
        raise InvalidPrices(InvalidPrices.MISSING, categories=", ".join(missing))
    unknown_types = sorted({kind for types in prices.values() for kind in types} - set(ticket_types))
    if unknown_types:
        raise InvalidPrices(InvalidPrices.UNKNOWN_TYPES, types=", ".join(unknown_types))
    no_adult = [c for c, types in prices.items() if ADULT not in types]
    if no_adult and not partial:
        raise InvalidPrices(InvalidPrices.NO_ADULT, categories=", ".join(sorted(no_adult)))
    return prices


def offered_types(screen: Screen | None) -> set[str]:
    """The ticket types a show on `screen` may price: Adult and its cinema's own."""
    return {ADULT} | (ticket_type_codes(cinema_id=screen.cinema_id) if screen is not None else set())


def screen_clashes(*, screen: Screen, movie: Movie, date_time: datetime, exclude_show_id: int | None = None) -> list:
    """The scheduled shows occupying the screen during [date_time, end + cleaning): the one overlap rule.

    Call with the screen row locked, so two shows cannot be put into the same slot at the same moment.
    """
    cleaning = timedelta(minutes=settings.CLEANING_MINUTES)
    ends = show_end(date_time, movie)
    # A show starting up to its own (longest possible) duration before ours can still be running: look that far
    # back, then compare exact ends in Python (each show's end depends on its movie).
    longest = Movie.objects.order_by("-duration_minutes").values_list("duration_minutes", flat=True).first() or 0
    candidates = (Show.objects.filter(screen=screen, status=Show.Status.SCHEDULED,
                                      date_time__gt=date_time - timedelta(minutes=longest) - cleaning,
                                      date_time__lt=ends)
                  .exclude(pk=exclude_show_id).select_related("movie"))
    return [other for other in candidates if show_end(other.date_time, other.movie) > date_time]


def check_in_future(date_time: datetime, *, now: datetime) -> None:
    """A show is never scheduled (or moved) into the past."""
    if date_time <= now:
        raise InvalidDateTime()


def show_end(date_time: datetime, movie: Movie) -> datetime:
    """When the screen is free again after a show of `movie` starting at `date_time`: its duration plus cleaning."""
    return date_time + timedelta(minutes=movie.duration_minutes + settings.CLEANING_MINUTES)


def _check_screen_free(*, screen: Screen, movie: Movie, date_time: datetime, exclude_show_id: int | None) -> None:
    clashes = screen_clashes(screen=screen, movie=movie, date_time=date_time, exclude_show_id=exclude_show_id)
    if clashes:
        raise ScreenBusy(other.pk for other in clashes)


def lock_screen(screen_id: int) -> Screen:
    screen = Screen.objects.select_for_update().filter(pk=screen_id).first()
    if screen is None:
        raise ScreenNotFound()
    return screen


def show_create(*, movie_id: int, date_time: datetime, screen_id: int | None = None, prices: dict | None = None,
                screen_name: str | None = None, total_seats: int | None = None, language: str = "",
                format: str = "", now: datetime | None = None) -> Show:
    """Schedule a show, with its own seat inventory copied from the screen's layout as it is now.

    On a screen: `prices` names a price for every category the layout uses; the screen must be free for the
    movie's duration plus CLEANING_MINUTES. In the seed's form (`screen_name`, `total_seats`, no screen): one row of
    `total_seats` standard seats at price 0, not checked for overlaps (there is no screen to overlap on).
    """
    now = now or timezone.now()
    with locked_transaction():
        movie = Movie.objects.filter(pk=movie_id).first()
        if movie is None:
            raise MovieNotFound()
        check_in_future(date_time, now=now)
        if screen_id is not None:
            # The screen's row lock serialises show creation and rescheduling per screen, so two shows cannot both
            # pass the overlap check for the same slot.
            screen = lock_screen(screen_id)
            seats = layout_seats(screen.layout)
            checked = checked_prices(prices, layout_categories(seats), ticket_types=offered_types(screen))
            _check_screen_free(screen=screen, movie=movie, date_time=date_time, exclude_show_id=None)
            screen_name = screen.name
        else:
            screen = None
            seats = layout_seats(plain_layout(total_seats))
            checked = {"standard": {ADULT: FREE_PRICE}}
        show = show_insert(movie=movie, screen=screen, screen_name=screen_name, date_time=date_time, seats=seats,
                           prices=checked, language=language, format=format)
    return show


def show_insert(*, movie: Movie, screen: Screen | None, screen_name: str, date_time: datetime,
                seats: list[LayoutSeat], prices: dict[str, dict[str, Decimal]], language: str,
                format: str) -> Show:
    """Write a show that passed the rules, with its seat rows. Call inside the transaction that checked them."""
    show = Show.objects.create(
        movie=movie, screen=screen, screen_name=screen_name, date_time=date_time, total_seats=len(seats),
        prices=stored_prices(prices),
        language=language, format=format,
    )
    create_show_seats(show, seats, {category: types[ADULT] for category, types in prices.items()})
    log_event_on_commit("show_created", show_id=show.pk, movie_id=movie.pk,
                        screen_id=screen.pk if screen else None, date_time=date_time.isoformat())
    return show


def create_show_seats(show: Show, seats: list[LayoutSeat], prices: dict[str, Decimal]) -> list[ShowSeat]:
    """The show's seat rows, one per layout seat, all free (one INSERT), at `prices` (each category's Adult)."""
    return ShowSeat.objects.bulk_create([
        ShowSeat(show=show, number=seat.number, label=seat.label, row_label=seat.row_label,
                 row_index=seat.row_index, column=seat.column, category=seat.category,
                 price=prices[seat.category], wheelchair=seat.wheelchair, companion=seat.companion,
                 restricted_view=seat.restricted_view)
        for seat in seats
    ], batch_size=500)


def _has_sales(show: Show, *, now: datetime) -> bool:
    """Active bookings or unexpired holds. Call with all the show's seats locked."""
    return any(seat.state == ShowSeat.State.BOOKED or is_live_hold(seat, now)
               for seat in ShowSeat.objects.filter(show=show).only("state", "held_until"))


def show_update(*, show_id: int, date_time: datetime | None = None, prices: dict | None = None,
                movie_id: int | None = None, language: str | None = None, format: str | None = None,
                now: datetime | None = None) -> Show:
    """Reschedule a show, change the prices of its unsold seats, or (before any sale) its movie.

    Bookings are kept and keep the price they were sold at. The change is logged as an event (`show_changed`).
    """
    now = now or timezone.now()
    with locked_transaction():
        show = lock_show_and_all_seats(show_id)
        if show.status == Show.Status.CANCELLED:
            raise ShowCancelled()
        changes = {}
        if movie_id is not None and movie_id != show.movie_id:
            if _has_sales(show, now=now):
                raise ShowHasSales()
            movie = Movie.objects.filter(pk=movie_id).first()
            if movie is None:
                raise MovieNotFound()
            changes["movie_id"] = [show.movie_id, movie.pk]
            show.movie = movie
        if date_time is not None and date_time != show.date_time:
            check_in_future(date_time, now=now)
            if show.date_time <= now:
                raise ShowStarted()
            changes["date_time"] = [show.date_time.isoformat(), date_time.isoformat()]
            show.date_time = date_time
        if show.screen_id is not None and ("date_time" in changes or "movie_id" in changes):
            _check_screen_free(screen=lock_screen(show.screen_id), movie=show.movie, date_time=show.date_time,
                               exclude_show_id=show.pk)
        if prices:
            current = price_table(show.prices)
            checked = checked_prices(prices, sorted(current), ticket_types=offered_types(show.screen), partial=True)
            for category, types in checked.items():
                if ADULT in types:
                    # Only seats not sold: a booking keeps its own price (Booking.price), and so does its seat row.
                    ShowSeat.objects.filter(show=show, category=category).exclude(
                        state=ShowSeat.State.BOOKED).update(price=types[ADULT])
            # A category's types not named keep their prices.
            new_prices = stored_prices({c: {**types, **checked.get(c, {})} for c, types in current.items()})
            if new_prices != show.prices:
                changes["prices"] = [show.prices, new_prices]
                show.prices = new_prices
        for name, value in (("language", language), ("format", format)):
            if value is not None and value != getattr(show, name):
                changes[name] = [getattr(show, name), value]
                setattr(show, name, value)
        if changes:
            show.save(update_fields=["movie", "date_time", "prices", "language", "format"])
            active = list(Booking.objects.filter(show=show, status=Booking.Status.BOOKED)
                          .select_related("user", "order").order_by("seat_number"))
            log_event_on_commit("show_changed", show_id=show.pk, changes=changes, active_bookings=len(active))
            if "date_time" in changes:
                # Customers are told the new time (notifications); their tickets stay valid.
                signals.show_rescheduled.send(sender=Show, show=show, bookings=active)
    return show


def show_cancel(*, show_id: int, now: datetime | None = None) -> Show:
    """Cancel a show in one transaction: no more sales, every active booking cancelled, every hold released.

    The show and its bookings stay, as history. With all the seat rows locked first, no booking can commit
    between our reading the bookings and cancelling them (core.locks).
    """
    now = now or timezone.now()
    with locked_transaction():
        show = lock_show_and_all_seats(show_id)
        if show.status == Show.Status.CANCELLED:
            raise ShowCancelled()
        # The customers to tell, then the layers above settle what is theirs first (orders: each order cancelled,
        # what was paid refunded), under the locks taken above.
        to_tell = list(Booking.objects.filter(show=show, status=Booking.Status.BOOKED).select_related("user"))
        signals.show_cancelling.send(sender=Show, show=show, now=now)
        cancelled = list(Booking.objects.filter(show=show, status=Booking.Status.BOOKED).values_list("pk", flat=True))
        Booking.objects.filter(pk__in=cancelled).update(status=Booking.Status.CANCELLED, cancelled_at=now)
        ShowSeat.objects.filter(show=show).exclude(state__in=[ShowSeat.State.FREE, ShowSeat.State.BLOCKED]).update(
            state=ShowSeat.State.FREE, hold=None, held_until=None)
        released = Hold.objects.filter(show=show).delete()[1].get(Hold._meta.label, 0)
        show.status = Show.Status.CANCELLED
        show.cancelled_at = now
        show.save(update_fields=["status", "cancelled_at"])
        log_event_on_commit("show_cancelled", show_id=show.pk, cancelled_booking_ids=cancelled,
                            released_holds=released)
        signals.show_cancelled.send(sender=Show, show=show, bookings=to_tell)
    return show


def show_delete(*, show_id: int) -> None:
    """Delete a show that never had a booking; one with bookings (even cancelled: history) is refused."""
    with locked_transaction():
        show = lock_show_and_all_seats(show_id)
        if Booking.objects.filter(show=show).exists():
            raise ShowHasBookingHistory()
        show.delete()  # its seats and holds go with it (CASCADE)
        log_event_on_commit("show_deleted", show_id=show_id)


def seats_block(*, show_id: int, seat_numbers: list[int], now: datetime | None = None) -> list[ShowSeat]:
    """Take seats out of sale. A booked seat or one in an unexpired hold cannot be blocked (all or none)."""
    now = now or timezone.now()
    numbers = sorted(set(seat_numbers))
    with locked_transaction():
        seats = lock_seats(show_id, numbers)
        show = _show_not_cancelled(show_id)
        check_seats_exist(seats, numbers)
        classes = classify(seats, user=None, now=now)
        unavailable = classes.booked + classes.held_by_others + classes.held_by_user
        if unavailable:
            raise SeatsUnavailable(seat.number for seat in unavailable)
        set_state(classes.free, ShowSeat.State.BLOCKED)
        log_event_on_commit("seats_blocked", show_id=show.pk, seat_numbers=numbers)
    return seats


def seats_unblock(*, show_id: int, seat_numbers: list[int]) -> list[ShowSeat]:
    """Put blocked seats back on sale; seats that are not blocked are left as they are."""
    numbers = sorted(set(seat_numbers))
    with locked_transaction():
        seats = lock_seats(show_id, numbers)
        show = _show_not_cancelled(show_id)
        check_seats_exist(seats, numbers)
        set_state([seat for seat in seats if seat.state == ShowSeat.State.BLOCKED], ShowSeat.State.FREE)
        log_event_on_commit("seats_unblocked", show_id=show.pk, seat_numbers=numbers)
    return seats


def _show_not_cancelled(show_id: int) -> Show:
    show = Show.objects.filter(pk=show_id).first()
    if show is None:
        raise ShowNotFound()
    if show.status == Show.Status.CANCELLED:
        raise ShowCancelled()
    return show
