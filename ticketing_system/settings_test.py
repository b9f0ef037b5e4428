"""Settings for the test suite: the real settings, with a fixed secret and a fast password hasher.

The database still comes from DATABASE_URL, so the same suite runs against SQLite and PostgreSQL.
"""
import os

# Before importing the real settings, which refuse to load without a secret when DEBUG is off (as in tests).
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-used-anywhere-else")

from .settings import *  # noqa: E402,F403

# Hashing with PBKDF2's 1M iterations would dominate the suite's run time; the hasher is not under test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
