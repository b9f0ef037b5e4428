"""The moviegoer's flows in Chromium: browse → choose seats → hold (countdown) → book; live updates between two
browsers; the language switch; keyboard-only seat choice; a 375 px phone; screenshots for the README."""
import re
import time

import pytest
from playwright.sync_api import expect

from core.models import Booking, Hold
from core.services import holds
from tests.e2e.conftest import screenshot_path
from tests.factories import PASSWORD, BookingFactory, MovieFactory, UserFactory
from tests.web_fixtures import laid_out_show

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def show():
    # Rows A–F of ten seats with a centre aisle, row F premium with a wheelchair space (tests/web_fixtures.py).
    return laid_out_show(movie=MovieFactory(title="Interstellar", duration_minutes=169), name="Screen 3")


@pytest.fixture
def customer():
    return UserFactory(username="ana")


def log_in(page, user, next_path: str):
    page.goto(f"/account/login/?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{next_path}")


def seat(page, label: str):
    return page.locator(f'#seat-map button[data-label="{label}"]')


def test_browse_choose_seats_hold_with_countdown_and_book(new_page, show, customer):
    page = new_page()
    page.goto("/")
    page.get_by_role("link", name="Interstellar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Interstellar")
    page.locator(".times a").first.click()
    expect(page.locator("#seat-map")).to_be_visible()
    show_path = f"/showings/{show.pk}/"
    assert page.url.endswith(show_path)
    page.get_by_role("link", name="Log in to hold seats").click()
    page.fill("#id_username", customer.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{show_path}")

    seat(page, "C5").click()
    seat(page, "C6").click()
    expect(seat(page, "C5")).to_have_attribute("aria-pressed", "true")
    expect(seat(page, "C5")).to_have_attribute("aria-label", "Row C, seat 5, standard, €12.50, selected")
    expect(page.locator("#selection")).to_have_text("Chosen: C5, C6")
    page.get_by_role("button", name="Hold seats").click()

    page.wait_for_url("**/checkout/*/")
    expect(page.locator("#held-seats")).to_have_text("C5, C6")
    expect(page.locator("#total")).to_have_text("€25.00")
    countdown = page.locator("#countdown")
    expect(countdown).to_have_text(re.compile(r"^[78]:\d\d$"))  # SEAT_HOLD_MINUTES = 8
    first = countdown.inner_text()
    page.wait_for_timeout(1200)
    assert countdown.inner_text() != first  # it counts down
    assert Hold.objects.get(user=customer).seat_numbers == [25, 26]

    page.get_by_role("button", name="Book these seats").click()
    page.wait_for_url("**/my-tickets/")
    expect(page.locator(".messages")).to_contain_text("Booked!")
    expect(page.locator(".ticket")).to_have_count(2)
    assert sorted(Booking.objects.filter(user=customer).values_list("seat_number", flat=True)) == [25, 26]


def test_a_seat_held_in_one_browser_turns_unavailable_in_the_other_within_two_seconds(new_page, show, customer):
    show_path = f"/showings/{show.pk}/"
    watcher = new_page()
    watcher.goto(show_path)
    watcher_seat = seat(watcher, "A7")
    watcher_seat.click()  # the watcher had chosen it too
    expect(watcher_seat).to_have_attribute("aria-pressed", "true")

    holder = new_page()
    log_in(holder, customer, show_path)
    seat(holder, "A7").click()
    holder.get_by_role("button", name="Hold seats").click()
    holder.wait_for_url("**/checkout/*/")
    held_at = time.monotonic()

    expect(watcher_seat).to_have_attribute("data-state", "held", timeout=2000)
    elapsed = time.monotonic() - held_at
    print(f"seat A7 turned unavailable in the other browser {elapsed:.2f} s after the hold")
    expect(watcher_seat).to_have_attribute("aria-disabled", "true")
    expect(watcher_seat).to_have_attribute("aria-pressed", "false")
    expect(watcher_seat).to_have_attribute("aria-label", "Row A, seat 7, standard, €12.50, held by someone")
    expect(watcher.locator("#announcer")).to_have_text("Seat A7 was just taken by someone else.")
    expect(watcher.locator("#availability")).to_have_text("59 seats free")

    # Released elsewhere (the service, as the API would): free again without a reload.
    holds.hold_release(user=customer, hold_id=Hold.objects.get(user=customer).pk)
    expect(watcher_seat).to_have_attribute("data-state", "free", timeout=2000)
    expect(watcher_seat).not_to_have_attribute("aria-disabled", "true")


def test_language_switch(new_page, show):
    page = new_page()
    page.goto(f"/showings/{show.pk}/")
    page.select_option("#language", "es")
    page.locator("#language-form button").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(seat(page, "A1")).to_have_attribute("aria-label", "Fila A, butaca 1, estándar, 12,50\xa0€, libre")
    expect(page.locator("#availability")).to_have_text("60 butacas libres")
    page.select_option("#language", "hi")
    page.locator("#language-form button").click()
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    expect(seat(page, "A1")).to_have_attribute("aria-label", "पंक्ति A, सीट 1, सामान्य, €12.50, उपलब्ध")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("अभी चल रही फ़िल्में")


def test_browser_language_is_used_until_one_is_chosen(browser, live_server, show):
    context = browser.new_context(base_url=live_server.url, locale="es-ES")
    try:
        page = context.new_page()
        page.goto("/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Cartelera")
    finally:
        context.close()


def test_keyboard_only_seat_choice(new_page, show, customer):
    BookingFactory(show=show, seat_number=2)  # A2 is sold: the arrow keys still reach it, Space cannot choose it
    page = new_page()
    show_path = f"/showings/{show.pk}/"
    log_in(page, customer, show_path)
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('seat')"):
            break
    focused = page.locator("#seat-map button:focus")
    expect(focused).to_have_attribute("data-label", "A1")  # the first free seat is the map's one tab stop
    page.keyboard.press("ArrowRight")
    expect(focused).to_have_attribute("data-label", "A2")
    page.keyboard.press("Space")
    expect(seat(page, "A2")).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(seat(page, "A3")).to_have_attribute("aria-pressed", "true")
    expect(seat(page, "B3")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Tab")
    expect(page.locator("#hold-button")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/checkout/*/")
    assert Hold.objects.get(user=customer).seat_numbers == [3, 13]


def test_phone_sized_screen(new_page, show, customer):
    page = new_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2)
    show_path = f"/showings/{show.pk}/"
    log_in(page, customer, show_path)
    # Nothing wider than the phone: the page does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    box = seat(page, "F10").bounding_box()
    assert box["x"] + box["width"] <= 375 and box["width"] >= 24  # the whole row fits, seats big enough to tap
    seat(page, "F10").tap()
    expect(seat(page, "F10")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Hold seats").tap()
    page.wait_for_url("**/checkout/*/")
    expect(page.locator("#countdown")).to_be_visible()


def test_screenshot_seat_map_desktop_and_phone(new_page, show, tmp_path):
    someone, other = UserFactory(), UserFactory()
    for number in (14, 15, 16, 35, 36):
        BookingFactory(show=show, seat_number=number, user=someone)
    holds.hold_create(user=other, show_id=show.pk, seat_numbers=[44, 45])
    desktop = new_page(viewport={"width": 1100, "height": 760})
    desktop.goto(f"/showings/{show.pk}/")
    for label in ("D7", "D8"):
        seat(desktop, label).click()
    desktop.screenshot(path=str(screenshot_path("web-seat-map-desktop.png", tmp_path)))
    phone = new_page(viewport={"width": 375, "height": 760}, is_mobile=True, has_touch=True, device_scale_factor=2)
    phone.goto(f"/showings/{show.pk}/")
    seat(phone, "D7").tap()
    path = screenshot_path("web-seat-map-phone.png", tmp_path)
    phone.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
