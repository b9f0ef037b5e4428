"""Request-wide middleware: request ids for the logs, the request size limit, "database unavailable", and JSON
instead of Django's HTML debug pages.

All four are outside DRF on purpose: they must hold for every path (the admin, the schema, unknown URLs),
not only for API views.
"""
import contextvars
import logging
import re
import uuid

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
# A client's (or proxy's) request id is kept only if it is short and plain, so it cannot inject into the logs.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

_current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

UNAVAILABLE_BODY = {"detail": _("The service is temporarily unavailable, please retry."), "code": "unavailable"}
TOO_LARGE_BODY = {"detail": _("Request body is too large."), "code": "too_large"}


def current_request_id() -> str:
    return _current_request_id.get()


class RequestIdLogFilter(logging.Filter):
    """Adds `request_id` to every log record (`-` outside a request)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            # django.request logs a failed response after the middleware chain has returned (so after the
            # context below was reset), but passes the request along.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or _current_request_id.get()
        return True


class RequestIdMiddleware:
    """Reads X-Request-ID (from a proxy or client) or makes one, and echoes it on the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = _current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current_request_id.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestSizeLimitMiddleware:
    """413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE, judged by Content-Length before anything reads it.

    Django checks that limit only when `request.body` or POST is read; DRF's parsers read the stream itself, so
    without this a JSON body of any size would be read into memory. A body without Content-Length (chunked) is
    not read by Django at all (its stream is limited to Content-Length, i.e. 0).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and re.match(settings.LARGE_UPLOAD_PATHS, request.path_info):
            # A poster upload (staff only, checked by its view): the image's own limit, plus room for the form.
            limit = settings.POSTER_MAX_BYTES + limit
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": gettext("Invalid Content-Length."), "code": "bad_request"}, status=400)
        if limit is not None and length > limit:
            return JsonResponse({**TOO_LARGE_BODY, "detail": gettext(TOO_LARGE_BODY["detail"])}, status=413)
        return self.get_response(request)


def is_database_unavailable(exc: BaseException) -> bool:
    """The database could not be reached or dropped the connection (restart, failover, network)."""
    return isinstance(exc, (OperationalError, InterfaceError))


def unavailable_response_headers() -> dict:
    return {"Retry-After": str(settings.BUSY_RETRY_AFTER_SECONDS)}


class DatabaseUnavailableMiddleware:
    """JSON 503 instead of Django's 500 page when the database is down during a non-DRF view.

    DRF views get the same answer from common.exception_handler. Nothing needs resetting afterwards: Django
    closes a connection that had errors at the end of the request (and CONN_HEALTH_CHECKS checks a persistent
    one before reuse), so the first request after the database is back simply connects again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_unavailable(exception):
            logger.warning("Database unavailable: %s", type(exception).__name__)
            return JsonResponse({**UNAVAILABLE_BODY, "detail": gettext(UNAVAILABLE_BODY["detail"])}, status=503,
                                headers=unavailable_response_headers())
        return None


# The bodies of the Django-level error handlers (common.exception_handler), by status.
DEBUG_PAGE_BODIES = {
    400: {"detail": "Bad request.", "code": "bad_request"},
    403: {"detail": "Permission denied.", "code": "permission_denied"},
    404: {"detail": "Not found.", "code": "not_found"},
    500: {"detail": "Internal server error.", "code": "server_error"},
}


class JsonDebugErrorPagesMiddleware:
    """With DEBUG on (`make run`), the same JSON errors as in production instead of Django's HTML debug pages.

    With DEBUG off the handlers in ticketing_system/urls.py answer JSON; with DEBUG on Django bypasses them for
    404 (unknown paths), 400 and 500 and renders its technical pages, which a client of a JSON API cannot read
    (and docs/api.md promises JSON). The traceback of a 500 is still logged (django.request) as with DEBUG off.
    Only Django's own HTML error pages are replaced: a view's own response (the admin's pages) is left alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not settings.DEBUG or response.status_code not in DEBUG_PAGE_BODIES:
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        if response.status_code == 404 and getattr(request, "resolver_match", None) is not None:
            return response  # a view answered 404 itself (an admin page): not Django's "no such path" page
        return JsonResponse(DEBUG_PAGE_BODIES[response.status_code], status=response.status_code)


class AdminOnlyMiddleware:
    """Runs the middleware only the admin needs (sessions, CSRF, the session user, messages) for the admin's paths.

    The API authenticates with bearer tokens (DRF) and needs none of them, yet together they cost about 130 µs of
    every API request's CPU (measured per booking with `make bench`). They wrap the rest of the chain exactly as they
    would in MIDDLEWARE, in the same order, for paths under ADMIN_MIDDLEWARE_PATHS only; `process_view` (where
    CSRF checks) is passed on as Django's handler would. A new part of the site that uses sessions (a web app's
    pages) adds its prefix to ADMIN_MIDDLEWARE_PATHS.
    """

    def __init__(self, get_response):
        from django.core.handlers.exception import convert_exception_to_response
        from django.utils.module_loading import import_string

        self.get_response = get_response
        self.prefixes = tuple(settings.ADMIN_MIDDLEWARE_PATHS)
        # Paths that take it exactly, not as a prefix ("/", the web app's home page, would otherwise be all).
        self.exact_paths = frozenset(getattr(settings, "ADMIN_MIDDLEWARE_EXACT_PATHS", ()))
        handler = convert_exception_to_response(get_response)
        self._view_hooks = []
        for path in reversed(settings.ADMIN_MIDDLEWARE):
            middleware = import_string(path)(handler)
            if hasattr(middleware, "process_view"):
                self._view_hooks.insert(0, middleware.process_view)
            handler = convert_exception_to_response(middleware)
        self.admin_chain = handler

    def _applies(self, request) -> bool:
        return request.path_info in self.exact_paths or request.path_info.startswith(self.prefixes)

    def __call__(self, request):
        if self._applies(request):
            return self.admin_chain(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not self._applies(request):
            return None
        for hook in self._view_hooks:
            response = hook(request, view_func, view_args, view_kwargs)
            if response is not None:
                return response
        return None
