"""Domain errors raised by the services.

Each error carries a stable machine-readable `code`, the HTTP status it maps to, and a human message. The one
exception handler (`core.exception_handler`) turns them into `{"detail": ..., "code": ...}`. Messages are
constants so tests can assert them exactly; they are English, marked for translation (`_` is `gettext_noop`), and
`detail` is the message in the language the client asked for (core.i18n; `code` never changes).
"""
from django.utils.translation import gettext_noop as _

from core.i18n import translated


class DomainError(Exception):
    status_code = 400
    code = "invalid"
    message = _("Invalid request.")

    def __init__(self, message: str | None = None, *, extra: dict | None = None, params: dict | None = None):
        # The English template and its `{placeholders}`; `message` is the English text, `detail` the translation.
        self._template = message or self.message
        self._params = params or {}
        self.message = self._template.format(**self._params) if self._params else self._template
        # Extra JSON fields for the response body (e.g. the seats that were unavailable).
        self.extra = extra or {}
        super().__init__(self.message)

    @property
    def detail(self) -> str:
        """The message in the active language (the request's): what the client reads."""
        return translated(self._template, **self._params)


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    message = _("Not found.")


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


class HoldNotFound(NotFound):
    # Also raised for someone else's hold, so its existence is not revealed.
    message = _("Hold not found.")


class HoldExpired(DomainError):
    status_code = 410
    code = "hold_expired"
    message = _("This hold has expired; its seats were not booked.")


class IdempotencyKeyInvalid(DomainError):
    status_code = 400
    code = "invalid_idempotency_key"
    message = _("The Idempotency-Key header must be 1 to 255 characters.")


class IdempotencyKeyReused(DomainError):
    status_code = 422
    code = "idempotency_key_reused"
    message = _("This Idempotency-Key was already used with a different request.")


class RequestInProgress(DomainError):
    status_code = 409
    code = "request_in_progress"
    message = _("A request with this Idempotency-Key is still being processed; retry shortly.")


class AlreadyCancelled(DomainError):
    status_code = 409
    code = "already_cancelled"
    message = _("This booking is already cancelled.")


class UsernameTaken(DomainError):
    status_code = 400
    code = "username_taken"
    message = _("A user with that username already exists.")


class ShowHasBookings(DomainError):
    status_code = 409
    code = "show_has_bookings"
    message = _("Seats that are booked cannot be removed from the show.")


class Busy(DomainError):
    """The row lock could not be had in time: many people are booking this show right now."""

    status_code = 503
    code = "busy"
    message = _("Too many bookings for this show right now, please retry.")


class DatabaseUnavailable(DomainError):
    """The health check could not reach the database: the service cannot answer anything useful."""

    # The same code and message as any request that meets an unreachable database (core.middleware).
    status_code = 503
    code = "unavailable"
    message = _("The service is temporarily unavailable, please retry.")


class InvalidRefreshToken(DomainError):
    status_code = 400
    code = "token_not_valid"
    message = _("The refresh token is invalid, expired or already revoked.")


# --- Orders and payments (orders/) ------------------------------------------------------------------------
class OrderNotFound(NotFound):
    # Also raised for someone else's order, so its existence is not revealed.
    message = _("Order not found.")


class PaymentMethodUnavailable(DomainError):
    status_code = 400
    code = "payment_method_unavailable"
    message = _("This payment method is not available: the server has no Stripe key configured.")


class PaymentRequired(DomainError):
    status_code = 409
    code = "payment_required"
    message = _("These seats are sold only with payment: create an order (POST /orders/) from a hold.")


class TicketPaymentRequired(PaymentRequired):
    message = _("This ticket has not been paid yet: it admits once it is marked paid at the box office.")


class AlreadyPaid(DomainError):
    status_code = 409
    code = "already_paid"
    message = _("This order is already paid.")


class OrderNotPending(DomainError):
    """Marking paid (or refreshing the payment of) an order that was cancelled."""

    status_code = 409
    code = "order_not_pending"
    message = _("This order is no longer waiting for payment.")


class OrderNotCancellable(DomainError):
    status_code = 409
    code = "order_not_cancellable"
    message = _("This order is already cancelled or expired.")


class OrderNotPaid(DomainError):
    status_code = 409
    code = "order_not_paid"
    message = _("This order is not paid: its tickets are issued once it is.")


class PaymentProviderError(DomainError):
    status_code = 502
    code = "payment_provider_error"
    message = _("The payment provider could not be reached or refused the request; nothing was charged. Retry.")


class PaymentDeclined(DomainError):
    """The card was declined. The order is still pending (its seats kept until it expires): the customer may try
    another card, as after a decline in Stripe.js."""

    status_code = 402
    code = "payment_declined"
    message = _("Your card was declined; nothing was charged. Try another card before the order expires.")


class InvalidWebhook(DomainError):
    status_code = 400
    code = "invalid_signature"
    message = _("Missing or invalid webhook signature.")


# --- Tickets and check-in (tickets/) ------------------------------------------------------------------------
class TicketNotFound(NotFound):
    message = _("Unknown ticket code.")


class AlreadyCheckedIn(DomainError):
    status_code = 409
    code = "already_checked_in"
    message = _("This ticket was already checked in.")

    def __init__(self, checked_in_at: str):
        super().__init__(extra={"checked_in_at": checked_in_at})


class TicketCancelled(DomainError):
    status_code = 409
    code = "ticket_cancelled"
    message = _("This ticket was cancelled or refunded and admits nobody.")


class WrongShow(DomainError):
    status_code = 409
    code = "wrong_show"
    message = _("This ticket is for another show.")

    def __init__(self, ticket_show_id: int):
        super().__init__(extra={"ticket_show_id": ticket_show_id})


class CheckinNotOpen(DomainError):
    status_code = 409
    code = "checkin_not_open"
    message = _("Check-in for this show has not opened yet.")

    def __init__(self, opens_at: str):
        super().__init__(extra={"opens_at": opens_at})


class CheckedInCannotCancel(DomainError):
    status_code = 409
    code = "already_checked_in"
    message = _("A ticket that was checked in cannot be cancelled.")
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

    def __init__(self, show_ids, message: str | None = None):
        super().__init__(message, extra={"shows": sorted(show_ids)})


class ShowHasSales(DomainError):
    status_code = 409
    code = "show_has_sales"
    message = _("This show has active bookings or holds: its movie and screen cannot change. Cancel it instead.")


class ShowHasBookingHistory(ShowHasBookings):
    status_code = 409
    code = "show_has_bookings"
    message = _("This show has bookings and cannot be deleted: cancel it instead (its bookings stay in the history).")


class ScreenNotFound(NotFound):
    message = _("Screen not found.")


class CinemaNotFound(NotFound):
    message = _("Cinema not found.")


class InvalidPrices(DomainError):
    """The prices do not match the categories of the show's seats; shaped like a validation error of "prices"."""

    status_code = 400
    code = "invalid"
    message = _("Invalid input.")
    MISSING = _("A price is needed for every seat category of the screen; missing: {categories}.")
    UNKNOWN = _("The screen has no seats of category: {categories}.")

    def __init__(self, reason: str, **params):
        super().__init__(extra={"prices": [translated(reason, **params)]})


class InvalidLayout(DomainError):
    """A screen layout that cannot be used; the message names the row and seat at fault."""

    status_code = 400
    code = "invalid"
    message = _("Invalid input.")

    def __init__(self, reason: str):
        super().__init__(extra={"layout": [reason]})


class ScreenNameTaken(DomainError):
    status_code = 400
    code = "screen_name_taken"
    message = _("This cinema already has a screen with that name.")


# --- Accounts (accounts.services) ---------------------------------------------------------------------------
class EmailTaken(DomainError):
    status_code = 400
    code = "email_taken"
    message = _("A user with that e-mail address already exists.")


class WrongPassword(DomainError):
    status_code = 400
    code = "wrong_password"
    message = _("The current password is not correct.")


class PasswordRejected(DomainError):
    """The new password fails the password validators; shaped like a validation error of `new_password`."""

    status_code = 400
    code = "invalid"
    message = _("Invalid input.")

    def __init__(self, messages: list[str]):
        super().__init__(extra={"new_password": list(messages)})


class InvalidResetToken(DomainError):
    status_code = 400
    code = "invalid_reset_token"
    message = _("The password reset link is invalid or has expired.")


class RefreshTokenNotValid(DomainError):
    """/token/refresh with a token that is malformed, expired, blacklisted, or from before token families."""

    status_code = 401
    code = "token_not_valid"
    message = _("Token is invalid")


class NoActiveAccount(DomainError):
    status_code = 401
    code = "no_active_account"
    message = _("No active account found for the given token.")


class TokenRevoked(DomainError):
    """A token issued before a logout (everywhere), a password change or reset, or an account deletion."""

    status_code = 401
    code = "token_revoked"
    message = _("This token has been revoked; log in again.")


class TokenReused(DomainError):
    """An already-rotated refresh token was presented again: a copy exists, so its whole family is revoked."""

    status_code = 401
    code = "token_reused"
    message = _("This refresh token was already used; every token of this login has been revoked. Log in again.")


class InvalidCredentials(DomainError):
    # simplejwt's wording and code, as /login has always answered.
    status_code = 401
    code = "no_active_account"
    message = _("No active account found with the given credentials")
