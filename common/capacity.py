"""The service's measured capacity: each server process reports what it can serve, and anyone can read the sum.

The load shedder (common/shedding.py) already measures what capacity needs: a moving average of how long a server
thread spends on a request (`service_s`) and how many server threads the process runs (`count`). A process can
therefore serve about `count / service_s` requests a second. `Reporter` writes that figure to Redis, and
`measured_requests_per_second()` adds up the figures of the processes alive now (decision 0054); the waiting room
derives its admission rate from it (onsales.rate).

- **Cheap on the hot path.** The shedder calls `Reporter.served()` after each request it served, from its server
  thread, with the clock reading it already has: one comparison, until a second has passed since the last report;
  then one Redis command (a script: the process's key and its entry in the index), with short time-outs, in that
  server thread after the answer was handed over. No thread of its own, no per-request system call.
- **A dead process's capacity disappears by itself.** Its key `<prefix>:<hostname>:<pid>` has a TTL of a few
  seconds, refreshed by every report; `make cluster` kills a host during a sale and its share goes with it.
- **An index instead of SCAN.** The keys are also listed in one Redis set (`<prefix>:processes`). SCAN would walk
  the whole keyspace of a Redis that also holds the cache, the throttles and the waiting lines; the set holds only
  the processes, and a reader drops the members whose key has expired. No clock is compared anywhere: expiry is
  Redis's own, so hosts whose clocks differ cannot disagree about who is alive.
- **Never in the way.** Redis errors are swallowed (logged once per process, reports pause for a while), and a
  reader without an answer gets None: the waiting room then uses the rate staff set.
"""
import logging
import os
import socket
import threading
import time

import redis

logger = logging.getLogger(__name__)

# A report is written at most this often per process.
REPORT_INTERVAL_S = 1.0
# After a Redis error, reports pause this long: an unreachable Redis costs one time-out per pause, not per second.
ERROR_PAUSE_S = 10.0
# Reports must never hold a server thread: a Redis that does not answer within this is skipped.
_SOCKET_TIMEOUT_S = 0.05
# A reader reuses the sum it read for this long (a waiting room asks for it on every join and poll).
READ_MAX_AGE_S = 1.0

# KEYS: the process's key, the index. ARGV: capacity (requests/s), TTL seconds, the index's TTL seconds.
_REPORT = """
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('SADD', KEYS[2], KEYS[1])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
"""
# The index outlives its members' keys by far, so a reader can always find them; a deployment that stops reporting
# leaves nothing behind after a day.
_INDEX_TTL_S = 24 * 3600


def index_key(prefix: str) -> str:
    return f"{prefix}:processes"


class Reporter:
    """Writes one process's capacity to Redis, at most once per `REPORT_INTERVAL_S`, once `min_requests` requests
    have been measured. The Redis client and the process's key are made at the first report, in the process that
    serves (a server may fork after importing the application; a client made before the fork would share its
    socket), and made again if the process id changes."""

    def __init__(self, *, url: str, prefix: str, ttl_s: float = 5.0, min_requests: int = 100):
        self.url = url
        self.prefix = prefix
        self.ttl_s = max(1, round(ttl_s))
        self.min_requests = min_requests
        self._next_report_at = 0.0  # on time.monotonic()'s clock
        self._pid = None
        self._key = None
        self._script = None
        self._reporting = threading.Lock()
        self._error_logged = False

    def served(self, now: float, *, count: int, service_s: float, measured: int) -> None:
        """Called by a server thread after each request, with time.monotonic() just read and the servers' figures:
        `count` threads, `service_s` their average service time over `measured` requests so far. Cheap unless a
        report is due (and then only one server thread writes it; the others go on)."""
        if now < self._next_report_at or measured < self.min_requests or service_s <= 0:
            return
        if not self._reporting.acquire(blocking=False):
            return
        try:
            self._next_report_at = now + REPORT_INTERVAL_S
            self._write(count / service_s)
        finally:
            self._reporting.release()

    def _write(self, requests_per_second: float) -> None:
        try:
            if self._pid != os.getpid():
                self._connect()
            self._script(keys=[self._key, index_key(self.prefix)],
                         args=[f"{requests_per_second:.3f}", self.ttl_s, _INDEX_TTL_S])
        except Exception as exc:  # a report must never break the server thread that writes it
            self._next_report_at += ERROR_PAUSE_S
            if not self._error_logged:
                self._error_logged = True
                logger.warning("Capacity reports to %s fail (%s); retrying every %s s, not logged again.",
                               redact(self.url), type(exc).__name__, ERROR_PAUSE_S)

    def _connect(self) -> None:
        self._pid = os.getpid()
        self._key = f"{self.prefix}:{socket.gethostname()}:{self._pid}"
        client = redis.Redis.from_url(self.url, socket_timeout=_SOCKET_TIMEOUT_S,
                                      socket_connect_timeout=_SOCKET_TIMEOUT_S)
        self._script = client.register_script(_REPORT)


def redact(url: str) -> str:
    """The URL without its password, for a log line."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}"


def sum_reports(client: redis.Redis, prefix: str) -> float | None:
    """The sum of the live processes' capacities under `prefix` (None when none is reported). Members of the index
    whose key has expired are removed from it."""
    index = index_key(prefix)
    keys = sorted(member.decode() for member in client.smembers(index))
    if not keys:
        return None
    values = client.mget(keys)
    dead = [key for key, value in zip(keys, values, strict=True) if value is None]
    if dead:
        client.srem(index, *dead)
    live = [float(value) for value in values if value is not None]
    return sum(live) if live else None


_clients: dict[str, redis.Redis] = {}
_last_read: dict[tuple[str, str], tuple[float, float | None]] = {}
_read_error_logged = False


def measured_requests_per_second(*, now: float | None = None) -> float | None:
    """What the service's live processes can serve together, in requests a second, as they last reported it
    (CAPACITY_REDIS_URL, CAPACITY_REDIS_PREFIX); None when no process reports (the shedder is off, as with
    `make run`, or none has served enough requests yet), reports are off (an empty URL) or Redis does not
    answer. Read at most once per `READ_MAX_AGE_S` per process."""
    global _read_error_logged
    from django.conf import settings

    url, prefix = settings.CAPACITY_REDIS_URL, settings.CAPACITY_REDIS_PREFIX
    if not url:  # reports turned off
        return None
    now = time.monotonic() if now is None else now
    cached = _last_read.get((url, prefix))
    if cached is not None and now - cached[0] < READ_MAX_AGE_S:
        return cached[1]
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_timeout=0.2, socket_connect_timeout=0.2)
    try:
        total = sum_reports(_clients[url], prefix)
    except redis.RedisError as exc:
        total = None
        if not _read_error_logged:
            _read_error_logged = True
            logger.warning("The measured capacity cannot be read from %s (%s); not logged again.",
                           redact(url), type(exc).__name__)
    _last_read[(url, prefix)] = (now, total)
    return total


def forget_last_read() -> None:
    """Read Redis again at the next call (tests, which change the reports within a second)."""
    _last_read.clear()
