"""The admin's "Schedule shows" page: the rule, a preview (with clashes), then every show created at once."""
from datetime import datetime

import pytest
from django.test import Client

from core.models import Show
from core.services import catalog
from tests.core.test_api_schedule import PARIS
from tests.factories import SMALL_PRICES, MovieFactory, ScreenFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/core/show/schedule/"


@pytest.fixture
def programme_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, roles=["programme"]))
    return client


@pytest.fixture
def rule():
    movie, screen = MovieFactory(title="Dune", duration_minutes=100), ScreenFactory(cinema__time_zone="Europe/Paris")
    return {"movie": movie.pk, "screen": screen.pk, "date_from": "2030-12-09", "date_to": "2030-12-15",
            "times": "18:00, 21:00", "weekdays": ["1", "2", "3", "4", "5", "6", "7"],
            "prices": '{"standard": "10.00", "premium": "15.50", "wheelchair": "10.00", "companion": "5.00"}',
            "language": "", "format": ""}


def test_the_show_list_links_to_the_page_for_programme(programme_client):
    assert URL in programme_client.get("/admin/core/show/").content.decode()


def test_preview_lists_the_shows_and_creates_nothing_then_create_makes_them_all(programme_client, rule):
    preview = programme_client.post(URL, {**rule, "preview": "1"})

    page = preview.content.decode()
    assert preview.status_code == 200
    assert "14 shows would be created" in page
    assert "Create 14 shows" in page
    assert not Show.objects.exists()

    created = programme_client.post(URL, {**rule, "create": "1"})

    assert (created.status_code, created.headers["Location"]) == (302, "/admin/core/show/")
    assert Show.objects.count() == 14
    assert sorted({show.local_date_time().strftime("%H:%M") for show in Show.objects.all()}) == ["18:00", "21:00"]


def test_a_clash_is_shown_and_nothing_can_be_created(programme_client, rule):
    other = catalog.show_create(movie_id=MovieFactory().pk, screen_id=rule["screen"], prices=SMALL_PRICES,
                                date_time=datetime(2030, 12, 11, 20, 30, tzinfo=PARIS))

    preview = programme_client.post(URL, {**rule, "preview": "1"}).content.decode()
    refused = programme_client.post(URL, {**rule, "create": "1"})

    assert "1 clash:" in preview and f"/admin/core/show/{other.pk}/change/" in preview
    assert "Create 14 shows" not in preview
    assert refused.status_code == 200 and "Another show is scheduled on this screen" in refused.content.decode()
    assert list(Show.objects.all()) == [other]


@pytest.mark.parametrize("language, heading, preview", [("en", "Schedule shows", "Preview"),
                                                        ("es", "Programar sesiones", "Vista previa"),
                                                        ("hi", "शो निर्धारित करें", "पूर्वावलोकन")])
def test_the_page_speaks_the_staffs_language(programme_client, language, heading, preview):
    page = programme_client.get(URL, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f"<h1>{heading}</h1>" in page and f'value="{preview}"' in page


def test_other_staff_get_a_403_page_naming_the_role():
    client = Client()
    client.force_login(UserFactory(is_staff=True, roles=["box_office"]))
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 403
    assert "Esta página requiere el rol «programación»" in response.content.decode()
