"""Confirmation e-mail through the outbox: sent once, after the commit only, to a real SMTP server (aiosmtpd on
loopback), with the tickets' QR codes inline (they decode to the ticket codes) and the PDF attached; retried
while the SMTP server is down."""
import io
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
import zxingcpp
from django.db import transaction
from PIL import Image

from core.services.booking import booking_create
from core.services.holds import hold_create
from notifications import sending
from notifications.models import OutboxMessage
from notifications.services import mail_send_on_commit
from notifications.tasks import send_outbox_message
from orders.services import order_create, order_mark_paid
from tests.factories import CinemaFactory, ScreenFactory, ShowFactory, UserFactory
from tests.seat_prices import set_seat_prices

pytestmark = pytest.mark.django_db(transaction=True)


def qr_codes_in(message) -> dict[str, str]:
    """Content-ID -> the text its inline PNG's QR code decodes to."""
    found = {}
    for part in message.walk():
        if part.get_content_type() == "image/png":
            image = Image.open(io.BytesIO(part.get_payload(decode=True)))
            found[part["Content-ID"].strip("<>")] = zxingcpp.read_barcodes(image)[0].text
    return found


def test_sent_after_commit_to_the_smtp_server(smtp_server):
    with transaction.atomic():
        mail_send_on_commit(to="a@example.com", subject="Hello", text="plain", html="<p>html</p>", kind="test",
                            dedupe_key="test:1")
        assert smtp_server.messages == []  # not before the commit

    [message] = smtp_server.wait_for(1)
    assert message["To"] == "a@example.com" and message["Subject"] == "Hello"
    assert OutboxMessage.objects.get().state == "sent"


def test_work_that_rolls_back_sends_nothing(smtp_server):
    with pytest.raises(RuntimeError), transaction.atomic():
        mail_send_on_commit(to="a@example.com", subject="Hello", text="plain", kind="test", dedupe_key="test:2")
        raise RuntimeError("the booking failed")

    assert not OutboxMessage.objects.exists()
    assert smtp_server.wait_for(1, timeout=0.5) == []


def test_one_event_mails_once(smtp_server):
    for _ in range(3):
        mail_send_on_commit(to="a@example.com", subject="Hello", text="plain", kind="test", dedupe_key="test:3")
    sending.deliver("test:3")  # a duplicated task

    assert len(smtp_server.wait_for(2, timeout=1)) == 1
    assert OutboxMessage.objects.get().attempts == 1


def test_paid_order_mail_has_plain_html_inline_qr_codes_and_the_pdf(smtp_server, show, settings):
    set_seat_prices("10.00", show)
    user, staff = UserFactory(), UserFactory(is_staff=True)
    order = order_create(user=user, hold_id=hold_create(user=user, show_id=show.pk, seat_numbers=[4, 5]).pk,
                         payment_method="box_office")

    order_mark_paid(order_id=order.pk, staff_user=staff)

    [message] = smtp_server.wait_for(1)
    codes = sorted(order.bookings.values_list("ticket_code", flat=True))
    assert sorted(qr_codes_in(message).values()) == codes
    assert {cid: text for cid, text in qr_codes_in(message).items()} == {f"qr-{c}": c for c in codes}
    types = [part.get_content_type() for part in message.walk()]
    assert {"text/plain", "text/html", "application/pdf"} <= set(types)
    html = next(p for p in message.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
    assert all(f"cid:qr-{c}" in html for c in codes)


def test_reservation_and_cancellation_mails(smtp_server, show):
    user = UserFactory()
    booking = booking_create(user=user, show_id=show.pk, seat_number=3)
    from core.services.booking import booking_cancel

    booking_cancel(user=user, booking_id=booking.pk)

    subjects = [m["Subject"].split(":")[0] for m in smtp_server.wait_for(2)]
    assert subjects == ["Your reservation", "Cancelled"]


def test_mail_subjects_give_the_start_in_the_cinemas_time_zone(smtp_server):
    # 17:00 UTC is 19:00 in Paris in summer: a customer must read the time printed on the cinema's listings.
    start = datetime(2027, 6, 1, 17, 0, tzinfo=dt_timezone.utc)
    show = ShowFactory(screen=ScreenFactory(cinema=CinemaFactory(time_zone="Europe/Paris")), date_time=start)

    booking_create(user=UserFactory(), show_id=show.pk, seat_number=1, now=start - timedelta(days=1))

    [message] = smtp_server.wait_for(1)
    # Written the English way (Django's DATETIME_FORMAT for the recipient's language: "en" here).
    assert message["Subject"] == f"Your reservation: {show.movie.title}, June 1, 2027, 7 p.m."


def test_smtp_down_keeps_the_mail_pending_and_the_task_retries_then_gives_up(smtp_server, settings, show):
    settings.MAIL_MAX_RETRIES = 2
    smtp_server.stop()
    booking_create(user=UserFactory(), show_id=show.pk, seat_number=3)  # sent in process: fails, stays pending
    message = OutboxMessage.objects.get()
    assert (message.state, message.attempts) == ("pending", 1)

    # The worker's task, run eagerly: it retries (each retry counted) and, past MAIL_MAX_RETRIES, gives up.
    assert send_outbox_message.apply(args=[message.dedupe_key]).get() == "failed"
    message.refresh_from_db()
    assert (message.state, message.attempts) == ("failed", 4)
    assert "ConnectionRefusedError" in message.last_error


def test_no_email_address_no_mail(smtp_server, show):
    booking_create(user=UserFactory(email=""), show_id=show.pk, seat_number=3)
    assert not OutboxMessage.objects.exists()


def test_a_real_worker_retries_while_smtp_is_down_then_delivers(celery_worker_process, smtp_server, show):
    smtp_server.stop()
    booking = booking_create(user=UserFactory(), show_id=show.pk, seat_number=9)

    # The worker tries, fails (connection refused) and retries with backoff (1 s, 2 s, ...) ...
    import time

    deadline = time.monotonic() + 30
    while OutboxMessage.objects.get().attempts < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert OutboxMessage.objects.get().state == "pending"
    smtp_server.start()

    # ... and delivers once the server is back.
    [message] = smtp_server.wait_for(1, timeout=30)
    assert list(qr_codes_in(message).values()) == [booking.ticket_code]
    deadline = time.monotonic() + 10
    while OutboxMessage.objects.get().state != "sent" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert OutboxMessage.objects.get().state == "sent"


def test_send_pending_mail_command_sends_what_is_left(smtp_server, show):
    from django.core.management import call_command

    smtp_server.stop()
    booking_create(user=UserFactory(), show_id=show.pk, seat_number=3)
    assert OutboxMessage.objects.get().state == "pending"
    smtp_server.start()

    call_command("send_pending_mail")

    assert len(smtp_server.wait_for(1)) == 1
    assert OutboxMessage.objects.get().state == "sent"
