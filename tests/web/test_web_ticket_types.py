"""Ticket types in the pages (Django's test client): the show page offers each category's types that the film's
certificate allows, named in the page's language with their prices; holding sends each seat's type to the hold
service; checkout, the order page and My tickets name each seat's type and price; the till sells types too, and
the box-office API takes the hold's `seats` form. A show that sells only Adult reads as before. (The browser side,
the live total, is tests/web/e2e/test_web_ticket_types.py.)"""
import json
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts.roles import BOX_OFFICE
from core import selectors
from core.models import Hold, HoldSeat
from core.services import holds
from core.ticket_types import refused_by_certificate
from orders.models import Order
from orders.services import order_create, order_mark_paid
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.web_fixtures import typed_show

pytestmark = pytest.mark.django_db

TYPES_JSON = re.compile(r'<script id="ticket-types" type="application/json">(.*?)</script>', re.S)


def offered(html: str) -> dict:
    return json.loads(TYPES_JSON.search(html).group(1))


@pytest.fixture
def show():
    return typed_show()


@pytest.mark.parametrize("language, names", [
    ("en", ["Adult", "Child", "Senior"]),
    ("es", ["Adulto", "Niño", "Mayor de 65"]),
    ("hi", ["वयस्क", "बच्चा", "वरिष्ठ नागरिक"]),
])
def test_the_show_page_offers_each_categorys_types_in_the_pages_language(client, show, language, names):
    html = client.get(reverse("web:show", args=[show.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert offered(html) == {
        "types": [{"code": "adult", "name": names[0], "proof_required": False},
                  {"code": "child", "name": names[1], "proof_required": False},
                  {"code": "senior", "name": names[2], "proof_required": True}],
        "prices": {"standard": {"adult": "12.50", "child": "8.00", "senior": "9.00"},
                   "premium": {"adult": "18.00", "child": "13.00"}, "wheelchair": {"adult": "12.50"},
                   "companion": {"adult": "6.00"}},
    }
    # Each seat names its category's code, which the script looks the prices up by.
    assert 'data-seat="25" data-label="C5"' in html and 'data-cat="standard"' in html
    assert 'id="seat-types"' in html


@pytest.mark.parametrize("certificate", ["15", "18"])
def test_a_film_rated_15_or_18_is_not_offered_as_child(client, certificate):
    show = typed_show(certificate=certificate)

    types = offered(client.get(reverse("web:show", args=[show.pk])).content.decode())

    assert [t["code"] for t in types["types"]] == ["adult", "senior"]
    assert all("child" not in prices for prices in types["prices"].values())


def test_an_adult_only_show_looks_as_before(client, auditorium_show):
    html = client.get(reverse("web:show", args=[auditorium_show.pk])).content.decode()

    assert 'id="ticket-types"' not in html
    assert selectors.ticket_type_choices(show=auditorium_show, language="en") == {}


def test_the_certificates_rule_is_core_s_one_rule():
    assert refused_by_certificate(14, 15) and not refused_by_certificate(15, 15)
    assert not refused_by_certificate(None, 18) and not refused_by_certificate(14, None)


def test_holding_sends_each_seats_type(user_client, user, show):
    response = user_client.post(reverse("web:hold", args=[show.pk]),
                                {"seat": ["25", "26"], "ticket_type_25": "child", "ticket_type_26": "adult"})

    hold = Hold.objects.get(user=user)
    assert response.status_code == 302 and response["Location"] == reverse("web:checkout", args=[hold.pk])
    assert dict(HoldSeat.objects.filter(hold=hold).values_list("seat_number", "ticket_type")) == {25: "child",
                                                                                                   26: "adult"}


def test_holding_without_types_holds_adult_seats(user_client, user, show):
    user_client.post(reverse("web:hold", args=[show.pk]), {"seat": ["25"]})

    assert list(HoldSeat.objects.values_list("seat_number", "ticket_type")) == [(25, "adult")]


def test_a_type_the_certificate_refuses_is_a_message_and_no_hold(user_client, user):
    show = typed_show(certificate="15")

    response = user_client.post(reverse("web:hold", args=[show.pk]), {"seat": ["25"], "ticket_type_25": "child"},
                                follow=True)

    assert not Hold.objects.exists()
    assert "This film is rated 15: &quot;child&quot; tickets cannot be sold for it." in response.content.decode()


def test_a_type_not_sold_in_the_seats_category_is_refused(user_client, user, show):
    response = user_client.post(reverse("web:hold", args=[show.pk]), {"seat": ["53"], "ticket_type_53": "senior"},
                                follow=True)  # F3: premium, no senior price

    assert not Hold.objects.exists()
    assert "&quot;senior&quot; is not offered for some of these seats" in response.content.decode()


@pytest.mark.parametrize("language, child, adult, total", [
    ("en", "Child", "Adult", "€20.50"),
    ("es", "Niño", "Adulto", "20,50\xa0€"),
    ("hi", "बच्चा", "वयस्क", "€20.50"),
])
def test_checkout_order_and_my_tickets_name_each_seats_type_and_price(user, show, staff_user, language, child, adult,
                                                                      total):
    page = Client(HTTP_ACCEPT_LANGUAGE=language)
    page.force_login(user)
    hold = holds.hold_create(user=user, show_id=show.pk, seat_numbers=[25, 26], ticket_types={25: "child"})

    checkout = page.get(reverse("web:checkout", args=[hold.pk])).content.decode()

    assert re.search(rf'<tr data-seat="25"><td>C5</td><td>[^<]+</td><td class="ticket-type">{child}</td>'
                     rf'<td class="price">[^<]*8[.,]00[^<]*</td></tr>', checkout)
    assert re.search(rf'<tr data-seat="26"><td>C6</td><td>[^<]+</td><td class="ticket-type">{adult}</td>'
                     rf'<td class="price">[^<]*12[.,]50[^<]*</td></tr>', checkout)
    assert f'<td id="total">{total}</td>' in checkout

    order = order_create(user=user, hold_id=hold.pk, payment_method="box_office")
    order_page = page.get(reverse("web:order", args=[order.pk])).content.decode()
    assert f'<td class="ticket-type">{child}</td>' in order_page
    assert f'<td class="ticket-type">{adult}</td>' in order_page
    assert f'<td id="total">{total}</td>' in order_page

    order_mark_paid(order_id=order.pk, staff_user=staff_user)
    tickets = page.get(reverse("web:my_tickets")).content.decode()
    assert f'<span class="ticket-type">{child}</span>' in tickets
    assert f'<span class="ticket-type">{adult}</span>' in tickets


def test_an_adult_only_shows_checkout_has_no_type_column(user_client, user, auditorium_show):
    hold = holds.hold_create(user=user, show_id=auditorium_show.pk, seat_numbers=[25])

    html = user_client.get(reverse("web:checkout", args=[hold.pk])).content.decode()

    assert "ticket-type" not in html and 'colspan="2"' in html


# --- The till and the box-office API --------------------------------------------------------------------------
@pytest.fixture
def cashier():
    user = UserFactory(username="carla")
    user.groups.add(Group.objects.get_or_create(name=BOX_OFFICE)[0])
    return user


def test_the_till_offers_types_and_sells_a_child_and_an_adult(cashier, show):
    till = Client()
    till.force_login(cashier)
    assert offered(till.get(reverse("web:till") + f"?show={show.pk}").content.decode())["types"][1]["code"] == "child"

    response = till.post(reverse("web:till_sell"), {"show": show.pk, "seat": ["25", "26"], "ticket_type_25": "child",
                                                    "paid_by": "cash"})

    order = Order.objects.get()
    assert response.status_code == 302
    assert [(s["label"], s["ticket_type"], s["price"]) for s in order.seats] == [("C5", "child", "8.00"),
                                                                                 ("C6", "adult", "12.50")]
    assert (order.status, order.total) == ("paid", Decimal("20.50"))
    page = till.get(response["Location"]).content.decode()
    assert '<strong id="sale-seats">C5 (Child), C6 (Adult)</strong>' in page


def test_the_box_office_api_takes_the_holds_seats_form_and_plain_numbers(cashier, show):
    api = client_for(cashier)

    typed = api.post("/boxoffice/orders/", {"show_id": show.pk, "seats": [{"number": 25, "ticket_type": "child"},
                                                                           {"number": 26}]}, format="json")
    plain = api.post("/boxoffice/orders/", {"show_id": show.pk, "seats": [27]}, format="json")

    assert typed.status_code == plain.status_code == 201
    assert [(s["number"], s["ticket_type"], s["price"]) for s in typed.json()["seats"]] == [
        (25, "child", "8.00"), (26, "adult", "12.50")]
    assert typed.json()["total"] == "20.50"
    assert [(s["number"], s["ticket_type"], s["price"]) for s in plain.json()["seats"]] == [(27, "adult", "12.50")]


def test_the_box_office_api_refuses_a_type_the_certificate_refuses(cashier):
    show = typed_show(certificate="18")

    response = client_for(cashier).post("/boxoffice/orders/", {"show_id": show.pk, "seats": [
        {"number": 25, "ticket_type": "child"}]}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "ticket_type_not_allowed"
    assert not Order.objects.exists()
