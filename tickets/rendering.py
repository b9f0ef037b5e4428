"""Ticket images and documents: the QR code of a ticket code (segno) and a printable PDF (reportlab).

The QR code carries only the ticket code: the door looks it up (tickets.services.checkin), so a cancelled ticket
stops admitting even though its picture cannot change.
"""
import functools
import io

import segno
from reportlab.lib.pagesizes import A6, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas


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
