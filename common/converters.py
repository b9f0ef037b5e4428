"""Path converters. `<id:...>` is a database id: use it for every id in a path (tests/common/test_hardening.py
checks)."""
from django.urls import register_converter
from django.urls.converters import get_converters


class IdConverter:
    """Digits, at most the largest 64-bit integer. Anything larger cannot name a row, so the path does not match
    (404) instead of reaching the database: SQLite cannot even bind such a number (OverflowError, a 500 before)."""

    regex = "[0-9]{1,19}"
    MAX = 2**63 - 1

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > self.MAX:
            raise ValueError("out of range")  # the resolver treats it as "no match"
        return number

    def to_url(self, value) -> str:
        return str(value)


def register() -> None:
    """Register `id` once, whichever URL module is imported first (Django refuses to re-register a converter)."""
    if "id" not in get_converters():
        register_converter(IdConverter, "id")
