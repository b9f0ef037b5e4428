"""Every error `code` the API can answer, with its HTTP status and when it happens: the one list.

The API description (common.schema) documents each operation's error responses from this list, and docs/api.md's
error table must list exactly these rows (tests/project/test_error_codes.py compares both ways, and checks that
every code raised anywhere in the apps is here). A new error code is one line here, one row in docs/api.md.

Codes come from our domain errors (core.errors), from DRF and simplejwt (kept as they answer them), and from
the Django-level handlers and middleware (common.exception_handler, common.middleware).
"""
from typing import NamedTuple


class ApiError(NamedTuple):
    status: int
    code: str
    when: str


ERRORS: tuple[ApiError, ...] = (
    ApiError(400, "invalid", "a field is missing or malformed (per-field messages included); an empty, repeated "
                             "or too long seat list; a wrong seat layout; prices that do not match the screen's "
                             "categories; a catalogue filter that cannot be parsed; a name or title with a "
                             "control character (the field named)"),
    ApiError(400, "poster_not_an_image", "a poster upload that is not a JPEG, PNG or WebP image (or cannot be read)"),
    ApiError(400, "poster_too_large", "a poster upload over POSTER_MAX_BYTES (5 MiB) or POSTER_MAX_PIXELS (40 "
                                      "megapixels)"),
    ApiError(400, "invalid_date_time", "creating or rescheduling a show into the past"),
    ApiError(400, "screen_name_taken", "the cinema already has a screen with that name"),
    ApiError(400, "ticket_type_code_taken", "the cinema already has a ticket type with that code"),
    ApiError(400, "invalid_voucher", "a promo code that cannot be used: \"reason\" is unknown (or deactivated), "
                                     "not_yet_valid, expired or not_valid_for_these_seats"),
    ApiError(400, "voucher_code_taken", "creating a voucher whose code another voucher has (codes are "
                                        "case-insensitive)"),
    ApiError(400, "invalid_seat", "a seat number outside the show's seats (for a list, \"seats\" lists them)"),
    ApiError(400, "invalid_ticket_type", "holding a seat as a ticket type the show does not offer for its category "
                                         "(\"ticket_type\" and \"seats\" name them)"),
    ApiError(400, "show_started", "booking, holding or cancelling after the show started (or after the "
                                  "cancellation cut-off)"),
    ApiError(400, "invalid_category", "a waiting list's `category` that none of the show's seats has"),
    ApiError(400, "username_taken", "signup with an existing username (case-insensitive)"),
    ApiError(400, "email_taken", "signup or an e-mail change with an address another account has"),
    ApiError(400, "wrong_password", "a password change whose `old_password` is wrong"),
    ApiError(400, "invalid_reset_token", "a password reset whose uid and token are wrong, used or expired"),
    ApiError(400, "invalid_report_parameter", "a sales report's `from` or `to` that is not a YYYY-MM-DD date, a "
                                              "`to` before `from`, or a `movie` or `cinema` that is not an id "
                                              "(the parameter's name is the key)"),
    ApiError(400, "report_period_too_long", "a sales report over more than 366 days (`to` names the limit)"),
    ApiError(400, "parse_error", "the body is not valid JSON (or not UTF-8, or holds NaN, Infinity, a number "
                                 "too long to convert or a lone surrogate)"),
    ApiError(400, "too_many_items", "a JSON array longer than REQUEST_MAX_LIST_ITEMS (100)"),
    ApiError(400, "too_deep", "JSON nested deeper than REQUEST_MAX_JSON_DEPTH (10)"),
    ApiError(400, "invalid_idempotency_key", "an Idempotency-Key that is empty or longer than 255 characters"),
    ApiError(400, "token_not_valid", "/logout with a refresh token that is invalid, expired, revoked or not "
                                     "yours"),
    ApiError(400, "payment_method_unavailable", "payment_method \"stripe\" while no STRIPE_SECRET_KEY is "
                                                "configured"),
    ApiError(400, "invalid_signature", "a Stripe webhook without a valid Stripe-Signature (nothing changes)"),
    ApiError(400, "bad_request", "a request Django refuses before the API sees it (e.g. a bad Host header or "
                                 "Content-Length)"),
    ApiError(401, "not_authenticated", "no Authorization header on an operation that needs a token"),
    ApiError(401, "bad_authorization_header", "an Authorization header that is not `Bearer <access token>`"),
    ApiError(401, "token_not_valid", "an access or refresh token that is malformed, expired or revoked"),
    ApiError(401, "token_revoked", "a token revoked by logout everywhere, a password change or an account "
                                   "deletion"),
    ApiError(401, "token_reused", "a refresh token presented a second time: every token of its login is revoked"),
    ApiError(401, "user_not_found", "the token's user no longer exists"),
    ApiError(401, "user_inactive", "the token's user was deactivated"),
    ApiError(401, "password_changed", "the user's password changed after the token was issued"),
    ApiError(401, "no_active_account", "/login with wrong credentials; /token/refresh for a deleted user"),
    ApiError(403, "permission_denied", "the caller lacks the role the operation needs (docs/roles.md), e.g. a "
                                      "customer creating a movie"),
    ApiError(403, "refund_above_limit", "a counter refund (box office) of more than BOX_OFFICE_REFUND_LIMIT: a "
                                        "manager's job (\"limit\" in the body)"),
    ApiError(404, "not_found", "unknown show, movie, booking, hold or path — and someone else's booking or hold"),
    ApiError(405, "method_not_allowed", "an HTTP method the path does not answer"),
    ApiError(409, "seat_taken", "the seat has an active booking"),
    ApiError(409, "seat_held", "the seat (`seat_number`) is in another customer's unexpired hold"),
    ApiError(409, "ticket_type_not_allowed", "holding a ticket type whose max_age is below the minimum age of the "
                                             "movie's certificate (\"certificate\", \"min_age\", \"ticket_type\")"),
    ApiError(409, "seats_unavailable", "some of `seat_numbers` are booked or held by someone else; \"seats\" "
                                       "lists them; nothing was written"),
    ApiError(409, "seats_available", "joining a show's waiting list while it (or the `category` asked for) still "
                                     "has the seats asked for on sale: book them instead"),
    ApiError(409, "waitlist_closed", "joining a waiting list that staff closed (or whose show was cancelled)"),
    ApiError(409, "already_on_waitlist", "joining a show's waiting list you are already waiting on (or have an "
                                         "offer from)"),
    ApiError(409, "voucher_used_up", "a promo code with fewer uses left than the seats it would discount (a use "
                                     "is a seat); \"uses_left\" and \"limit\" (overall or per_account) say which"),
    ApiError(409, "seat_blocked", "the seat (`seat_number`) was taken out of sale by staff"),
    ApiError(409, "show_cancelled", "booking, holding or changing a cancelled show"),
    ApiError(409, "screen_busy", "the show would overlap another on the same screen (movie duration + "
                                 "CLEANING_MINUTES); \"shows\" lists them"),
    ApiError(409, "show_has_sales", "changing the movie of a show that has active bookings or holds"),
    ApiError(409, "already_cancelled", "cancelling a cancelled booking"),
    ApiError(409, "hold_limit_reached", "holding more than MAX_SEATS_PER_BOOKING seats of one show at a time "
                                        "(\"max_seats\" in the body)"),
    ApiError(409, "onsale_closed", "joining the waiting line of an on-sale that is disabled or closed (its shows "
                                   "sell without a queue)"),
    ApiError(409, "seat_limit_reached", "the account would have more than MAX_SEATS_PER_CUSTOMER_PER_SHOW seats of "
                                        "the show held or reserved unpaid, or more than "
                                        "MAX_UNPAID_RESERVATIONS_PER_ACCOUNT unpaid reservations open (\"limit\" "
                                        "and \"limit_name\" in the body)"),
    ApiError(409, "refund_not_to_pay_out", "(admin) marking a refund paid out at the counter that is not cash "
                                           "waiting there"),
    ApiError(409, "card_attempts_exhausted", "paying by card an order that had MAX_CARD_DECLINES_PER_ORDER cards "
                                             "declined; it takes no more cards"),
    ApiError(409, "request_in_progress", "the first request with this Idempotency-Key is still running"),
    ApiError(409, "show_has_bookings", "deleting a show that has bookings (cancel it instead); (admin) lowering a "
                                       "show's seats below a booked or held seat"),
    ApiError(409, "payment_required", "direct booking of a priced seat with ALLOW_UNPAID_RESERVATIONS=0; check-in "
                                      "of an unpaid reservation"),
    ApiError(409, "already_paid", "marking a paid order paid"),
    ApiError(409, "order_not_pending", "marking a cancelled order paid"),
    ApiError(409, "order_not_cancellable", "cancelling an order that is already cancelled or expired"),
    ApiError(409, "order_not_paid", "the PDF tickets of an order that is not paid"),
    ApiError(409, "already_checked_in", "the ticket was already admitted (checked_in_at: the first time); "
                                        "cancelling a checked-in ticket"),
    ApiError(409, "ticket_cancelled", "check-in of a cancelled or refunded ticket"),
    ApiError(409, "wrong_show", "check-in of a ticket for another show than show_id (ticket_show_id in the body)"),
    ApiError(409, "checkin_not_open", "check-in more than CHECKIN_OPENS_MINUTES before the show (opens_at in the "
                                      "body)"),
    ApiError(410, "hold_expired", "confirming a hold, or ordering from it, after it expired; nothing is booked"),
    ApiError(402, "payment_declined", "the card was declined (the web checkout's card payment); the order stays "
                                      "pending"),
    ApiError(413, "too_large", "a body over REQUEST_MAX_BYTES (64 KiB)"),
    ApiError(415, "unsupported_media_type", "a body that is not application/json"),
    ApiError(422, "idempotency_key_reused", "the Idempotency-Key was already used with a different request"),
    ApiError(429, "throttled", "too many requests; retry after Retry-After seconds"),
    ApiError(429, "queue_required", "holding or booking a seat of an on-sale's show without a valid Queue-Pass "
                                    "(missing, forged, expired, another account's or another on-sale's); "
                                    "\"onsale\" and \"queue_url\" say where to queue"),
    ApiError(500, "server_error", "a bug: the traceback goes to the server log only"),
    ApiError(502, "payment_provider_error", "the payment provider could not be reached; retry"),
    ApiError(503, "busy", "the show's lock could not be had within BOOKING_LOCK_TIMEOUT_MS; retry after "
                          "Retry-After seconds"),
    ApiError(503, "queue_unavailable", "the waiting room's Redis cannot be reached; retry"),
    ApiError(503, "overloaded", "the server already has as many requests in hand as it can serve promptly (or this "
                                "one waited too long in the proxy's queue); nothing was done, retry after "
                                "Retry-After seconds"),
    ApiError(503, "unavailable", "the database cannot be reached; retry after Retry-After seconds (nothing was "
                                 "written)"),
)

BY_CODE: dict[str, list[ApiError]] = {}
for _error in ERRORS:
    BY_CODE.setdefault(_error.code, []).append(_error)


def lookup(code: str, status: int | None = None) -> ApiError:
    """The entry for `code` (at `status`, for the codes answered with more than one status)."""
    entries = BY_CODE.get(code)
    if not entries:
        raise KeyError(f"unknown error code {code!r}: add it to common/error_codes.py (and docs/api.md's error table)")
    if status is None:
        if len(entries) > 1:
            raise KeyError(f"error code {code!r} has several statuses {[e.status for e in entries]}: give one")
        return entries[0]
    for entry in entries:
        if entry.status == status:
            return entry
    raise KeyError(f"error code {code!r} is not answered with status {status}")
