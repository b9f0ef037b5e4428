"""Ticket types in Chromium: on a show that sells Child and Senior besides Adult, each chosen seat gets a choice of
its category's types (named in the page's language, with their prices, Adult first) and the total follows the
choice; the hold carries the types, and checkout and the order page name each seat's type and price. In English,
Spanish and Hindi. A film rated 15 offers no Child ticket. The till sells a child and an adult seat by keyboard."""
import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts.roles import BOX_OFFICE
from core.models import HoldSeat
from orders.models import Order
from tests.factories import PASSWORD, UserFactory
from tests.web_fixtures import typed_show

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, user, next_path: str):
    page.goto(f"/account/login/?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{next_path}*")
    expect(page.locator("#seat-map[data-ready='1']")).to_be_attached()


def seat(page, label: str):
    return page.locator(f'#seat-map button[data-label="{label}"]')


def amount(value: str) -> re.Pattern:
    """An amount however the page's language writes it: "€20.50", "20,50 €"."""
    return re.compile(re.escape(value).replace(r"\.", "[.,]"))


@pytest.mark.parametrize("locale, child, adult, senior", [
    ("en-US", "Child", "Adult", "Senior"),
    ("es-ES", "Niño", "Adulto", "Mayor de 65"),
    ("hi-IN", "बच्चा", "वयस्क", "वरिष्ठ नागरिक"),
])
def test_choose_a_child_and_an_adult_the_total_follows_checkout_and_order_name_both(new_page, locale, child, adult,
                                                                                      senior):
    show = typed_show()
    customer = UserFactory(username="ana")
    page = new_page(locale=locale)
    log_in(page, customer, f"/showings/{show.pk}/")

    seat(page, "C5").click()
    seat(page, "C6").click()
    # Each chosen seat has its choice of types, Adult first and chosen; Senior says proof is asked at the door.
    choice = page.locator("#ticket-type-25")
    expect(page.locator("#seat-types select")).to_have_count(2)
    expect(choice).to_have_value("adult")
    options = choice.locator("option")
    expect(options).to_have_count(3)
    expect(options.nth(0)).to_contain_text(adult)
    expect(options.nth(0)).to_contain_text(amount("12.50"))
    expect(options.nth(1)).to_contain_text(child)
    expect(options.nth(1)).to_contain_text(amount("8.00"))
    expect(options.nth(2)).to_contain_text(senior)
    expect(page.locator("#running-total")).to_contain_text(amount("25.00"))

    choice.select_option("child")
    expect(page.locator("#running-total")).to_contain_text(amount("20.50"))
    expect(page.locator("#subtotals li")).to_have_count(2)
    expect(page.locator("#subtotals li").nth(0)).to_contain_text(child)
    expect(page.locator("#subtotals li").nth(1)).to_contain_text(adult)
    page.locator("#hold-button").click()

    page.wait_for_url("**/checkout/*/")
    assert dict(HoldSeat.objects.values_list("seat_number", "ticket_type")) == {25: "child", 26: "adult"}
    for root in ("checkout", "order"):
        expect(page.locator('tr[data-seat="25"] .ticket-type')).to_have_text(child)
        expect(page.locator('tr[data-seat="25"] .price')).to_have_text(amount("8.00"))
        expect(page.locator('tr[data-seat="26"] .ticket-type')).to_have_text(adult)
        expect(page.locator('tr[data-seat="26"] .price')).to_have_text(amount("12.50"))
        expect(page.locator("#total")).to_have_text(amount("20.50"))
        if root == "checkout":
            page.locator("#reserve-button").click()
            page.wait_for_url("**/orders/*/")
    order = Order.objects.get()
    assert [(s["label"], s["ticket_type"], s["price"]) for s in order.seats] == [("C5", "child", "8.00"),
                                                                                 ("C6", "adult", "12.50")]


def test_a_film_rated_15_offers_no_child_ticket(new_page):
    show = typed_show(certificate="15", title="The Raid")
    page = new_page()
    log_in(page, UserFactory(username="ben"), f"/showings/{show.pk}/")

    seat(page, "C5").click()
    seat(page, "F3").click()  # premium: Adult only once Child is refused (no Senior price there)

    expect(page.locator("#ticket-type-25 option")).to_have_count(2)
    assert page.locator("#ticket-type-25 option").evaluate_all("o => o.map(x => x.value)") == ["adult", "senior"]
    expect(page.locator("#ticket-type-53 option")).to_have_count(1)
    expect(page.get_by_text(re.compile("Child"))).to_have_count(0)


def test_an_adult_only_show_has_no_type_choice(new_page, auditorium_show):
    page = new_page()
    log_in(page, UserFactory(username="cleo"), f"/showings/{auditorium_show.pk}/")

    seat(page, "C5").click()

    expect(page.locator("#running-total")).to_have_text("Total: €12.50")
    expect(page.locator("#subtotals li")).to_have_text(["1 × standard: €12.50"])
    expect(page.locator("#seat-types select")).to_have_count(0)


def test_the_till_sells_a_child_and_an_adult_by_keyboard(new_page):
    show = typed_show()
    cashier = UserFactory(username="carla")
    cashier.groups.add(Group.objects.get_or_create(name=BOX_OFFICE)[0])
    page = new_page()
    log_in(page, cashier, f"/boxoffice/?show={show.pk}")

    expect(seat(page, "A1")).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    expect(page.locator("#running-total")).to_have_text("Total: €25.00")
    page.locator("#ticket-type-1").select_option("child")
    expect(page.locator("#running-total")).to_have_text("Total: €20.50")
    page.keyboard.press("Escape")  # back to the map, where C sells
    expect(seat(page, "A2")).to_be_focused()
    page.keyboard.press("c")

    page.wait_for_url("**/boxoffice/?show=*&sold=*")
    expect(page.locator("#sale-seats")).to_have_text("A1 (Child), A2 (Adult)")
    order = Order.objects.get()
    assert (order.status, str(order.total)) == ("paid", "20.50")
    assert [(s["label"], s["ticket_type"]) for s in order.seats] == [("A1", "child"), ("A2", "adult")]
