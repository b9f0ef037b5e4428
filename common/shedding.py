"""Load shedding: a WSGI wrapper in front of Django that serves each process's requests from a short queue and
answers 503 `overloaded` at once, before Django or the database, to a request that would wait in it too long.

Why this shape (docs/decisions/0053-shedding-by-expected-wait.md, which replaced a count of requests in hand):

- **A fixed set of threads serves; the server's many threads only queue.** The HTTP server hands each request to
  one of its `SERVE_THREADS` Python threads; this wrapper passes it to one of `SHED_MAX_IN_FLIGHT` threads of its
  own that run Django (the "servers"), and the server's thread waits for the answer. The server runs far more
  threads than servers, so every request waiting for this process is visible here (none waits unseen in the
  server's own queue) and is judged the moment it arrives. Only the servers touch the database, so a process
  holds `SHED_MAX_IN_FLIGHT` connections however many threads the server runs (Django's connections are per
  thread). With the GIL a process runs one thread at a time anyway; two servers let one run while the other waits
  for PostgreSQL.
- **Judged by the wait it would have, not by a count.** Each process keeps a moving average of how long a server is
  busy with a request. A newcomer that finds the servers busy and the queue so long that its expected wait
  (queue length x average service time / servers) exceeds `SHED_MAX_QUEUE_MS` is refused at once: a refusal costs
  a few microseconds and no waiting, so it is fast, and the queue never grows past what the servers can clear within
  the budget. A count cannot do this: the same 4 requests in hand are 10 ms of work on a quiet machine and 200 ms on
  a busy one, so a count either refuses work the service could do or lets the queue grow (decision 0050's trial).
- **A bound on the actual wait.** If the estimate was wrong (a slow request got ahead of it), a request still queued
  after twice the budget is refused then, and never served afterwards: the queue's worst case is bounded too.
- **Behind a proxy**, the proxy stamps `X-Request-Start: t=<epoch milliseconds>` when it receives the request
  (HAProxy in `make cluster`); a request that already waited longer than `SHED_QUEUE_DEADLINE_MS` there is answered
  503 instead of being served late. Only read when `SHED_TRUST_REQUEST_START` is on: a client could otherwise send
  a stale stamp to have itself shed.

The same measurements give the process's capacity (servers / average service time): a server thread reports it
to Redis about once a second, after handing an answer over (common/capacity.py, decision 0054).

Exempt paths (`SHED_EXEMPT_PATHS`, `/health/` by default) are never refused and never queue behind the rest: they
have one server thread of their own (one more database connection), so a load balancer's probe keeps answering
while the process sheds, and does not take a busy host out of rotation.
"""
import collections
import json
import threading
import time

from common.capacity import Reporter

# The body is fixed: built once, in English (a shed request must not pay for language negotiation). The code is
# the contract; clients read Retry-After.
OVERLOADED_CODE = "overloaded"
_OVERLOADED_DETAIL = "The service is busy; retry after Retry-After seconds."
# Weight of the newest request in the moving average of the service time: about the last twenty requests count.
_SERVICE_TIME_WEIGHT = 0.05

_QUEUED, _RUNNING, _GIVEN_UP = 0, 1, 2


class _Job:
    """One request handed to a server thread; `done` is released when its answer is ready."""

    __slots__ = ("environ", "state", "done", "status", "headers", "exc_info", "body", "error")

    def __init__(self, environ):
        self.environ = environ
        self.state = _QUEUED
        self.done = threading.Lock()
        self.done.acquire()
        self.status = self.headers = self.exc_info = self.body = self.error = None

    def run(self, app) -> None:
        def start_response(status, headers, exc_info=None):
            self.status, self.headers, self.exc_info = status, headers, exc_info
            return self.body.append

        self.body = []
        try:
            result = app(self.environ, start_response)
            try:
                # The whole body is read here, in the server thread: a streamed response may read the database
                # lazily, and a Django connection belongs to the thread that opened it. close() fires Django's
                # request_finished (which recycles this thread's connection), so it runs here too.
                self.body.extend(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except BaseException as exc:  # handed to the waiting thread, which raises it as the application would have
            self.error = exc


class _Servers:
    """`count` daemon threads running queued jobs in arrival order, started with the first job (a server process may
    fork after importing the application, and threads do not survive a fork)."""

    def __init__(self, app, count: int, name: str, service_s: float = 0.0, capacity_reporter=None):
        self.app = app
        self.count = count
        self.name = name
        self.lock = threading.Lock()
        self._work = threading.Condition(self.lock)
        self.queue = collections.deque()
        self.waiting = 0  # queued and not given up
        self.busy = 0
        self.service_s = service_s  # moving average of the time a server spends on a request
        self.measured = 0  # requests that went into it
        # Reports count / service_s to Redis about once a second (common/capacity.py); None: not reported.
        self.capacity_reporter = capacity_reporter
        self._threads: list[threading.Thread] = []

    def submit(self, job: _Job) -> None:
        """Called with `self.lock` held."""
        if len(self._threads) < self.count:
            thread = threading.Thread(target=self._serve, name=f"{self.name}-{len(self._threads)}", daemon=True)
            self._threads.append(thread)
            thread.start()
        self.queue.append(job)
        self.waiting += 1
        self._work.notify()

    def _serve(self) -> None:
        while True:
            with self._work:
                while True:
                    while not self.queue:
                        self._work.wait()
                    job = self.queue.popleft()
                    if job.state == _QUEUED:
                        break  # a job given up by its waiter was already counted out of `waiting`
                job.state = _RUNNING
                self.waiting -= 1
                self.busy += 1
            began = time.monotonic()
            job.run(self.app)
            elapsed = time.monotonic() - began
            with self.lock:
                self.busy -= 1
                self.service_s += _SERVICE_TIME_WEIGHT * (min(elapsed, 1.0) - self.service_s)
                self.measured += 1
            job.done.release()
            # After the answer was handed over: a due report (one Redis command a second) delays no answer, only
            # this server's next request, by at most its short time-out.
            if self.capacity_reporter is not None:
                self.capacity_reporter.served(began + elapsed, count=self.count, service_s=self.service_s,
                                              measured=self.measured)

    def expected_wait_s(self) -> float:
        """The wait of a request queued now; 0 when a server is free. Called with `self.lock` held."""
        if self.busy + self.waiting < self.count:
            return 0.0
        return (self.waiting + 1) * self.service_s / self.count


class LoadShedder:
    """WSGI middleware: `LoadShedder(app, max_in_flight=..., max_queue_ms=..., ...)`. `max_in_flight=0` turns it
    off: the application then runs in the server's threads, unjudged (the proxy's stamp is still honoured)."""

    def __init__(self, app, *, max_in_flight: int, max_queue_ms: int = 100, queue_deadline_ms: int = 0,
                 trust_request_start: bool = False, retry_after_seconds: int = 1, exempt_paths=("/health/",),
                 initial_service_ms: float = 0, refusal_pause_ms: float = 0, unpaused_refusals_per_s: float = 0,
                 clock=time.time, capacity_reporter=None):
        self.app = app
        self.max_in_flight = max_in_flight
        self.max_queue_s = max_queue_ms / 1000
        self.queue_deadline_s = queue_deadline_ms / 1000
        self.refusal_pause_s = refusal_pause_ms / 1000
        # Refusals answered without the pause: a bucket of `unpaused_refusals_per_s` tokens a second, holding one
        # second's worth (0: every refusal is paused).
        self.unpaused_refusals_per_s = unpaused_refusals_per_s
        self._unpaused_left = float(unpaused_refusals_per_s)
        self._unpaused_at = time.monotonic()
        self._unpaused_lock = threading.Lock()
        self.trust_request_start = trust_request_start and queue_deadline_ms > 0
        self.exempt_paths = frozenset(exempt_paths)
        self.clock = clock
        # Until a request has been measured, a newcomer's expected wait is `initial_service_ms` per request ahead
        # (0: the first burst is queued; the bound on the actual wait still holds).
        # Only the servers of the judged requests report the process's capacity (common/capacity.py); the exempt
        # server's probes say nothing about it. Shedding off: no measurement, nothing reported.
        self.servers = (_Servers(app, max_in_flight, "shed-server", initial_service_ms / 1000,
                                 capacity_reporter=capacity_reporter)
                        if max_in_flight > 0 else None)
        self.exempt_server = _Servers(app, 1, "shed-exempt") if max_in_flight > 0 else None
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
        self.shed_count += 1  # a statistic: a lost increment between threads does not matter
        # A short pause before the answer, in this waiting thread (no CPU, no server thread): a client that retries
        # at once instead of honouring Retry-After would otherwise turn instant refusals into thousands a second,
        # whose parsing alone starved the served requests (make bench's level table at 32 connections, whose wrk
        # clients never wait: 20 bookings/s among 9,000 refusals/s). Only refusals beyond the allowance are paused:
        # clients that honour Retry-After come back once a second each and stay within it, so they are refused at
        # once; the pause, with a CPU and the GIL to wait for after it, had made 2% of their refusals slower than
        # 50 ms (make bench's overload row at 10x, docs/decisions/0053).
        if self.refusal_pause_s > 0 and self._beyond_allowance():
            time.sleep(self.refusal_pause_s)
        start_response("503 Service Unavailable", list(self._headers))
        return [self._body]

    def _beyond_allowance(self) -> bool:
        """Takes a token of the unpaused refusals' bucket; True when there was none left."""
        if self.unpaused_refusals_per_s <= 0:
            return True
        with self._unpaused_lock:
            now = time.monotonic()
            self._unpaused_left = min(float(self.unpaused_refusals_per_s), self._unpaused_left
                                      + (now - self._unpaused_at) * self.unpaused_refusals_per_s)
            self._unpaused_at = now
            if self._unpaused_left < 1:
                return True
            self._unpaused_left -= 1
            return False

    def __call__(self, environ, start_response):
        exempt = environ.get("PATH_INFO", "") in self.exempt_paths
        if not exempt and self.trust_request_start and self._waited_too_long(environ):
            return self._shed(start_response)
        if self.servers is None:
            return self.app(environ, start_response)
        servers = self.exempt_server if exempt else self.servers
        # Django picks the server's sendfile wrapper for file responses when the environ offers one; the body is
        # read in the server thread (_Job.run), so it must be a plain iterable. The environ is the application's to
        # change (PEP 3333), so no copy is made.
        environ.pop("wsgi.file_wrapper", None)
        job = _Job(environ)
        with servers.lock:
            if not exempt and servers.expected_wait_s() > self.max_queue_s:
                refused = True
            else:
                refused = False
                servers.submit(job)
        if refused:
            return self._shed(start_response)
        answered = job.done.acquire() if exempt else job.done.acquire(timeout=2 * self.max_queue_s)
        if not answered:
            with servers.lock:
                if job.state == _QUEUED:  # still waiting: give it up, so no server ever runs it
                    job.state = _GIVEN_UP
                    servers.waiting -= 1
                    gave_up = True
                else:
                    gave_up = False
            if gave_up:
                return self._shed(start_response)
            job.done.acquire()  # a server took it just now: its answer is coming
        if job.error is not None:
            raise job.error
        start_response(job.status, job.headers, job.exc_info)
        return job.body


def from_settings(app):
    """The wrapper configured by the SHED_* settings (ticketing_system/wsgi.py), reporting the process's capacity
    as the CAPACITY_* settings say (an empty CAPACITY_REDIS_URL: not reported)."""
    from django.conf import settings

    reporter = None
    if settings.SHED_MAX_IN_FLIGHT > 0 and settings.CAPACITY_REDIS_URL:
        reporter = Reporter(url=settings.CAPACITY_REDIS_URL, prefix=settings.CAPACITY_REDIS_PREFIX,
                            ttl_s=settings.CAPACITY_REPORT_TTL_SECONDS,
                            min_requests=settings.CAPACITY_REPORT_MIN_REQUESTS)
    return LoadShedder(
        app,
        max_in_flight=settings.SHED_MAX_IN_FLIGHT,
        max_queue_ms=settings.SHED_MAX_QUEUE_MS,
        queue_deadline_ms=settings.SHED_QUEUE_DEADLINE_MS,
        trust_request_start=settings.SHED_TRUST_REQUEST_START,
        retry_after_seconds=settings.SHED_RETRY_AFTER_SECONDS,
        refusal_pause_ms=settings.SHED_REFUSAL_PAUSE_MS,
        unpaused_refusals_per_s=settings.SHED_UNPAUSED_REFUSALS_PER_S,
        exempt_paths=settings.SHED_EXEMPT_PATHS,
        capacity_reporter=reporter,
    )
