"""The live seat map: a small JSON state of a show's seats, polled by the page about once a second with ETag/304.

Why polling and not Server-Sent Events or WebSockets: the service runs under WSGI (`make serve`), where every open
SSE stream would pin a worker thread, so 200 viewers would need 200 threads; Channels would add an ASGI server and
Redis as hard requirements of `make run`. A poll costs one short request on a kept-alive connection.

What keeps 200 idle viewers from slowing bookings (docs/performance.md; docs/decisions/0007):
- The state of a show is computed from the database at most once per `SEAT_STATE_MAX_AGE_MS` (default 500 ms) per
  cache (Redis with REDIS_URL, so once for all workers; per process otherwise), and carries an ETag, so an
  unchanged map is a 304 with no body.
- Each process also keeps the last state it served of each show in memory, with the time it was computed. While
  that is under the max age, a poll is answered from memory by `fast_path`, a WSGI wrapper in front of Django
  (ticketing_system/wsgi.py): no Django request, middleware, URL resolving, cache or database. Measured under
  granian with 200 viewers, that took the server's CPU per poll from about 1.2 ms to 0.3-0.4 ms (docs/performance.md).
  A poll whose copy is too old has the fast path read the state again (the cache, else the database: two small
  queries that read only the taken seats), at most a few times a second per process and show, whatever the number
  of viewers. Only the first poll of a show in a process, and a failure (a show deleted since, the database down),
  go through Django's view (`web.views.seat_state`).

How fast a change shows: every copy, in memory or in the cache, is judged by when it was computed from the
database, so no state older than the max age is served, however many layers it passed through. A change made
anywhere (the API, another process, the admin, a hold expiring) is therefore seen by the next poll after at most
the max age: within the poll interval plus the max age (about 1.5 s; the promise is two seconds, which the
end-to-end test checks). A hold, booking or release made through the pages forgets the state at once
(`seat_state_changed`) in the cache and in that process.
"""
import hashlib
import json
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from redis.exceptions import RedisError

from core import selectors
from web.seatmap import seat_state_payload

logger = logging.getLogger(__name__)

PATH_PREFIX = "/seat-state/"  # web/urls.py's seat_state route, which answers whatever fast_path does not

# This process's copies: show id -> (computed at, ETag, body). Only shows that exist get an entry (one is stored
# after the state was read from the database or the cache), so the fast path cannot be made to grow it with made-up
# ids; at most _RECENT_MAX of them (the stale ones are dropped first).
_recent: dict[int, tuple[float, str, bytes]] = {}
_RECENT_MAX = 2000


def _key(show_id: int) -> str:
    return f"web:seat-state:{show_id}"


def _max_age() -> float:
    return settings.SEAT_STATE_MAX_AGE_MS / 1000


def recent_state(show_id: int, now: float | None = None) -> tuple[str, bytes] | None:
    """(ETag, body) of the show if this process holds a copy computed less than the max age ago; no I/O at all."""
    entry = _recent.get(show_id)
    if entry is not None and (time.time() if now is None else now) - entry[0] < _max_age():
        return entry[1], entry[2]
    return None


def _remember(show_id: int, entry: tuple[float, str, bytes]) -> None:
    if len(_recent) >= _RECENT_MAX and show_id not in _recent:
        oldest = time.time() - _max_age()
        # list(): a copy taken at once, as another thread of the process (SERVE_THREADS > 1) may add meanwhile.
        for stale in [sid for sid, (computed, _, _) in list(_recent.items()) if computed <= oldest]:
            _recent.pop(stale, None)
        if len(_recent) >= _RECENT_MAX:
            _recent.clear()
    _recent[show_id] = entry


def seat_state(*, show_id: int) -> tuple[str, bytes]:
    """(ETag, JSON body) of the show's seat state, at most SEAT_STATE_MAX_AGE_MS old. ShowNotFound if unknown."""
    max_age = _max_age()
    now = time.time()
    local = recent_state(show_id, now)
    if local is not None:
        return local
    try:
        cached = cache.get(_key(show_id))
    except RedisError as exc:  # the cache is an optimisation: without it every process reads the database
        logger.warning("Seat state cache unavailable (%s)", type(exc).__name__)
        cached = None
    if cached is not None and now - cached[0] < max_age:
        # Kept with the time it was computed, not the time it was fetched: a copy of a copy is no fresher.
        _remember(show_id, cached)
        return cached[1], cached[2]
    body = json.dumps(seat_state_payload(selectors.seat_state(show_id=show_id)), separators=(",", ":")).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    entry = (now, etag, body)
    try:
        # Kept a little longer than max_age; its timestamp (not the cache's expiry) decides freshness, because
        # Django's Redis backend rounds timeouts to whole seconds.
        cache.set(_key(show_id), entry, timeout=60)
    except RedisError as exc:
        logger.warning("Seat state cache unavailable (%s)", type(exc).__name__)
    _remember(show_id, entry)
    return etag, body


def seat_state_changed(*, show_id: int) -> None:
    """Forget the state (after this process changed the show's seats), so the next poll reads it fresh.

    Other processes' in-memory copies expire on their own within the max age."""
    _recent.pop(show_id, None)
    try:
        cache.delete(_key(show_id))
    except RedisError as exc:
        logger.warning("Seat state cache unavailable (%s)", type(exc).__name__)


def forget_all() -> None:
    """Drop this process's copies (tests: each starts with none, as with an empty cache)."""
    _recent.clear()


def etag_matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match's weak comparison (RFC 9110 13.1.2): a proxy that compresses the body may weaken the ETag."""
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


# Answers of the poll: the JSON itself must never be cached on the way (the map is live) but may be revalidated.
# The security headers are those Django's middleware (SecurityMiddleware, XFrameOptionsMiddleware) puts on every
# response, which the fast path skips; HSTS is left to the pages (a browser needs it from one response).
def _poll_headers(etag: str) -> list[tuple[str, str]]:
    headers = [("ETag", etag), ("Cache-Control", "no-cache")]
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        headers.append(("Referrer-Policy", settings.SECURE_REFERRER_POLICY))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    headers.append(("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY")))
    return headers


def _refresh(show_id: int) -> tuple[str, bytes] | None:
    """The state of a show this process served before, read again (from the cache or the database) without the rest
    of Django's request handling, or None when that fails: then Django's view answers the poll (404 for a show
    deleted since, 503 for a database down) and logs what it must.

    Django's own request signals run around it, as for any request: they close a database connection that is too
    old or broken (CONN_MAX_AGE, CONN_HEALTH_CHECKS) and reset the query log."""
    request_started.send(sender=__name__, environ=None)
    try:
        return seat_state(show_id=show_id)
    except Exception:  # whatever it is, Django's view meets it again, answers and logs it
        _recent.pop(show_id, None)
        return None
    finally:
        request_finished.send(sender=__name__)


def fast_path(django_app):
    """Wrap the WSGI application: GET /seat-state/<id> with a fresh copy in this process is answered here, before
    Django; everything else (and such a poll without one) goes to `django_app` unchanged.

    What it skips is what the poll does not need: the request id (it logs nothing), sessions and CSRF (it changes
    nothing and reads no user), the language (the body has no text), ALLOWED_HOSTS (it builds no URL from the Host
    header) and URL resolving. Django's answer to the same poll is the same status, ETag and body
    (tests/web/test_web_live.py).
    """
    prefix, prefix_len = PATH_PREFIX, len(PATH_PREFIX)

    def application(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(prefix) and environ.get("REQUEST_METHOD") == "GET":
            digits = path[prefix_len:]
            # The route's own converter: 1-19 ASCII digits (str.isdigit alone would take "²").
            if 0 < len(digits) <= 19 and digits.isascii() and digits.isdigit():
                show_id = int(digits)
                state = recent_state(show_id)
                if state is None and show_id in _recent:
                    state = _refresh(show_id)
                if state is not None:
                    etag, body = state
                    if etag_matches(environ.get("HTTP_IF_NONE_MATCH", ""), etag):
                        start_response("304 Not Modified", _poll_headers(etag))
                        return [b""]
                    start_response("200 OK", [("Content-Type", "application/json"),
                                              ("Content-Length", str(len(body))), *_poll_headers(etag)])
                    return [body]
        return django_app(environ, start_response)

    return application
