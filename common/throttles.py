"""Abuse limits: DRF rate throttles per scope, counted in the shared cache (Redis when REDIS_URL is set).

Scopes and their rates are in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], each overridable by one
environment variable (docs/security.md). A refused request is a 429 with Retry-After and
`{"detail": ..., "code": "throttled"}` (common.exception_handler), and a `throttled` log line.

The per-IP scopes identify the client with DRF's get_ident, which trusts X-Forwarded-For only as far as
NUM_PROXIES says.
"""
import logging

from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from common.events import log_event

logger = logging.getLogger(__name__)


class LoggedRateThrottle(SimpleRateThrottle):
    """A DRF rate throttle counting in fixed windows with an atomic increment; logs refusals; fails open.

    Why not SimpleRateThrottle's own counting: it reads the list of recent request times, appends, and writes
    it back. Two workers doing that at the same moment both see room and both write, so under concurrent load
    (exactly when limits matter) more requests pass than the rate says. Here each window (the rate's period,
    aligned to the clock) has one counter that the cache increments atomically (Redis INCR; a lock in the
    local-memory cache), so N workers together grant at most `num_requests` per window. The price of a fixed
    window: a client can spend its quota at the end of one window and again at the start of the next.

    Failing open is deliberate: the limits protect the service from abuse, and an unreachable Redis should not
    turn every booking into an error. The outage is logged so it gets fixed.
    """

    # A scope whose rate is one of these has no limit: nothing is counted, not even in the cache (an operator or a
    # load test that lifts a limit should not pay a cache round trip per request for it).
    UNLIMITED = frozenset({"", "none", "unlimited"})

    def get_rate(self):
        rate = super().get_rate()
        return None if rate is None or rate.strip().lower() in self.UNLIMITED else rate

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        try:
            allowed = self._count_and_check(request, view)
        except RedisError as exc:
            logger.warning("Throttle cache unavailable, allowing the request (%s)", type(exc).__name__)
            return True
        if not allowed:
            user = getattr(request, "user", None)
            log_event(
                "throttled",
                level=logging.WARNING,
                scope=self.scope,
                user_id=user.pk if user is not None and user.is_authenticated else None,
                client_ip=self.get_ident(request),
                path=request.path,
            )
        return allowed

    def _count_and_check(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_ends_at = (window + 1) * self.duration
        counter = f"{self.key}:{window}"
        # Creates the window's counter only if it does not exist yet (atomic), then counts this request.
        self.cache.add(counter, 0, timeout=self.duration + 1)
        try:
            count = self.cache.incr(counter)
        except ValueError:  # expired or evicted between add and incr: this request opens it again
            self.cache.add(counter, 1, timeout=self.duration + 1)
            count = 1
        return count <= self.num_requests

    def wait(self):
        """Seconds until the current window ends (DRF sends it as Retry-After)."""
        return max(0.0, self.window_ends_at - self.now)

    def _key(self, ident: str) -> str:
        return self.cache_format % {"scope": self.scope, "ident": ident}


class PerIPThrottle(LoggedRateThrottle):
    def get_cache_key(self, request, view):
        return self._key(self.get_ident(request))


class PerUserThrottle(LoggedRateThrottle):
    def get_cache_key(self, request, view):
        # These views require authentication, which DRF checks before throttles; no user, no limit to count.
        if not request.user or not request.user.is_authenticated:
            return None
        return self._key(str(request.user.pk))


