"""JSON parsing with limits on the shape of the body, for every endpoint.

The body's size is limited before parsing (common.middleware); this bounds what a small body can still do: a
JSON array longer than REQUEST_MAX_LIST_ITEMS (say 10,000 seat numbers) or nested deeper than
REQUEST_MAX_JSON_DEPTH is refused with 400 before any serializer or service sees it. Very deep nesting would
otherwise make the json module raise RecursionError, which DRF's parser does not catch (a 500).
"""
from django.conf import settings
from django.utils.translation import gettext_noop as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from common.i18n import translated

LIST_TOO_LONG_DETAIL = _("A list in the request body has more than {limit} items.")
TOO_DEEP_DETAIL = _("The request body is nested more than {limit} levels deep.")


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(translated(TOO_DEEP_DETAIL, limit=settings.REQUEST_MAX_JSON_DEPTH),
                             code="too_deep") from None
        _check_shape(data)
        return data


def _check_shape(data) -> None:
    max_items = settings.REQUEST_MAX_LIST_ITEMS
    max_depth = settings.REQUEST_MAX_JSON_DEPTH
    # Iterative, so checking a deep document cannot itself recurse too deep.
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, (list, dict)):
            if depth > max_depth:
                raise ParseError(translated(TOO_DEEP_DETAIL, limit=max_depth), code="too_deep")
            if isinstance(value, list):
                if len(value) > max_items:
                    raise ParseError(translated(LIST_TOO_LONG_DETAIL, limit=max_items), code="too_many_items")
                pending.extend((item, depth + 1) for item in value)
            else:
                pending.extend((item, depth + 1) for item in value.values())
