"""The staff's pages in Chromium: a till sale of two seats by keyboard, its tickets printed (the PDF checked) and
refunded at the counter; the door scanner on a 375 px phone reading a real ticket's QR code through a fake camera
(a Y4M video this test writes), green on the first scan and red "already used" on the second.

The fake camera is Chromium's own: `--use-fake-device-for-media-stream --use-file-for-fake-video-capture=<file>`
plays the file as the camera, looping, and `--use-fake-ui-for-media-stream` answers the permission prompt."""
import io
import os
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.roles import BOX_OFFICE, DOOR
from core.models import Booking
from orders.box_office import box_office_sell
from orders.models import Order, Refund
from tests.factories import PASSWORD, MovieFactory, UserFactory
from tests.web.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.web_fixtures import laid_out_show
from tickets.rendering import qr_png

pytestmark = pytest.mark.django_db(transaction=True)


def member_of(role: str, username: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def soon_show():
    # Starts in 30 minutes: on sale, and its door is open (CHECKIN_OPENS_MINUTES = 60).
    return laid_out_show(movie=MovieFactory(title="Interstellar", duration_minutes=169), name="Screen 3",
                         when=timezone.now().replace(microsecond=0) + timedelta(minutes=30))


def log_in(page, user, next_path: str):
    page.goto(f"/account/login/?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{next_path}*")


# --- The till -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("locale, texts", [
    ("en-US", {"heading": "Box office", "refunded": "Order #{order} refunded: pay out €25.00 in cash."}),
    ("es-ES", {"heading": "Taquilla", "refunded": "Pedido n.º {order} reembolsado: devuelva 25,00 € en efectivo."}),
])
def test_till_sells_two_seats_by_keyboard_prints_and_refunds(new_page, soon_show, locale, texts):
    cashier = member_of(BOX_OFFICE, "carla")
    page = new_page(locale=locale)
    log_in(page, cashier, "/boxoffice/")
    expect(page.get_by_role("heading", level=1)).to_have_text(texts["heading"])
    expect(page.locator("#till-show")).to_have_value(str(soon_show.pk))

    # The documented handful of keys: the map has the focus on its first free seat.
    expect(page.locator('#seat-map button[data-label="A1"]')).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    page.keyboard.press("c")

    page.wait_for_url("**/boxoffice/?show=*&sold=*")
    order = Order.objects.get()
    assert (order.status, order.user.username, order.total) == ("paid", "walk-in", 25)
    assert sorted(Booking.objects.filter(order=order).values_list("seat_number", flat=True)) == [1, 2]
    expect(page.locator("#sale-seats")).to_have_text("A1, A2")
    expect(page.locator('#seat-map button[data-label="A1"]')).to_have_attribute("data-state", "booked")

    # Print: P opens the tickets for the ticket printer in a new tab; the PDF is what the printer gets.
    context = page.context
    with context.expect_event("response", lambda r: "/tickets.pdf" in r.url) as printed:
        page.keyboard.press("p")
    response = printed.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = context.request.get(response.url)
    pages = PdfReader(io.BytesIO(pdf.body())).pages
    assert len(pages) == 2 and round(float(pages[0].mediabox.width) / 72 * 25.4) == 80
    codes = list(Booking.objects.filter(order=order).order_by("seat_number").values_list("ticket_code", flat=True))
    assert all(code in page_.extract_text() for page_, code in zip(pages, codes, strict=True))

    # Refund at the counter (the till asks first).
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#refund-sale").click()
    expect(page.locator(".messages")).to_contain_text(texts["refunded"].format(order=order.pk))
    refund = Refund.objects.get()
    assert (refund.amount, refund.paid_out_by) == (25, cashier)
    assert not Booking.objects.filter(status="booked").exists()


# --- The door -----------------------------------------------------------------------------------------------
def write_y4m(path, code: str, *, width=640, height=480, frames=10):
    """A short video of the ticket's QR code, as a phone held over it sees it: Y4M (YUV 4:2:0), which Chromium's
    fake camera reads, written with Pillow."""
    qr = Image.open(io.BytesIO(qr_png(code, scale=8))).convert("L")
    side = min(height - 40, qr.width)
    frame = Image.new("RGB", (width, height), "white")
    frame.paste(qr.resize((side, side), Image.NEAREST).convert("RGB"), ((width - side) // 2, (height - side) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = y.tobytes() + cb.resize(half, Image.BILINEAR).tobytes() + cr.resize(half, Image.BILINEAR).tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)


@pytest.fixture
def camera_browser(browser):
    """Chromium whose camera plays a file: `start(video_path)` launches it (the video must exist first), from the
    package's Playwright (one per thread)."""
    launched = []

    def start(video_path):
        launched.append(browser.browser_type.launch(executable_path=CHROMIUM, args=[
            *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video_path}"]))
        return launched[-1]

    yield start
    for launched_browser in launched:
        launched_browser.close()


@pytest.mark.parametrize("locale, texts", [
    ("en-US", {"admit": "Admit", "refuse": "Do not admit", "used": "Already used at {time}.", "seat": "Seat C5",
               "counts": "Admitted: 1 · Still expected: 1"}),
    ("hi-IN", {"admit": "प्रवेश दें", "refuse": "प्रवेश न दें", "used": "{time} बजे पहले ही इस्तेमाल हो चुका है।",
               "seat": "सीट C5", "counts": "प्रवेश हुए: 1 · अभी आने हैं: 1"}),
])
def test_door_scans_a_ticket_with_the_phone_camera_green_then_red(camera_browser, live_server, soon_show, tmp_path,
                                                                   locale, texts):
    order = box_office_sell(staff_user=member_of(BOX_OFFICE, "carla"), show_id=soon_show.pk, seat_numbers=[25, 26])
    ticket = Booking.objects.get(order=order, seat_number=25)
    video = tmp_path / "ticket.y4m"
    write_y4m(video, ticket.ticket_code)
    usher = member_of(DOOR, "umar")

    browser = camera_browser(os.fspath(video))
    context = browser.new_context(base_url=live_server.url, locale=locale, viewport={"width": 375, "height": 740},
                                  is_mobile=True, has_touch=True, device_scale_factor=2)
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, usher, "/door/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    result = page.locator("#door-result")
    expect(result).to_have_attribute("data-outcome", "admitted")
    expect(page.locator("#door-verdict")).to_have_text(texts["admit"])
    expect(page.locator("#door-seat")).to_have_text(texts["seat"])
    expect(page.locator("#door-show-text")).to_contain_text("Interstellar")
    expect(page.locator("#door-counts")).to_have_text(texts["counts"])
    box = result.bounding_box()
    assert (box["width"], box["height"]) == (375, 740)  # the whole screen says it
    ticket.refresh_from_db()
    admitted_at = ticket.checkin.checked_in_at.astimezone(ZoneInfo(soon_show.screen.cinema.time_zone))

    # The same ticket held up again once the answer has gone: red, used at the time of the first scan.
    expect(result).to_have_attribute("data-outcome", "refused")
    expect(page.locator("#door-verdict")).to_have_text(texts["refuse"])
    expect(page.locator("#door-reason")).to_have_text(texts["used"].format(time=f"{admitted_at:%H:%M}"))
    assert Booking.objects.get(pk=ticket.pk).checkin.checked_in_by == usher
    context.close()


def test_door_a_typed_code_works_too(new_page, soon_show):
    order = box_office_sell(staff_user=member_of(BOX_OFFICE, "carla"), show_id=soon_show.pk, seat_numbers=[25])
    ticket = Booking.objects.get(order=order)
    page = new_page(viewport={"width": 375, "height": 740})
    log_in(page, member_of(DOOR, "umar"), "/door/")

    page.fill("#door-code", ticket.ticket_code.lower())
    page.keyboard.press("Enter")

    expect(page.locator("#door-result")).to_have_attribute("data-outcome", "admitted")
    page.locator("#door-result").click()  # a tap dismisses it
    expect(page.locator("#door-result")).to_be_hidden()
    page.fill("#door-code", "NOSUCHCODE")
    page.keyboard.press("Enter")
    expect(page.locator("#door-result")).to_have_attribute("data-outcome", "refused")
    expect(page.locator("#door-reason")).to_have_text("Unknown ticket.")
