"""The base of every domain error, and the errors of the API plumbing (idempotent retries, locks, the database).

Each error carries a stable machine-readable `code`, the HTTP status it maps to, and a human message. The one
exception handler (`common.exception_handler`) turns them into `{"detail": ..., "code": ...}`. Messages are
constants so tests can assert them exactly; they are English, marked for translation (`_` is `gettext_noop`), and
`detail` is the message in the language the client asked for (common.i18n; `code` never changes). Each app keeps
its own errors in its `errors.py`; every code is listed once in `common.error_codes`.
"""
from django.utils.translation import gettext_noop as _

from common.i18n import translated


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


class Busy(DomainError):
    """The row lock could not be had in time: many people are booking this show right now."""

    status_code = 503
    code = "busy"
    message = _("Too many bookings for this show right now, please retry.")


class DatabaseUnavailable(DomainError):
    """The health check could not reach the database: the service cannot answer anything useful."""

    # The same code and message as any request that meets an unreachable database (common.middleware).
    status_code = 503
    code = "unavailable"
    message = _("The service is temporarily unavailable, please retry.")
