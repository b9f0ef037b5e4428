"""The booking site as a moviegoer meets it, in Chromium at desktop and phone sizes: seats that survive signing
in, the seat bar's running total, honest "from" prices."""
import pytest
from playwright.sync_api import expect

from core.models import Hold
from core.services import holds
from tests.factories import PASSWORD, MovieFactory, UserFactory
from tests.web_fixtures import laid_out_show

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"desktop": {"viewport": {"width": 1100, "height": 800}},
         "phone": {"viewport": {"width": 375, "height": 800}, "is_mobile": True, "has_touch": True}}


@pytest.fixture
def show():
    return laid_out_show(movie=MovieFactory(title="Inception", duration_minutes=148), name="Screen 1")


def seat(page, label):
    return page.locator(f'#seat-map button[data-label="{label}"]')


@pytest.mark.parametrize("size", SIZES)
def test_chosen_seats_survive_logging_in(new_page, show, size):
    customer = UserFactory(username="lea")
    page = new_page(**SIZES[size])
    page.goto(f"/showings/{show.pk}/")
    seat(page, "C5").click()
    seat(page, "F3").click()  # premium
    expect(page.locator("#subtotals li")).to_have_text(["1 × standard: €12.50", "1 × premium: €18.00"])
    expect(page.locator("#running-total")).to_have_text("Total: €30.50")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    page.locator(".hold-bar").get_by_role("link", name="Log in to hold seats").click()
    page.fill("#id_username", customer.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/showings/{show.pk}/?seats=*")
    expect(seat(page, "C5")).to_have_attribute("aria-pressed", "true")
    expect(seat(page, "F3")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#running-total")).to_have_text("Total: €30.50")
    assert not Hold.objects.exists()  # the hold starts now, when the signed-in visitor asks for it
    page.get_by_role("button", name="Hold seats").click()
    page.wait_for_url("**/checkout/*/")
    assert Hold.objects.get(user=customer).seat_numbers == [25, 53]


def test_chosen_seats_survive_signing_up_unless_taken_meanwhile(new_page, show):
    page = new_page()
    page.goto(f"/showings/{show.pk}/")
    seat(page, "D1").click()
    seat(page, "D2").click()
    page.locator(".hold-bar").get_by_role("link", name="Sign up").click()
    # Meanwhile someone else holds D2.
    holds.hold_create(user=UserFactory(), show_id=show.pk, seat_numbers=[32])
    page.fill("#id_username", "newcomer")
    page.fill("#id_email", "newcomer@example.com")
    page.fill("#id_password", "a long enough passphrase 42")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/showings/{show.pk}/?seats=*")
    expect(seat(page, "D1")).to_have_attribute("aria-pressed", "true")
    expect(seat(page, "D2")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#selection")).to_have_text("Chosen: D1")


def test_from_price_is_a_standard_seat_on_home_and_movie_pages(new_page, show):
    page = new_page()
    page.goto("/")
    expect(page.locator(".card", has_text="Inception")).to_contain_text("from €12.50")
    page.get_by_role("link", name="Inception").click()
    expect(page.locator("main")).to_contain_text("from €12.50")
    expect(page.locator("main")).not_to_contain_text("€6.00")
