"""Login limits that a third party cannot turn against a user, and the limits of the account endpoints.

Three limits guard /login, all keyed on the username exactly as authentication compares it
(accounts.identity.username_key: NFKC, surrounding spaces, case), so " Alice " and "ALICE" share one budget:

1. per address (core.throttles.LoginIPThrottle, THROTTLE_LOGIN_IP): one machine guessing many accounts;
2. per (username, address) (LoginUsernameIPThrottle, THROTTLE_LOGIN_USERNAME): tight; one machine guessing one
   account. It never affects anyone at another address, so it cannot lock the owner out;
3. per username, across addresses (LoginFailureDelay): a botnet guessing one account from many addresses. The
   first LOGIN_FAILURES_BEFORE_DELAY failed logins (within LOGIN_FAILURE_WINDOW_MINUTES) cost nothing; from
   then on each failure makes the next attempt wait 1, 2, 4, ... seconds, up to LOGIN_DELAY_MAX_SECONDS.
   Addresses that have logged in to the account successfully before (remembered LOGIN_KNOWN_ADDRESS_DAYS) are
   exempt, so the owner at home is never delayed by an attack; a new address may have to wait up to the
   maximum delay while an attack is on.

The trade-off (OWASP credential stuffing, django-axes' username+address lockout): a hard per-username lock
stops a botnet but lets anyone lock the owner out; no per-username limit lets a botnet guess freely. Growing
delays slow a botnet to about one guess per LOGIN_DELAY_MAX_SECONDS per account, and cost the owner at most one
such wait, and only from an address the account has never logged in from.
"""
import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError
from rest_framework.exceptions import Throttled

from accounts import identity
from common.events import log_event
from common.throttles import LoggedRateThrottle, PerIPThrottle, PerUserThrottle

logger = logging.getLogger(__name__)


def _digest(*parts: str | None) -> str:
    # Hashed: usernames may hold characters a cache key should not, and the key should not echo them.
    return hashlib.sha256("\x00".join(str(part) for part in parts).encode()).hexdigest()


def login_username(request) -> str | None:
    data = request.data
    username = data.get("username") if isinstance(data, dict) else None
    if not isinstance(username, str) or not username.strip():
        return None
    return identity.username_key(username)


class LoginUsernameIPThrottle(LoggedRateThrottle):
    """Per (normalised username, client address)."""

    scope = "login_username"

    def get_cache_key(self, request, view):
        key = login_username(request)
        if key is None:
            return None  # nothing to guess against; the address limit still applies
        return self._key(_digest(key, self.get_ident(request)))


class RefreshIPThrottle(PerIPThrottle):
    scope = "refresh_ip"


class PasswordResetIPThrottle(PerIPThrottle):
    """Reset requests and confirmations, per address: mail bombing, and guessing reset tokens."""

    scope = "password_reset_ip"


class AccountUserThrottle(PerUserThrottle):
    """/me, /logout, /logout/all and /password/change, per user."""

    scope = "account_user"


class PasswordChangeUserThrottle(PerUserThrottle):
    """Guessing the current password with a stolen access token, per user."""

    scope = "password_change_user"


class LoginFailureDelay:
    """The per-username growing delay (rule 3 of the module docstring). Fails open if the cache is down."""

    def __init__(self, *, username_key: str, client_ip: str):
        self.account = _digest(username_key)
        self.address = _digest(username_key, client_ip)
        self.client_ip = client_ip

    def check(self, now: float | None = None) -> None:
        """Raise DRF's Throttled (429, Retry-After) if this attempt must wait."""
        now = time.time() if now is None else now
        try:
            if cache.get(self._known_key()):
                return
            failures = cache.get(self._failures_key(), 0)
            last = cache.get(self._last_key())
        except RedisError as exc:
            logger.warning("Login delay cache unavailable, allowing the attempt (%s)", type(exc).__name__)
            return
        delay = self.delay_after(failures)
        if delay and last is not None and now < last + delay:
            wait = last + delay - now
            log_event("throttled", level=logging.WARNING, scope="login_delay", user_id=None,
                      client_ip=self.client_ip, path="/login")
            raise Throttled(wait=wait)

    @staticmethod
    def delay_after(failures: int) -> int:
        """Seconds to wait after the last failure: none for the first LOGIN_FAILURES_BEFORE_DELAY failures,
        then 1, 2, 4, ... up to LOGIN_DELAY_MAX_SECONDS."""
        excess = failures - settings.LOGIN_FAILURES_BEFORE_DELAY
        if excess <= 0:
            return 0
        return min(2 ** min(excess - 1, 30), settings.LOGIN_DELAY_MAX_SECONDS)

    def record_failure(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        window = settings.LOGIN_FAILURE_WINDOW_MINUTES * 60
        try:
            cache.add(self._failures_key(), 0, timeout=window)
            cache.incr(self._failures_key())
            cache.set(self._last_key(), now, timeout=window)
        except (RedisError, ValueError) as exc:  # ValueError: the counter expired between add and incr
            logger.warning("Login delay cache: failure not counted (%s)", type(exc).__name__)

    def record_success(self) -> None:
        try:
            cache.set(self._known_key(), 1, timeout=settings.LOGIN_KNOWN_ADDRESS_DAYS * 86400)
        except RedisError as exc:
            logger.warning("Login delay cache: address not remembered (%s)", type(exc).__name__)

    def _failures_key(self) -> str:
        return f"login-failures:{self.account}"

    def _last_key(self) -> str:
        return f"login-last-failure:{self.account}"

    def _known_key(self) -> str:
        return f"login-known-address:{self.address}"


class LoginIPThrottle(PerIPThrottle):
    scope = "login_ip"


class SignupIPThrottle(PerIPThrottle):
    scope = "signup_ip"
