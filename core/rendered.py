"""The catalogue's plain reads as JSON bytes, each show's or movie's part rendered once per distinct row.

Why (docs/performance.md, "Where a catalogue read's CPU goes"; docs/decisions/0051): with the catalogue cache off
or missed, a movie's dozen shows cost about 3x `/health/`'s CPU, and most of it was per show: making the Show,
Movie, Screen and Cinema instances from the row, the serializer's dict (ISO datetimes, the prices' JSON decoded and
re-written), and rendering it. What a show's part says is a function of its row alone (the values the read
selects) and of the request's time zone, so that work is done once per distinct row and its bytes kept:

- The key is the row itself, as the database gave it (JSON columns still text), without `available_seats`, which
  is written into every answer from the row just read. Nothing is ever answered from the memory that the
  database did not just return: a staff change (made anywhere, through the models' signals or not) is a new row,
  hence a new key; a sale changes only the count. There is no invalidation to forget, and no lifetime.
- The part is made by the one home of the shape: the selector turns the row into the instances the queryset
  would make, `ShowWithAvailabilitySerializer`/`MovieDetailSerializer` writes them and DRF's `JSONRenderer`
  renders them; how a list and the trailing count are framed is read off that renderer, not written here. When
  the renderer's output cannot be split that way, every answer is rendered whole.
- Answers are exactly the bytes `Response(serializer.data)` renders (tests/core/test_rendered.py compares them,
  headers included). A request whose accepted media type carries parameters (`Accept: application/json;
  indent=4`) gets DRF's own rendering.

The kept parts are bounded (`_MAX_PARTS`; emptied when full: a changed show leaves its old part unused) and
forgotten when a setting changes (the currency, the time zone, DRF's JSON settings: tests).
"""
from django.core.signals import setting_changed
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from rest_framework.renderers import JSONRenderer

from core import selectors
from core.serializers import MovieDetailSerializer, ShowWithAvailabilitySerializer

_MAX_PARTS = 10_000  # a show's part with its key is about 1 KB
# (kind of row, time zone, row without its count) -> the show's rendered bytes up to its count, or the movie's
_parts: dict[tuple, bytes] = {}
_framing: tuple[bytes, bytes, bytes] | None = None
_renderer = JSONRenderer()
CONTENT_TYPE = f"{JSONRenderer.media_type}; charset={JSONRenderer.charset}" if JSONRenderer.charset \
    else JSONRenderer.media_type  # what Response.rendered_content sets for this renderer


def applies(request) -> bool:
    """Whether DRF would render this request's answer with JSONRenderer and no parameters (no `indent=`)."""
    return (isinstance(getattr(request, "accepted_renderer", None), JSONRenderer)
            and request.accepted_media_type == JSONRenderer.media_type)


def response(body: bytes) -> HttpResponse:
    """What `Response(data)` is once DRF has rendered it with JSONRenderer."""
    return HttpResponse(body, content_type=CONTENT_TYPE)


def shows(found: selectors.ShowRows) -> bytes:
    """`JSONRenderer().render(ShowWithAvailabilitySerializer(<found's shows>, many=True).data)`."""
    start, separator, end = _list_framing()
    context = _context()
    return start + separator.join([_show(found, row, context) for row in found.rows]) + end


def show(found: selectors.ShowRows) -> bytes:
    """`JSONRenderer().render(ShowWithAvailabilitySerializer(<found's one show>).data)`."""
    return _show(found, found.rows[0], _context())


def movies(found: selectors.MovieRows) -> bytes:
    """`JSONRenderer().render(MovieDetailSerializer(<found's movies>, many=True).data)`."""
    start, separator, end = _list_framing()
    context = _context()
    parts = []
    for row in found.rows:
        key = ("movie", context, row)
        part = _parts.get(key)
        if part is None:
            part = _keep(key, _renderer.render(MovieDetailSerializer(found.movie(row)).data))
        parts.append(part)
    return start + separator.join(parts) + end


def _context() -> tuple:
    """What besides the row an answer may depend on: the current time zone (datetimes are written in it) and,
    though no catalogue field is translated today, the language."""
    return timezone.get_current_timezone(), get_language()


def _show(found: selectors.ShowRows, row: tuple, context: tuple) -> bytes:
    count = row[-1]
    if type(count) is int:  # not a bool or a Decimal, which would be written otherwise
        key = (found.kind, context, row[:-1])
        head = _parts.get(key)
        if head is None:
            head = _show_head(found, row, key)
        if head is not None:
            return head + b"%d}" % count
    return _renderer.render(ShowWithAvailabilitySerializer(found.show(row)).data)


def _show_head(found: selectors.ShowRows, row: tuple, key: tuple) -> bytes | None:
    """The show's rendering up to its count: rendered with two counts, the bytes before where they differ, when
    that is all that differs and the count closes the object (as the serializer writes it last)."""
    instance = found.show(row)
    rendered = []
    for sample in (0, 1):
        instance.available_seats = sample
        rendered.append(_renderer.render(ShowWithAvailabilitySerializer(instance).data))
    zero, one = rendered
    if not (zero.endswith(b"0}") and one.endswith(b"1}") and zero[:-2] == one[:-2]):
        return None
    return _keep(key, zero[:-2])


def _keep(key: tuple, part: bytes) -> bytes:
    if len(_parts) >= _MAX_PARTS:
        _parts.clear()  # a busy day's new rows must not grow it without end; the next reads fill it again
    _parts[key] = part
    return part


def _list_framing() -> tuple[bytes, bytes, bytes]:
    """How the renderer writes a list: what opens it, separates its items and closes it."""
    global _framing
    if _framing is None:
        empty, two = _renderer.render([]), _renderer.render([0, 1])
        start, _, rest = two.partition(b"0")
        separator, _, end = rest.partition(b"1")
        if start + end != empty:
            raise ValueError("JSONRenderer writes lists in a way core.rendered cannot compose")
        _framing = (start, separator, end)
    return _framing


def forget(**kwargs) -> None:
    """Drop the kept parts and framing: a setting changed (the currency, the time zone, DRF's JSON settings)."""
    global _framing
    _parts.clear()
    _framing = None


setting_changed.connect(forget, dispatch_uid="core.rendered.forget")
