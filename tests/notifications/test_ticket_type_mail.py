"""The tickets' mail names each ticket's type in the recipient's language (decision 0013) with the price charged,
and asks for proof where the type needs it; read from a real SMTP server (aiosmtpd on loopback), text and HTML."""
import pytest

from accounts.models import Account
from core.services.holds import hold_create
from orders.services import order_create, order_mark_paid
from tests.factories import StaffFactory, UserFactory
from tests.notifications.test_mail_languages import _text
from tests.web_fixtures import typed_show

pytestmark = pytest.mark.django_db(transaction=True)


def _user_speaking(language: str):
    user = UserFactory()
    Account.objects.filter(user=user).update(language=language)
    return type(user).objects.get(pk=user.pk)


@pytest.mark.parametrize("language, child, senior, adult", [
    ("en", "Child, €8.00", "Senior (proof required at the door), €9.00", "Adult, €12.50"),
    ("es", "Niño, 8,00\xa0€", "Mayor de 65 (se pide justificante en la entrada), 9,00\xa0€", "Adulto, 12,50\xa0€"),
    ("hi", "बच्चा, €8.00", "वरिष्ठ नागरिक (प्रवेश पर प्रमाण दिखाना ज़रूरी), €9.00", "वयस्क, €12.50"),
])
def test_the_paid_orders_mail_names_each_type_and_price_in_the_recipients_language(smtp_server, settings, language,
                                                                                   child, senior, adult):
    settings.CURRENCY = "EUR"
    show = typed_show()
    user = _user_speaking(language)
    hold = hold_create(user=user, show_id=show.pk, seat_numbers=[25, 26, 27], ticket_types={25: "child",
                                                                                             26: "senior"})
    order = order_create(user=user, hold_id=hold.pk, payment_method="box_office")

    order_mark_paid(order_id=order.pk, staff_user=StaffFactory())  # the staff's request: English

    [message] = smtp_server.wait_for(1)
    text, html = _text(message), _text(message, "html")
    for line in (child, senior, adult):
        assert line in text, (line, text)
    proof = senior[senior.index("("):senior.index(")") + 1]
    assert text.count(proof) == 1  # only the Senior ticket asks for proof
    assert child.replace(", ", " &middot; ") in html and senior.replace(", ", " &middot; ") in html
    assert "application/pdf" in [p.get_content_type() for p in message.walk()]


def test_an_adult_only_shows_mail_names_no_type(smtp_server, auditorium_show):
    user = UserFactory()
    hold = hold_create(user=user, show_id=auditorium_show.pk, seat_numbers=[25])
    order = order_create(user=user, hold_id=hold.pk, payment_method="box_office")

    order_mark_paid(order_id=order.pk, staff_user=StaffFactory())

    [message] = smtp_server.wait_for(1)
    assert "Adult" not in _text(message) and "proof" not in _text(message)
