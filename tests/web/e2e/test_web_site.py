"""The booking site as a moviegoer meets it, in Chromium at desktop and phone sizes: seats that survive signing
in, the seat bar's running total, honest "from" prices."""
import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.models import Hold, Movie, Show, ShowSeat
from core.services import catalog, holds
from tests.factories import PASSWORD, CinemaFactory, MovieFactory, ScreenFactory, UserFactory
from tests.web.e2e.conftest import screenshot_path
from tests.web_fixtures import AUDITORIUM, PRICES, laid_out_show

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"desktop": {"viewport": {"width": 1100, "height": 800}},
         "phone": {"viewport": {"width": 375, "height": 800}, "is_mobile": True, "has_touch": True}}


@pytest.fixture
def show():
    return laid_out_show(movie=MovieFactory(title="Inception", duration_minutes=148), name="Screen 1")


def seat(page, label):
    # The map's script runs after the page is drawn (defer): a click before it is ready would be lost.
    expect(page.locator('#seat-map[data-ready="1"]')).to_have_count(1)
    return page.locator(f'#seat-map button[data-label="{label}"]')


@pytest.mark.parametrize("size", SIZES)
def test_chosen_seats_survive_logging_in(new_page, show, size):
    customer = UserFactory(username="lea")
    page = new_page(**SIZES[size])
    page.goto(f"/showings/{show.pk}/")
    seat(page, "C5").click()
    seat(page, "F3").click()  # premium
    expect(page.locator("#subtotals li")).to_have_text(["1 × standard: €12.50", "1 × premium: €18.00"])
    expect(page.locator("#running-total")).to_have_text("Total: €30.50")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    page.locator(".hold-bar").get_by_role("link", name="Log in to hold seats").click()
    page.fill("#id_username", customer.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/showings/{show.pk}/?seats=*")
    expect(seat(page, "C5")).to_have_attribute("aria-pressed", "true")
    expect(seat(page, "F3")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#running-total")).to_have_text("Total: €30.50")
    assert not Hold.objects.exists()  # the hold starts now, when the signed-in visitor asks for it
    page.get_by_role("button", name="Hold seats").click()
    page.wait_for_url("**/checkout/*/")
    assert Hold.objects.get(user=customer).seat_numbers == [25, 53]


def test_chosen_seats_survive_signing_up_unless_taken_meanwhile(new_page, show):
    page = new_page()
    page.goto(f"/showings/{show.pk}/")
    seat(page, "D1").click()
    seat(page, "D2").click()
    page.locator(".hold-bar").get_by_role("link", name="Sign up").click()
    # Meanwhile someone else holds D2.
    holds.hold_create(user=UserFactory(), show_id=show.pk, seat_numbers=[32])
    page.fill("#id_username", "newcomer")
    page.fill("#id_email", "newcomer@example.com")
    page.fill("#id_password", "a long enough passphrase 42")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/showings/{show.pk}/?seats=*")
    expect(seat(page, "D1")).to_have_attribute("aria-pressed", "true")
    expect(seat(page, "D2")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#selection")).to_have_text("Chosen: D1")


def test_from_price_is_a_standard_seat_on_home_and_movie_pages(new_page, show):
    page = new_page()
    page.goto("/")
    expect(page.locator(".card", has_text="Inception")).to_contain_text("from €12.50")
    page.get_by_role("link", name="Inception").click()
    expect(page.locator("main")).to_contain_text("from €12.50")
    expect(page.locator("main")).not_to_contain_text("€6.00")


# --- Every word translated --------------------------------------------------------------------------------------
def english_vocabulary(language: str) -> set[str]:
    """The English words of our own texts (the catalogue's source strings), less those the language's translations
    use too ("total", "drama", "IMAX"): any of them on a page in that language is English left untranslated."""
    from babel import Locale
    from babel.messages.pofile import read_po

    from common.translations import po_path, source_messages

    def words(text: str) -> set[str]:
        text = re.sub(r"%\(\w+\)[sd]|\{\{.*?\}\}|<[^>]+>|&\w+;", " ", text)
        return {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)}

    english = set().union(*(words(m.msgid) | words(m.plural or "") for m in source_messages().values()))
    # What the pages write from CLDR rather than the catalogue: day and month names, language names.
    en = Locale("en")
    for names in (en.days["format"]["wide"], en.days["format"]["abbreviated"], en.months["format"]["wide"],
                  en.months["format"]["abbreviated"], en.languages):
        english |= set().union(*(words(name) for name in names.values()))
    with open(po_path(language), "rb") as po:
        translated = set().union(*(words(s) for m in read_po(po) if m.id
                                   for s in ([m.string] if isinstance(m.string, str) else m.string) if s))
    own = Locale(language)  # CLDR's words of the language itself ("mar" is Spanish for Tuesday)
    for names in (own.days["format"]["abbreviated"], own.months["format"]["abbreviated"]):
        translated |= set().union(*(words(name) for name in names.values()))
    return english - translated


def page_words(page, data: list[str]) -> set[str]:
    """Every word a person (or a screen reader) meets on the page: the visible text, the title, and the
    aria-label, title, alt and placeholder attributes, less the data (film, cinema and screen names...) and the
    language switcher's choices (each named in its own language on purpose)."""
    text = page.evaluate("""() => [document.title, document.body.innerText.replace(
        document.getElementById('language').innerText, ' ')].concat(
        Array.from(document.querySelectorAll('[aria-label],[title],[alt],[placeholder]')).map(e =>
          ['aria-label', 'title', 'alt', 'placeholder'].map(a => e.getAttribute(a) || '').join(' '))).join(' ')""")
    for value in data:
        text = text.replace(value, " ")
    return {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)}


@pytest.fixture
def foreign_show():
    cinema = CinemaFactory(name="Cine Callao", city="Madrid", time_zone="Europe/Madrid")
    screen = ScreenFactory(cinema=cinema, name="Sala 1", layout=AUDITORIUM)
    movie = MovieFactory(title="Inception", duration_minutes=148, genres=["sci-fi", "thriller"], certificate="12A")
    when = timezone.now().replace(microsecond=0) + timedelta(days=1)
    return catalog.show_create(movie_id=movie.pk, date_time=when, screen_id=screen.pk, prices=PRICES, language="en",
                               format="3D")


@pytest.mark.parametrize(("language", "size"), [(language, size) for language in ("en", "es", "hi")
                                                 for size in ("desktop", "phone")])
def test_the_main_flow_in_each_language_with_no_english_word_in_spanish_or_hindi(browser, live_server,
                                                                                    foreign_show, language, size):
    customer = UserFactory(username="lucia")
    english = english_vocabulary(language) if language != "en" else set()
    data = ["Inception", "Cine Callao", "Madrid", "Sala 1", "lucia", "12A"]
    context = browser.new_context(base_url=live_server.url,
                                  locale={"en": "en-GB", "es": "es-ES", "hi": "hi-IN"}[language],
                                  **SIZES[size])
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        seen = {}

        def check(name):
            expect(page.locator("html")).to_have_attribute("lang", language)
            left = page_words(page, data) & english
            seen[name] = left
            assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], name

        page.goto("/")
        check("home")
        page.get_by_role("link", name="Inception").first.click()
        check("movie")
        page.locator(".time-link").first.click()
        expect(page.locator("#seat-map")).to_be_visible()
        seat(page, "C5").click()
        seat(page, "F3").click()
        page.wait_for_timeout(1500)  # a poll has rewritten the live texts
        expect(page.locator("#subtotals li")).to_have_count(2)  # standard and premium
        total = {"en": "€30.50", "es": "30,50", "hi": "€30.50"}[language]
        expect(page.locator("#running-total")).to_contain_text(total)
        check("seat map")
        page.locator(".hold-bar a.keeps-seats").first.click()
        check("log in")
        page.fill("#id_username", customer.username)
        page.fill("#id_password", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/showings/**")
        expect(seat(page, "C5")).to_have_attribute("aria-pressed", "true")
        page.locator("#hold-button").click()
        page.wait_for_url("**/checkout/*/")
        check("checkout")
        page.locator("#reserve-button").click()
        page.wait_for_url("**/checkout/orders/*/")
        check("order")
        assert not any(seen.values()), f"English words on the {language} pages: {seen}"
    finally:
        context.close()


def test_the_control_english_words_are_found_on_an_english_page(new_page, foreign_show):
    # The check above can fail: an English page is full of the vocabulary it looks for.
    page = new_page()
    page.goto(f"/showings/{foreign_show.pk}/")
    assert {"seats", "free", "chosen", "screen"} <= page_words(page, []) & english_vocabulary("es")


# --- The README's screenshots (make screenshots retakes them into docs/) -----------------------------------------
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def test_screenshot_home_movie_and_checkout_desktop_and_phone(new_page, tmp_path):
    from seed_script import seed

    seed()  # make run's sample programme, posters included
    movie = Movie.objects.get(title="Inception")
    desktop = new_page(viewport={"width": 1200, "height": 900})
    desktop.goto("/")
    expect(desktop.locator(".card img.poster").first).to_be_visible()
    # Every poster loads (none broken): waited for, since the others may still be on their way when the first shows.
    # Polled with evaluate(), not wait_for_function(): Playwright evaluates a string predicate again on each poll,
    # which the page's CSP (no unsafe-eval) refuses once the first check finds a poster still loading.
    deadline = time.monotonic() + 15
    while not desktop.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"):
        assert time.monotonic() < deadline, "a poster did not load within 15 s"
        desktop.wait_for_timeout(100)
    desktop.screenshot(path=str(screenshot_path("web-home-desktop.png", tmp_path)))
    phone = new_page(**PHONE)
    phone.goto("/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=str(screenshot_path("web-home-phone.png", tmp_path)))
    phone.goto(f"/films/{movie.pk}/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=str(screenshot_path("web-movie-phone.png", tmp_path)), full_page=True)

    customer = UserFactory(username="maria")
    show = Show.objects.filter(movie=movie, screen__isnull=False).order_by("date_time").first()
    standard = sorted(ShowSeat.objects.filter(show=show, category="standard").values_list("number", flat=True))
    hold = holds.hold_create(user=customer, show_id=show.pk, seat_numbers=standard[10:12])
    checkout = new_page(**PHONE, locale="es-ES")
    checkout.goto(f"/account/login/?next=/checkout/{hold.pk}/")
    checkout.fill("#id_username", customer.username)
    checkout.fill("#id_password", PASSWORD)
    checkout.locator("main form button[type=submit]").click()
    checkout.wait_for_url(f"**/checkout/{hold.pk}/")
    expect(checkout.locator("#reserve-button")).to_have_text("Reservar y pagar en taquilla")
    path = screenshot_path("web-checkout-phone-es.png", tmp_path)
    checkout.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000

