"""The API's abuse limits applied to the pages' forms, so the web login is no way around the login limits.

The limits are DRF throttles (core.throttles); they only need a request with `META`, `user` and `data`, which a
DRF `Request` around the Django request provides (form data, as Django parsed it).
"""
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request


def throttle_wait(request, *throttle_classes) -> float | None:
    """None if every limit allows the request (each counts it); otherwise the seconds to wait."""
    drf_request = Request(request, parsers=[FormParser(), MultiPartParser()])
    drf_request.user = request.user
    for throttle_class in throttle_classes:
        throttle = throttle_class()
        if not throttle.allow_request(drf_request, None):
            return throttle.wait() or 1.0
    return None
