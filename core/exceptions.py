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


class SeatHeld(DomainError):
    """Single-seat booking of a seat in another user's unexpired hold."""

    status_code = 409
    code = "seat_held"
    message = "This seat is held by another customer."


class SeatsUnavailable(DomainError):
    """Some of the requested seats are booked or held by someone else; the body lists them in "seats"."""

    status_code = 409
    code = "seats_unavailable"
    message = "Some of the requested seats are not available; nothing was booked or held."

    def __init__(self, seats, message: str | None = None):
        super().__init__(message, extra={"seats": sorted(seats)})


class InvalidSeats(InvalidSeat):
    """Several seats requested, some outside the show: same code as the single-seat error, plus the seats."""

    message = "Some seat numbers are outside this show's seats."

    def __init__(self, seats, message: str | None = None):
        super().__init__(message, extra={"seats": sorted(seats)})


class InvalidSeatSelection(DomainError):
    """A list of seats that no show could satisfy: empty, repeated seats, or more than the limit.

    Shaped like a DRF validation error (code "invalid" and the field's messages) because, for a client, it is one.
    """

    status_code = 400
    code = "invalid"
    message = "Invalid input."
    EMPTY = "Choose at least one seat."
    DUPLICATES = "Each seat may be listed only once."
    TOO_MANY = "At most {limit} seats per request."

    def __init__(self, reason: str):
        super().__init__(extra={"seat_numbers": [reason]})


class HoldLimitReached(DomainError):
    """The user already holds so many seats of this show that the new hold would exceed the limit."""

    status_code = 409
    code = "hold_limit_reached"
    message = "You may hold at most {limit} seats of a show at a time."

    def __init__(self, limit: int):
        super().__init__(self.message.format(limit=limit), extra={"max_seats": limit})


class HoldNotFound(NotFound):
    # Also raised for someone else's hold, so its existence is not revealed.
    message = "Hold not found."


class HoldExpired(DomainError):
    status_code = 410
    code = "hold_expired"
    message = "This hold has expired; its seats were not booked."


class IdempotencyKeyInvalid(DomainError):
    status_code = 400
    code = "invalid_idempotency_key"
    message = "The Idempotency-Key header must be 1 to 255 characters."


class IdempotencyKeyReused(DomainError):
    status_code = 422
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was already used with a different request."


class RequestInProgress(DomainError):
    status_code = 409
    code = "request_in_progress"
    message = "A request with this Idempotency-Key is still being processed; retry shortly."


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

    # The same code and message as any request that meets an unreachable database (core.middleware).
    status_code = 503
    code = "unavailable"
    message = "The service is temporarily unavailable, please retry."


class InvalidRefreshToken(DomainError):
    status_code = 400
    code = "token_not_valid"
    message = "The refresh token is invalid, expired or already revoked."


# --- Orders and payments (orders/) ------------------------------------------------------------------------
class OrderNotFound(NotFound):
    # Also raised for someone else's order, so its existence is not revealed.
    message = "Order not found."


class PaymentMethodUnavailable(DomainError):
    status_code = 400
    code = "payment_method_unavailable"
    message = "This payment method is not available: the server has no Stripe key configured."


class PaymentRequired(DomainError):
    status_code = 409
    code = "payment_required"
    message = "These seats are sold only with payment: create an order (POST /orders/) from a hold."


class TicketPaymentRequired(PaymentRequired):
    message = "This ticket has not been paid yet: it admits once it is marked paid at the box office."


class AlreadyPaid(DomainError):
    status_code = 409
    code = "already_paid"
    message = "This order is already paid."


class OrderNotPending(DomainError):
    """Marking paid (or refreshing the payment of) an order that was cancelled."""

    status_code = 409
    code = "order_not_pending"
    message = "This order is no longer waiting for payment."


class OrderNotCancellable(DomainError):
    status_code = 409
    code = "order_not_cancellable"
    message = "This order is already cancelled or expired."


class OrderNotPaid(DomainError):
    status_code = 409
    code = "order_not_paid"
    message = "This order is not paid: its tickets are issued once it is."


class PaymentProviderError(DomainError):
    status_code = 502
    code = "payment_provider_error"
    message = "The payment provider could not be reached or refused the request; nothing was charged. Retry."


class InvalidWebhook(DomainError):
    status_code = 400
    code = "invalid_signature"
    message = "Missing or invalid webhook signature."


# --- Tickets and check-in (tickets/) ------------------------------------------------------------------------
class TicketNotFound(NotFound):
    message = "Unknown ticket code."


class AlreadyCheckedIn(DomainError):
    status_code = 409
    code = "already_checked_in"
    message = "This ticket was already checked in."

    def __init__(self, checked_in_at: str):
        super().__init__(extra={"checked_in_at": checked_in_at})


class TicketCancelled(DomainError):
    status_code = 409
    code = "ticket_cancelled"
    message = "This ticket was cancelled or refunded and admits nobody."


class WrongShow(DomainError):
    status_code = 409
    code = "wrong_show"
    message = "This ticket is for another show."

    def __init__(self, ticket_show_id: int):
        super().__init__(extra={"ticket_show_id": ticket_show_id})


class CheckinNotOpen(DomainError):
    status_code = 409
    code = "checkin_not_open"
    message = "Check-in for this show has not opened yet."

    def __init__(self, opens_at: str):
        super().__init__(extra={"opens_at": opens_at})


class CheckedInCannotCancel(DomainError):
    status_code = 409
    code = "already_checked_in"
    message = "A ticket that was checked in cannot be cancelled."
class ShowCancelled(DomainError):
    status_code = 409
    code = "show_cancelled"
    message = "This show has been cancelled."


class SeatBlocked(DomainError):
    """Single-seat booking or hold of a seat staff took out of sale."""

    status_code = 409
    code = "seat_blocked"
    message = "This seat is not on sale."


class InvalidDateTime(DomainError):
    status_code = 400
    code = "invalid_date_time"
    message = "A show cannot be scheduled in the past."


class ScreenBusy(DomainError):
    status_code = 409
    code = "screen_busy"
    message = "Another show is scheduled on this screen at that time (its duration plus cleaning time)."

    def __init__(self, show_ids, message: str | None = None):
        super().__init__(message, extra={"shows": sorted(show_ids)})


class ShowHasSales(DomainError):
    status_code = 409
    code = "show_has_sales"
    message = "This show has active bookings or holds: its movie and screen cannot change. Cancel it instead."


class ShowHasBookingHistory(ShowHasBookings):
    status_code = 409
    code = "show_has_bookings"
    message = "This show has bookings and cannot be deleted: cancel it instead (its bookings stay in the history)."


class ScreenNotFound(NotFound):
    message = "Screen not found."


class CinemaNotFound(NotFound):
    message = "Cinema not found."


class InvalidPrices(DomainError):
    """The prices do not match the categories of the show's seats; shaped like a validation error of "prices"."""

    status_code = 400
    code = "invalid"
    message = "Invalid input."
    MISSING = "A price is needed for every seat category of the screen; missing: {categories}."
    UNKNOWN = "The screen has no seats of category: {categories}."

    def __init__(self, reason: str):
        super().__init__(extra={"prices": [reason]})


class InvalidLayout(DomainError):
    """A screen layout that cannot be used; the message names the row and seat at fault."""

    status_code = 400
    code = "invalid"
    message = "Invalid input."

    def __init__(self, reason: str):
        super().__init__(extra={"layout": [reason]})


class ScreenNameTaken(DomainError):
    status_code = 400
    code = "screen_name_taken"
    message = "This cinema already has a screen with that name."


# --- Accounts (accounts.services) ---------------------------------------------------------------------------
class EmailTaken(DomainError):
    status_code = 400
    code = "email_taken"
    message = "A user with that e-mail address already exists."


class WrongPassword(DomainError):
    status_code = 400
    code = "wrong_password"
    message = "The current password is not correct."


class PasswordRejected(DomainError):
    """The new password fails the password validators; shaped like a validation error of `new_password`."""

    status_code = 400
    code = "invalid"
    message = "Invalid input."

    def __init__(self, messages: list[str]):
        super().__init__(extra={"new_password": list(messages)})


class InvalidResetToken(DomainError):
    status_code = 400
    code = "invalid_reset_token"
    message = "The password reset link is invalid or has expired."


class RefreshTokenNotValid(DomainError):
    """/token/refresh with a token that is malformed, expired, blacklisted, or from before token families."""

    status_code = 401
    code = "token_not_valid"
    message = "Token is invalid"


class NoActiveAccount(DomainError):
    status_code = 401
    code = "no_active_account"
    message = "No active account found for the given token."


class TokenRevoked(DomainError):
    """A token issued before a logout (everywhere), a password change or reset, or an account deletion."""

    status_code = 401
    code = "token_revoked"
    message = "This token has been revoked; log in again."


class TokenReused(DomainError):
    """An already-rotated refresh token was presented again: a copy exists, so its whole family is revoked."""

    status_code = 401
    code = "token_reused"
    message = "This refresh token was already used; every token of this login has been revoked. Log in again."


class InvalidCredentials(DomainError):
    # simplejwt's wording and code, as /login has always answered.
    status_code = 401
    code = "no_active_account"
    message = "No active account found with the given credentials"
