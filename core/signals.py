"""What the seat sale announces, for the layers above it to act on (docs/architecture.md, "Events").

The seat sale does not know that tickets are scanned, orders refunded or customers mailed: it announces what
happened, and the apps above subscribe in their `AppConfig.ready()`. Every signal here is sent INSIDE the
service's transaction, after the seat rows are locked and the change is written, so a receiver's writes commit or
roll back with the change itself, and a receiver may refuse the change by raising a domain error (the whole
transaction rolls back). A receiver must not do anything that cannot be undone (call a payment provider, send a
mail): it records the work (a refund row, an outbox row) and does it on commit (`transaction.on_commit`).

Receivers run in the order their apps are installed, lowest layer first (settings.INSTALLED_APPS): tickets,
then orders, then notifications, so a mail written last sees the refund that orders recorded.

The booking fast path writes its reservation in one SQL statement (core.services.booking); an app that must write
a row atomically with such a booking, without a round trip of its own, contributes a `StatementExtension`
(`register_statement_extension`) rather than writing the row in its receiver. The reservation mail's outbox row
is written this way (notifications.receivers).

An app that puts a condition on selling a show's seats (onsales: a pass from its waiting room) registers a
`SaleGate` (`register_sale_gate`); the seat sale asks it before holding or booking, outside any transaction.
"""
from typing import Protocol

from django.dispatch import Signal

# Reservations were made: `bookings` (one user, one show, seat order; bookings without an order: free, or to pay
# at the box office). `statement_rows`: True when the fast path's own INSERT already wrote the rows of the
# registered statement extensions for them, so a receiver only schedules what happens after the commit.
bookings_reserved = Signal()

# A customer cancelled `booking` (its status and seat are already written) at `now`. A receiver may refuse (raise),
# and may set `booking.refund` to the refund it recorded (core sets it to None first; the API shows it).
booking_cancelled = Signal()

# Staff are cancelling `show` at `now`: sent before core cancels the show's remaining bookings and releases its
# holds, so a receiver can settle what is its own first (orders: cancel each order and refund what was paid).
show_cancelling = Signal()

# Seats of `show_id` came back on sale: `seat_numbers` were just written free (a booking or order cancelled, a
# hold released or tidied after expiry, seats unblocked). Sent by `core.services.seats.set_state`, the one writer
# of a seat's return, so a new path that frees seats announces it too. Inside the transaction, the seats locked: a
# receiver that wants to act on the free seats (the waiting list offering them) does so after the commit, when the
# seats are visible to everyone and its own locks are taken afresh. Not sent for a cancelled show's seats.
seats_returned = Signal()

# `show` was cancelled; `bookings` were its active bookings (now cancelled), the customers to tell.
show_cancelled = Signal()

# `show` moved to a new start; `bookings` are its active bookings (still valid).
show_rescheduled = Signal()

# Unpaid reservations (`bookings`: one user, one show, seat order) are due for collection within
# RESERVATION_REMINDER_HOURS: tell the customer (core.services.reservations).
reservations_reminder_due = Signal()

# Unpaid reservations (`bookings`, now cancelled: one user, one show) were not collected by their deadline
# (core.reservations.collect_by) and their seats were released.
reservations_released = Signal()


class StatementExtension(Protocol):
    """A row another app writes in the fast path's booking statement, so it exists exactly when the booking does.

    The seat sale knows nothing of the row: it appends `cte(...)` to its `WITH` and binds `params(...)`, in the
    order the extensions were registered.
    """

    def wanted(self, *, user) -> bool:
        """Whether this booking needs the row (e.g. only a customer with an e-mail address gets a mail)."""

    def cte(self, *, inserted: str, booking_id: str) -> str:
        """One `name AS (INSERT ... SELECT ... FROM <inserted>)` item of a WITH clause, composed once per process:
        `inserted` is the CTE of the new booking row and `booking_id` its id column (quoted). Values are `%s`
        placeholders, bound by `params`."""

    def params(self, *, user, booking) -> list:
        """The values of the placeholders of `cte`, for this booking (not yet saved: it has no id)."""


_statement_extensions: list[StatementExtension] = []


def register_statement_extension(extension: StatementExtension) -> None:
    """Add `extension` to the fast path's booking statement (call from an AppConfig.ready(); idempotent)."""
    if extension not in _statement_extensions:
        _statement_extensions.append(extension)


def statement_extensions() -> tuple[StatementExtension, ...]:
    return tuple(_statement_extensions)


class SaleGate(Protocol):
    """A condition a higher app puts on selling a show's seats (e.g. onsales: a pass from its waiting room).

    The seat sale asks every registered gate before it holds or books a seat of `show_id` for `user`; a gate that
    refuses raises a domain error and nothing is written. `queue_pass` is whatever pass the request carried (the
    API's `Queue-Pass` header, the web's cookie), or None. The gate is asked before every booking, so it must be
    cheap for a show it does not concern (no round trip per booking on that path; an occasional refresh of what
    it knows is fine).
    """

    def check(self, *, user, show_id: int, queue_pass: str | None, now) -> None:
        """Return if `user` may hold or book seats of `show_id` at `now`; raise a DomainError otherwise."""


_sale_gates: list[SaleGate] = []


def register_sale_gate(gate: SaleGate) -> None:
    """Add `gate` to the checks before holding or booking (call from an AppConfig.ready(); idempotent)."""
    if gate not in _sale_gates:
        _sale_gates.append(gate)


def sale_gates() -> tuple[SaleGate, ...]:
    return tuple(_sale_gates)
