"""Three languages: every string translated, the API's `detail` in the client's language (its `code` never
changes), the pages switched by the language switcher or Accept-Language, money and dates per language."""
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from common.translations import Message, missing_translations, placeholder_errors, source_messages
from tests.conftest import client_for
from tests.factories import BookingFactory
from tests.web_fixtures import laid_out_show
from web.templatetags.web_tags import money


def test_every_string_of_the_pages_and_the_api_has_a_spanish_and_a_hindi_translation():
    problems = missing_translations()
    # Each line names the .po file, the msgid to add and where it is used; `make translations` adds them empty.
    assert problems == [], "Strings without a translation:\n" + "\n".join(problems)


def test_the_check_finds_template_and_python_strings():
    messages = source_messages()
    assert "Hold seats" in messages  # {% translate %} in web/templates/web/show.html
    assert messages["%(seats)s seat free"].plural == "%(seats)s seats free"  # {% blocktranslate count %}
    assert "This seat is already booked." in messages  # gettext_lazy in core/errors.py
    assert any(loc.startswith("core/errors.py:") for loc in messages["This seat is already booked."].locations)


def test_the_check_fails_on_a_string_without_translation_and_says_what_to_add():
    problems = missing_translations({"A brand new message.": Message("A brand new message.", None,
                                                                     ["core/errors.py:999"])})
    assert problems == [
        'locale/es/LC_MESSAGES/django.po: no translation for msgid "A brand new message." used in '
        'core/errors.py:999',
        'locale/hi/LC_MESSAGES/django.po: no translation for msgid "A brand new message." used in '
        'core/errors.py:999',
    ]


def test_the_check_fails_on_a_translation_that_loses_or_invents_a_placeholder():
    assert placeholder_errors("Seat %(seat)s", None, "Butaca %(seat)s") == []
    assert placeholder_errors("Seat %(seat)s", None, "Butaca") == [
        "translation of \"Seat %(seat)s\" drops placeholders ['%(seat)s']"]
    assert placeholder_errors("At most {limit} seats", None, "Máximo {limite}") == [
        "translation of \"At most {limit} seats\" uses unknown placeholders ['{limite}']",
        "translation of \"At most {limit} seats\" drops placeholders ['{limit}']"]


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "detail"), [
    ("en", "This seat is already booked."),
    ("es", "Esta butaca ya está reservada."),
    ("hi", "यह सीट पहले से बुक है।"),
    ("es-MX,es;q=0.9", "Esta butaca ya está reservada."),
    ("fr", "This seat is already booked."),  # not offered: English
])
def test_api_error_detail_follows_accept_language_and_the_code_does_not(user, other_user, show, language, detail):
    BookingFactory(show=show, seat_number=5, user=other_user)
    response = client_for(user).post(f"/shows/{show.pk}/book/", {"seat_number": 5}, format="json",
                                     HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 409
    assert response.json() == {"detail": detail, "code": "seat_taken"}


@pytest.mark.django_db
def test_api_not_found_and_validation_details_are_translated(user):
    client = client_for(user)
    assert client.get("/nowhere/", HTTP_ACCEPT_LANGUAGE="es").json() == {"detail": "No encontrado.",
                                                                          "code": "not_found"}
    body = client.post("/shows/1/hold/", {"seat_numbers": []}, format="json", HTTP_ACCEPT_LANGUAGE="hi").json()
    assert body["code"] in {"invalid", "not_found"}
    assert body["detail"] in {"अमान्य इनपुट।", "शो नहीं मिला।"}


@pytest.mark.django_db
def test_pages_follow_accept_language_and_the_switcher():
    show = laid_out_show()
    client = Client()
    assert "<h1>अभी चल रही फ़िल्में</h1>" in client.get("/", HTTP_ACCEPT_LANGUAGE="hi").content.decode()
    response = client.post(reverse("web:set_language"), {"language": "es", "next": "/"})
    assert response.status_code == 302
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="hi").content.decode()  # the chosen language wins
    assert '<html lang="es">' in html and "<h1>Cartelera</h1>" in html
    seat_page = client.get(reverse("web:show", args=[show.pk])).content.decode()
    assert 'aria-label="Fila A, butaca 1, estándar, 12,50\xa0€, libre"' in seat_page


@pytest.mark.django_db
def test_dates_are_written_in_the_language_one_way(client, show):
    months = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"]
    days = ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"]
    html = client.get(reverse("web:movie", args=[show.movie_id]), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    local = show.local_date_time()
    # CLDR's Spanish day ("lun, 7 dic") and 24-hour time, and no English ones, nor a second format of the day.
    written = f"{days[local.weekday()]}, {local.day} {months[local.month - 1]}"
    assert f"<h3 class=\"day-name\">{written}</h3>" in html and f">{local.hour}:{local.minute:02d}<" in html
    assert local.strftime("%a") not in html and " de diciembre de " not in html


@pytest.mark.parametrize(("language", "expected"), [("en", "€12.50"), ("es", "12,50\xa0€"), ("hi", "€12.50")])
def test_prices_are_formatted_for_the_language(language, expected):
    with translation.override(language):
        assert money(Decimal("12.5")) == expected


@pytest.mark.django_db
def test_django_rest_frameworks_own_messages_in_hindi_and_spanish(show):
    # DRF ships Spanish but no Hindi catalogue: locale/hi carries the messages the API sends most.
    client = Client()
    hindi = client.post(f"/shows/{show.pk}/book/", {"seat_number": 1}, content_type="application/json",
                        HTTP_ACCEPT_LANGUAGE="hi").json()
    assert hindi == {"detail": "प्रमाणीकरण जानकारी नहीं दी गई।", "code": "not_authenticated"}
    spanish = client.post(f"/shows/{show.pk}/book/", {"seat_number": 1}, content_type="application/json",
                          HTTP_ACCEPT_LANGUAGE="es").json()
    assert spanish["code"] == "not_authenticated" and spanish["detail"].startswith("Las credenciales")


@pytest.mark.django_db
def test_messages_with_placeholders_are_translated_then_filled(user, show):
    client = client_for(user)
    too_many = client.post(f"/shows/{show.pk}/hold/", {"seat_numbers": list(range(1, 12))}, format="json",
                           HTTP_ACCEPT_LANGUAGE="hi").json()
    assert too_many == {"detail": "अमान्य इनपुट।", "code": "invalid", "seat_numbers": ["एक अनुरोध में अधिकतम 10 सीटें।"]}
    held = client.post(f"/shows/{show.pk}/hold/", {"seat_numbers": list(range(1, 11))}, format="json")
    assert held.status_code == 201
    limit = client.post(f"/shows/{show.pk}/hold/", {"seat_numbers": [20]}, format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert limit.status_code == 409
    assert limit.json() == {"detail": "Puedes retener como máximo 10 butacas de una sesión a la vez.",
                            "code": "hold_limit_reached", "max_seats": 10}
