"""The one place where errors become HTTP responses.

Every error body has the same shape, `{"detail": "<human message>", "code": "<stable code>"}`:
- domain errors (`core.errors`) carry their own code and status;
- DRF's errors (authentication, permissions, parsing, validation, throttling) keep their status and code;
  validation errors keep DRF's per-field messages beside `detail` and `code`;
- the database being unreachable is a 503 `unavailable` (retry), not a bug;
- anything else is a bug: logged with its traceback here, answered with a generic 500 that leaks nothing.

The Django-level handlers at the bottom answer what never reaches a DRF view (unknown paths, errors in
middleware) in the same shape.
"""
import logging

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from common.errors import Busy, DomainError
from common.i18n import translated_body
from common.middleware import UNAVAILABLE_BODY, is_database_unavailable, unavailable_response_headers

logger = logging.getLogger(__name__)

SERVER_ERROR_BODY = {"detail": _("Internal server error."), "code": "server_error"}
NOT_FOUND_BODY = {"detail": _("Not found."), "code": "not_found"}
VALIDATION_DETAIL = _("Invalid input.")


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        set_rollback()
        headers = {}
        if isinstance(exc, Busy):
            headers["Retry-After"] = str(settings.BUSY_RETRY_AFTER_SECONDS)
        body = {"detail": exc.detail, "code": exc.code, **exc.extra}
        return Response(body, status=exc.status_code, headers=headers)

    if is_database_unavailable(exc):
        # The database is down or restarting: a 503 the client can retry, not a bug. No traceback in the log
        # either (one line per failed request is enough to see the outage); Django drops the broken connection
        # at the end of this request, so the service recovers by itself when the database is back.
        logger.warning("Database unavailable in %s: %s", _view_name(context), type(exc).__name__)
        set_rollback()
        return Response(translated_body(UNAVAILABLE_BODY), status=status.HTTP_503_SERVICE_UNAVAILABLE,
                        headers=unavailable_response_headers())

    response = drf_exception_handler(exc, context)
    if response is None:
        # Not an error we know: a bug. The traceback goes to the log, never to the client.
        logger.exception("Unhandled error in %s", _view_name(context), exc_info=exc)
        set_rollback()
        return Response(translated_body(SERVER_ERROR_BODY), status=status.HTTP_500_INTERNAL_SERVER_ERROR)

    response.data = _error_body(exc, response.data)
    return response


def _view_name(context) -> str:
    view = context.get("view")
    return type(view).__name__ if view else "API view"


def _error_body(exc, data):
    if isinstance(exc, drf_exceptions.ValidationError):
        if isinstance(data, dict):
            # A field named like the envelope's own keys (the check-in's `code`) would overwrite them: its
            # messages go under "fields" instead, so "code" stays the stable error code.
            clashing = {key: data.pop(key) for key in ("detail", "code") if key in data}
            body = {"detail": gettext(VALIDATION_DETAIL), "code": "invalid", **data}
            if clashing:
                body["fields"] = clashing
            return body
        return {"detail": gettext(VALIDATION_DETAIL), "code": "invalid", "errors": data}
    if isinstance(data, dict) and "detail" in data:
        codes = exc.get_codes() if isinstance(exc, drf_exceptions.APIException) else None
        code = codes if isinstance(codes, str) else data.get("code", "error")
        # simplejwt adds "messages" (its internal token-class diagnostics); a client needs detail and code.
        return {"detail": str(data["detail"]), "code": str(code)}
    return {"detail": str(data), "code": "error"}


# --- Django-level handlers (wired in ticketing_system/urls.py) -------------------------------------------
def json_not_found(request, exception=None):
    return JsonResponse(translated_body(NOT_FOUND_BODY), status=404)


def json_server_error(request):
    return JsonResponse(translated_body(SERVER_ERROR_BODY), status=500)


def json_bad_request(request, exception=None):
    return JsonResponse({"detail": gettext("Bad request."), "code": "bad_request"}, status=400)


def json_permission_denied(request, exception=None):
    return JsonResponse({"detail": gettext("Permission denied."), "code": "permission_denied"}, status=403)
