"""The start-up check of signing keys (DJANGO_SECRET_KEY, JWT_SIGNING_KEY) with DEBUG off.

The secret key signs the JWTs (unless JWT_SIGNING_KEY is set): a key that can be guessed lets anyone forge a
staff token offline from one token they were given. The rules are Django's own deploy check (security.W009:
at least 50 characters, at least 5 distinct ones, not "django-insecure-"), made fatal, plus a list of the
placeholders people paste from tutorials and READMEs.
"""
import re

from django.core.exceptions import ImproperlyConfigured

MIN_LENGTH = 50
MIN_DISTINCT_CHARACTERS = 5
# Compared with the key lower-cased and reduced to letters and digits, as a substring: "changeme" repeated to
# 50 characters, or "your-secret-key-here-...", are refused too.
PLACEHOLDERS = (
    "changeme", "changethis", "replaceme", "secretkey", "yoursecret", "mysecret", "supersecret", "notsecret",
    "insecure", "placeholder", "example", "donotuse", "dontuse", "testonly", "password", "letmein",
    "developmentonly", "keyhere",
)
HOW_TO_MAKE_ONE = "make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"


def secret_key_problem(key: str) -> str | None:
    """Why `key` is too weak to sign anything, or None."""
    if len(key) < MIN_LENGTH:
        return f"it is shorter than {MIN_LENGTH} characters"
    if len(set(key)) < MIN_DISTINCT_CHARACTERS:
        return f"it has fewer than {MIN_DISTINCT_CHARACTERS} distinct characters"
    letters = re.sub(r"[^a-z0-9]", "", key.lower())
    for placeholder in PLACEHOLDERS:
        if placeholder in letters:
            return f"it contains the well-known placeholder {placeholder!r}"
    return None


def check_secret_key(name: str, key: str) -> None:
    problem = secret_key_problem(key)
    if problem:
        raise ImproperlyConfigured(f"{name} is too weak to run with DEBUG off: {problem}; {HOW_TO_MAKE_ONE}")
