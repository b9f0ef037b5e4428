"""The moviegoer's flows in Chromium: browse → choose seats → hold (countdown) → pay at the box office, or by card
with Stripe.js (localstripe's) → tickets with QR codes and the PDF → cancel with the refund shown; live updates
between two browsers; the language switch; keyboard-only seat choice; a 375 px phone; screenshots for the README."""
import io
import re
import time

import pytest
import requests
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from core.models import Booking, Hold
from core.services import holds
from orders.models import Order, Payment, Refund
from orders.services import order_create, order_mark_paid, order_pay_with_card
from tests.conftest import bearer
from tests.factories import PASSWORD, BookingFactory, MovieFactory, StaffFactory, UserFactory
from tests.web.e2e.conftest import screenshot_path
from tests.web_fixtures import laid_out_show

pytestmark = pytest.mark.django_db(transaction=True)

DECLINED_CARD = "4000000000000002"  # Stripe's test card for a generic decline


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


def browse_choose_and_hold(page, show, customer):
    """What's on → the movie → a show → log in → choose C5 and C6 → hold: the checkout with its countdown."""
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
    expect(page.locator("#subtotals li")).to_have_text(["2 × standard: €25.00"])
    expect(page.locator("#running-total")).to_have_text("Total: €25.00")
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


def decoded_qr_codes(page) -> list[str]:
    """The ticket codes the QR images on the page really carry, read from the rendered pixels (zxing-cpp)."""
    codes = []
    for image in page.locator("img.qr").all():
        codes += [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(image.screenshot())))]
    return sorted(codes)


def expect_paid_tickets_with_qr_and_pdf(page, customer):
    tickets = page.locator("#upcoming .ticket")
    expect(tickets).to_have_count(2)
    expect(page.locator("#upcoming img.qr")).to_have_count(2)
    expect(page.locator("#upcoming .badge.paid").first).to_be_visible()
    codes = sorted(Booking.objects.filter(user=customer, status="booked").values_list("ticket_code", flat=True))
    assert decoded_qr_codes(page) == codes
    pdf = page.request.get(page.locator("a.pdf-link").get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")


def test_browse_hold_with_countdown_pay_at_the_box_office_then_ticket_with_qr(new_page, show, customer, live_server):
    page = new_page()
    browse_choose_and_hold(page, show, customer)
    # No Stripe key on this server: the card is not offered, and the page says so.
    expect(page.locator("#card-unavailable")).to_be_visible()
    expect(page.get_by_role("button", name="Pay €25.00 by card")).to_have_count(0)
    expect(page.locator("#collect-by")).to_contain_text("Nothing is paid now. Pay €25.00 at the box office by")
    page.get_by_role("button", name="Reserve, pay at the box office").click()

    page.wait_for_url("**/checkout/orders/*/")
    order = Order.objects.get(user=customer)
    expect(page.locator("#box-office-note")).to_contain_text(f"give your order number, {order.pk}")
    # A reservation, kept until it must be collected (RESERVATION_RELEASE_MINUTES before the show), not 15 minutes.
    expect(page.locator("#countdown")).to_have_count(0)
    expect(page.locator("#collect-by")).to_contain_text("Nothing is paid now. Pay €25.00 at the box office by")
    page.get_by_role("link", name="My tickets").first.click()
    expect(page.locator(f"#order-{order.pk} .badge")).to_have_text("waiting for payment")
    expect(page.locator("img.qr")).to_have_count(0)

    # At the counter, staff take the money and record it through the API.
    staff = StaffFactory()
    marked = requests.post(f"{live_server.url}/orders/{order.pk}/mark-paid/", headers={"Authorization": bearer(staff)},
                           timeout=10)
    assert marked.status_code == 200 and marked.json()["status"] == "paid"
    page.reload()
    expect(page.locator(f"#order-{order.pk} .order-status .badge")).to_have_text("paid")
    expect_paid_tickets_with_qr_and_pdf(page, customer)


@pytest.fixture
def card_payments(stripe_server, settings):
    """The live server takes cards through localstripe (its webhooks sent nowhere: the pages ask Stripe
    themselves), and the pages load localstripe's Stripe.js look-alike."""
    settings.STRIPE_JS_URL = f"{stripe_server.url}/js.stripe.com/v3/"
    return stripe_server


def enter_card(page, number: str):
    # localstripe's card Element: one input per field, named by its placeholder (Stripe's own is an iframe).
    element = page.locator("#card-element")
    element.locator("input[placeholder=number]").fill(number)
    element.locator("input[placeholder=exp_month]").fill("12")
    element.locator("input[placeholder=exp_year]").fill("34")
    element.locator("input[placeholder=cvc]").fill("123")
    element.locator("input[placeholder=postal_code]").fill("75001")


def test_browse_hold_and_pay_by_card_with_stripe_js_then_ticket_with_qr(new_page, show, customer, card_payments):
    page = new_page()
    browse_choose_and_hold(page, show, customer)
    page.get_by_role("button", name="Pay €25.00 by card").click()
    page.wait_for_url("**/checkout/orders/*/")
    order = Order.objects.get(user=customer)
    expect(page.locator("#card-element input")).to_have_count(5)  # Stripe.js (localstripe's) mounted the Element

    enter_card(page, DECLINED_CARD)
    page.get_by_role("button", name="Pay €25.00 by card").click()
    expect(page.locator(".messages")).to_contain_text("Your card was declined; nothing was charged.")
    assert Order.objects.get(pk=order.pk).status == "pending" and not Booking.objects.exists()

    enter_card(page, "4242424242424242")
    page.get_by_role("button", name="Pay €25.00 by card").click()
    page.wait_for_url("**/my-tickets/")
    expect(page.locator(".messages")).to_contain_text("Paid €25.00. Your tickets are below.")
    assert Order.objects.get(pk=order.pk).status == "paid"
    expect(page.locator(f"#order-{order.pk} .order-status")).to_contain_text("card")
    expect_paid_tickets_with_qr_and_pdf(page, customer)


def test_a_card_that_needs_3d_secure_is_authenticated_in_the_page(new_page, show, customer, card_payments):
    hold = holds.hold_create(user=customer, show_id=show.pk, seat_numbers=[25])
    order = order_create(user=customer, hold_id=hold.pk, payment_method="stripe")
    page = new_page()
    log_in(page, customer, f"/checkout/orders/{order.pk}/")
    enter_card(page, "4000002500003155")
    page.get_by_role("button", name="Pay €12.50 by card").click()
    # localstripe's stand-in for the bank's 3D Secure window.
    page.get_by_role("button", name="Complete authentication").click()
    page.wait_for_url("**/my-tickets/")
    expect(page.locator(".messages")).to_contain_text("Paid €12.50.")
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_cancel_a_paid_ticket_and_see_the_refund(new_page, show, customer, card_payments):
    hold = holds.hold_create(user=customer, show_id=show.pk, seat_numbers=[25, 26])
    order = order_create(user=customer, hold_id=hold.pk, payment_method="stripe")
    token = card_payments.client().v1.tokens.create(params={"card": {
        "number": "4242424242424242", "exp_month": "12", "exp_year": "2034", "cvc": "123"}})
    order_pay_with_card(user=customer, order_id=order.pk, card_token=token.id)
    page = new_page()
    log_in(page, customer, "/my-tickets/")
    c5 = page.locator("#upcoming .ticket", has_text="Seat C5")
    c5.get_by_role("button", name="Cancel").click()
    page.wait_for_url("**/my-tickets/")
    expect(page.locator(".messages")).to_contain_text("Booking cancelled. Refunded €12.50 to your card.")
    expect(page.locator(f"#order-{order.pk} .refund-total")).to_have_text("Refunded €12.50 to your card")
    expect(page.locator("#upcoming .ticket", has_text="Seat C5").locator(".badge")).to_have_text("refunded")
    expect(page.locator("#upcoming img.qr")).to_have_count(1)  # C6 still stands

    page.get_by_role("button", name="Cancel").click()  # the last ticket
    expect(page.locator(".messages")).to_contain_text("Booking cancelled. Refunded €12.50 to your card.")
    expect(page.locator(f"#order-{order.pk} .refund-total")).to_have_text("Refunded €25.00 to your card")
    expect(page.locator(f"#order-{order.pk} .order-status .badge")).to_have_text("cancelled")
    refunds = Refund.objects.filter(order=order)
    assert [r.state for r in refunds] == ["done", "done"]
    intent = Payment.objects.get(order=order).provider_reference
    assert sum(r.amount for r in card_payments.client().v1.refunds.list(params={"payment_intent": intent})) == 2500


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


def test_browser_language_is_used_until_one_is_chosen(new_page, show):
    page = new_page(locale="es-ES")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cartelera")


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


def test_screenshot_my_tickets_on_a_phone(new_page, show, customer, tmp_path):
    staff = StaffFactory()
    hold = holds.hold_create(user=customer, show_id=show.pk, seat_numbers=[25, 26])
    order = order_create(user=customer, hold_id=hold.pk, payment_method="box_office")
    order_mark_paid(order_id=order.pk, staff_user=staff)
    page = new_page(viewport={"width": 375, "height": 900}, is_mobile=True, has_touch=True, device_scale_factor=2)
    log_in(page, customer, "/my-tickets/")
    expect(page.locator("#upcoming img.qr")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling on a phone
    path = screenshot_path("web-my-tickets-phone.png", tmp_path)
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


def test_a_csp_violation_is_caught(new_page, csp_violations, show):
    # The control for the check every test runs (conftest.new_page): an inline script and an inline style
    # attribute added to a page are refused by the policy, and seen.
    page = new_page()
    page.goto(f"/showings/{show.pk}/")
    # Resolves once the page has seen both violations (the fixture's listener logs each as it is dispatched).
    page.evaluate("""() => new Promise((resolve) => {
        let seen = 0;
        document.addEventListener("securitypolicyviolation", () => { if (++seen === 2) resolve(); });
        const script = document.createElement("script");
        script.textContent = "window.inlineRan = true;";
        document.body.append(script);
        document.body.insertAdjacentHTML("beforeend", '<p style="color: red">inline style</p>');
    })""")
    assert page.evaluate("() => window.inlineRan") is None  # blocked
    assert any("script-src" in v for v in csp_violations) and any("style-src" in v for v in csp_violations), \
        csp_violations
    csp_violations.clear()
