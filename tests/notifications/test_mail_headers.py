"""No stored value can break a mail: a title that got a CR/LF into the database (before names refused them, or by
a script) still gives a sendable mail whose subject is one line, with no header of the title's making."""
import pytest

from core.models import Movie
from core.services.booking import booking_create
from notifications import sending
from notifications.models import OutboxMessage
from notifications.services import mail_send_on_commit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

EVIL_TITLE = "Evil\r\nBcc: victim@example.com\r\nX-Injected: yes"


def test_a_title_with_a_line_break_stored_directly_still_mails_without_extra_headers(smtp_server, show):
    Movie.objects.filter(pk=show.movie_id).update(title=EVIL_TITLE)  # bypasses every validator
    booking_create(user=UserFactory(email="customer@example.com"), show_id=show.pk, seat_number=1)

    [message] = smtp_server.wait_for(1)
    # A long header is folded (CRLF and a space: RFC 5322's continuation, one header still); unfolded, one line.
    subject = message["Subject"].replace("\r\n ", " ")
    assert subject.startswith("Your reservation: Evil Bcc: victim@example.com X-Injected: yes, "), subject
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert message["To"] == "customer@example.com"
    assert OutboxMessage.objects.get().state == OutboxMessage.State.SENT


def test_a_subject_stored_with_a_line_break_is_one_line_in_the_row_and_the_mail(smtp_server):
    mail_send_on_commit(to="a@example.com", subject="Hello\nBcc: victim@example.com", text="plain", kind="test",
                        dedupe_key="test:header")
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Hello Bcc: victim@example.com" and message["Bcc"] is None
    assert OutboxMessage.objects.get().subject == "Hello Bcc: victim@example.com"


def test_a_row_written_before_with_a_broken_subject_still_sends(smtp_server):
    OutboxMessage.objects.create(dedupe_key="old:1", kind="test", to="a@example.com",
                                 subject="Old\r\nBcc: victim@example.com", body_text="plain")
    assert sending.deliver("old:1") is True
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Old Bcc: victim@example.com" and message["Bcc"] is None
