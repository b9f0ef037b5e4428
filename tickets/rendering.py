"""Ticket images and documents: the QR code of a ticket code (segno) and a printable PDF (reportlab).

The QR code carries only the ticket code: the door looks it up (tickets.services.checkin), so a cancelled ticket
stops admitting even though its picture cannot change.
"""
import io

import segno
from reportlab.lib.pagesizes import A6, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas


def _qr(code: str) -> segno.QRCode:
    # Error correction "M" (15%): survives a scuffed print or a cracked phone screen, still a small code.
    return segno.make_qr(code, error="m")


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


def tickets_pdf(tickets: list[dict]) -> bytes:
    """One ticket per page (A6 landscape): film, screen, time, seat, the QR code and the code in clear text."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=landscape(A6))
    pdf.setTitle("Tickets")
    width, height = landscape(A6)
    for ticket in tickets:
        pdf.setFont("Helvetica-Bold", 14)
        pdf.drawString(8 * mm, height - 14 * mm, ticket["movie"][:40])
        pdf.setFont("Helvetica", 10)
        lines = [
            f"Screen: {ticket['screen']}",
            f"When: {ticket['local_date_time']}",
            f"Seat: {ticket['seat_label']}",
            f"Payment: {ticket['payment_status']}",
        ]
        for i, line in enumerate(lines):
            pdf.drawString(8 * mm, height - (24 + 6 * i) * mm, line)
        pdf.setFont("Courier", 7)
        pdf.drawString(8 * mm, 8 * mm, ticket["code"])
        size = 52 * mm
        pdf.drawImage(ImageReader(io.BytesIO(qr_png(ticket["code"]))), width - size - 6 * mm, height - size - 10 * mm,
                      size, size)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


# Page sizes for printing at the counter: A4 for an office printer, or a ticket printer's 80 mm thermal roll
# (the common width; each ticket is cut at the page's end).
TICKET_ROLL_WIDTH = 80 * mm
TICKET_ROLL_HEIGHT = 120 * mm


def printable_tickets_pdf(tickets: list[dict], *, page_format: str = "a4") -> bytes:
    """The tickets for a box-office printer, one per page: `page_format` "a4" or "ticket" (80 mm wide roll).

    The page is laid out top to bottom (the roll is narrow): film, time, screen, seat, the QR code across the
    width, and the code in clear text for typing at the door."""
    from reportlab.lib.pagesizes import A4

    if page_format == "ticket":
        width, height = TICKET_ROLL_WIDTH, TICKET_ROLL_HEIGHT
        margin, title_size, text_size, qr_size = 4 * mm, 12, 9, 56 * mm
    else:
        width, height = A4
        margin, title_size, text_size, qr_size = 20 * mm, 22, 14, 90 * mm
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(width, height))
    pdf.setTitle("Tickets")
    for ticket in tickets:
        y = height - margin - title_size
        pdf.setFont("Helvetica-Bold", title_size)
        pdf.drawString(margin, y, ticket["movie"][:28 if page_format == "ticket" else 60])
        pdf.setFont("Helvetica", text_size)
        for line in (ticket["local_date_time"][:16].replace("T", " "),
                     ", ".join(part for part in (ticket.get("cinema"), ticket["screen"]) if part),
                     f"Seat {ticket['seat_label']}"):
            y -= text_size * 1.5
            pdf.drawString(margin, y, line)
        y -= qr_size + text_size
        pdf.drawImage(ImageReader(io.BytesIO(qr_png(ticket["code"]))), (width - qr_size) / 2, y, qr_size, qr_size)
        pdf.setFont("Courier", 7)
        pdf.drawCentredString(width / 2, y - 10, ticket["code"])
        pdf.showPage()
    pdf.save()
    return out.getvalue()
