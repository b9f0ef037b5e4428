"""The staff's pages (Django's test client): the till (/boxoffice/) sells, prints and refunds through
orders.box_office; the door (/door/) admits through the check-in service and says why not; each page needs its role
(signed out: the login page; another role: 403) and CSRF; the pages speak Spanish and Hindi."""
import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import BOX_OFFICE, DOOR, MANAGER
from core.models import Booking
from orders.models import Order, Payment, Refund
from tests.factories import MovieFactory, TicketTypeFactory, UserFactory
from tests.web_fixtures import laid_out_show

pytestmark = pytest.mark.django_db


def staff_client(role: str, **client_options) -> Client:
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    client = Client(**client_options)
    client.force_login(user)
    return client


@pytest.fixture
def soon_show():
    # Starts in 30 minutes: on sale, and the door is open (CHECKIN_OPENS_MINUTES = 60).
    return laid_out_show(movie=MovieFactory(title="Interstellar"),
                         when=timezone.now().replace(microsecond=0) + timedelta(minutes=30))


def sell(client, show, seats, **fields):
    return client.post(reverse("web:till_sell"), {"show": show.pk, "seat": seats, **fields})


class TestAccess:
    @pytest.mark.parametrize("path", ["/boxoffice/", "/door/"])
    def test_signed_out_goes_to_the_login_page(self, path):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"] == f"/account/login/?next={path}"

    @pytest.mark.parametrize("path, role", [("/boxoffice/", DOOR), ("/door/", BOX_OFFICE)])
    def test_another_role_or_a_customer_gets_403(self, path, role):
        assert staff_client(role).get(path).status_code == 403
        customer = Client()
        customer.force_login(UserFactory())
        page = customer.get(path)
        assert page.status_code == 403 and "does not have the role" in page.content.decode()

    @pytest.mark.parametrize("path", ["/boxoffice/", "/door/"])
    def test_a_manager_may(self, path, soon_show):
        assert staff_client(MANAGER).get(path).status_code == 200

    def test_selling_needs_csrf(self, soon_show):
        client = staff_client(BOX_OFFICE, enforce_csrf_checks=True)
        assert sell(client, soon_show, [1]).status_code == 403
        assert not Order.objects.exists()


class TestTill:
    def test_the_soonest_show_is_chosen_with_its_live_seat_map_and_the_keys(self, soon_show):
        later = laid_out_show(when=soon_show.date_time + timedelta(days=1))
        html = staff_client(BOX_OFFICE).get("/boxoffice/").content.decode()
        assert f'<option value="{soon_show.pk}" selected>' in html and f'<option value="{later.pk}">' in html
        assert f'data-state-url="/seat-state/{soon_show.pk}"' in html and 'data-label="C5"' in html
        assert "A sale of two seats: Space, Right arrow, Space, C." in html
        assert "<script>" not in html and "style=" not in html and " onclick=" not in html

    def test_sell_print_and_refund(self, soon_show):
        till = staff_client(BOX_OFFICE)

        response = sell(till, soon_show, [25, 26], paid_by="card_terminal", email="walkin@example.com")

        order = Order.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/boxoffice/?show={soon_show.pk}&sold={order.pk}"
        assert (order.status, order.email) == ("paid", "walkin@example.com")
        assert Payment.objects.get(order=order, state="confirmed").counter_method == "card_terminal"
        page = till.get(response["Location"]).content.decode()
        assert f"Order #{order.pk}" in page and "C5, C6" in page and "€25.00" in page
        assert f"/staff/till/orders/{order.pk}/tickets.pdf?format=ticket" in page
        pdf = till.get(f"/staff/till/orders/{order.pk}/tickets.pdf?format=ticket")
        assert pdf["Content-Type"] == "application/pdf" and pdf.content.count(b"/Type /Page\n") == 2

        refunded = till.post(reverse("web:till_refund"), {"order": f"#{order.pk}", "show": soon_show.pk},
                             follow=True)

        assert f"Order #{order.pk} refunded: pay out €25.00 in cash." in refunded.content.decode()
        assert Refund.objects.get().paid_out_by is not None
        assert not Booking.objects.filter(status="booked").exists()

    def test_a_seat_sold_meanwhile_is_said_and_nothing_sold(self, soon_show):
        till = staff_client(BOX_OFFICE)
        sell(till, soon_show, [25])
        page = till.post(reverse("web:till_sell"), {"show": soon_show.pk, "seat": [25, 26]}, follow=True)
        assert "Some of the requested seats are not available; nothing was booked or held." in page.content.decode()
        assert Order.objects.count() == 1

    def test_in_spanish(self, soon_show):
        till = staff_client(BOX_OFFICE, HTTP_ACCEPT_LANGUAGE="es")
        html = till.get("/boxoffice/").content.decode()
        assert "Taquilla" in html and "Pagado en efectivo" in html


class TestDoor:
    def checkin(self, client, code, show):
        return client.post(reverse("web:door_checkin"), json.dumps({"code": code, "show_id": show.pk}),
                           content_type="application/json").json()

    def test_green_then_red_already_used_with_the_counts(self, soon_show):
        sell(staff_client(BOX_OFFICE), soon_show, [25, 26])
        booking = Booking.objects.get(seat_number=25)
        door = staff_client(DOOR)
        page = door.get("/door/").content.decode()
        assert "Admitted: 0 · Still expected: 2" in page and "vendor/jsqr/jsQR.js" in page

        first = self.checkin(door, booking.ticket_code.lower(), soon_show)
        again = self.checkin(door, booking.ticket_code, soon_show)

        assert first["admitted"] is True and first["seat"] == "C5" and first["show"].startswith("Interstellar, ")
        assert (first["checked_in"], first["expected"]) == (1, 1)
        assert again["admitted"] is False and again["code"] == "already_checked_in"
        zone = ZoneInfo(soon_show.screen.cinema.time_zone)
        assert again["reason"] == f"Already used at {booking.checkin.checked_in_at.astimezone(zone):%H:%M}."

    def test_the_reasons(self, soon_show):
        other = laid_out_show(when=soon_show.date_time + timedelta(days=2))
        till = staff_client(BOX_OFFICE)
        sell(till, soon_show, [1])
        sell(till, other, [1])
        door = staff_client(DOOR)
        elsewhere = Booking.objects.get(show=other)
        answer = self.checkin(door, elsewhere.ticket_code, soon_show)
        assert answer["admitted"] is False and answer["reason"].startswith("Another show: ")
        assert self.checkin(door, "NOSUCHCODE", soon_show)["reason"] == "Unknown ticket."
        # Refunded at the counter: a cancelled ticket.
        order = Booking.objects.get(show=soon_show).order
        till.post(reverse("web:till_refund"), {"order": order.pk})
        cancelled = self.checkin(door, Booking.objects.get(show=soon_show).ticket_code, soon_show)
        assert cancelled["reason"] == "Cancelled ticket." and cancelled["seat"] == "A1"
        # The other show's own door is not open yet (two days ahead).
        assert self.checkin(door, elsewhere.ticket_code, other)["reason"].startswith("Not open yet: the door opens at ")

    def test_the_ticket_type_and_its_proof_are_said(self, soon_show):
        TicketTypeFactory(cinema=soon_show.screen.cinema, code="student", name="Student", max_age=None,
                          proof_required=True, names={"es": "Estudiante"})
        sell(staff_client(BOX_OFFICE), soon_show, [25, 26])
        Booking.objects.filter(seat_number=25).update(ticket_type="student")
        student, adult = Booking.objects.order_by("seat_number")

        assert self.checkin(staff_client(DOOR), adult.ticket_code, soon_show)["type"] == "Adult"
        assert self.checkin(staff_client(DOOR), student.ticket_code, soon_show)["type"] == "Student: check proof"
        spanish = staff_client(DOOR, HTTP_ACCEPT_LANGUAGE="es")
        assert self.checkin(spanish, student.ticket_code, soon_show)["type"] == "Estudiante: pida acreditación"

    @pytest.mark.parametrize("body", [b"[" * 5000 + b"]" * 5000, b'{"code": 1e999999, "show_id": "x"}',
                                      b'{"code": "A\u0000B"}', b'{"code": "\ud800"}', b"\xff"])
    def test_a_hostile_body_or_code_is_a_plain_answer_never_a_500(self, soon_show, body):
        response = staff_client(DOOR).post(reverse("web:door_checkin"), body, content_type="application/json")

        assert response.status_code in (200, 400)
        answer = response.json()
        assert answer.get("code") == "invalid" if response.status_code == 400 else answer["reason"] == "Unknown ticket."

    def test_in_hindi(self, soon_show):
        sell(staff_client(BOX_OFFICE), soon_show, [25])
        door = staff_client(DOOR, HTTP_ACCEPT_LANGUAGE="hi")
        assert "दरवाज़ा" in door.get("/door/").content.decode()
        answer = self.checkin(door, "NOSUCHCODE", soon_show)
        assert answer["reason"] == "अज्ञात टिकट।"


@pytest.mark.parametrize("email", ["no-at-sign", "two@@example.com",
                                   "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".com"])
def test_the_till_refuses_an_address_that_is_not_one_and_sells_nothing(soon_show, email):
    page = staff_client(BOX_OFFICE).post(reverse("web:till_sell"), {"show": soon_show.pk, "seat": [25],
                                                                    "email": email}, follow=True)
    assert "That e-mail address does not look right." in page.content.decode()
    assert not Order.objects.exists()
