"""Django's Redis cache, without building a new client object for every call.

Django's `RedisCacheClient.get_client()` returns `redis.Redis(connection_pool=pool)` afresh for each cache operation,
and a `redis.Redis` fills a table of some two hundred response callbacks when it is made: profiled on the catalogue's
reads (bench/profile_reads.py), making those clients was a fifth of a show's CPU, more than the round trips. A client
holds no connection of its own (it borrows one from the pool per command) and is safe to share, so one per pool is
kept and reused. Everything else is Django's backend, unchanged.
"""
from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            # Pools are kept for the backend's life (Django's self._pools), so id(pool) names one pool throughout.
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
