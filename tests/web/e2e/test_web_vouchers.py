"""The checkout's promo code in Chromium, in English, Spanish and Hindi: a wrong code is refused in the page's
language, a right one previews each seat's discount and the new total, and paying carries it into the order."""
from decimal import Decimal

import pytest
from django.utils import translation
from playwright.sync_api import expect

from common.money import money_text
from core.services import holds
from orders.models import Order
from tests.factories import MovieFactory, UserFactory
from tests.web.e2e.test_web_flows import log_in
from tests.web_fixtures import laid_out_show
from vouchers.services import voucher_create

pytestmark = pytest.mark.django_db(transaction=True)

LOCALES = {"en": "en-GB", "es": "es-ES", "hi": "hi-IN"}


@pytest.mark.parametrize("language", ["en", "es", "hi"])
def test_a_promo_code_is_previewed_per_seat_and_used_by_the_order(new_page, language):
    show = laid_out_show(movie=MovieFactory(title="Interstellar", duration_minutes=169), name="Screen 3")
    customer = UserFactory(username=f"ana-{language}")
    hold = holds.hold_create(user=customer, show_id=show.pk, seat_numbers=[25, 26])
    voucher_create(created_by=None, code="HALF50", kind="percent_off", value=Decimal("50"), max_uses=5)
    with translation.override(language):
        unknown = translation.gettext("This promo code does not exist.")
        half, total = money_text(Decimal("6.25")), money_text(Decimal("12.50"))
    page = new_page(locale=LOCALES[language])
    log_in(page, customer, f"/checkout/{hold.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", language)

    page.fill("#promo-code", "nope")
    page.locator("#promo-apply").click()
    expect(page.locator("#promo-error")).to_have_text(unknown)
    expect(page.locator("#promo-preview")).to_have_count(0)

    page.fill("#promo-code", "half50")
    page.locator("#promo-apply").click()
    expect(page.locator("#promo-preview tbody tr")).to_have_count(2)
    expect(page.locator("#promo-preview tbody tr").first.locator("td").nth(3)).to_have_text(half)
    expect(page.locator("#promo-total")).to_have_text(total)
    expect(page.locator("#collect-by")).to_contain_text(total)

    page.locator("#reserve-button").click()
    page.wait_for_url("**/checkout/orders/*/")
    order = Order.objects.get(user=customer)
    assert (order.total, order.discount) == (Decimal("12.50"), Decimal("12.50"))
    expect(page.locator("#discount")).to_contain_text(money_text_in(language, Decimal("12.50")))
    expect(page.locator("#total")).to_have_text(money_text_in(language, Decimal("12.50")))


def money_text_in(language: str, amount: Decimal) -> str:
    with translation.override(language):
        return money_text(amount)
