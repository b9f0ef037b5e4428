"""Public catalogue reads served from the shared cache, with validators and a short public lifetime.

docs/decisions/0039-catalogue-http-caching.md says why and for how long. In short:
- An anonymous `GET`/`HEAD` of a catalogue read (what's on, a movie's shows, a show) is answered from Django's
  cache (Redis with REDIS_URL, so shared by every worker and host; per process otherwise) while the entry is younger
  than `CATALOGUE_MAX_AGE_SECONDS`, with `ETag` and `Last-Modified`, `Cache-Control: public, max-age=...,
  stale-while-revalidate=...` and `Vary: Accept, Accept-Language, Authorization`; a matching
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
import functools
import hashlib
import time
import uuid
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import get_language

VERSION_KEY = "catalogue:version"
# Not Cookie: the API authenticates with bearer tokens only, so no cookie changes its answers (and a cookie-bearing
# request bypasses the cache anyway when it is the session's); varying on it would make every browser's copy private
# to its cookies.
VARY = ("Accept", "Accept-Language", "Authorization")
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

    Now, and again once the change commits: a read served by another connection before the commit sees the old
    catalogue and would store it under the new version until its lifetime ran out.
    """
    _new_version()
    transaction.on_commit(_new_version)


def _new_version() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    forget_copies()


def _has_credentials(request) -> bool:
    return "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES


def _public_cache_control() -> str:
    """What `patch_cache_control(public=True, max_age=..., stale_while_revalidate=...)` writes on a response that
    has no Cache-Control yet (tests/core/test_catalogue_cache.py holds the two together)."""
    return (f"public, max-age={settings.CATALOGUE_MAX_AGE_SECONDS}, "
            f"stale-while-revalidate={settings.CATALOGUE_STALE_WHILE_REVALIDATE_SECONDS}")


_VARY_HEADER = ", ".join(VARY)


def _public_headers(response, *, etag: str, last_modified: float) -> None:
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    if response.has_header("Cache-Control") or response.has_header("Vary"):
        patch_cache_control(response, public=True, max_age=settings.CATALOGUE_MAX_AGE_SECONDS,
                            stale_while_revalidate=settings.CATALOGUE_STALE_WHILE_REVALIDATE_SECONDS)
        patch_vary_headers(response, VARY)
    else:
        # Written directly: parsing and re-joining the headers through Django's patch functions was a tenth of a
        # catalogue read's CPU with the cache off (bench/profile_reads.py); the result is the same.
        response["Cache-Control"] = _public_cache_control()
        response["Vary"] = _VARY_HEADER


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
        # With no lifetime (CATALOGUE_MAX_AGE_SECONDS=0) nothing is stored, so nothing is looked up either: three
        # round trips to the cache (the version, the entry, the delete a zero-timeout set is) were a quarter of a
        # show's CPU with the cache off (bench/profile_reads.py).
        storable = len(query) <= MAX_CACHED_QUERY and settings.CATALOGUE_MAX_AGE_SECONDS > 0
        key = None
        if storable:
            digest = hashlib.sha256(f"{request.path}?{query}".encode()).hexdigest()[:32]
            key = f"catalogue:{catalogue_version()}:{get_language()}:{digest}"
            entry = cache.get(key)
            if entry is not None:
                _remember(f"{request.path_info}?{query}", get_language(), entry)
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
            entry = (etag, last_modified, response["Content-Type"], body)
            cache.set(key, entry, timeout=settings.CATALOGUE_MAX_AGE_SECONDS)
            if settings.CATALOGUE_MAX_AGE_SECONDS > 0:
                _remember(f"{request.path_info}?{query}", get_language(), entry)
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


# --- The process's own copies, answered in front of Django -----------------------------------------------------------
# A hit through Django still pays the framework: the middleware chain, URL resolving, two cache reads (the version
# and the entry). Each process therefore also keeps, for CATALOGUE_PROCESS_COPY_SECONDS (1), the answers it stored
# or served, and `fast_path` (ticketing_system/wsgi.py) answers an anonymous, cookie-less GET of one of them from
# memory before Django runs. What it cannot see is a staff change made through another process (the version is in
# the shared cache): that is seen within that second; a change made in this process forgets the copies at once.
_copies: dict[tuple[str, str], tuple[float, tuple]] = {}
_COPIES_MAX = 2000
_CATALOGUE_PREFIXES = ("/movies/", "/shows/")


def _copy_seconds() -> float:
    return settings.CATALOGUE_PROCESS_COPY_SECONDS


def _remember(path_and_query: str, language: str, entry: tuple) -> None:
    if _copy_seconds() <= 0:
        return
    if len(_copies) >= _COPIES_MAX:
        _copies.clear()  # made-up query strings must not grow it; the next reads fill it again
    _copies[(path_and_query, language)] = (time.monotonic(), entry)


def forget_copies(**kwargs) -> None:
    """A staff change in this process: its copies are out of date now (other processes' within the copy time)."""
    _copies.clear()


@functools.lru_cache(maxsize=256)
def _language_of(accept_language: str) -> str:
    """The language LocaleMiddleware would pick for a request without the language cookie: Django's own rule,
    asked once per distinct Accept-Language header."""
    return translation.get_language_from_request(_HeadersOnly(accept_language))


class _HeadersOnly:
    """What Django's language negotiation reads of a request without cookies and without i18n URL patterns."""

    def __init__(self, accept_language: str):
        self.COOKIES = {}
        self.META = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
        self.path_info = "/"


def _wsgi_headers(etag: str, last_modified: float, content_type: str, length: int | None) -> list:
    headers = [("ETag", etag), ("Last-Modified", http_date(last_modified)),
               ("Cache-Control", _public_cache_control()), ("Vary", _VARY_HEADER),
               # What SecurityMiddleware and XFrameOptionsMiddleware add to every answer through Django.
               ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", settings.SECURE_REFERRER_POLICY),
               ("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY),
               ("X-Frame-Options", settings.X_FRAME_OPTIONS)]
    if length is not None:
        headers[:0] = [("Content-Type", content_type), ("Content-Length", str(length))]
    return headers


def fast_path(django_app):
    """Wrap the WSGI application: an anonymous, cookie-less GET or HEAD of a catalogue read this process answered
    less than CATALOGUE_PROCESS_COPY_SECONDS ago is answered from memory (200 or 304); anything else goes to Django."""

    def application(environ, start_response):
        method = environ.get("REQUEST_METHOD")
        path = environ.get("PATH_INFO", "")
        if (method in ("GET", "HEAD") and path.startswith(_CATALOGUE_PREFIXES) and _copies
                and "HTTP_AUTHORIZATION" not in environ and "HTTP_COOKIE" not in environ):
            query = environ.get("QUERY_STRING", "")
            key = (f"{path}?{query}", _language_of(environ.get("HTTP_ACCEPT_LANGUAGE", "")))
            copy = _copies.get(key)
            if copy is not None and time.monotonic() - copy[0] < _copy_seconds():
                etag, last_modified, content_type, body = copy[1]
                if _not_modified_environ(environ, etag, last_modified):
                    start_response("304 Not Modified", _wsgi_headers(etag, last_modified, content_type, None))
                    return [b""]
                start_response("200 OK", _wsgi_headers(etag, last_modified, content_type, len(body)))
                return [b"" if method == "HEAD" else body]
        return django_app(environ, start_response)

    return application


def _not_modified_environ(environ, etag: str, last_modified: float) -> bool:
    class _Meta:
        META = environ

    return _not_modified(_Meta, etag, last_modified)
