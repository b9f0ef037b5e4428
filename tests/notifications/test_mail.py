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
from tests.factories import CinemaFactory, ScreenFactory, ShowFactory, StaffFactory, UserFactory
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
    user, staff = UserFactory(), StaffFactory()
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


# --- The hand-off to the worker: a Redis flag per mail, one Celery message per drain ----------------------------
@pytest.fixture
def broker_without_worker(settings):
    """A Redis broker on a queue of its own, nobody consuming it: what the web side enqueues stays there."""
    import uuid

    import redis

    from tests.outside_parts import redis_or_skip
    from ticketing_system.celery import app

    url = redis_or_skip()
    queue = f"test-kick-{uuid.uuid4().hex[:12]}"
    saved = {key: app.conf.get(key) for key in ("broker_url", "task_default_queue")}
    settings.CELERY_BROKER_URL, settings.CELERY_TASK_DEFAULT_QUEUE = url, queue
    app.conf.broker_url, app.conf.task_default_queue = url, queue
    client = redis.Redis.from_url(url)
    try:
        yield client, queue
    finally:
        app.conf.update(saved)
        client.delete(queue, f"{queue}:outbox-kick")


def queued_tasks(client, queue) -> list[str]:
    import json

    return [json.loads(raw)["headers"]["task"] for raw in client.lrange(queue, 0, -1)]


def test_many_mails_wake_the_worker_with_one_message(broker_without_worker, show):
    client, queue = broker_without_worker
    users = UserFactory.create_batch(5)
    for seat, user in enumerate(users, start=1):
        booking_create(user=user, show_id=show.pk, seat_number=seat)

    # Five mails in the outbox, one drain queued (the first mail set the flag and enqueued it; the others found
    # the flag set, so a drain that has not started yet would read their rows), and the flag is set.
    assert OutboxMessage.objects.filter(state="pending").count() == 5
    assert queued_tasks(client, queue) == ["notifications.tasks.drain_outbox"]
    assert client.exists(f"{queue}:outbox-kick")


def test_the_drain_sends_everything_new_and_a_later_mail_queues_the_next_drain(broker_without_worker, smtp_server,
                                                                              show):
    from notifications.tasks import drain_outbox

    client, queue = broker_without_worker
    for seat in (1, 2, 3):
        booking_create(user=UserFactory(), show_id=show.pk, seat_number=seat)
    client.delete(queue)  # the queued drain message; run the drain here instead

    assert drain_outbox.apply().get() == 3
    assert len(smtp_server.wait_for(3)) == 3
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"sent"}
    # The drain took the flag down before reading, so the next mail (committed after that) queues a new drain.
    assert not client.exists(f"{queue}:outbox-kick")
    booking_create(user=UserFactory(), show_id=show.pk, seat_number=4)
    assert queued_tasks(client, queue) == ["notifications.tasks.drain_outbox"]


def test_a_mail_the_drain_cannot_send_goes_to_the_retrying_task(broker_without_worker, smtp_server, show):
    import json

    from notifications.tasks import drain_outbox

    client, queue = broker_without_worker
    smtp_server.stop()
    booking_create(user=UserFactory(), show_id=show.pk, seat_number=1)
    client.delete(queue)

    assert drain_outbox.apply().get() == 0
    message = OutboxMessage.objects.get()
    assert (message.state, message.attempts) == ("pending", 1)
    # Handed to send_outbox_message as its first retry (the drain's attempt was the first), with the backoff.
    [raw] = client.lrange(queue, 0, -1)
    headers = json.loads(raw)["headers"]
    assert (headers["task"], headers["retries"], headers["argsrepr"]) == (
        "notifications.tasks.send_outbox_message", 1, repr([message.dedupe_key]))
    assert headers["eta"] is not None
    # A second drain leaves it to that task: rows already tried are not the drain's.
    assert drain_outbox.apply().get() == 0
    assert OutboxMessage.objects.get().attempts == 1


def test_a_reservation_mail_is_written_uncomposed_and_composed_when_sent(smtp_server, show):
    smtp_server.stop()  # keep it in the outbox as the booking wrote it
    user = UserFactory()
    booking = booking_create(user=user, show_id=show.pk, seat_number=7)

    row = OutboxMessage.objects.get()
    # The same row whichever path wrote it (PostgreSQL: the booking's own INSERT statement; SQLite: the ORM).
    assert (row.dedupe_key, row.kind, row.to, row.subject, row.body_text, row.ticket_codes, row.state) == (
        f"reservation:{booking.pk}", "reservation", user.email, "", "", [booking.ticket_code], "pending")
    smtp_server.start()

    assert sending.deliver(row.dedupe_key)
    [message] = smtp_server.wait_for(1)
    assert message["Subject"].startswith(f"Your reservation: {show.movie.title}, ")
    row.refresh_from_db()
    assert row.state == "sent" and booking.ticket_code in row.body_text and row.subject == message["Subject"]
    assert list(qr_codes_in(message).values()) == [booking.ticket_code]
