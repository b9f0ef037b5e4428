"""Settings for the test suite: the real settings, with a fixed secret and a fast password hasher.

The database still comes from DATABASE_URL, so the same suite runs against SQLite and PostgreSQL.
"""
import os
import secrets

# Before importing the real settings, which refuse to load without a strong secret when DEBUG is off (as in
# tests): a fresh one per test process, so no key in the repository could ever sign anything that matters.
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))

from .settings import *

# Hashing with PBKDF2's 1M iterations would dominate the suite's run time; the hasher is not under test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests use plain http with DEBUG off; production's redirect to https would answer every request 301.
SECURE_SSL_REDIRECT = False

# Throttling in the suite: every test starts with an empty local-memory cache (tests/conftest.py clears it), and
# the rates are generous, so a test that makes many requests (the race tests: dozens of bookings at once) never
# meets a limit by accident. The throttle tests set the rates they test explicitly (tests/project/test_throttling.py).
# The cache is local memory even if REDIS_URL is set in the environment, so parallel runs on one Redis cannot
# share counters; the Redis sharing test starts its own processes with their own REDIS_URL.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {scope: "100000/min" for scope in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]},
}

# A second alias on the test database itself (Django's test mirror: no second database is created), so the replica
# router's tests (tests/common/test_replica_router.py) can see which alias each query used. The router sends
# nothing to it unless REPLICA_DATABASE_ALIAS names it, which only those tests do.
DATABASES = {**DATABASES, "replica": {**DATABASES["default"], "TEST": {"MIRROR": "default"}}}
# Uploaded posters (the seed's and the tests') go to a directory of this test process, never the repository's media/.
import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

MEDIA_ROOT = tempfile.mkdtemp(prefix="ticketing-test-media-")
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)

# The application the tests import (ticketing_system.wsgi) reports no capacity: a test process must not add itself to
# a running deployment's measurement. The capacity tests build their reporters themselves, on the test Redis.
CAPACITY_REDIS_URL = ""
