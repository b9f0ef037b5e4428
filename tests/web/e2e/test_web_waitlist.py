"""The waiting list in Chromium: a sold-out show → join for N seats → the place in line → seats come back → the
offer's link in My tickets opens the checkout of the held seats; leaving the list; the page in Spanish and Hindi."""
import pytest
from playwright.sync_api import expect

from core.services import booking as booking_service
from tests.factories import BookingFactory, MovieFactory, ShowFactory, UserFactory
from tests.web.e2e.test_web_flows import log_in
from waitlist.models import Entry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sold_out():
    show = ShowFactory(movie=MovieFactory(title="Oppenheimer"), total_seats=3)
    return show, [BookingFactory(show=show, seat_number=n) for n in range(1, 4)]


def test_join_a_sold_out_show_then_take_the_offer_from_my_tickets(new_page, sold_out):
    show, bookings = sold_out
    customer = UserFactory(username="ana")
    page = new_page()
    log_in(page, customer, f"/showings/{show.pk}/")
    expect(page.locator("#waitlist")).to_contain_text("Sold out")
    page.fill("#waitlist-seats", "2")
    page.get_by_role("button", name="Join the waiting list").click()
    expect(page.locator("#waitlist")).to_contain_text("You are on the waiting list for 2 seats: number 1 in line.")

    # Two customers cancel: the seats are held for ana at once.
    for booking in bookings[:2]:
        booking_service.booking_cancel(user=booking.user, booking_id=booking.pk)
    entry = Entry.objects.get(user=customer)
    assert entry.status == "offered"

    page.goto("/my-tickets/")
    page.get_by_role("link", name="seats are held for you: continue to checkout").click()
    page.wait_for_url(f"**/checkout/{entry.hold_id}/")
    expect(page.locator("main")).to_contain_text("Oppenheimer")


def test_leave_the_list_and_the_page_in_spanish(new_page, sold_out):
    show, _ = sold_out
    customer = UserFactory(username="luis")
    page = new_page(locale="es-ES", extra_http_headers={"Accept-Language": "es"})
    log_in(page, customer, f"/showings/{show.pk}/")
    page.get_by_role("button", name="Únase a la lista de espera").click()
    expect(page.locator("#waitlist")).to_contain_text("número 1 de la cola")
    page.get_by_role("button", name="Salir de la lista de espera").click()
    expect(page.locator("#waitlist")).to_contain_text("Agotado")
    assert Entry.objects.get(user=customer).status == "left"


def test_join_and_leave_in_hindi(new_page, sold_out):
    show, _ = sold_out
    customer = UserFactory(username="asha")
    page = new_page(locale="hi-IN", extra_http_headers={"Accept-Language": "hi"})
    log_in(page, customer, f"/showings/{show.pk}/")
    page.fill("#waitlist-seats", "2")
    page.get_by_role("button", name="प्रतीक्षा सूची में शामिल हों").click()
    expect(page.locator("#waitlist")).to_contain_text("आप 2 सीटों की प्रतीक्षा सूची में हैं: कतार में क्रमांक 1।")
    page.get_by_role("button", name="प्रतीक्षा सूची छोड़ें").click()
    expect(page.get_by_role("button", name="प्रतीक्षा सूची में शामिल हों")).to_be_visible()
    assert Entry.objects.get(user=customer).status == "left"
