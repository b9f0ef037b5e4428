"""The waiting room's fixtures: a Redis of the test run's own (TEST_REDIS_URL) with a key prefix per test, an
on-sale of the shared `show`, and programme staff."""
from datetime import timedelta

import pytest
import redis
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.roles import PROGRAMME
from onsales import services
from tests.factories import UserFactory
from tests.outside_parts import redis_or_skip


@pytest.fixture
def onsale_redis(settings):
    """A Redis that answers (or the test is skipped, saying so); the test's lines (under the prefix of its own
    that tests/conftest.py gives it) are deleted afterwards."""
    url = settings.ONSALE_REDIS_URL = redis_or_skip()
    prefix = settings.ONSALE_REDIS_PREFIX
    yield prefix
    r = redis.Redis.from_url(url)
    keys = list(r.scan_iter(f"{prefix}:*"))
    if keys:
        r.delete(*keys)


@pytest.fixture
def opens_at():
    return (timezone.now() + timedelta(hours=1)).replace(microsecond=0)


@pytest.fixture
def onsale(onsale_redis, show, opens_at):
    return services.onsale_create(shows=[show.pk], opens_at=opens_at, admit_per_minute=60, pass_minutes=10)


@pytest.fixture
def programme_user(db):
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name=PROGRAMME)[0])
    return user
