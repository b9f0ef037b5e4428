"""Waking the worker for new outbox rows: one Redis command per mail, not one Celery message.

Publishing a Celery task for every booking's mail (kombu's message, its serialisation, a Redis client made per
publish) measured 1.7–1.9 ms of the web process's CPU per booking, half of all of it (issue 13). The web process
now only sets a flag after its commit: `SET <queue>:outbox-kick 1 NX EX <ttl>`. Whoever sets it (the flag was not
there) enqueues one `drain_outbox` task; everybody else does nothing more, because a drain is already queued and
has not started yet. The drain deletes the flag *before* it reads the outbox, so:

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
from urllib.parse import urlparse

from django.conf import settings

KICK_TTL_SECONDS = 30


def kick_key() -> str:
    """The flag's key: per Celery queue, so two deployments (or test runs) on one Redis do not share it."""
    from ticketing_system.celery import app

    return f"{app.conf.task_default_queue}:outbox-kick"


def redis_client():
    """A Redis client on the broker, or None when the broker is not Redis. One per process (and broker URL):
    its connection is kept between requests, like the database's."""
    url = settings.CELERY_BROKER_URL
    if urlparse(url).scheme not in ("redis", "rediss"):
        return None
    return _client(url, os.getpid())


@functools.lru_cache(maxsize=4)
def _client(url: str, pid: int):
    import redis

    # Short timeouts: the caller runs after a customer's commit, and a broker that hangs must not hold the response
    # for long (the mail is safe in the outbox either way).
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def kick_worker() -> bool:
    """Make sure a drain of the outbox is queued after this moment. True if this call enqueued it."""
    from notifications import tasks

    client = redis_client()
    key = kick_key()
    if not client.set(key, b"1", nx=True, ex=KICK_TTL_SECONDS):
        return False  # a drain is queued and has not started: it will read what we committed
    try:
        tasks.drain_outbox.apply_async(retry=False)
    except Exception:
        # Not enqueued: take the flag back, so the next mail tries again instead of waiting for it to expire.
        client.delete(key)
        raise
    return True


def clear_kick() -> None:
    """Called by the drain before it reads the outbox (see the module docstring for why before)."""
    client = redis_client()
    if client is not None:
        client.delete(kick_key())
