"""Booking and cancelling seats: the rules that keep a seat sold once.

Each service owns its transaction: lock the rows of the seats concerned (`core.locks.lock_seats`, in seat-number
order), read the show after that, decide from the seat rows' state, write. See `core.locks` for why the seat rows
are the lock and how show-wide changes (cancel, reschedule) stay consistent with it. A seat is bookable when it is
free or in a hold that has expired; a seat in the caller's own unexpired hold is bookable by the caller.
"""
import functools
import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection
from django.utils import timezone

from common import precomposed
from common.db import locked_transaction, violates_unique
from common.events import log_event_on_commit
from core import limits, signals
from core.errors import (
    AlreadyCancelled,
    BookingNotFound,
    CancellationClosed,
    InvalidSeat,
    PaymentRequired,
    SeatBlocked,
    SeatHeld,
    SeatsUnavailable,
    SeatTaken,
    ShowStarted,
)
from core.locks import lock_seats
from core.models import SCREEN_FIELDS_LEFT_OUT, Booking, Movie, Show, ShowSeat
from core.prices import seat_price
from core.sellable import sellable_now
from core.services.seats import (
    check_sale_gates,
    check_seats_exist,
    classify,
    consume_own_hold_seats,
    delete_emptied_holds,
    set_state,
    show_for_sale,
    validated_seat_selection,
)
from venues.models import ADULT, Cinema, Screen

logger = logging.getLogger(__name__)

ACTIVE_SEAT_CONSTRAINT = "booking_one_active_per_seat"


def _is_active_seat_conflict(exc: IntegrityError) -> bool:
    return violates_unique(exc, constraint=ACTIVE_SEAT_CONSTRAINT, table="core_booking",
                           columns=("show_id", "seat_number"))


def booking_create(*, user, show_id: int, seat_number: int, now: datetime | None = None,
                   queue_pass: str | None = None) -> Booking:
    """Book one seat of a show for `user`, or raise a domain error (nothing is written then).

    The common case, a free seat of a show on sale, takes two precomposed statements on PostgreSQL
    (`_book_free_seat`): the seat row's conditional UPDATE (lock, check and write in one), then the booking's
    INSERT guarded by the show's state, read in a statement of its own *after* the seat is locked (core.locks:
    a show cancelled while we waited for the seat is seen). Anything else (the seat booked, blocked, held, not
    existing; the show not for sale) goes to the general path, which applies every rule step by step and names
    the reason. Both paths decide from the locked seat row, so they cannot both sell one seat.

    `queue_pass` is the request's waiting-room pass, for the sale gates (`check_sale_gates`).
    """
    now = now or timezone.now()
    check_sale_gates(user=user, show_id=show_id, queue_pass=queue_pass, now=now)
    if connection.vendor == "postgresql" and 1 <= seat_number <= Show.MAX_TOTAL_SEATS:
        try:
            with locked_transaction():
                booking = _book_free_seat(user=user, show_id=show_id, seat_number=seat_number, now=now)
                if booking is not None:
                    log_event_on_commit("booking_created", user_id=user.pk, booking_id=booking.pk,
                                        show_id=show_id, seat_number=seat_number, price=str(booking.price))
                    # The statement extensions' rows (the reservation mail's) were written by the booking's own
                    # statement (_fast_sql).
                    signals.bookings_reserved.send(sender=Booking, bookings=[booking], statement_rows=True)
                    return booking
                # The seat is not plainly free (booked, blocked, held, or missing): nothing was written, and the
                # general path below decides what to answer, in this same transaction.
                return _booking_create_general(user=user, show_id=show_id, seat_number=seat_number, now=now)
        except _ShowNotForSale:
            pass  # the seat's claim is rolled back; the general path names the reason (cancelled, started)
    with locked_transaction():
        return _booking_create_general(user=user, show_id=show_id, seat_number=seat_number, now=now)


def _booking_create_general(*, user, show_id: int, seat_number: int, now: datetime) -> Booking:
    """The rules of `booking_create` through the ORM, step by step; call inside `locked_transaction()`."""
    limits.lock_account(user.pk)
    seats = lock_seats(show_id, [seat_number])
    show = show_for_sale(show_id, now=now)
    if not seats:
        raise InvalidSeat()
    classes = classify(seats, user=user, now=now)
    if classes.booked:
        raise SeatTaken()
    if classes.blocked:
        raise SeatBlocked()
    if classes.held_by_others:
        raise SeatHeld()
    _check_limits(user=user, show_id=show_id, seats=seats, own_held=classes.held_by_user, now=now)
    # The customer's own hold on this seat is used up by the booking (the rest of that hold stays).
    [booking] = _book(user=user, show=show, seats=seats, own_held=classes.held_by_user)
    # Logged on commit: only a booking that exists is logged as made.
    log_event_on_commit("booking_created", user_id=user.pk, booking_id=booking.pk, show_id=show.pk,
                        seat_number=seat_number, price=str(booking.price))
    signals.bookings_reserved.send(sender=Booking, bookings=[booking], statement_rows=False)
    return booking


def booking_create_many(*, user, show_id: int, seat_numbers: list[int], now: datetime | None = None,
                        queue_pass: str | None = None) -> list[Booking]:
    """Book several seats of a show for `user`, all or none.

    Seats held by `user` are taken out of their hold; seats booked, blocked or held by someone else make the
    whole request fail with `SeatsUnavailable`, which lists them.
    """
    now = now or timezone.now()
    check_sale_gates(user=user, show_id=show_id, queue_pass=queue_pass, now=now)
    numbers = validated_seat_selection(seat_numbers)
    with locked_transaction():
        limits.lock_account(user.pk)
        seats = lock_seats(show_id, numbers)
        show = show_for_sale(show_id, now=now)
        check_seats_exist(seats, numbers)
        classes = classify(seats, user=user, now=now)
        unavailable = classes.booked + classes.blocked + classes.held_by_others
        if unavailable:
            raise SeatsUnavailable(seat.number for seat in unavailable)
        _check_limits(user=user, show_id=show_id, seats=seats, own_held=classes.held_by_user, now=now)
        bookings = _book(user=user, show=show, seats=seats, own_held=classes.held_by_user)
        log_event_on_commit("booking_created", user_id=user.pk, booking_ids=[b.pk for b in bookings],
                            show_id=show.pk, seat_numbers=numbers)
        signals.bookings_reserved.send(sender=Booking, bookings=bookings, statement_rows=False)
    return bookings


def booking_cancel(*, user, booking_id: int, now: datetime | None = None) -> Booking:
    """Cancel the user's booking. Someone else's booking is reported as not found, revealing nothing.

    The layers above hear of it in this transaction (`core.signals.booking_cancelled`): tickets refuses the cancel of
    a ticket already admitted at the door, orders refunds a paid seat and sets the returned booking's `refund` (else
    it stays None), notifications writes the mail."""
    now = now or timezone.now()
    found = Booking.objects.filter(pk=booking_id, user=user).values_list("show_id", "seat_number").first()
    if found is None:
        raise BookingNotFound()
    show_id, seat_number = found
    with locked_transaction():
        # The seat's row, as every writer of this seat takes it; then re-read the booking under it (another
        # cancel of it may have won, or the show may have been cancelled meanwhile).
        seats = lock_seats(show_id, [seat_number])
        # The booking's row too: check-in (tickets.services) locks only this row, so a cancel and a check-in of
        # one ticket are serialised and a ticket is never both checked in and cancelled (tickets' receiver of
        # booking_cancelled decides under this lock).
        booking = Booking.objects.select_for_update().get(pk=booking_id)
        if booking.status == Booking.Status.CANCELLED:
            raise AlreadyCancelled()
        show = Show.objects.with_relations().get(pk=show_id)
        cutoff_minutes = settings.BOOKING_CANCEL_CUTOFF_MINUTES
        if now >= show.date_time - timedelta(minutes=cutoff_minutes):
            raise CancellationClosed() if cutoff_minutes else ShowStarted()
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.save(update_fields=["status", "cancelled_at"])
        set_state(seats, ShowSeat.State.FREE)
        booking.show = show
        # Set by a receiver that refunded the seat (orders); None: nothing was paid.
        booking.refund = None
        signals.booking_cancelled.send(sender=Booking, booking=booking, now=now)
        log_event_on_commit("booking_cancelled", user_id=user.pk, booking_id=booking.pk, show_id=show.pk,
                            seat_number=booking.seat_number)
    return booking


def _check_limits(*, user, show_id: int, seats: list[ShowSeat], own_held, now: datetime) -> None:
    """core.limits for reserving the locked `seats` (those in `own_held` are already counted, as held)."""
    statuses = reservation_payment_statuses(seats)
    own = {seat.number for seat in own_held}
    unpaid = [number for number, status in statuses.items() if status == Booking.PaymentStatus.UNPAID]
    limits.check_limits(user_id=user.pk, show_id=show_id, now=now,
                        adding_seats=len([n for n in unpaid if n not in own]), adding_unpaid=len(unpaid))


class _ShowNotForSale(Exception):
    """Internal: the fast path claimed a seat it may not book (the show is not on sale, or a limit of core.limits is
    reached); roll back, the general path says why."""


@functools.cache
def _claim_condition(vendor: str) -> precomposed.Condition:
    """The claim's "this seat can be sold now", generated once per process from core.sellable's ORM condition
    (not written out a second time, so the fast path cannot disagree with the querysets); `now` is bound per call."""
    return precomposed.condition(ShowSeat, lambda now: sellable_now(now=now))


_SAMPLE_TIMES = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2001, 1, 1, tzinfo=UTC))


@functools.cache
def _limits_query(vendor: str) -> precomposed.Query:
    """core.limits' rule (`within_limits`), compiled once per process from its queryset (composed into the
    INSERT), so the fast path cannot disagree with the general path about the limits."""
    names = ("user_id", "show_id", "seats_allowed", "unpaid_allowed")
    samples = tuple({**{name: 900_000_000 + 10 * run + i for i, name in enumerate(names)}, "now": _SAMPLE_TIMES[run]}
                    for run in (0, 1))
    return precomposed.query(lambda **values: limits.within_limits(**values), samples)


@functools.cache
def _fast_sql(vendor: str, extensions: tuple[signals.StatementExtension, ...], counted: bool = True) -> tuple[str, str]:
    """The fast path's two statements, composed once per process (and per set of `extensions` a booking wants, and
    per `counted`) from the models' metadata (common.precomposed).

    `counted`: the INSERT checks core.limits' counts. A booking that adds nothing to them (a free seat:
    `limits.adds_to_counts`) is not checked, as the general path does not check it; PostgreSQL then neither plans
    nor runs the three counts (about a third of a millisecond of its CPU per booking, planning most of it).

    Each of `extensions` (core.signals) adds a row of another app to the INSERT's statement (the reservation mail's
    outbox row, notifications.receivers), so that row costs no round trip of its own and exists exactly when the
    booking does. Only quoted identifiers go into the text; every value is a bound parameter.
    """
    q = precomposed.quote
    seat, booking, show = ShowSeat._meta, Booking._meta, Show._meta
    col = lambda meta, name: q(meta.get_field(name).column)  # noqa: E731
    # The account's row is locked first (core.limits: account, then seats, as every writer), in this same
    # statement: the claim costs no extra round trip, and the INSERT, a statement of its own, counts what the
    # account has after the lock (under READ COMMITTED each statement sees what committed before it started).
    # Taken on every claim, even for a seat that turns out free: its price is known only once it is claimed.
    claim = (
        f"WITH account AS ({limits.composed_account_lock(vendor).query.sql}) "  # nosec B608
        f"UPDATE {q(seat.db_table)} SET {col(seat, 'state')} = %s, {col(seat, 'hold')} = NULL, "  # nosec B608
        f"{col(seat, 'held_until')} = NULL "
        f"WHERE {col(seat, 'show')} = %s AND {col(seat, 'number')} = %s AND {_claim_condition(vendor).sql} "
        f"AND EXISTS (SELECT 1 FROM account) "
        f"RETURNING {col(seat, 'price')}, {col(seat, 'label')}"
    )
    columns, _ = precomposed.insert_columns_and_values(Booking(user_id=0, show_id=0, seat_number=1))
    placeholders = ", ".join(["%s"] * len(columns))
    screen, cinema, movie = Screen._meta, Cinema._meta, Movie._meta
    counts = f" AND EXISTS ({_limits_query(vendor).sql})" if counted else ""  # nosec B608 (the ORM's SQL, no input)
    insert = (
        f"WITH on_sale AS (SELECT 1 FROM {q(show.db_table)} WHERE {col(show, 'id')} = %s "  # nosec B608
        f"AND {col(show, 'status')} = %s AND {col(show, 'date_time')} > %s{counts}), "
        f"ins AS (INSERT INTO {q(booking.db_table)} ({', '.join(columns)}) SELECT {placeholders} FROM on_sale "
        f"RETURNING {col(booking, 'id')}) "
    )
    for extension in extensions:
        insert += f", {extension.cte(inserted='ins', booking_id=col(booking, 'id'))} "
    insert += (
        f"SELECT ins.{col(booking, 'id')}, {precomposed.select_columns(Show, 's')}, "  # nosec B608
        f"{precomposed.select_columns(Movie, 'm')}, "
        f"{precomposed.select_columns(Screen, 'sc', SCREEN_FIELDS_LEFT_OUT)}, "
        f"{precomposed.select_columns(Cinema, 'c')} "
        f"FROM ins JOIN {q(show.db_table)} s ON s.{col(show, 'id')} = %s "
        f"JOIN {q(movie.db_table)} m ON m.{col(movie, 'id')} = s.{col(show, 'movie')} "
        f"LEFT JOIN {q(screen.db_table)} sc ON sc.{col(screen, 'id')} = s.{col(show, 'screen')} "
        f"LEFT JOIN {q(cinema.db_table)} c ON c.{col(cinema, 'id')} = sc.{col(screen, 'cinema')}"
    )
    return claim, insert


def _book_free_seat(*, user, show_id: int, seat_number: int, now: datetime) -> Booking | None:
    """Book the seat if it is free (or its hold expired) and the show is on sale; None if the seat is not free.

    Call inside `locked_transaction()`. Raises `_ShowNotForSale` after claiming the seat of a show that is not
    on sale, so the caller's transaction rolls the claim back.
    """
    extensions = tuple(extension for extension in signals.statement_extensions() if extension.wanted(user=user))
    claim_sql = _fast_sql(connection.vendor, extensions)[0]
    with connection.cursor() as cursor:
        account = limits.composed_account_lock(connection.vendor).query.bind(user_id=user.pk)
        cursor.execute(claim_sql, [*account, ShowSeat.State.BOOKED, show_id, seat_number,
                                   *_claim_condition(connection.vendor).bind(now)])
        claimed = cursor.fetchone()
        if claimed is None:
            return None
        price, label = claimed
        # A reservation without an order (PaymentRequired rolls the claim back).
        booking = Booking(user=user, show_id=show_id, seat_number=seat_number, price=price,
                          payment_status=reservation_payment_status(price))
        booking.known_seat_label = label  # for the confirmation mail's ticket (tickets.selectors.seat_label)
        _, values = precomposed.insert_columns_and_values(booking)
        unpaid = int(booking.payment_status == Booking.PaymentStatus.UNPAID)
        counted = limits.adds_to_counts(adding_seats=unpaid, adding_unpaid=unpaid)
        insert_sql = _fast_sql(connection.vendor, extensions, counted)[1]
        within = _limits_query(connection.vendor).bind(
            user_id=user.pk, show_id=show_id, now=now,
            **limits.allowances(adding_seats=unpaid, adding_unpaid=unpaid)) if counted else []
        for extension in extensions:
            values += extension.params(user=user, booking=booking)
        try:
            cursor.execute(insert_sql, [show_id, Show.Status.SCHEDULED, now, *within, *values, show_id])
        except IntegrityError as exc:
            if not _is_active_seat_conflict(exc):
                raise
            logger.warning("Seat %s of show %s was double-booked past the lock; the constraint refused it.",
                           seat_number, show_id)
            raise SeatTaken() from exc
        row = cursor.fetchone()
    if row is None:
        raise _ShowNotForSale()  # or a limit of core.limits reached: the general path says which
    booking.pk = row[0]
    booking._state.adding, booking._state.db = False, connection.alias
    booking.show = _show_from_row(row[1:])
    return booking


def _show_from_row(row) -> Show:
    """The show with its movie, screen and cinema (as select_related gives them, the screen's layout deferred as
    every show read defers it) from the fast path's row."""
    counts = [precomposed.field_count(Show), precomposed.field_count(Movie),
              precomposed.field_count(Screen, SCREEN_FIELDS_LEFT_OUT), precomposed.field_count(Cinema)]
    parts, start = [], 0
    for count in counts:
        parts.append(row[start:start + count])
        start += count
    show = precomposed.instance_from_row(Show, parts[0])
    show.movie = precomposed.instance_from_row(Movie, parts[1])
    if show.screen_id is not None:
        screen = precomposed.instance_from_row(Screen, parts[2], SCREEN_FIELDS_LEFT_OUT)
        screen.cinema = precomposed.instance_from_row(Cinema, parts[3])
        show.screen = screen
    return show


def _book(*, user, show: Show, seats: list[ShowSeat], own_held: list[ShowSeat] = ()) -> list[Booking]:
    """Mark the locked seats booked and insert one booking per seat at the seat's price, in seat order.

    `own_held`: those of the seats in the user's own unexpired holds; the booking uses them up (a hold left empty
    is deleted). Call with the seats locked and checked bookable.
    """
    emptied = consume_own_hold_seats(own_held)
    set_state(seats, ShowSeat.State.BOOKED)
    # Only once the seat rows no longer point at those holds: a held seat must name its hold (core.models).
    delete_emptied_holds(emptied)
    return insert_bookings(user=user, show=show, seats=seats)


def reservation_payment_status(price) -> str:
    """The payment status of a seat reserved without an order at `price`: "free" at 0, "unpaid" (pay at the box
    office) otherwise, or PaymentRequired when ALLOW_UNPAID_RESERVATIONS is off and the seat has a price."""
    if price <= 0:
        return Booking.PaymentStatus.FREE
    if not settings.ALLOW_UNPAID_RESERVATIONS:
        raise PaymentRequired()
    return Booking.PaymentStatus.UNPAID


def reservation_payment_statuses(seats: list[ShowSeat], ticket_types: dict | None = None,
                                 prices: dict | None = None) -> dict[int, str]:
    """`reservation_payment_status` of each seat, by seat number (PaymentRequired if any seat needs paying), judged
    on what the seat costs as its ticket type (`ticket_types`: seat number -> type, Adult when absent; `prices`: the
    show's, needed for a type other than Adult): a child seat free where the adult one is not is free."""
    kinds = ticket_types or {}
    return {seat.number: reservation_payment_status(seat_price(seat, kinds.get(seat.number, ADULT), prices))
            for seat in seats}


def insert_bookings(*, user, show: Show, seats: list[ShowSeat], order=None, payment_status: str | None = None,
                    prices: dict | None = None, ticket_types: dict | None = None) -> list[Booking]:
    """Insert one booking per seat (ascending), each at the seat's current price for its ticket type
    (`ticket_types`: seat number -> type; Adult when absent). Call with the seats locked.

    With an `order`, the bookings are that order's, at the prices it sold them at (`prices`: seat number ->
    price), all with `payment_status`; without, they are reservations (free, or unpaid at the box office:
    `reservation_payment_statuses`).
    """
    kinds = ticket_types or {}
    statuses = ({seat.number: payment_status for seat in seats} if payment_status
                else reservation_payment_statuses(seats, kinds, show.prices))
    prices = prices or {}
    bookings = [Booking(user=user, show=show, seat_number=seat.number, order=order,
                        ticket_type=kinds.get(seat.number, ADULT),
                        price=prices[seat.number] if seat.number in prices
                        else seat_price(seat, kinds.get(seat.number, ADULT), show.prices),
                        payment_status=statuses[seat.number])
                for seat in sorted(seats, key=lambda s: s.number)]
    try:
        # One INSERT for all seats; ids come back through RETURNING (PostgreSQL, SQLite >= 3.35).
        created = Booking.objects.bulk_create(bookings)
        # The seats' labels ride along, so the tickets made from these bookings (the confirmation mail) need no
        # query per seat for them (tickets.selectors.seat_label).
        labels = {seat.number: seat.label for seat in seats}
        for booking in created:
            booking.known_seat_label = labels[booking.seat_number]
        return created
    except IntegrityError as exc:
        if not _is_active_seat_conflict(exc):
            raise
        # Unreachable while every writer decides from the locked seat rows. If it happens, something wrote a
        # booking past them: the constraint saved the seat, the client gets a clean 409, and we want to know.
        numbers = [b.seat_number for b in bookings]
        logger.warning("Seats %s of show %s were double-booked past the lock; the constraint refused it.",
                       numbers, show.pk)
        if len(numbers) == 1:
            raise SeatTaken() from exc
        raise SeatsUnavailable(numbers) from exc
