"""JSON parsing with limits on the shape of the body, for every endpoint.

The body's size is limited before parsing (common.middleware); this bounds what a small body can still do: a
JSON array longer than REQUEST_MAX_LIST_ITEMS (say 10,000 seat numbers) or nested deeper than
REQUEST_MAX_JSON_DEPTH is refused with 400 before any serializer or service sees it. Very deep nesting would
otherwise make the json module raise RecursionError, which DRF's parser does not catch (a 500).

`json_loads` is the one way a body becomes data: DRF's parser (every API endpoint) and the views that read a raw
body themselves (the Stripe webhook, which must verify the signature on the bytes first) both use it, so what
one refuses with a 400 the other does too: text that is not UTF-8, not JSON, NaN or Infinity, a number of more
digits than Python converts, nesting deeper than the limit, and strings that no database can store (a lone
UTF-16 surrogate such as "\ud800", valid JSON escape but not text: PostgreSQL refused it with a 500).
"""
import json

from django.conf import settings
from django.utils.translation import gettext_noop as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from common.i18n import translated

LIST_TOO_LONG_DETAIL = _("A list in the request body has more than {limit} items.")
TOO_DEEP_DETAIL = _("The request body is nested more than {limit} levels deep.")


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        return json_loads(stream.read() if stream is not None else b"", encoding=encoding)


def json_loads(body: bytes | str, *, encoding: str = "utf-8", max_depth: int | None = None,
               max_items: int | None = None):
    """A request body as data, or ParseError (400 `parse_error`, `too_deep`, `too_many_items`). The limits
    default to REQUEST_MAX_JSON_DEPTH and REQUEST_MAX_LIST_ITEMS."""
    max_depth = settings.REQUEST_MAX_JSON_DEPTH if max_depth is None else max_depth
    try:
        text = body.decode(encoding) if isinstance(body, bytes) else body
        # As DRF's parser (STRICT_JSON): NaN and Infinity are not JSON.
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ParseError(translated(TOO_DEEP_DETAIL, limit=max_depth), code="too_deep") from None
    except ValueError as exc:  # not UTF-8, not JSON, a number too long to convert
        raise ParseError(f"JSON parse error - {exc}") from None
    _check_shape(data, max_depth=max_depth,
                 max_items=settings.REQUEST_MAX_LIST_ITEMS if max_items is None else max_items)
    return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _check_shape(data, *, max_depth: int, max_items: int) -> None:
    # Iterative, so checking a deep document cannot itself recurse too deep.
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, (list, dict)):
            if depth > max_depth:
                raise ParseError(translated(TOO_DEEP_DETAIL, limit=max_depth), code="too_deep")
            if isinstance(value, list):
                if len(value) > max_items:
                    raise ParseError(translated(LIST_TOO_LONG_DETAIL, limit=max_items), code="too_many_items")
                pending.extend((item, depth + 1) for item in value)
            else:
                pending.extend((item, depth + 1) for item in value.values())
                pending.extend((key, depth) for key in value)


def _check_text(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ParseError("JSON parse error - a string holds a lone surrogate (not text)") from None
