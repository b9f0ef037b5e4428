"""The ticket PDF is worth printing: rendered to an image (poppler's pdftoppm) its QR code reads back the ticket
code, and its text (pdftotext) reads back every field in the customer's language: film, cinema and address,
screen, seat, local date and time, price, order reference, the code. On A4 (three to a page) and on a phone."""
import io
import logging
import re
import shutil
import subprocess  # nosec B404 - poppler's tools on a file of this test
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import zxingcpp
from django.conf import settings
from django.utils import timezone, translation
from PIL import Image, ImageOps

from core.models import Booking
from core.services import catalog, holds
from orders.services import order_create, order_mark_paid, order_tickets_pdf
from tests.factories import CinemaFactory, MovieFactory, ScreenFactory, UserFactory
from tests.web_fixtures import AUDITORIUM, PRICES
from tickets import rendering

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftoppm") or not shutil.which("pdftotext"),
                       reason="needs poppler-utils (pdftoppm, pdftotext): apt-get install poppler-utils"),
]


@pytest.fixture
def paid_order():
    cinema = CinemaFactory(name="Cine Callao", city="Madrid", address="Plaza del Callao 3", time_zone="Europe/Madrid")
    screen = ScreenFactory(cinema=cinema, name="Sala 2", layout=AUDITORIUM)
    movie = MovieFactory(title="El laberinto del fauno")
    year = timezone.now().year + 1
    when = datetime(year, 3, 14, 19, 30, tzinfo=ZoneInfo("Europe/Madrid"))  # its weekday is checked below
    show = catalog.show_create(movie_id=movie.pk, date_time=when, screen_id=screen.pk, prices=PRICES)
    customer = UserFactory()
    hold = holds.hold_create(user=customer, show_id=show.pk, seat_numbers=[25, 53])  # C5 standard, F3 premium
    order = order_create(user=customer, hold_id=hold.pk, payment_method="box_office")
    order_mark_paid(order_id=order.pk, staff_user=UserFactory(is_staff=True))
    return customer, order, when


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "tickets.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,  # nosec B603
                          timeout=30).stdout.decode()


def pdf_pages(pdf: bytes, tmp_path, dpi=110) -> list[Image.Image]:
    path = tmp_path / "tickets.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(tmp_path / "page")], check=True,  # nosec B603
                   timeout=60)
    return [Image.open(p).convert("RGB") for p in sorted(tmp_path.glob("page*.png"))]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_pdf_reads_back_every_field_in_spanish(paid_order, tmp_path):
    customer, order, when = paid_order
    with translation.override("es"):
        pdf = order_tickets_pdf(user=customer, order_id=order.pk)
    text = squash(pdf_text(pdf, tmp_path))
    weekday = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"][when.weekday()]
    for expected in ["El laberinto del fauno", "Cine Callao", "Plaza del Callao 3, Madrid", "Sala 2",
                     f"{weekday}, 14 de marzo de {when.year}", "19:30", "12,50 €", "18,00 €",
                     "BUTACA", "C5", "F3", "PEDIDO", str(order.pk), "PRECIO", "FECHA", "HORA", "CINE"]:
        assert expected in text, (expected, text)
    for code in Booking.objects.filter(order=order).values_list("ticket_code", flat=True):
        assert code in text


def test_the_a4_pdf_renders_with_each_ticket_s_qr_code_readable(paid_order, tmp_path):
    customer, order, _when = paid_order
    with translation.override("en"):
        pdf = order_tickets_pdf(user=customer, order_id=order.pk)
    text = squash(pdf_text(pdf, tmp_path))
    assert "SEAT C5" in text and "PRICE €12.50" in text and "TIME 7:30" in text and "March 14" in text
    (page,) = pdf_pages(pdf, tmp_path)  # two tickets fit one A4 page
    assert abs(page.width / page.height - 210 / 297) < 0.01
    codes = sorted(found.text for found in zxingcpp.read_barcodes(page))
    assert codes == sorted(Booking.objects.filter(order=order).values_list("ticket_code", flat=True))
    # Not a blank page: ink on a good part of it.
    assert sum(1 for pixel in page.resize((100, 140)).getdata() if sum(pixel) < 600) > 800


def test_the_phone_pdf_has_one_tall_page_per_ticket(paid_order, tmp_path):
    customer, order, _when = paid_order
    pdf = order_tickets_pdf(user=customer, order_id=order.pk, layout="phone")
    pages = pdf_pages(pdf, tmp_path)
    assert len(pages) == 2 and all(p.height > 1.7 * p.width for p in pages)
    codes = [zxingcpp.read_barcodes(p)[0].text for p in pages]
    assert codes == list(Booking.objects.filter(order=order).order_by("seat_number")
                         .values_list("ticket_code", flat=True))
    text = squash(pdf_text(pdf, tmp_path))
    assert "Cine Callao" in text and "Plaza del Callao 3" in text


needs_devanagari = pytest.mark.skipif(
    not (Path(settings.TICKET_DEVANAGARI_FONT_DIR) / "NotoSansDevanagari-Regular.ttf").exists(),
    reason="needs Noto Sans Devanagari: apt-get install fonts-noto-core (make browser)")


@pytest.fixture
def fresh_font_lookup():
    # The Devanagari font is looked up once per process; a test that moves it starts and ends with a fresh lookup.
    rendering._devanagari_font.cache_clear()
    yield
    rendering._devanagari_font.cache_clear()


@needs_devanagari
def test_a_hindi_reader_gets_the_pdf_in_hindi_and_its_text_reads_back(paid_order, tmp_path):
    customer, order, when = paid_order
    with translation.override("hi"):
        pdf = order_tickets_pdf(user=customer, order_id=order.pk)
    text = squash(pdf_text(pdf, tmp_path))
    weekday = ["सोमवार", "मंगलवार", "बुधवार", "गुरुवार", "शुक्रवार", "शनिवार", "रविवार"][when.weekday()]
    # Conjuncts (स्क्र), a reph (र्ड, र्च) and a vowel sign drawn before its consonant (सि) read back as typed.
    for expected in ["सिनेमाघर Cine Callao", "पता Plaza del Callao 3, Madrid", "स्क्रीन Sala 2", "सीट C5",
                     f"तारीख {weekday}, 14 मार्च {when.year}", "समय 7:30", "कीमत", "€12.50", "€18.00",
                     f"ऑर्डर {order.pk}", "El laberinto del fauno"]:
        assert expected in text, (expected, text)
    for code in Booking.objects.filter(order=order).values_list("ticket_code", flat=True):
        assert code in text
    (page,) = pdf_pages(pdf, tmp_path)
    assert len(zxingcpp.read_barcodes(page)) == 2


def ink_width(draw, tmp_path) -> int:
    """Width in pixels of what draw(canvas) puts on a small page."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=(300, 60))
    draw(page)
    page.save()
    (image,) = pdf_pages(out.getvalue(), tmp_path, dpi=150)
    left, _top, right, _bottom = ImageOps.invert(image).getbbox()
    return right - left


@needs_devanagari
def test_devanagari_is_shaped_not_drawn_letter_by_letter(tmp_path, fresh_font_lookup):
    # "मार्च": shaped, the र् is a reph (a hook above the च), not a half letter beside it, and the halant vanishes;
    # drawn one glyph after the other the word is wider.
    font = rendering._devanagari_font("regular")

    def shaped(page):
        rendering._draw_text(page, 10, 20, "मार्च", "Helvetica", 30, font)

    def unshaped(page):
        page.setFont(font, 30)
        page.drawString(10, 20, "मार्च")

    assert ink_width(shaped, tmp_path) < 0.9 * ink_width(unshaped, tmp_path)


def test_without_the_devanagari_font_a_hindi_reader_gets_english(paid_order, tmp_path, settings, caplog,
                                                                   fresh_font_lookup):
    settings.TICKET_DEVANAGARI_FONT_DIR = str(tmp_path / "no-fonts")
    customer, order, _when = paid_order
    with translation.override("hi"), caplog.at_level(logging.WARNING, logger="tickets.rendering"):
        pdf = order_tickets_pdf(user=customer, order_id=order.pk)
    text = squash(pdf_text(pdf, tmp_path))
    assert "SEAT C5" in text and "March 14" in text
    assert "Hindi ticket PDFs are written in English" in caplog.text
    assert "hi" not in rendering.pdf_languages()


def test_the_single_ticket_drawing_fits_any_box(paid_order):
    # The box office's till prints with draw_ticket on its own paper size.
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from tickets.rendering import draw_ticket
    from tickets.selectors import printable_ticket

    customer, order, _when = paid_order
    booking = Booking.objects.select_related("show__movie", "show__screen__cinema", "order").filter(order=order)[0]
    out = io.BytesIO()
    till = canvas.Canvas(out, pagesize=(80 * mm, 120 * mm))
    draw_ticket(till, printable_ticket(booking), x=0, y=0, width=80 * mm, height=120 * mm)
    till.save()
    assert out.getvalue().startswith(b"%PDF")
