"""Free text people type (titles, names, labels): what characters it may hold.

A name is shown on pages, printed on tickets, written into CSV and into mail headers (a subject names the film):
a control character in it breaks some of them (a CR/LF in a title made every reservation mail of its shows fail
with `BadHeaderError`) and shows in none. So a single-line name refuses:
- every control character (Unicode category Cc: NUL, tab, CR, LF, ESC, DEL, U+0080–U+009F with NEL);
- the line and paragraph separators (U+2028, U+2029), which some readers take as line breaks;
- the bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), which reorder what is shown
  ("Trojan Source").
Other format characters stay allowed: the zero-width joiner and non-joiner shape Devanagari (our Hindi pages)
and emoji. A multi-line text (a synopsis) also allows LF, CR and tab.

These validators are the one home of the rule: model fields carry them (the admin's forms run them) and the API's
serializer fields carry the same ones (a 400 `invalid` naming the field). What is stored already is kept
harmless where it leaves (`one_line` for mail headers, common.csv_export for spreadsheets):
docs/decisions/0021-names-are-one-line-text.md.
"""
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTERS_MESSAGE = _("Control characters (such as line breaks, tabs or NUL) are not allowed.")

_REFUSED_FORMAT = frozenset("\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MULTI_LINE_ALLOWED = frozenset("\n\r\t")


def _refused(char: str) -> bool:
    return char in _REFUSED_FORMAT or unicodedata.category(char) == "Cc"


def has_control_characters(value: str) -> bool:
    """Whether a single-line text holds a character it may not (for checks that report errors their own way)."""
    return any(_refused(char) for char in value)


def validate_single_line(value) -> None:
    """A name, a title, a label: no control character at all."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code="invalid")


def validate_multi_line(value) -> None:
    """A longer text (a synopsis): line breaks and tabs allowed, no other control character."""
    if isinstance(value, str) and any(_refused(char) and char not in _MULTI_LINE_ALLOWED for char in value):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code="invalid")


def validate_single_line_each(value) -> None:
    """A list of names (a film's genres): each one a single line."""
    if isinstance(value, list | tuple):
        for item in value:
            validate_single_line(item)


def one_line(value: str) -> str:
    """The text on one line, whatever it holds: every run of whitespace and of characters a single line refuses
    becomes one space. For values that must stay one line even when stored text is not (a mail header: a CR or
    LF in it would end the header and start another, e.g. `Bcc:`)."""
    return " ".join("".join(" " if _refused(char) else char for char in value).split())
