"""Public catalogue reads served from the shared cache, with validators and a short public lifetime.

docs/decisions/0039-catalogue-http-caching.md says why and for how long. In short:
- An anonymous `GET`/`HEAD` of a catalogue read (what's on, a movie's shows, a show) is answered from Django's
  cache (Redis with REDIS_URL, so shared by every worker and host; per process otherwise) while the entry is younger
  than `CATALOGUE_MAX_AGE_SECONDS`, with `ETag` and `Last-Modified`, `Cache-Control: public, max-age=...,
  stale-while-revalidate=...` and `Vary: Accept, Accept-Language, Authorization, Cookie`; a matching
  `If-None-Match` (or `If-Modified-Since`) is a `304` with no body, without running the view.
- The cache key includes the catalogue's version, which staff changes (a movie, show, cinema, screen or price saved
  or deleted) replace (`catalogue_changed`), so their effect is seen by the next read: no cache-wide clear, and the
  old entries simply expire.
- A request that carries credentials (an `Authorization` header or the session cookie) is never served from nor
  stored in the shared cache, and its answer says `Cache-Control: private`: whatever is shown to a signed-in visitor
  stays theirs.
- Sales are not part of the version (one would empty the cache with every booking): `available_seats` in a cached
  answer is at most the lifetime old; the seat map and the booking itself read the database.

The wrapper runs around the Django view function, before DRF builds its request, authenticates or throttles: a hit
costs a cache read and a response.
"""
import hashlib
import time
import uuid
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import get_language

VERSION_KEY = "catalogue:version"
VARY = ("Accept", "Accept-Language", "Authorization", "Cookie")
# Longer query strings are served but not stored: made-up parameters must not fill the cache.
MAX_CACHED_QUERY = 256


def catalogue_version() -> str:
    """The current version of what the catalogue shows; created on first use."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        # add(), not set(): two processes starting at once agree on one version.
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY) or version
    return version


def catalogue_changed(**kwargs) -> None:
    """Staff changed what the catalogue shows: every cached catalogue answer is out of date from now on.

    A signal receiver (any sender); also called directly. A new version, not a clear: other cached data (the seat
    map's state, throttles, sessions) stays, and the old entries expire on their own.
    """
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def _has_credentials(request) -> bool:
    return "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES


def _public_headers(response, *, etag: str, last_modified: float) -> None:
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    patch_cache_control(response, public=True, max_age=settings.CATALOGUE_MAX_AGE_SECONDS,
                        stale_while_revalidate=settings.CATALOGUE_STALE_WHILE_REVALIDATE_SECONDS)
    patch_vary_headers(response, VARY)


def _not_modified(request, etag: str, last_modified: float) -> bool:
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        candidates = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return etag in candidates or "*" in candidates
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    return since is not None and int(last_modified) <= since


def _answer(request, entry: tuple[str, float, str, bytes]):
    etag, last_modified, content_type, body = entry
    if _not_modified(request, etag, last_modified):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(b"" if request.method == "HEAD" else body, content_type=content_type)
        if request.method == "HEAD":
            response["Content-Length"] = str(len(body))
    _public_headers(response, etag=etag, last_modified=last_modified)
    return response


def publicly_cached(view):
    """Wraps a Django view function (an API view's `as_view()`, or a page) as described in the module docstring.

    Only 200 answers are stored; errors (404, a 400 for a bad filter) go through the view every time.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        if _has_credentials(request):
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True)
            patch_vary_headers(response, VARY)
            return response
        query = request.META.get("QUERY_STRING", "")
        storable = len(query) <= MAX_CACHED_QUERY
        key = None
        if storable:
            digest = hashlib.sha256(f"{request.path}?{query}".encode()).hexdigest()[:32]
            key = f"catalogue:{catalogue_version()}:{get_language()}:{digest}"
            entry = cache.get(key)
            if entry is not None:
                return _answer(request, entry)
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.has_header("Cache-Control") or response.cookies:
            return response  # an error, or a view that decided its own caching or set a cookie: left alone
        if hasattr(response, "render"):
            response.render()
        body = response.content
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        last_modified = time.time()
        if key is not None:
            cache.set(key, (etag, last_modified, response["Content-Type"], body),
                      timeout=settings.CATALOGUE_MAX_AGE_SECONDS)
        if _not_modified(request, etag, last_modified):
            response = HttpResponseNotModified()
        _public_headers(response, etag=etag, last_modified=last_modified)
        return response

    return wrapper


class PubliclyCachedView:
    """A mixin for DRF views whose GET is a public catalogue read: `as_view()` is wrapped by `publicly_cached`.

    Put it first in the bases. Writes (POST, PATCH) on the same view pass through untouched.
    """

    @classmethod
    def as_view(cls, **initkwargs):
        return publicly_cached(super().as_view(**initkwargs))


def catalogue_cached(name: str, parts: tuple, compute):
    """`compute()`, kept in the shared cache under the catalogue's version for CATALOGUE_MAX_AGE_SECONDS.

    For the web's catalogue pages, which cannot be cached whole (each carries the visitor's CSRF token and, signed
    in, their name): the data behind them (the shows, the cinemas) is the same for every visitor and is what costs.
    The value must pickle (model instances do).
    """
    timeout = settings.CATALOGUE_MAX_AGE_SECONDS
    if timeout <= 0:
        return compute()
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    key = f"catalogue-data:{catalogue_version()}:{name}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=timeout)
    return value
