"""The ticket PDF names each ticket's type in the reader's language with the price charged for it, and tells the
holder of a type that needs proof (Senior) to bring it; in every layout (A4, phone, the counter's A4 and ticket
roll). A show that sells only Adult prints no type line (tests/tickets/test_ticket_pdf.py reads those)."""
import shutil

import pytest
from django.utils import translation

from core.services import holds
from orders.box_office import box_office_tickets_pdf
from orders.services import order_create, order_mark_paid, order_tickets_pdf
from tests.factories import UserFactory
from tests.tickets.test_ticket_pdf import needs_devanagari, pdf_text, squash
from tests.web_fixtures import typed_show

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (pdftotext): apt-get install "
                                                             "poppler-utils"),
]


@pytest.fixture
def typed_order():
    show = typed_show(title="Paddington")
    customer = UserFactory()
    # C5 as Child, C6 as Senior (proof asked), C7 as Adult.
    hold = holds.hold_create(user=customer, show_id=show.pk, seat_numbers=[25, 26, 27],
                             ticket_types={25: "child", 26: "senior"})
    order = order_create(user=customer, hold_id=hold.pk, payment_method="box_office")
    order_mark_paid(order_id=order.pk, staff_user=UserFactory(is_staff=True))
    return customer, order


@pytest.mark.parametrize("language, expected", [
    ("en", ["TICKET TYPE Child", "PRICE €8.00", "TICKET TYPE Senior", "PROOF proof required at the door",
            "PRICE €9.00", "TICKET TYPE Adult", "PRICE €12.50"]),
    ("es", ["TIPO DE ENTRADA Niño", "PRECIO 8,00 €", "TIPO DE ENTRADA Mayor de 65",
            "JUSTIFICANTE se pide justificante en la entrada", "PRECIO 9,00 €", "TIPO DE ENTRADA Adulto",
            "PRECIO 12,50 €"]),
    pytest.param("hi", ["टिकट का प्रकार बच्चा", "€8.00", "टिकट का प्रकार वरिष्ठ नागरिक",
                        "प्रमाण प्रवेश पर प्रमाण दिखाना ज़रूरी", "€9.00", "टिकट का प्रकार वयस्क", "€12.50"],
                 marks=needs_devanagari),
])
def test_each_ticket_names_its_type_and_price_in_the_readers_language(typed_order, tmp_path, language, expected):
    customer, order = typed_order
    with translation.override(language):
        text = squash(pdf_text(order_tickets_pdf(user=customer, order_id=order.pk), tmp_path))
    for line in expected:
        assert line in text, (line, text)
    # Only the Senior ticket asks for proof.
    assert text.count(expected[3]) == 1


@pytest.mark.parametrize("render", [
    lambda customer, order: order_tickets_pdf(user=customer, order_id=order.pk, layout="phone"),
    lambda customer, order: box_office_tickets_pdf(order_id=order.pk, page_format="a4"),
    lambda customer, order: box_office_tickets_pdf(order_id=order.pk, page_format="ticket"),
], ids=["phone", "counter-a4", "ticket-roll"])
def test_every_layout_carries_the_type_and_the_proof_hint(typed_order, tmp_path, render):
    customer, order = typed_order
    with translation.override("en"):
        text = squash(pdf_text(render(customer, order), tmp_path))
    for expected in ["Child", "€8.00", "Senior", "proof required at the door", "€9.00", "Adult", "€12.50"]:
        assert expected in text, (expected, text)
