"""The confirmation mail's CPU per booking, as the mail worker spends it: `make bench` runs this after its bookings
(on the bench's database, DATABASE_URL), or run it alone against any database with bookings:

    DATABASE_URL=postgres://... DJANGO_SECRET_KEY=x... .venv/bin/python bench/mail_cost.py [samples]

For up to `samples` reservation mails waiting in the outbox (one per booking request: the bench books one seat per
request), it does what the worker does before handing the mail to SMTP, stage by stage, and measures this process's
CPU time for each: composing (the database reads, the text and HTML templates), the QR image(s) and the MIME
message, and, as a paid order's mail also carries it, the tickets' PDF. Nothing is sent or saved. Prints one line
`MAIL_COST {json}`.
"""
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketing_system.settings")


def _cpu() -> float:
    return time.process_time()


def measure(samples: int) -> dict:
    import django

    django.setup()
    from core.models import Booking
    from notifications import composing, sending
    from notifications.models import OutboxMessage
    from tickets.rendering import qr_png, tickets_pdf
    from tickets.selectors import printable_ticket

    rows = list(OutboxMessage.objects.filter(kind=composing.RESERVATION).order_by("-id")[:samples])
    if not rows:
        return {"samples": 0}
    # A first mail outside the measurement: template loading and imports are paid once per worker, not per mail.
    warm = OutboxMessage.objects.get(pk=rows[-1].pk)
    composing.compose_deferred(warm)
    sending.build(warm).message().as_bytes()

    stages = {"compose_ms": 0.0, "qr_and_mime_ms": 0.0, "pdf_ms": 0.0}
    tickets = 0
    for row in rows:
        began = _cpu()
        if composing.needs_composing(row):
            composing.compose_deferred(row)
        composed = _cpu()
        mail = sending.build(row).message().as_bytes()
        built = _cpu()
        codes = list(row.ticket_codes)
        bookings = list(Booking.objects.filter(ticket_code__in=codes).with_show().select_related("order"))
        pdf = tickets_pdf([printable_ticket(b, checked_in=False) for b in bookings])
        done = _cpu()
        assert mail and pdf
        stages["compose_ms"] += (composed - began) * 1000
        stages["qr_and_mime_ms"] += (built - composed) * 1000
        stages["pdf_ms"] += (done - built) * 1000
        tickets += len(codes)
    qr_began = _cpu()
    for row in rows:
        for code in row.ticket_codes:
            qr_png(code)
    qr_ms = (_cpu() - qr_began) * 1000
    count = len(rows)
    per_mail = {k: v / count for k, v in stages.items()}
    return {
        "samples": count,
        "tickets": tickets,
        **{k: round(v, 3) for k, v in per_mail.items()},
        # A repeated QR of the same codes: what it costs when it is not rendered afresh (the cache of
        # tickets.rendering answers it).
        "qr_again_ms": round(qr_ms / count, 3),
        "reservation_mail_ms": round(per_mail["compose_ms"] + per_mail["qr_and_mime_ms"], 3),
        "with_pdf_ms": round(sum(per_mail.values()), 3),
    }


if __name__ == "__main__":
    print("MAIL_COST " + json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 200)), flush=True)
