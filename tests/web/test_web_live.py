"""The live seat map's poll as the server runs it: the WSGI application of ticketing_system/wsgi.py, whose fast path
answers from this process's fresh copy of a show's state before Django, and Django's view behind it (web/live.py)."""
import io
import json
import sys
import time
from datetime import timedelta

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import reverse
from django.utils import timezone

from core import selectors
from core.models import ShowSeat
from core.services import catalog, holds
from tests.conftest import bearer
from tests.factories import BookingFactory
from ticketing_system.wsgi import django_application
from ticketing_system.wsgi import served_application as application  # the chain behind the load shedder
from web import live

pytestmark = pytest.mark.django_db


def wsgi_get(app, path: str, if_none_match: str | None = None, method: str = "GET"):
    """One request through a WSGI application, as granian hands it over: (status code, headers, body)."""
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "testserver",
               "SERVER_PORT": "80", "HTTP_HOST": "testserver", "SERVER_PROTOCOL": "HTTP/1.1",
               "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http",
               "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True,
               "wsgi.run_once": False}
    if if_none_match is not None:
        environ["HTTP_IF_NONE_MATCH"] = if_none_match
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

    # As Django's test client does: a request must not close the test's database connection (its transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        chunks = app(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], body


class CountingApp:
    """Stands behind the fast path in place of Django, to show which requests reach it."""

    def __init__(self, app):
        self.app, self.calls = app, 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.app(environ, start_response)


def test_a_current_copy_answers_without_django_or_the_database(auditorium_show, settings, django_assert_num_queries):
    settings.SEAT_STATE_MAX_AGE_MS = 60_000
    behind = CountingApp(django_application)
    app = live.fast_path(behind)
    path = f"/seat-state/{auditorium_show.pk}"
    status, headers, body = wsgi_get(app, path)  # no copy yet: Django computes it (and this process keeps it)
    assert status == 200 and behind.calls == 1
    assert json.loads(body) == {"show_id": auditorium_show.pk, "available_seats": 60, "booked": [], "held": [],
                                "blocked": []}
    etag = headers["ETag"]
    with django_assert_num_queries(0):
        not_modified = wsgi_get(app, path, if_none_match=etag)
        weak = wsgi_get(app, path, if_none_match=f'"other", W/{etag}')  # as a compressing proxy passes it on
        full = wsgi_get(app, path)
    assert behind.calls == 1  # none of the three reached Django
    assert not_modified == (304, not_modified[1], b"") and not_modified[1]["ETag"] == etag
    assert weak[0] == 304
    assert full[0] == 200 and full[2] == body and full[1]["ETag"] == etag
    assert full[1]["Content-Type"] == "application/json" and full[1]["Content-Length"] == str(len(body))
    assert full[1]["Cache-Control"] == not_modified[1]["Cache-Control"] == "no-cache"


def test_the_fast_path_answers_as_django_does(auditorium_show, client, settings):
    settings.SEAT_STATE_MAX_AGE_MS = 60_000
    path = f"/seat-state/{auditorium_show.pk}"
    by_django = client.get(path)  # Django's view (the test client never passes the fast path) keeps the copy
    status, headers, body = wsgi_get(application, path)
    assert status == by_django.status_code == 200
    assert body == by_django.content and headers["ETag"] == by_django["ETag"]
    # The security headers Django's middleware gives every response, the fast path gives too.
    for name in ("X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy", "X-Frame-Options",
                 "Cache-Control", "Content-Type"):
        assert headers[name] == by_django[name], name


def test_any_other_request_goes_to_django(auditorium_show, settings):
    settings.SEAT_STATE_MAX_AGE_MS = 60_000
    behind = CountingApp(django_application)
    app = live.fast_path(behind)
    wsgi_get(app, f"/seat-state/{auditorium_show.pk}")
    assert behind.calls == 1
    for other in (f"/seat-state/{auditorium_show.pk}/", f"/seat-state/{auditorium_show.pk}x", "/seat-state/",
                  "/seat-state/²", f"/showings/{auditorium_show.pk}/", "/seat-state/" + "9" * 20):
        wsgi_get(app, other)
    wsgi_get(app, f"/seat-state/{auditorium_show.pk}", method="POST")
    assert behind.calls == 8


def test_a_stale_copy_is_read_again_in_the_fast_path(auditorium_show, user, settings, django_assert_num_queries):
    settings.SEAT_STATE_MAX_AGE_MS = 60_000
    behind = CountingApp(django_application)
    app = live.fast_path(behind)
    path = f"/seat-state/{auditorium_show.pk}"
    etag = wsgi_get(app, path)[1]["ETag"]
    settings.SEAT_STATE_MAX_AGE_MS = 0  # every copy is now too old
    with django_assert_num_queries(2):  # the state's two queries, nothing of Django's request handling
        status, headers, _ = wsgi_get(app, path, if_none_match=etag)
    assert status == 304 and headers["ETag"] == etag  # read again, unchanged
    holds.hold_create(user=user, show_id=auditorium_show.pk, seat_numbers=[4])
    status, headers, body = wsgi_get(app, path, if_none_match=etag)
    assert status == 200 and headers["ETag"] != etag and json.loads(body)["held"] == [4]
    assert behind.calls == 1  # only the very first poll of the show in this process went through Django


def test_a_show_deleted_since_its_last_poll_is_a_404_from_django(auditorium_show, settings):
    settings.SEAT_STATE_MAX_AGE_MS = 0
    behind = CountingApp(django_application)
    app = live.fast_path(behind)
    path = f"/seat-state/{auditorium_show.pk}"
    assert wsgi_get(app, path)[0] == 200
    auditorium_show.delete()
    status, _, body = wsgi_get(app, path)
    assert status == 404 and json.loads(body)["code"] == "not_found"
    assert behind.calls == 2 and auditorium_show.pk not in live._recent


def test_unknown_show_is_a_json_404_and_leaves_no_copy(settings):
    settings.SEAT_STATE_MAX_AGE_MS = 60_000
    for _ in range(2):
        status, headers, body = wsgi_get(application, "/seat-state/987654")
        assert status == 404 and json.loads(body) == {"detail": "Show not found.", "code": "not_found"}
    assert live.recent_state(987654) is None


def test_a_booking_made_through_the_api_is_seen_by_a_poll_within_the_max_age(auditorium_show, user, api_client,
                                                                            settings):
    settings.SEAT_STATE_MAX_AGE_MS = 300
    path = f"/seat-state/{auditorium_show.pk}"
    etag = wsgi_get(application, path)[1]["ETag"]
    api_client.credentials(HTTP_AUTHORIZATION=bearer(user))
    booked_at = time.time()
    assert api_client.post(f"/shows/{auditorium_show.pk}/book/", {"seat_number": 25}, format="json").status_code == 201
    # The API does not tell the live map: until the copy is older than the max age, polls still get the old state.
    if time.time() - booked_at < 0.2:
        assert wsgi_get(application, path, if_none_match=etag)[0] == 304
    deadline = booked_at + 0.3 + 0.2  # the max age, and a margin for a slow machine
    while True:
        status, headers, body = wsgi_get(application, path, if_none_match=etag)
        if status == 200 or time.time() > deadline:
            break
        time.sleep(0.02)
    assert status == 200 and headers["ETag"] != etag
    assert json.loads(body)["booked"] == [25]


def test_a_change_through_the_pages_is_seen_by_the_next_poll(auditorium_show, user, settings):
    settings.SEAT_STATE_MAX_AGE_MS = 60_000
    path = f"/seat-state/{auditorium_show.pk}"
    etag = wsgi_get(application, path)[1]["ETag"]
    holds.hold_create(user=user, show_id=auditorium_show.pk, seat_numbers=[7])
    live.seat_state_changed(show_id=auditorium_show.pk)  # what the hold page does after the service
    status, headers, body = wsgi_get(application, path, if_none_match=etag)
    assert status == 200 and json.loads(body)["held"] == [7]


def test_a_copy_from_the_shared_cache_is_no_fresher_than_when_it_was_computed(auditorium_show, settings):
    settings.SEAT_STATE_MAX_AGE_MS = 500
    live.seat_state(show_id=auditorium_show.pk)  # computed now, kept in the cache and in this process
    live.forget_all()  # as another process, which has no copy of its own
    live.seat_state(show_id=auditorium_show.pk)  # from the cache
    computed_at = live._recent[auditorium_show.pk][0]
    assert time.time() - computed_at < 0.5
    assert live.recent_state(auditorium_show.pk, now=computed_at + 0.49) is not None
    assert live.recent_state(auditorium_show.pk, now=computed_at + 0.5) is None


def test_this_process_keeps_a_bounded_number_of_copies(settings, monkeypatch):
    settings.SEAT_STATE_MAX_AGE_MS = 500
    monkeypatch.setattr(live, "_RECENT_MAX", 3)
    now = time.time()
    for show_id in (1, 2):
        live._remember(show_id, (now - 10, '"old"', b"{}"))
    live._remember(3, (now, '"new"', b"{}"))
    live._remember(4, (now, '"new"', b"{}"))  # full: the stale ones go first
    assert sorted(live._recent) == [3, 4]
    live._remember(5, (now, '"new"', b"{}"))
    live._remember(6, (now, '"new"', b"{}"))  # full of fresh ones: all go
    assert sorted(live._recent) == [6]


def test_seat_state_selector_agrees_with_the_seat_map(auditorium_show, user, other_user, django_assert_num_queries):
    BookingFactory(show=auditorium_show, seat_number=2, user=other_user)
    holds.hold_create(user=user, show_id=auditorium_show.pk, seat_numbers=[9, 3])
    expired = holds.hold_create(user=other_user, show_id=auditorium_show.pk, seat_numbers=[12])
    ShowSeat.objects.filter(show=auditorium_show, number=12).update(held_until=timezone.now() - timedelta(seconds=1))
    catalog.seats_block(show_id=auditorium_show.pk, seat_numbers=[40])
    assert expired.pk
    with django_assert_num_queries(2):
        state = selectors.seat_state(show_id=auditorium_show.pk)
    full = selectors.seat_map(show_id=auditorium_show.pk)
    assert state == {key: full[key] for key in ("show_id", "total_seats", "available_seats", "booked", "held",
                                                  "blocked")}
    assert (state["booked"], state["held"], state["blocked"], state["available_seats"]) == ([2], [3, 9], [40], 56)


def test_the_show_page_polls_the_route_the_fast_path_serves(auditorium_show, client):
    assert reverse("web:seat_state", args=[auditorium_show.pk]) == f"{live.PATH_PREFIX}{auditorium_show.pk}"
