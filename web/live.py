"""The live seat map: a small JSON state of a show's seats, polled by the page about once a second with ETag/304.

Why polling and not Server-Sent Events or WebSockets: the service runs under WSGI with sync gunicorn workers
(`make serve`), where every open SSE stream would pin a whole worker, so 200 viewers would need 200 workers;
Channels would add an ASGI server and Redis as hard requirements of `make run`. A poll costs one short request.

What keeps 200 idle viewers from slowing bookings: the state of a show is computed at most once per
`SEAT_STATE_MAX_AGE_MS` (default 500 ms) per cache (Redis with REDIS_URL, so once for all workers; per process
otherwise) and the answer carries an ETag, so an unchanged map is a 304 with no body and no database query. The
database cost is therefore bounded per show, not per viewer. A change reaches every viewer within the poll interval
plus that age (about 1.5 s); the page's own hold/release invalidates it at once.
"""
import hashlib
import json
import logging
import time

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

from core import selectors
from web.seatmap import seat_state_payload

logger = logging.getLogger(__name__)


def _key(show_id: int) -> str:
    return f"web:seat-state:{show_id}"


def seat_state(*, show_id: int) -> tuple[str, bytes]:
    """(ETag, JSON body) of the show's seat state, at most SEAT_STATE_MAX_AGE_MS old. ShowNotFound if unknown."""
    max_age = settings.SEAT_STATE_MAX_AGE_MS / 1000
    now = time.time()
    try:
        cached = cache.get(_key(show_id))
    except RedisError as exc:  # the cache is an optimisation: without it every poll reads the database
        logger.warning("Seat state cache unavailable (%s)", type(exc).__name__)
        cached = None
    if cached is not None and now - cached[0] < max_age:
        return cached[1], cached[2]
    body = json.dumps(seat_state_payload(selectors.seat_map(show_id=show_id)), separators=(",", ":")).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    try:
        # Kept a little longer than max_age; its timestamp (not the cache's expiry) decides freshness, because
        # Django's Redis backend rounds timeouts to whole seconds.
        cache.set(_key(show_id), (now, etag, body), timeout=60)
    except RedisError as exc:
        logger.warning("Seat state cache unavailable (%s)", type(exc).__name__)
    return etag, body


def seat_state_changed(*, show_id: int) -> None:
    """Forget the cached state (after this process changed the show's seats), so the next poll reads it fresh."""
    try:
        cache.delete(_key(show_id))
    except RedisError as exc:
        logger.warning("Seat state cache unavailable (%s)", type(exc).__name__)
