"""Choosing a day and a show: the date strip, show times by cinema with format and language chips in words, the
sold-out and nearly-full marks, and the language switcher naming each language in its own."""
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from core.services import catalog
from tests.factories import BookingFactory, CinemaFactory, MovieFactory, ScreenFactory, UserFactory
from tests.web_fixtures import AUDITORIUM, PRICES

pytestmark = pytest.mark.django_db


def show_at(movie, cinema, when, **fields):
    screen = ScreenFactory(cinema=cinema, layout=AUDITORIUM)
    return catalog.show_create(movie_id=movie.pk, date_time=when, screen_id=screen.pk, prices=PRICES, **fields)


@pytest.fixture
def noon_tomorrow():
    return timezone.now().replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=1)


def test_the_date_strip_offers_the_next_fourteen_days_and_narrows_to_one(client, noon_tomorrow):
    movie = MovieFactory(title="Dune")
    cinema = CinemaFactory(name="Rex")
    show_at(movie, cinema, noon_tomorrow)
    show_at(movie, cinema, noon_tomorrow + timedelta(days=3))
    page = client.get("/")
    strip = page.context["date_strip"]
    assert len(strip) == 15 and strip[0]["date"] is None and strip[0]["current"]  # "All days", then 14 days
    assert strip[1]["date"] == timezone.localdate() and strip[1]["today"]
    day = (noon_tomorrow + timedelta(days=3)).date().isoformat()
    one_day = client.get(f"/?date={day}")
    assert [e["current"] for e in one_day.context["date_strip"]].index(True) == 5  # All, today, tomorrow, +1, +2, +3
    (entry,) = one_day.context["movies"]
    assert [len(g["shows"]) for g in entry["cinemas"]] == [1]
    assert 'aria-current="date"' in one_day.content.decode()
    movie_page = client.get(f"/films/{movie.pk}/?date={day}")
    assert [d["day"].isoformat() for d in movie_page.context["days"]] == [day]


def test_show_times_are_grouped_by_cinema_with_chips_in_words(client, noon_tomorrow):
    movie = MovieFactory(title="Amélie", genres=["comedy", "romance"])
    rex, odeon = CinemaFactory(name="Rex"), CinemaFactory(name="Odéon")
    show_at(movie, odeon, noon_tomorrow + timedelta(hours=1), language="fr", format="2D")
    show_at(movie, rex, noon_tomorrow, language="en", format="3D")
    show_at(movie, rex, noon_tomorrow + timedelta(hours=3), language="fr", format="2D")
    page = client.get(f"/films/{movie.pk}/", HTTP_ACCEPT_LANGUAGE="es")
    (day,) = page.context["days"]
    assert [(g["cinema"], len(g["shows"])) for g in day["cinemas"]] == [("Odéon", 1), ("Rex", 2)]
    html = page.content.decode()
    assert '<span class="chip language">francés</span>' in html and '<span class="chip language">inglés</span>' in html
    assert '<span class="chip format">3D</span>' in html and "comedia, romance" in html
    hindi = client.get(f"/films/{movie.pk}/", HTTP_ACCEPT_LANGUAGE="hi").content.decode()
    assert '<span class="chip language">फ़्रेंच</span>' in hindi and "कॉमेडी" in hindi


def test_sold_out_and_nearly_full_shows_are_marked(client, noon_tomorrow):
    movie = MovieFactory()
    cinema = CinemaFactory()
    sold_out = show_at(movie, cinema, noon_tomorrow)
    nearly_full = show_at(movie, cinema, noon_tomorrow + timedelta(hours=3))
    roomy = show_at(movie, cinema, noon_tomorrow + timedelta(hours=6))
    someone = UserFactory()
    for number in range(1, 61):
        BookingFactory(show=sold_out, seat_number=number, user=someone)
    for number in range(1, 56):  # 5 of 60 left
        BookingFactory(show=nearly_full, seat_number=number, user=someone)
    BookingFactory(show=roomy, seat_number=1, user=someone)
    html = client.get(f"/films/{movie.pk}/").content.decode()
    assert html.count('class="chip mark sold-out"') == 1 and html.count('class="chip mark nearly-full"') == 1
    assert f'href="/showings/{sold_out.pk}/"' not in html  # nothing left to choose
    assert f'href="/showings/{nearly_full.pk}/"' in html and f'href="/showings/{roomy.pk}/"' in html


def test_the_switcher_names_each_language_in_its_own(client):
    for language in ("en", "es", "hi"):
        html = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        names = re.findall(r'<option value="\w+" lang="\w+"(?: selected)?>([^<]+)</option>', html)
        assert names == ["English", "Español", "हिन्दी"]


def test_favicon_and_manifest(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon["Content-Type"] == "image/vnd.microsoft.icon"
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert "Set-Cookie" not in icon
    manifest = client.get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="es").json()
    assert manifest["name"] == "Entradas de cine" and manifest["start_url"] == "/" and manifest["lang"] == "es"
    for entry in manifest["icons"]:
        assert client.get(entry["src"]).status_code == 200
    home = client.get("/").content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in home and 'rel="icon" href="/favicon.ico"' in home


def test_the_font_stack_names_devanagari_faces_and_no_font_is_served():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "web" / "static" / "web" / "app.css").read_text()
    for face in ('"Noto Sans Devanagari"', '"Nirmala UI"', '"Mangal"', '"Kohinoor Devanagari"'):
        assert face in css
    assert "@font-face" not in css
