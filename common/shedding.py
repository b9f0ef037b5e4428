"""Load shedding: a WSGI wrapper that answers 503 `overloaded` at once when this process already has as many requests
in hand as it can finish within a short deadline, so that the queue in front of the service stays bounded.

Why here, in front of Django (docs/decisions/0038-load-shedding.md): a shed request must cost almost nothing and
touch nothing shared. It is judged on the WSGI environ alone (no Django request, middleware, URL resolving, session,
cache or database), so a flood of them still leaves the CPUs to the requests that are being served.

Two signals, either of which sheds:
- **In flight**: requests of this process inside the application (granian hands each to one of its
  `SERVE_THREADS` Python threads). At `SHED_MAX_IN_FLIGHT`, a newcomer waits at most `SHED_WAIT_MS` for one of
  them to finish, then is refused: a short burst on one process (the kernel spreads connections, not requests, over
  the processes) is absorbed, a standing queue is not. The server must run more threads than the limit
  (ticketing_system/serve.py), so that a request over the limit reaches Python and is answered 503 instead of
  waiting, unseen, in the server's own queue, and so that `/health/` always finds a thread.
- **Queue time** (behind a proxy): the proxy stamps `X-Request-Start: t=<epoch milliseconds>` when it receives the
  request (HAProxy in `make cluster`); a request that already waited longer than `SHED_QUEUE_DEADLINE_MS` is
  answered 503 instead of being served late, when its client may have given up (CoDel's point: judge the queue by
  how long its head waited, not by its length). Only read when `SHED_TRUST_REQUEST_START` is on: a client could
  otherwise send a stale stamp to have itself shed, which harms nobody else, or a future one to skip nothing.

Exempt paths (`SHED_EXEMPT_PATHS`, `/health/` by default) are never shed and not counted: a load balancer's probe
must keep answering while the service sheds, or it would take a busy host out of rotation and overload the rest.
"""
import json
import threading
import time

# The body is fixed: built once, in English (a shed request must not pay for language negotiation). The code is
# the contract; clients read Retry-After.
OVERLOADED_CODE = "overloaded"
_OVERLOADED_DETAIL = "The service is busy; retry after Retry-After seconds."
# After a wait for a place timed out, requests over the limit are refused without waiting for this long.
OVERLOAD_MEMORY_SECONDS = 0.25


class LoadShedder:
    """WSGI middleware: `LoadShedder(app, max_in_flight=..., ...)`. `max_in_flight=0` turns the in-flight limit off."""

    def __init__(self, app, *, max_in_flight: int, wait_ms: int = 0, queue_deadline_ms: int = 0,
                 trust_request_start: bool = False, retry_after_seconds: int = 1, exempt_paths=("/health/",),
                 clock=time.time):
        self.app = app
        self.max_in_flight = max_in_flight
        self.wait_s = wait_ms / 1000
        self.queue_deadline_s = queue_deadline_ms / 1000
        self.trust_request_start = trust_request_start and queue_deadline_ms > 0
        self.exempt_paths = frozenset(exempt_paths)
        self.clock = clock
        self._lock = threading.Lock()
        self._slot_freed = threading.Condition(self._lock)
        self.in_flight = 0
        self._no_wait_until = 0.0
        self.shed_count = 0  # for the bench and the operator's curiosity; never reset
        self._body = json.dumps({"detail": _OVERLOADED_DETAIL, "code": OVERLOADED_CODE}).encode()
        self._headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(self._body))),
            ("Retry-After", str(retry_after_seconds)),
            # Never stored by a shared cache: the next try may well succeed.
            ("Cache-Control", "no-store"),
        ]

    def _waited_too_long(self, environ) -> bool:
        stamp = environ.get("HTTP_X_REQUEST_START", "")
        if not stamp:
            return False
        # HAProxy/nginx style "t=1700000000123" (milliseconds); a bare number is accepted too.
        value = stamp[2:] if stamp.startswith("t=") else stamp
        try:
            started = int(value) / 1000
        except ValueError:
            return False
        return self.clock() - started > self.queue_deadline_s

    def _shed(self, start_response):
        with self._lock:
            self.shed_count += 1
        start_response("503 Service Unavailable", list(self._headers))
        return [self._body]

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "") in self.exempt_paths:
            return self.app(environ, start_response)
        if self.trust_request_start and self._waited_too_long(environ):
            return self._shed(start_response)
        if self.max_in_flight <= 0:
            return self.app(environ, start_response)
        with self._slot_freed:
            admitted = self.in_flight < self.max_in_flight
            # Wait for a place only while waits have been succeeding. Once one timed out, the queue is standing, not a
            # burst: for the next quarter second every request over the limit is refused at once (CoDel's switch from
            # "absorb" to "drop"), so refusals stay fast and a waiting thread never holds up the one /health/ needs.
            if not admitted and self.wait_s > 0 and self.clock() >= self._no_wait_until:
                admitted = self._slot_freed.wait_for(lambda: self.in_flight < self.max_in_flight, timeout=self.wait_s)
                if not admitted:
                    self._no_wait_until = self.clock() + OVERLOAD_MEMORY_SECONDS
            if admitted:
                self.in_flight += 1
        if not admitted:
            return self._shed(start_response)
        try:
            result = self.app(environ, start_response)
        except BaseException:
            self._leave()
            raise
        # The slot is held until the server has written the body and closed the iterable (a streamed response
        # is still work in hand).
        return _ReleasingIterable(result, self._leave)

    def _leave(self) -> None:
        with self._slot_freed:
            self.in_flight -= 1
            self._slot_freed.notify()


class _ReleasingIterable:
    """Wraps a WSGI response iterable so that the slot is released once, when the body has been iterated to its end
    or when `close()` is called (which the WSGI spec requires of servers; some test clients only read the body)."""

    def __init__(self, iterable, release):
        self._iterable = iterable
        self._release = release
        self._released = False

    def _release_once(self):
        if not self._released:
            self._released = True
            self._release()

    def __iter__(self):
        try:
            yield from self._iterable
        finally:
            self._release_once()

    def close(self):
        try:
            close = getattr(self._iterable, "close", None)
            if close is not None:
                close()
        finally:
            self._release_once()


def from_settings(app):
    """The wrapper configured by the SHED_* settings (ticketing_system/wsgi.py)."""
    from django.conf import settings

    return LoadShedder(
        app,
        max_in_flight=settings.SHED_MAX_IN_FLIGHT,
        wait_ms=settings.SHED_WAIT_MS,
        queue_deadline_ms=settings.SHED_QUEUE_DEADLINE_MS,
        trust_request_start=settings.SHED_TRUST_REQUEST_START,
        retry_after_seconds=settings.SHED_RETRY_AFTER_SECONDS,
        exempt_paths=settings.SHED_EXEMPT_PATHS,
    )
