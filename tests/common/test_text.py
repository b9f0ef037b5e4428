"""common.text: which characters a name may hold, and one_line for values that must stay on one line."""
import pytest
from django.core.exceptions import ValidationError

from common.text import one_line, validate_multi_line, validate_single_line

REFUSED = ["\r", "\n", "\t", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\u202e", "\u2066"]


@pytest.mark.parametrize("char", REFUSED)
def test_a_single_line_refuses_control_characters(char):
    with pytest.raises(ValidationError) as caught:
        validate_single_line(f"Evil{char}Bcc: x@example.com")
    assert caught.value.code == "invalid"


@pytest.mark.parametrize("name", ["Amélie", "अंदाज़ अपना अपना", "क्‍ष", "👩‍👩‍👧 Family", "Dune: Part Two", ""])
def test_names_in_any_script_pass(name):
    # The zero-width joiner (Devanagari conjuncts, emoji sequences) is a format character that stays allowed.
    validate_single_line(name)


def test_a_multi_line_text_allows_line_breaks_and_tabs_only():
    validate_multi_line("First line.\r\nSecond\tline.")
    for char in ("\x00", "\x1b", "\u202e"):
        with pytest.raises(ValidationError):
            validate_multi_line(f"Text{char}")


@pytest.mark.parametrize("value, expected", [
    ("Evil\r\nBcc: x@example.com", "Evil Bcc: x@example.com"),
    ("  a \t\x00 b\u2028c ", "a b c"),
    ("Plain", "Plain"),
])
def test_one_line(value, expected):
    assert one_line(value) == expected
