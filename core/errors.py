"""The errors of the catalogue and the seat sale: movies, shows, seats, holds, bookings (see common.errors)."""
from django.utils.translation import gettext_noop as _

from common.errors import DomainError, NotFound
from common.i18n import translated


class ShowNotFound(NotFound):
    message = _("Show not found.")


class MovieNotFound(NotFound):
    message = _("Movie not found.")


class BookingNotFound(NotFound):
    # Also raised for someone else's booking, so its existence is not revealed.
    message = _("Booking not found.")


class InvalidSeat(DomainError):
    status_code = 400
    code = "invalid_seat"
    message = _("Seat number is outside this show's seats.")


class ShowStarted(DomainError):
    status_code = 400
    code = "show_started"
    message = _("This show has already started.")


class CancellationClosed(ShowStarted):
    # Same code as ShowStarted: for a client it is the same situation (too late), the message says why.
    message = _("Cancellation is closed for this show.")


class SeatTaken(DomainError):
    status_code = 409
    code = "seat_taken"
    message = _("This seat is already booked.")


class SeatHeld(DomainError):
    """Single-seat booking of a seat in another user's unexpired hold."""

    status_code = 409
    code = "seat_held"
    message = _("This seat is held by another customer.")


class SeatsUnavailable(DomainError):
    """Some of the requested seats are booked or held by someone else; the body lists them in "seats"."""

    status_code = 409
    code = "seats_unavailable"
    message = _("Some of the requested seats are not available; nothing was booked or held.")

    def __init__(self, seats, message: str | None = None):
        super().__init__(message, extra={"seats": sorted(seats)})


class InvalidSeats(InvalidSeat):
    """Several seats requested, some outside the show: same code as the single-seat error, plus the seats."""

    message = _("Some seat numbers are outside this show's seats.")

    def __init__(self, seats, message: str | None = None):
        super().__init__(message, extra={"seats": sorted(seats)})


class InvalidSeatSelection(DomainError):
    """A list of seats that no show could satisfy: empty, repeated seats, or more than the limit.

    Shaped like a DRF validation error (code "invalid" and the field's messages) because, for a client, it is one.
    """

    status_code = 400
    code = "invalid"
    message = _("Invalid input.")
    EMPTY = _("Choose at least one seat.")
    DUPLICATES = _("Each seat may be listed only once.")
    TOO_MANY = _("At most {limit} seats per request.")

    def __init__(self, reason: str, **params):
        # Translated when raised, in the request's language, like DRF's own field messages.
        super().__init__(extra={"seat_numbers": [translated(reason, **params)]})


class HoldLimitReached(DomainError):
    """The user already holds so many seats of this show that the new hold would exceed the limit."""

    status_code = 409
    code = "hold_limit_reached"
    message = _("You may hold at most {limit} seats of a show at a time.")

    def __init__(self, limit: int):
        super().__init__(params={"limit": limit}, extra={"max_seats": limit})


class SeatLimitReached(DomainError):
    """The account would have more seats of the show held or reserved unpaid, or more unpaid reservations open,
    than the settings allow (core.limits)."""

    status_code = 409
    code = "seat_limit_reached"
    PER_SHOW = _("You may have at most {limit} seats of a show held or reserved unpaid at a time.")
    PER_ACCOUNT = _("You may have at most {limit} unpaid reservations open at a time; pay or cancel one first.")
    message = PER_SHOW

    def __init__(self, *, limit: int, per_account: bool):
        super().__init__(self.PER_ACCOUNT if per_account else self.PER_SHOW, params={"limit": limit},
                         extra={"limit": limit, "limit_name": "MAX_UNPAID_RESERVATIONS_PER_ACCOUNT" if per_account
                                else "MAX_SEATS_PER_CUSTOMER_PER_SHOW"})


class HoldNotFound(NotFound):
    # Also raised for someone else's hold, so its existence is not revealed.
    message = _("Hold not found.")


class HoldExpired(DomainError):
    status_code = 410
    code = "hold_expired"
    message = _("This hold has expired; its seats were not booked.")


class AlreadyCancelled(DomainError):
    status_code = 409
    code = "already_cancelled"
    message = _("This booking is already cancelled.")


class ShowHasBookings(DomainError):
    status_code = 409
    code = "show_has_bookings"
    message = _("Seats that are booked cannot be removed from the show.")


class PaymentRequired(DomainError):
    status_code = 409
    code = "payment_required"
    message = _("These seats are sold only with payment: create an order (POST /orders/) from a hold.")


class ShowCancelled(DomainError):
    status_code = 409
    code = "show_cancelled"
    message = _("This show has been cancelled.")


class SeatBlocked(DomainError):
    """Single-seat booking or hold of a seat staff took out of sale."""

    status_code = 409
    code = "seat_blocked"
    message = _("This seat is not on sale.")


class InvalidDateTime(DomainError):
    status_code = 400
    code = "invalid_date_time"
    message = _("A show cannot be scheduled in the past.")


class ScreenBusy(DomainError):
    status_code = 409
    code = "screen_busy"
    message = _("Another show is scheduled on this screen at that time (its duration plus cleaning time).")

    def __init__(self, show_ids, message: str | None = None, *, clashes: list | None = None):
        # `clashes`: for a schedule of many shows, each new show that cannot be, and what it overlaps.
        extra = {"shows": sorted(set(show_ids))}
        if clashes is not None:
            extra["clashes"] = clashes
        super().__init__(message, extra=extra)


class ShowHasSales(DomainError):
    status_code = 409
    code = "show_has_sales"
    message = _("This show has active bookings or holds: its movie and screen cannot change. Cancel it instead.")


class ShowHasBookingHistory(ShowHasBookings):
    status_code = 409
    code = "show_has_bookings"
    message = _("This show has bookings and cannot be deleted: cancel it instead (its bookings stay in the history).")


class InvalidPrices(DomainError):
    """The prices do not match the categories of the show's seats; shaped like a validation error of "prices"."""

    status_code = 400
    code = "invalid"
    message = _("Invalid input.")
    MISSING = _("A price is needed for every seat category of the screen; missing: {categories}.")
    UNKNOWN = _("The screen has no seats of category: {categories}.")
    UNKNOWN_TYPES = _("The cinema has no ticket type: {types}.")
    NO_ADULT = _("Every seat category needs an adult price; missing in: {categories}.")

    def __init__(self, reason: str, **params):
        super().__init__(extra={"prices": [translated(reason, **params)]})


class InvalidTicketType(DomainError):
    """A ticket type the show does not offer for a seat's category; "seats" lists those seats."""

    status_code = 400
    code = "invalid_ticket_type"
    message = _("Ticket type \"{ticket_type}\" is not offered for some of these seats.")

    def __init__(self, ticket_type: str, seats):
        super().__init__(params={"ticket_type": ticket_type},
                         extra={"ticket_type": ticket_type, "seats": sorted(seats)})


class TicketTypeNotAllowed(DomainError):
    """The movie's certificate refuses a ticket type: its maximum age is below the certificate's minimum age."""

    status_code = 409
    code = "ticket_type_not_allowed"
    message = _("This film is rated {certificate}: \"{ticket_type}\" tickets cannot be sold for it.")

    def __init__(self, ticket_type: str, certificate: str, min_age: int):
        super().__init__(params={"ticket_type": ticket_type, "certificate": certificate},
                         extra={"ticket_type": ticket_type, "certificate": certificate, "min_age": min_age})
