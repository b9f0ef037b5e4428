"""The error codes: common.error_codes lists every code the code can answer, and docs/api.md's error table lists
exactly it."""
import re
from pathlib import Path

from rest_framework import exceptions as drf_exceptions
from rest_framework_simplejwt.exceptions import InvalidToken

from common import error_codes
from common.errors import DomainError

ROOT = Path(__file__).resolve().parents[2]  # the repository
# `code = "x"` (class attribute), `code="x"` (keyword), `"code": "x"` (a JSON body) in our own code.
CODE_LITERAL = re.compile(r"""(?:\bcode\s*=\s*|["']code["']\s*:\s*)["']([a-z_]+)["']""")
# The exception handler's last-resort shape for a DRF error without a detail, which DRF never produces.
UNREACHABLE_FALLBACKS = {"error"}


def _catalogue() -> set[tuple[int, str]]:
    return {(entry.status, entry.code) for entry in error_codes.ERRORS}


def _docs_table() -> set[tuple[int, str]]:
    text = (ROOT / "docs" / "api.md").read_text()
    section = text.split("\n## Errors\n", 1)[1].split("\n## ", 1)[0]
    rows = set()
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].isdigit():
            rows |= {(int(cells[0]), code) for code in re.findall(r"`([a-z_]+)`", cells[1])}
    return rows


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_the_docs_error_table_lists_exactly_the_codes_of_the_catalogue():
    documented = _docs_table()

    assert documented - _catalogue() == set(), "in docs/api.md but not in common/error_codes.py"
    assert _catalogue() - documented == set(), "in common/error_codes.py but not in docs/api.md's error table"


def test_every_domain_error_is_in_the_catalogue():
    for cls in [DomainError, *_subclasses(DomainError)]:
        assert (cls.status_code, cls.code) in _catalogue(), cls.__name__


def test_every_code_written_in_our_code_is_in_the_catalogue():
    codes = set()
    apps = ["common", "accounts", "venues", "core", "tickets", "orders", "waitlist", "notifications", "reports", "web",
            "ticketing_system"]
    for path in [path for app in apps for path in (ROOT / app).rglob("*.py")]:
        codes |= set(CODE_LITERAL.findall(path.read_text()))

    assert codes - UNREACHABLE_FALLBACKS - {code for _, code in _catalogue()} == set()
    assert {"not_found", "server_error", "too_large", "too_deep", "user_inactive"} <= codes  # the scan works


def test_the_codes_drf_and_simplejwt_answer_for_us_are_in_the_catalogue():
    answered = {
        (drf_exceptions.ParseError.status_code, drf_exceptions.ParseError.default_code),
        (drf_exceptions.NotAuthenticated.status_code, drf_exceptions.NotAuthenticated.default_code),
        (drf_exceptions.PermissionDenied.status_code, drf_exceptions.PermissionDenied.default_code),
        (drf_exceptions.NotFound.status_code, drf_exceptions.NotFound.default_code),
        (drf_exceptions.MethodNotAllowed.status_code, drf_exceptions.MethodNotAllowed.default_code),
        (drf_exceptions.UnsupportedMediaType.status_code, drf_exceptions.UnsupportedMediaType.default_code),
        (drf_exceptions.Throttled.status_code, drf_exceptions.Throttled.default_code),
        (InvalidToken.status_code, InvalidToken.default_code),
        # simplejwt's own codes (rest_framework_simplejwt.authentication and .serializers).
        (401, "bad_authorization_header"), (401, "no_active_account"),
    }

    assert answered - _catalogue() == set()


def test_bad_authorization_header_is_really_answered_so(api_client):
    response = api_client.get("/my-bookings/", HTTP_AUTHORIZATION="Bearer")

    assert response.status_code == 401
    assert response.json()["code"] == "bad_authorization_header"
