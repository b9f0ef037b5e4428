"""Staff at work in a real browser: a programme manager schedules a week of shows through the admin's form, and a
manager opens the reports from the admin's front page, on a laptop-sized screen, in English, Spanish and Hindi."""
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.models import Show
from core.services import catalog
from tests.factories import PASSWORD, SMALL_PRICES, CinemaFactory, MovieFactory, ScreenFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

LAPTOP = {"width": 1366, "height": 768}


def sign_in(page, user):
    page.goto("/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")


def test_a_programme_manager_schedules_a_week_through_the_admin_form(new_page):
    movie = MovieFactory(title="Dune", duration_minutes=100)
    screen = ScreenFactory(name="Salle 1", cinema=CinemaFactory(name="Lumière", time_zone="Europe/Paris"))
    monday = timezone.localdate() + timedelta(days=14 - timezone.localdate().weekday())
    page = new_page(viewport=LAPTOP)
    sign_in(page, UserFactory(is_staff=True, roles=["programme"]))
    expect(page.locator("#reports-module")).to_have_count(0)  # reports are the manager's

    page.goto("/admin/core/show/")
    page.get_by_role("link", name="Schedule shows").click()
    page.select_option("#id_movie", str(movie.pk))
    page.select_option("#id_screen", str(screen.pk))
    page.fill("#id_date_from", monday.isoformat())
    page.fill("#id_date_to", (monday + timedelta(days=6)).isoformat())
    page.fill("#id_times", "18:00, 21:00")
    page.fill("#id_prices", json.dumps(SMALL_PRICES))
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_text("14 shows would be created")).to_be_visible()
    expect(page.locator("#schedule-preview tbody tr")).to_have_count(14)
    assert not Show.objects.exists()
    page.get_by_role("button", name="Create 14 shows").click()

    page.wait_for_url("**/admin/core/show/")
    expect(page.get_by_text("Shows created: 14.")).to_be_visible()
    shows = list(Show.objects.all())
    assert len(shows) == 14
    assert {show.local_date_time().strftime("%H:%M") for show in shows} == {"18:00", "21:00"}


@pytest.fixture
def busy_month():
    """Forty shows over the next days with long names: the per-show table is wide and long."""
    cinema = CinemaFactory(name="The Grand Picture Palace of the Riverside", time_zone="Europe/Paris")
    screens = [ScreenFactory(cinema=cinema, name=f"Auditorium with a long name {n}") for n in range(2)]
    movies = [MovieFactory(title=f"A Film With A Very Long Title Indeed, Part {n}", duration_minutes=100)
              for n in range(4)]
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    for index in range(40):
        catalog.show_create(movie_id=movies[index % 4].pk, screen_id=screens[index % 2].pk, prices=SMALL_PRICES,
                            date_time=start + timedelta(hours=3 * (index // 2)))


@pytest.mark.parametrize("locale, link, title", [
    ("en-GB", "Sales report", "Tickets sold per day"),
    ("es-ES", "Informe de ventas", "Entradas vendidas por día"),
    ("hi-IN", "बिक्री रिपोर्ट", "प्रति दिन बिके टिकट"),
])
def test_a_manager_opens_the_reports_from_the_admin_front_page_and_they_fit_a_laptop(new_page, busy_month, locale,
                                                                                    link, title):
    page = new_page(viewport=LAPTOP, locale=locale)
    sign_in(page, UserFactory(is_staff=True, roles=["manager"]))

    page.locator("#reports-module").get_by_role("link", name=link).click()

    page.wait_for_url("**/admin/reports/sales/")
    expect(page.locator("#chart-1 figcaption")).to_have_text(title)
    expect(page.locator("#report-shows tbody tr")).to_have_count(40)
    # The page is no wider than the screen: the wide tables scroll inside their own box.
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    table_box = page.evaluate("document.querySelector('#report-shows').parentElement.clientWidth")
    table_width = page.evaluate("document.querySelector('#report-shows').scrollWidth")
    assert table_box <= widths[1] and table_width > table_box  # wider than its box, so it scrolls inside

    page.goto("/admin/reports/movies-weekly/")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
