"""The catalogue's plain reads written from each row's part rendered once (core.rendered, decision 0051): exactly
the bytes and headers DRF's rendering of the serializer gives, and never a part the row just read does not say,
however the catalogue changed (with the models' signals or without) and whatever was sold meanwhile."""
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers

from common import httpcache
from core import rendered, selectors
from core.models import Movie, Show, ShowSeat
from core.services import catalog
from core.services import holds as hold_service
from tests.conftest import ON_POSTGRES
from tests.factories import (
    SMALL_PRICES,
    BookingFactory,
    MovieFactory,
    ScreenFactory,
    ShowFactory,
    TicketTypeFactory,
    UserFactory,
    mark_booked,
)
from venues.models import Cinema

pytestmark = pytest.mark.django_db

# Time-dependent (the answer's time) or per request: everything else must be the same.
_PER_ANSWER = {"last-modified", "x-request-id"}


@pytest.fixture
def sitting(settings):
    """The catalogue cache off, so every read runs the view; a movie whose shows cover what a show can be: on a
    screen in another time zone with types priced and seats held, in the seed's form with a booking, and a title
    with characters the JSON renderer writes specially."""
    settings.CATALOGUE_MAX_AGE_SECONDS = 0
    rendered.forget()
    movie = MovieFactory(title="Amélie \u2028 «3D»", genres=["Comedy", "Romance"], language="French")
    MovieFactory(title="Second")
    starts = timezone.now().replace(microsecond=0) + timedelta(days=3)
    screen = ScreenFactory()
    TicketTypeFactory(cinema=screen.cinema, code="child")
    on_screen = catalog.show_create(movie_id=movie.id, screen_id=screen.id, date_time=starts,
                                    prices={**SMALL_PRICES, "standard": {"adult": "10.00", "child": "7.50"}},
                                    language="French", format="3D")
    seed_form = ShowFactory(movie=movie, date_time=starts - timedelta(days=1, microseconds=1))
    BookingFactory(show=seed_form, seat_number=2)
    mark_booked(seed_form, [2])
    hold_service.hold_create(user=UserFactory(), show_id=on_screen.id, seat_numbers=[1, 2])
    return movie, on_screen, seed_form


def _paths(movie, show):
    return ["/movies/", f"/movies/{movie.id}/shows/", f"/shows/?movie={movie.id}", f"/shows/{show.id}/"]


def _answer(client, path, **headers):
    response = client.get(path, **headers)
    # In their order too.
    return (response.status_code, response.content,
            [(k, v) for k, v in response.headers.items() if k.lower() not in _PER_ANSWER])


def _through_drf(monkeypatch, client, path, **headers):
    """The same request answered as before core.rendered: `Response(serializer.data)`, rendered by DRF."""
    with monkeypatch.context() as patched:
        patched.setattr(rendered, "applies", lambda request: False)
        return _answer(client, path, **headers)


def test_the_answers_are_drf_s_bytes_and_headers(api_client, sitting, monkeypatch):
    movie, on_screen, seed_form = sitting
    for path in _paths(movie, on_screen) + [f"/shows/{seed_form.id}/"]:
        for _ in range(2):  # the first read renders the parts, the second uses them
            answer = _answer(api_client, path)
            assert answer == _through_drf(monkeypatch, api_client, path), path
            assert answer[0] == 200
    if ON_POSTGRES:  # where the reads are composed (SQLite: the serializer answers every read)
        assert {key[0] for key in rendered._parts} == {"movie", "listed show"}


def test_a_list_s_bytes_are_the_renderer_s(sitting):
    movie, _, _ = sitting
    found = selectors.show_rows_of_movie(movie_id=movie.id)
    if found is None:
        pytest.skip("the shows of a movie are composed on PostgreSQL only (SQLite binds datetimes as text)")
    from rest_framework.renderers import JSONRenderer

    from core.serializers import ShowWithAvailabilitySerializer

    expected = JSONRenderer().render(ShowWithAvailabilitySerializer(
        list(selectors.show_list_for_movie(movie_id=movie.id)), many=True).data)
    assert rendered.shows(found) == rendered.shows(found) == expected
    assert b"\\u2028" in expected  # the renderer's own escaping, kept in the part
    for zone in ("Asia/Kolkata", "America/New_York"):  # the parts follow the current time zone
        with timezone.override(zone):
            assert rendered.shows(found) == JSONRenderer().render(ShowWithAvailabilitySerializer(
                list(selectors.show_list_for_movie(movie_id=movie.id)), many=True).data)


def test_changes_made_without_signals_and_sales_are_seen_at_once(api_client, sitting, monkeypatch):
    """No invalidation is involved: a part is used only for the row the read just returned. A change the models'
    signals never see (a queryset update) and a sale each show in the next answer."""
    movie, on_screen, seed_form = sitting
    paths = _paths(movie, on_screen)
    before = {path: _answer(api_client, path) for path in paths}

    Movie.objects.filter(pk=movie.pk).update(title="Renamed", duration_minutes=99, genres=["Drama"])
    Cinema.objects.filter(pk=on_screen.screen.cinema_id).update(name="Other name")
    Show.objects.filter(pk=on_screen.pk).update(prices={**SMALL_PRICES, "standard": "11.00"}, format="IMAX")
    ShowSeat.objects.filter(show=on_screen, number=5).update(state=ShowSeat.State.BOOKED)
    mark_booked(seed_form, [3, 4])

    for path in paths:
        after = _answer(api_client, path)
        assert after != before[path], path
        assert after == _through_drf(monkeypatch, api_client, path), path
    show = api_client.get(f"/shows/{on_screen.id}/").json()
    assert (show["movie"]["title"], show["screen"]["cinema"]["name"], show["format"]) == \
        ("Renamed", "Other name", "IMAX")
    assert show["prices"]["standard"] == "11.00"
    assert show["available_seats"] == on_screen.total_seats - 3  # two held, one booked
    listed = {s["id"]: s["available_seats"] for s in api_client.get(f"/shows/?movie={movie.id}").json()}
    assert listed[seed_form.id] == seed_form.total_seats - 3
    assert api_client.get("/movies/").json()[0]["genres"] == ["Drama"]


def test_an_expired_hold_frees_its_seats_in_the_next_answer(api_client, sitting):
    movie, on_screen, _ = sitting
    path = f"/shows/{on_screen.id}/"
    assert api_client.get(path).json()["available_seats"] == on_screen.total_seats - 2

    # The hold's end passes (no job runs: core.sellable counts its seats free from then on).
    ShowSeat.objects.filter(show=on_screen, state=ShowSeat.State.HELD).update(
        held_until=timezone.now() - timedelta(seconds=1))

    assert api_client.get(path).json()["available_seats"] == on_screen.total_seats
    assert api_client.get(f"/movies/{movie.id}/shows/").json()[1]["available_seats"] == on_screen.total_seats


def test_an_accept_with_parameters_gets_drf_s_own_rendering(api_client, sitting, monkeypatch):
    movie, on_screen, _ = sitting
    for path in _paths(movie, on_screen):
        answer = _answer(api_client, path, HTTP_ACCEPT="application/json; indent=2")
        assert answer == _through_drf(monkeypatch, api_client, path, HTTP_ACCEPT="application/json; indent=2")
        assert b"\n  " in answer[1], path


def test_unknown_ids_are_still_404_and_an_unknown_movie_has_no_shows(api_client, sitting):
    assert api_client.get("/shows/999999/").status_code == 404
    assert api_client.get("/movies/999999/shows/").status_code == 404
    response = api_client.get("/shows/?movie=999999")
    assert (response.status_code, response.json()) == (200, [])


def test_the_public_headers_are_what_django_s_patch_functions_write(settings):
    from django.http import HttpResponse

    for max_age, stale in ((5, 25), (0, 0)):
        settings.CATALOGUE_MAX_AGE_SECONDS, settings.CATALOGUE_STALE_WHILE_REVALIDATE_SECONDS = max_age, stale
        direct, patched = HttpResponse(), HttpResponse()
        httpcache._public_headers(direct, etag='"x"', last_modified=0)
        patch_cache_control(patched, public=True, max_age=max_age, stale_while_revalidate=stale)
        patch_vary_headers(patched, httpcache.VARY)
        assert direct["Cache-Control"] == patched["Cache-Control"]
        assert direct["Vary"] == patched["Vary"]


@pytest.mark.skipif(not ON_POSTGRES, reason="the reads are composed on PostgreSQL only")
def test_the_api_s_show_reads_are_composed_on_postgresql():
    assert selectors._composed_shows("listed show", connection.vendor) is not None
