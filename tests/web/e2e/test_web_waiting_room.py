"""The waiting room in Chromium: two visitors (two browser contexts) queue before an on-sale opens; at the opening
one is admitted and reaches the seat map while the other sees its place (1) and its wait, then is admitted one
interval later. The opening is a few seconds away and the rate is one visitor per 3 seconds, so the test runs on
the real clock without long sleeps."""
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from onsales import services
from tests.factories import MovieFactory, UserFactory
from tests.onsales.conftest import onsale_redis  # noqa: F401 -- a fixture
from tests.web.e2e.test_web_flows import log_in
from tests.web_fixtures import laid_out_show

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_visitors_in_line_one_admitted_first(new_page, onsale_redis, settings):  # noqa: F811
    settings.ONSALE_POLL_MS = 300
    show = laid_out_show(movie=MovieFactory(title="Premiere", duration_minutes=120), name="Screen 1")
    show_path = f"/showings/{show.pk}/"
    pages = {name: new_page() for name in ("ana", "ben")}
    for name, page in pages.items():
        log_in(page, UserFactory(username=name), "/my-tickets/")
    services.onsale_create(shows=[show.pk], opens_at=timezone.now() + timedelta(seconds=5), admit_per_minute=20,
                           pass_minutes=10, name="Premiere night")
    for page in pages.values():
        # The seat map sends them to the waiting room.
        page.goto(show_path)
        page.wait_for_url("**/showings/waiting-room/**")
        expect(page.locator("h1")).to_have_text("Waiting room")
        expect(page.locator("#queue-before")).to_be_visible()
        expect(page.locator("#queue-countdown")).to_have_text(re.compile(r"^0:0[1-5]$"))
    # A reload keeps the place (the line is the server's, per account).
    pages["ben"].reload()
    expect(pages["ben"].locator("#queue-before")).to_be_visible()

    # At the opening one of them (the draw decides which) goes on to the seat map; the other is next in line.
    first = None
    for _ in range(100):
        first = next((name for name, page in pages.items() if page.url.endswith(show_path)), None)
        if first:
            break
        pages["ana"].wait_for_timeout(100)
    assert first, "nobody was admitted at the opening"
    second = pages["ben" if first == "ana" else "ana"]
    expect(pages[first].locator("#seat-map")).to_be_visible()
    assert "/showings/waiting-room/" in second.url
    expect(second.locator("#queue-waiting")).to_be_visible()
    expect(second.locator("#queue-position")).to_have_text("1")
    expect(second.locator("#queue-wait")).to_have_text(re.compile(r"^0:0[0-3]$"))
    # The first one holds seats with the pass the page put in its cookie.
    page = pages[first]
    page.locator('#seat-map button[data-label="C5"]').click()
    page.get_by_role("button", name="Hold seats").click()
    page.wait_for_url("**/checkout/*/")
    # One interval (3 s) after the first, the second is admitted too.
    second.wait_for_url(f"**{show_path}", timeout=8000)
    expect(second.locator("#seat-map")).to_be_visible()
