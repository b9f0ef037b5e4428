"""common.cache.RedisCache: Django's Redis cache backend, reusing one client per connection pool."""
import uuid

from common.cache import RedisCache
from tests.outside_parts import redis_or_skip


def test_one_client_per_pool_and_the_cache_still_works():
    cache = RedisCache(redis_or_skip(), {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})

    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=False)
    cache.set("k", {"a": 1}, timeout=30)
    assert cache.get("k") == {"a": 1}
    assert cache.add("k", "other", timeout=30) is False
    cache.delete("k")
    assert cache.get("k") is None
