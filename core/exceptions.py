"""Domain errors raised by the services.

Each error carries a stable machine-readable `code`, the HTTP status it maps to, and a human message. The one
exception handler (`core.exception_handler`) turns them into `{"detail": ..., "code": ...}`. Messages are
constants so tests can assert them exactly.
"""


class DomainError(Exception):
    status_code = 400
    code = "invalid"
    message = "Invalid request."

    def __init__(self, message: str | None = None, *, extra: dict | None = None):
        self.message = message or self.message
        # Extra JSON fields for the response body (e.g. the seats that were unavailable).
        self.extra = extra or {}
        super().__init__(self.message)


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    message = "Not found."


class ShowNotFound(NotFound):
    message = "Show not found."


class MovieNotFound(NotFound):
    message = "Movie not found."


class BookingNotFound(NotFound):
    # Also raised for someone else's booking, so its existence is not revealed.
    message = "Booking not found."


class InvalidSeat(DomainError):
    status_code = 400
    code = "invalid_seat"
    message = "Seat number is outside this show's seats."


class ShowStarted(DomainError):
    status_code = 400
    code = "show_started"
    message = "This show has already started."


class CancellationClosed(ShowStarted):
    # Same code as ShowStarted: for a client it is the same situation (too late), the message says why.
    message = "Cancellation is closed for this show."


class SeatTaken(DomainError):
    status_code = 409
    code = "seat_taken"
    message = "This seat is already booked."


class AlreadyCancelled(DomainError):
    status_code = 409
    code = "already_cancelled"
    message = "This booking is already cancelled."


class UsernameTaken(DomainError):
    status_code = 400
    code = "username_taken"
    message = "A user with that username already exists."


class ShowHasBookings(DomainError):
    status_code = 409
    code = "show_has_bookings"
    message = "Seats that are booked cannot be removed from the show."


class Busy(DomainError):
    """The row lock could not be had in time: many people are booking this show right now."""

    status_code = 503
    code = "busy"
    message = "Too many bookings for this show right now, please retry."


class DatabaseUnavailable(DomainError):
    """The health check could not reach the database: the service cannot answer anything useful."""

    status_code = 503
    code = "database_unavailable"
    message = "The database is unavailable."


class InvalidRefreshToken(DomainError):
    status_code = 400
    code = "token_not_valid"
    message = "The refresh token is invalid, expired or already revoked."
