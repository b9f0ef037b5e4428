"""The catalogue's reads for anonymous visitors (common.httpcache): validators, a short public lifetime, 304s,
answers from the shared cache without the database, a fresh answer after staff change what they show, and nothing
signed-in ever cached publicly."""
import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils.http import http_date

from common.httpcache import VERSION_KEY, catalogue_changed
from tests.conftest import client_for
from tests.factories import CinemaFactory, MovieFactory, ScreenFactory, ShowFactory, mark_booked

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(settings, show):
    settings.CATALOGUE_MAX_AGE_SECONDS = 5
    settings.CATALOGUE_STALE_WHILE_REVALIDATE_SECONDS = 25
    return show


def _paths(show):
    return ["/movies/", f"/movies/{show.movie_id}/", f"/movies/{show.movie_id}/shows/", "/shows/", f"/shows/{show.id}/"]


def test_catalogue_reads_carry_validators_and_a_short_public_lifetime(api_client, catalogue):
    for path in _paths(catalogue):
        response = api_client.get(path)

        assert response.status_code == 200, path
        assert response["ETag"].startswith('"'), path
        assert response["Last-Modified"], path
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert directives == {"public", "max-age=5", "stale-while-revalidate=25"}, path
        vary = {v.strip() for v in response["Vary"].split(",")}
        assert {"Accept-Language", "Authorization"} <= vary, path


def test_a_second_read_is_answered_from_the_cache_without_the_database(api_client, catalogue,
                                                                        django_assert_num_queries):
    for path in _paths(catalogue):
        first = api_client.get(path)
        with django_assert_num_queries(0):
            second = api_client.get(path)

        assert second.status_code == 200
        assert second.content == first.content
        assert second["ETag"] == first["ETag"]
        assert second["Content-Type"] == first["Content-Type"]


def test_a_matching_etag_is_a_304_without_body_or_database(api_client, catalogue, django_assert_num_queries):
    path = f"/shows/{catalogue.id}/"
    etag = api_client.get(path)["ETag"]

    with django_assert_num_queries(0):
        response = api_client.get(path, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert "public" in response["Cache-Control"]
    assert api_client.get(path, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_a_matching_etag_is_a_304_on_the_read_that_fills_the_cache(api_client, catalogue):
    path = "/movies/"
    etag = api_client.get(path)["ETag"]
    catalogue_changed()  # a new version: the view runs again

    response = api_client.get(path, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304  # same content, so the same validator, though computed afresh


def test_if_modified_since_is_answered_304(api_client, catalogue):
    path = "/movies/"
    last_modified = api_client.get(path)["Last-Modified"]

    assert api_client.get(path, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert api_client.get(path, HTTP_IF_MODIFIED_SINCE=http_date(0)).status_code == 200


def test_staff_changes_are_seen_by_the_next_read(api_client, staff_client, catalogue):
    movie_path, shows_path = "/movies/", f"/movies/{catalogue.movie_id}/shows/"
    before_movies = api_client.get(movie_path).json()
    before_shows = api_client.get(shows_path).json()

    # Through the API (a new show) and the ORM as the admin saves (a renamed movie).
    created = staff_client.post(shows_path, {"screen_name": "Screen 9", "date_time": "2031-01-01T20:00:00Z",
                                             "total_seats": 10}, format="json")
    assert created.status_code == 201
    catalogue.movie.title = "Inception (re-release)"
    catalogue.movie.save()

    after_movies = api_client.get(movie_path).json()
    after_shows = api_client.get(shows_path).json()
    assert [m["title"] for m in before_movies] == ["Inception"]
    assert [m["title"] for m in after_movies] == ["Inception (re-release)"]
    assert len(after_shows) == len(before_shows) + 1


def test_a_cinema_renamed_or_a_price_changed_is_seen_by_the_next_read(api_client, settings):
    settings.CATALOGUE_MAX_AGE_SECONDS = 5
    cinema = CinemaFactory(name="Rex")
    show = ShowFactory(movie=MovieFactory(), screen=ScreenFactory(cinema=cinema))
    path = f"/shows/{show.id}/"
    assert api_client.get(path).json()["screen"]["cinema"]["name"] == "Rex"

    cinema.name = "Grand Rex"
    cinema.save()
    assert api_client.get(path).json()["screen"]["cinema"]["name"] == "Grand Rex"

    show.prices = {"standard": "9.00"}
    show.save()
    assert api_client.get(path).json()["prices"] == {"standard": "9.00"}

    show.delete()
    assert api_client.get(path).status_code == 404


def test_a_change_replaces_the_version_and_clears_nothing_else(catalogue):
    cache.set("someone-elses-key", "kept")
    version = cache.get(VERSION_KEY)

    catalogue_changed()

    assert cache.get(VERSION_KEY) not in (None, version)
    assert cache.get("someone-elses-key") == "kept"


def test_a_sale_does_not_empty_the_cache(api_client, catalogue, django_assert_num_queries):
    """Free seats are allowed to be as old as the public lifetime: a booking must not force every reader back to the
    database (the seat map and the booking read it)."""
    path = f"/shows/{catalogue.id}/"
    first = api_client.get(path).json()
    mark_booked(catalogue, [1, 2])

    with django_assert_num_queries(0):
        second = api_client.get(path).json()

    assert second["available_seats"] == first["available_seats"]


def test_signed_in_answers_are_private_and_never_stored_nor_served_from_the_shared_cache(
        auth_client, api_client, catalogue, django_assert_max_num_queries):
    path = f"/movies/{catalogue.movie_id}/shows/"

    signed_in = auth_client.get(path)
    assert signed_in.status_code == 200
    assert "private" in signed_in["Cache-Control"] and "public" not in signed_in["Cache-Control"]
    assert "Authorization" in signed_in["Vary"]
    assert not signed_in.has_header("ETag")

    # It stored nothing: the anonymous read after it runs the view (queries).
    with django_assert_max_num_queries(10) as queries:
        api_client.get(path)
    assert len(queries) > 0

    # An anonymous read filled the cache; a signed-in read is still not served from it.
    with django_assert_max_num_queries(10) as queries:
        again = auth_client.get(path)
    assert len(queries) > 0
    assert "private" in again["Cache-Control"]


def test_a_session_cookie_counts_as_signed_in(user_client, catalogue):
    response = user_client.get("/movies/")

    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_each_language_has_its_own_entry(api_client, catalogue, django_assert_max_num_queries):
    path = "/movies/"
    api_client.get(path, HTTP_ACCEPT_LANGUAGE="es")

    with django_assert_max_num_queries(10) as queries:
        api_client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert len(queries) > 0


def test_errors_are_not_cached(api_client, catalogue, django_assert_max_num_queries):
    api_client.get("/movies/999999/")
    with django_assert_max_num_queries(10) as queries:
        response = api_client.get("/movies/999999/")

    assert response.status_code == 404
    assert len(queries) > 0
    assert "public" not in response.get("Cache-Control", "")


def test_writes_pass_through(staff_client, catalogue):
    response = staff_client.post("/movies/", {"title": "Dune", "duration_minutes": 155}, format="json")

    assert response.status_code == 201
    assert "public" not in response.get("Cache-Control", "")


def test_a_filtered_list_is_its_own_entry(api_client, catalogue):
    client = client_for()
    everything = client.get("/shows/").json()
    nothing = client.get("/shows/", {"city": "Nowhere"}).json()

    assert len(everything) == 1
    assert nothing == []


# --- The process's copies, answered in front of Django (common.httpcache.fast_path) -----------------------------
def _wsgi_get(app, path, query="", **environ):
    captured = {}

    def start_response(status, headers):
        captured["status"], captured["headers"] = int(status.split()[0]), dict(headers)

    body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, **environ},
                        start_response))
    return captured["status"], captured["headers"], body


@pytest.fixture
def copies():
    from common import httpcache

    httpcache.forget_copies()
    yield httpcache
    httpcache.forget_copies()


def _behind(app_calls):
    def django_app(environ, start_response):
        app_calls.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"from django"]

    return django_app


def test_a_read_answered_recently_is_answered_again_before_django(api_client, catalogue, copies):
    path = f"/shows/{catalogue.id}/"
    through_django = api_client.get(path)
    calls = []
    app = copies.fast_path(_behind(calls))

    status, headers, body = _wsgi_get(app, path)
    not_modified, _, empty = _wsgi_get(app, path, HTTP_IF_NONE_MATCH=through_django["ETag"])

    assert calls == []
    assert status == 200 and body == through_django.content
    assert headers["ETag"] == through_django["ETag"]
    assert headers["Cache-Control"] == through_django["Cache-Control"]
    assert headers["Content-Type"] == through_django["Content-Type"]
    assert not_modified == 304 and empty == b""


def test_credentials_a_cookie_another_language_or_an_old_copy_go_to_django(api_client, catalogue, copies, settings):
    path = "/movies/"
    api_client.get(path)  # English
    calls = []
    app = copies.fast_path(_behind(calls))

    _wsgi_get(app, path, HTTP_AUTHORIZATION="Bearer x")
    _wsgi_get(app, path, HTTP_COOKIE="sessionid=x")
    _wsgi_get(app, path, HTTP_ACCEPT_LANGUAGE="es")
    _wsgi_get(app, path, "city=Paris")
    assert _wsgi_get(app, path, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")[2] != b"from django"
    settings.CATALOGUE_PROCESS_COPY_SECONDS = 0
    _wsgi_get(app, path)

    assert len(calls) == 5


def test_a_staff_change_in_this_process_forgets_the_copies(api_client, catalogue, copies):
    path = "/movies/"
    api_client.get(path)
    calls = []
    app = copies.fast_path(_behind(calls))

    catalogue.movie.title = "Renamed"
    catalogue.movie.save()
    _wsgi_get(app, path)

    assert calls == [path]


def test_an_answer_stored_before_the_change_commits_is_not_served_after_it(
        api_client, catalogue, django_capture_on_commit_callbacks):
    """Another connection reads the movies between the staff's save and its commit: it sees the old title and
    stores it under the version the save made. The commit makes a version of its own, so that copy is never served."""
    path = "/movies/"
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            catalogue.movie.title = "Inception (re-release)"
            catalogue.movie.save()
            # The version another connection's read of the old catalogue would be stored under.
            stale_version = cache.get(VERSION_KEY)

    assert cache.get(VERSION_KEY) != stale_version
    assert [m["title"] for m in api_client.get(path).json()] == ["Inception (re-release)"]
