"""Ticket images and documents: the QR code of a ticket code (segno) and a printable PDF (reportlab).

The QR code carries only the ticket code: the door looks it up (tickets.services.checkin), so a cancelled ticket
stops admitting even though its picture cannot change.

A ticket is drawn by one function, `draw_ticket` (a box of any size on any reportlab canvas): the customer's PDF
lays it out for A4 (three to a page, to print) or for a phone screen (one to a page), and the box office's till can
draw the same ticket on its own paper. Texts are in the active language (the request's, or the mail's recipient's),
dates and money through common.dates and common.money. Devanagari (Hindi) is shaped by HarfBuzz (uharfbuzz) and
drawn in Noto Sans Devanagari when the server has it (docs/decisions/0043-hindi-ticket-pdf-shaped-with-harfbuzz.md).
"""
import functools
import io
import logging
from pathlib import Path

import segno
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, shapeStr
from reportlab.pdfgen import canvas

from common.dates import long_date_text, time_text
from common.money import money_text

logger = logging.getLogger(__name__)


# A ticket's QR code never changes, and building it is most of a mail's QR cost (about 1.3 ms of the 2 ms of a PNG,
# bench/mail_cost.py): each is built once per process and its PNG kept, so a paid order's mail draws the same PNG
# inline and in its PDF, a re-sent mail and the "My tickets" page reuse them. Bounded: a process keeps the most
# recent ones (a PNG is about 1 KB).
@functools.lru_cache(maxsize=2048)
def _qr(code: str) -> segno.QRCode:
    # Error correction "M" (15%): survives a scuffed print or a cracked phone screen, still a small code.
    return segno.make_qr(code, error="m")


@functools.lru_cache(maxsize=1024)
def qr_png(code: str, *, scale: int = 8) -> bytes:
    out = io.BytesIO()
    _qr(code).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_svg(code: str, *, scale: int = 8) -> bytes:
    out = io.BytesIO()
    _qr(code).save(out, kind="svg", scale=scale, border=4, xmldecl=True)
    return out.getvalue()


def qr_svg_data_uri(code: str, *, scale: int = 4) -> str:
    """The QR code as an SVG `data:` URI, for an <img> in a web page (no extra request per ticket)."""
    return _qr(code).svg_data_uri(scale=scale, border=4)


# Page layouts: A4 to print (three tickets a page, cut along the lines), a phone screen (one ticket a page).
# The customer's layouts (LAYOUTS), and the counter's printer's: one ticket per A4 page, or per ticket-printer page.
A4_LAYOUT, PHONE_LAYOUT, A4_SINGLE_LAYOUT, TICKET_ROLL_LAYOUT = "a4", "phone", "a4-single", "ticket"
LAYOUTS = (A4_LAYOUT, PHONE_LAYOUT)
PHONE_PAGE = (90 * mm, 170 * mm)
# The languages whose script the PDF's Latin font draws. Hindi is added (pdf_languages) when the server has a
# Devanagari font: Devanagari needs text shaping (vowel signs reordered, conjuncts, reph), which reportlab does
# through uharfbuzz; without the font a Hindi reader's PDF is written in English (the mail itself is in Hindi).
PDF_LANGUAGES = ("en", "es")
_FONTS = {"regular": ("TicketSans", "DejaVuSans.ttf", "Helvetica"),
          "bold": ("TicketSans-Bold", "DejaVuSans-Bold.ttf", "Helvetica-Bold")}
_DEVANAGARI_FONTS = {"regular": ("TicketDevanagari", "NotoSansDevanagari-Regular.ttf"),
                     "bold": ("TicketDevanagari-Bold", "NotoSansDevanagari-Bold.ttf")}


def _font(weight: str) -> str:
    """A Unicode TrueType font for Latin text (accents, "€", "·") if the system has DejaVu (settings.
    TICKET_FONT_DIR), else reportlab's built-in Helvetica."""
    name, filename, fallback = _FONTS[weight]
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    path = Path(settings.TICKET_FONT_DIR) / filename
    if path.exists():
        pdfmetrics.registerFont(TTFont(name, str(path)))
        return name
    return fallback


@functools.cache
def _devanagari_font(weight: str) -> str | None:
    """Noto Sans Devanagari (settings.TICKET_DEVANAGARI_FONT_DIR, Debian's fonts-noto-core) registered for shaped
    drawing, or None when the server lacks it (or uharfbuzz, reportlab's shaping engine): Hindi PDFs are then in
    English. Looked up once per process."""
    name, filename = _DEVANAGARI_FONTS[weight]
    path = Path(settings.TICKET_DEVANAGARI_FONT_DIR) / filename
    if not path.exists():
        logger.warning("No Devanagari font at %s (Debian: apt-get install fonts-noto-core): Hindi ticket PDFs are "
                       "written in English", path)
        return None
    font = TTFont(name, str(path))
    if not font.shapable:
        logger.warning("uharfbuzz is not installed: reportlab cannot shape Devanagari, Hindi ticket PDFs are written "
                       "in English")
        return None
    pdfmetrics.registerFont(font)
    return name


def pdf_languages() -> tuple[str, ...]:
    """The languages a ticket PDF can be written in on this server: PDF_LANGUAGES, and Hindi with its font."""
    if _devanagari_font("regular") and _devanagari_font("bold"):
        return (*PDF_LANGUAGES, "hi")
    return PDF_LANGUAGES


def _is_devanagari(char: str) -> bool:
    # The Devanagari block and Devanagari Extended, and the joiners that select half forms inside a word.
    return "\u0900" <= char <= "\u097f" or "\ua8e0" <= char <= "\ua8ff" or char in "\u200c\u200d"


def _runs(text: str, latin: str, devanagari: str | None) -> list[tuple[str, str]]:
    """(font, text) runs of a line: Devanagari in the Devanagari font (shaped), other letters and symbols in the
    Latin one. A character both fonts have (space, digits, punctuation) stays in the run it is in, so "14 मार्च
    2027" is one shaped run."""
    if devanagari is None:
        return [(latin, text)] if text else []
    codes = pdfmetrics.getFont(devanagari).face.charToGlyph
    runs: list[tuple[str, str]] = []
    for char in text:
        if _is_devanagari(char):
            font = devanagari
        elif ord(char) in codes and not char.isalpha():
            font = runs[-1][0] if runs else None
        else:
            font = latin
        if runs and font in (None, runs[-1][0]):
            runs[-1] = (runs[-1][0], runs[-1][1] + char)
        else:
            runs.append((font, char))
    if runs and runs[0][0] is None:  # a line of digits and punctuation only
        runs[0] = (latin, runs[0][1])
    return runs


def _run_width(font: str, text: str, size: float) -> float:
    if any(map(_is_devanagari, text)):
        shape_data = getattr(shapeStr(text, font, size), "__shapeData__", None)  # None: shaping changed nothing
        if shape_data:
            return sum(glyph.x_advance for glyph in shape_data) * size / 1000
    return pdfmetrics.stringWidth(text, font, size)


def _text_width(text: str, font: str, size: float, devanagari: str | None) -> float:
    return sum(_run_width(run_font, run, size) for run_font, run in _runs(text, font, devanagari))


def _draw_text(pdf: canvas.Canvas, x: float, y: float, text: str, font: str, size: float,
               devanagari: str | None) -> None:
    """Draw a line at (x, y): its Devanagari runs shaped by uharfbuzz (reportlab's shapeStr; drawString's own
    `shaping=True` is a no-op without the bidi package), the rest in the Latin font."""
    for run_font, run in _runs(text, font, devanagari):
        if run_font == devanagari:
            # Shaped glyphs without a character of their own (a conjunct, a reph, a vowel sign's variant) would be
            # lost to copying, search and pdftotext: the run's text is given as its ActualText (PDF 1.5, 14.9.4).
            pdf.addLiteral(f"/Span <</ActualText <FEFF{run.encode('utf-16-be').hex().upper()}>>> BDC")
            line = pdf.beginText(x, y)
            line.setFont(run_font, size)
            line.textLine(shapeStr(run, run_font, size))
            pdf.drawText(line)
            pdf.addLiteral("EMC")
        else:
            pdf.setFont(run_font, size)
            pdf.drawString(x, y, run)
        x += _run_width(run_font, run, size)


def _split(text: str, font: str, size: float, width: float, devanagari: str | None) -> list[str]:
    """Lines of at most `width`, measured with the fonts that draw them (Latin text as before: simpleSplit)."""
    if devanagari is None or not any(map(_is_devanagari, text)):
        return simpleSplit(text, font, size, width)
    lines: list[str] = []
    for word in text.split():
        if lines and _text_width(f"{lines[-1]} {word}", font, size, devanagari) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def ticket_lines(ticket: dict) -> list[tuple[str, str]]:
    """(label, value) of everything a ticket says besides the film and the code, in the active language."""
    when = ticket["starts_at"]
    lines = [
        (_("Cinema"), ticket.get("cinema") or ""),
        (_("Address"), ticket.get("cinema_address") or ""),
        (_("Screen"), ticket["screen"]),
        (_("Seat"), ticket["seat_label"]),
        (_("Date"), long_date_text(when)),
        (_("Time"), time_text(when)),
    ]
    if ticket.get("ticket_type"):
        lines.append((_("Ticket type"), ticket["ticket_type"]))
        if ticket.get("proof_required"):
            lines.append((_("Proof"), _("proof required at the door")))
    lines += [
        (_("Price"), money_text(ticket["price"])),
        (_("Order"), ticket["order_reference"]),
    ]
    return [(label, value) for label, value in lines if value]


def draw_ticket(pdf: canvas.Canvas, ticket: dict, *, x: float, y: float, width: float, height: float) -> None:
    """One ticket in the box (x, y, width, height), y at its bottom: film, the details (ticket_lines), the QR
    code and the code in clear text. A wide box puts the QR code on the right, a tall one below the text."""
    regular, bold = _font("regular"), _font("bold")
    deva, deva_bold = _devanagari_font("regular"), _devanagari_font("bold")
    pad = 6 * mm
    pdf.saveState()
    pdf.setStrokeColorRGB(0.6, 0.6, 0.65)
    pdf.setDash(3, 3)
    pdf.roundRect(x, y, width, height, 3 * mm)
    pdf.setDash()
    wide = width > height
    qr_size = min(height - 2 * pad - 6 * mm, width * 0.38) if wide else min(width - 2 * pad, height * 0.42)
    text_width = width - 2 * pad - (qr_size + pad if wide else 0)
    top = y + height - pad
    pdf.setFillColorRGB(0.1, 0.1, 0.12)
    title_size = 16 if wide else 15
    title = _split(ticket["movie"], bold, title_size, text_width, deva_bold)[:2]
    for line in title:
        top -= title_size + 2
        _draw_text(pdf, x + pad, top, line, bold, title_size, deva_bold)
    top -= 4 * mm
    label_size, value_size = 7.5, 10.5
    lines = ticket_lines(ticket)
    label_width = max(_text_width(label.upper(), regular, label_size, deva) for label, _v in lines) + 3 * mm
    for label, value in lines:
        parts = _split(value, regular, value_size, text_width - label_width, deva)[:2] or [""]
        strong = label in (_("Seat"), _("Time"))
        for i, part in enumerate(parts):
            if i == 0:
                pdf.setFillColorRGB(0.38, 0.38, 0.42)
                _draw_text(pdf, x + pad, top, label.upper(), regular, label_size, deva)
            pdf.setFillColorRGB(0.1, 0.1, 0.12)
            _draw_text(pdf, x + pad + label_width, top, part, bold if strong else regular, value_size,
                       deva_bold if strong else deva)
            top -= value_size + 3.5
    if wide:
        qr_x, qr_y = x + width - pad - qr_size, y + height - pad - qr_size
    else:
        qr_x, qr_y = x + (width - qr_size) / 2, y + pad + 8 * mm
    pdf.drawImage(ImageReader(io.BytesIO(qr_png(ticket["code"]))), qr_x, qr_y, qr_size, qr_size)
    pdf.setFont("Courier", 7 if wide else 6.5)
    code_y = qr_y - 4 * mm if wide else y + pad + 2 * mm
    pdf.drawCentredString(qr_x + qr_size / 2, code_y, ticket["code"])
    pdf.restoreState()


def tickets_pdf(tickets: list[dict], *, layout: str = A4_LAYOUT) -> bytes:
    """The customer's tickets (tickets.selectors.printable_ticket dicts): on A4 to print, three a page, or one per
    phone-sized page. In the active language if the PDF's fonts write it (pdf_languages), otherwise in English."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language if language.split("-")[0] in pdf_languages() else "en"):
        return _tickets_pdf(tickets, layout)


# Each layout: (page size, tickets per page). A4 to print at home three a page; a phone-sized page each; and for
# the counter's printer, one per A4 page or one per 80 mm ticket-printer page (the common thermal roll's width; the
# printer cuts at the page's end).
TICKET_ROLL_PAGE = (80 * mm, 120 * mm)
_LAYOUT_PAGES = {A4_LAYOUT: (A4, 3), PHONE_LAYOUT: (PHONE_PAGE, 1), A4_SINGLE_LAYOUT: (A4, 1),
                 TICKET_ROLL_LAYOUT: (TICKET_ROLL_PAGE, 1)}


def _tickets_pdf(tickets: list[dict], layout: str) -> bytes:
    out = io.BytesIO()
    page_size, per_page = _LAYOUT_PAGES[layout]
    pdf = canvas.Canvas(out, pagesize=page_size)
    pdf.setTitle(_("Tickets"))
    page_width, page_height = page_size
    if page_size != A4:
        # A page the ticket's size: the ticket fills it.
        for ticket in tickets:
            draw_ticket(pdf, ticket, x=4 * mm, y=4 * mm, width=page_width - 8 * mm, height=page_height - 8 * mm)
            pdf.showPage()
    else:
        margin, gap = 12 * mm, 6 * mm
        box_height = (page_height - 2 * margin - 2 * gap) / 3
        for index, ticket in enumerate(tickets):
            slot = index % per_page
            if index and slot == 0:
                pdf.showPage()
            top = page_height - margin - slot * (box_height + gap)
            draw_ticket(pdf, ticket, x=margin, y=top - box_height, width=page_width - 2 * margin, height=box_height)
        pdf.showPage()
    pdf.save()
    return out.getvalue()
