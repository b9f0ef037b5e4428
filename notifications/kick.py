"""Waking the worker for new outbox rows: one Redis command per mail, not one Celery message.

Publishing a Celery task for every booking's mail (kombu's message, its serialisation, a Redis client made per
publish) measured 1.7–1.9 ms of the web process's CPU per booking, half of all of it. The web process
now only sets a flag after its commit: `SET <queue>:outbox-kick 1 NX EX <ttl>`. Whoever sets it (the flag was not
there) enqueues one `drain_outbox` task; everybody else does nothing more, because a drain is already queued and
has not started yet (notifications.dispatch.kick_worker). The drain deletes the flag *before* it reads the outbox, so:

- a row committed before its writer found the flag set is read by that queued drain (the flag was still there,
  so the drain's delete, and therefore its read, comes after the commit);
- a row committed after the drain's delete sets the flag again and enqueues the next drain.

Under load that is one Celery message per drain (a batch of mails), and one cheap Redis round trip per mail.
The flag expires after KICK_TTL_SECONDS, so a drain task that was lost (the broker's data wiped, a worker killed
between taking the task and deleting the flag) delays mail by at most that long once bookings keep coming; the
worker's periodic sweep (`send_pending_mail`) covers the rest. Works with a Redis broker (the one this project
uses); with any other broker each mail is enqueued as its own task, as before.
"""
import functools
import os
import threading

from django.conf import settings

KICK_TTL_SECONDS = 30


def kick_key() -> str:
    """The flag's key: per Celery queue (CELERY_QUEUE), so two deployments or test runs on one Redis do not share it."""
    return f"{settings.CELERY_TASK_DEFAULT_QUEUE}:outbox-kick"


def redis_client():
    """A Redis client on the broker, or None when the broker is not Redis. One per process and broker URL."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return None
    return _kicker(url, os.getpid())


class _Kicker:
    """redis-py's client for the occasional command, and one connection of its own for the flag, used directly.

    Through the client (connection pool, retries, argument handling, reply callbacks) one SET cost ~50 µs of CPU;
    a kept connection sending the command packed once costs half that, on every booking.
    """

    def __init__(self, url: str):
        import redis

        # Short timeouts: this runs after a customer's commit, and a broker that hangs must not hold the response
        # for long (the mail is safe in the outbox either way).
        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self._connection = self.client.connection_pool.make_connection()
        self._lock = threading.Lock()  # one command at a time on the connection (SERVE_THREADS > 1)
        self._packed = {}

    def set_flag(self, key: str) -> bool:
        """SET key 1 NX EX ttl on the kept connection: True if this call set it. Reconnects on the next call
        after an error (the error is raised)."""
        with self._lock:
            packed = self._packed.get(key)
            if packed is None:
                packed = self._packed[key] = self._connection.pack_command(
                    "SET", key, "1", "NX", "EX", KICK_TTL_SECONDS)
            try:
                self._connection.send_packed_command(packed, check_health=False)
                reply = self._connection.read_response()
            except Exception:
                self._connection.disconnect()  # half a conversation: start afresh next time
                raise
        return reply is not None  # OK when set, nil when the key was there

    def delete(self, key: str) -> None:
        self.client.delete(key)


@functools.lru_cache(maxsize=4)
def _kicker(url: str, pid: int) -> _Kicker:
    return _Kicker(url)


def clear_kick() -> None:
    """Called by the drain before it reads the outbox (see the module docstring for why before)."""
    kicker = redis_client()
    if kicker is not None:
        kicker.delete(kick_key())
