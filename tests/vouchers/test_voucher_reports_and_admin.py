"""Promo codes in the reports (gross at the list price, discounts, net kept; discounts per code and per batch) and
in the admin (the list with uses, the batch page, the CSV action), each for managers only."""
import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from core.services import catalog
from core.services.holds import hold_create
from orders import services as order_services
from reports.selectors import movie_weekly_report, voucher_report
from tests.conftest import client_for
from tests.factories import SMALL_PRICES, MovieFactory, ScreenFactory, UserFactory
from vouchers import services
from vouchers.models import Voucher

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


@pytest.fixture
def show(settings):
    settings.CURRENCY = "EUR"
    starts = timezone.now().replace(microsecond=0) + timedelta(days=1)
    return catalog.show_create(movie_id=MovieFactory(title="Gamma").id, screen_id=ScreenFactory().id,
                               date_time=starts, prices={**SMALL_PRICES, "standard": "10.00"})


def paid(show, seats, code=None):
    user = UserFactory()
    hold = hold_create(user=user, show_id=show.id, seat_numbers=seats)
    placed = order_services.order_create(user=user, hold_id=hold.pk, payment_method="box_office", voucher=code)
    if placed.status != "paid":
        order_services.order_mark_paid(order_id=placed.pk, staff_user=UserFactory(roles=["box_office"]))
    return placed


def admin_client(*roles):
    client = Client()
    client.force_login(UserFactory(is_staff=True, roles=list(roles)))
    return client


def test_weekly_gross_is_the_list_price_discounts_what_codes_took_net_what_was_kept(show):
    services.voucher_create(created_by=None, code="THREE", kind="amount_off", value=D("3.00"))
    paid(show, [1, 2], code="three")  # 2 × 10.00, 3.00 off each: 14.00 charged
    refunded = paid(show, [3], code="three")  # 7.00 charged, then refunded
    paid(show, [5])  # a premium seat, 15.50, no code
    order_services.order_cancel(user=refunded.user, order_id=refunded.pk)

    week = movie_weekly_report(week_start=show.date_time.date() - timedelta(days=show.date_time.weekday()))

    assert [(w.tickets, w.gross, w.refunds, w.discounts, w.net) for w in week] == [
        (3, D("45.50"), D("7.00"), D("9.00"), D("29.50"))]


def test_discounts_per_code_and_per_batch(show):
    services.voucher_create(created_by=None, code="HALF", kind="percent_off", value=D("50"))
    label, codes = services.voucher_batch_create(created_by=None, count=2, kind="fixed_price", value=D("4.00"))
    paid(show, [1, 2], code="half")
    paid(show, [3], code=codes[0])
    paid(show, [5], code=codes[1])  # a premium seat: 15.50 for 4.00
    today = timezone.localdate()

    per_code = {line.code: line.as_dict() for line in voucher_report(date_from=today, date_to=today)}
    per_batch = [line.as_dict() for line in voucher_report(date_from=today, date_to=today, by_batch=True)]

    assert per_code["HALF"] == {"code": "HALF", "batch": "", "kind": "percent_off", "value": "50.00", "orders": 1,
                                "seats": 2, "discount": "10.00", "net": "10.00"}
    assert per_batch == [  # the most discount first
        {"code": "", "batch": label, "kind": "fixed_price", "value": "4.00", "orders": 2, "seats": 2,
         "discount": "17.50", "net": "8.00"},
        {"code": "HALF", "batch": "", "kind": "percent_off", "value": "50.00", "orders": 1, "seats": 2,
         "discount": "10.00", "net": "10.00"}]
    manager = client_for(UserFactory(roles=["manager"]))
    rows = list(csv.DictReader(io.StringIO(manager.get(f"/reports/vouchers.csv?from={today}&to={today}")
                                           .content.decode())))
    assert {row["code"]: row["discount"] for row in rows} == {"HALF": "10.00", codes[0]: "6.00", codes[1]: "11.50"}
    html = admin_client("manager").get(f"/admin/reports/vouchers/?from={today}&to={today}&group=batch").content
    assert f"<td>{label}</td><td>2</td><td>2</td><td>17.50</td><td>8.00</td>" in html.decode()
    assert admin_client("box_office").get("/admin/reports/vouchers/").status_code == 403
    assert client_for(UserFactory(roles=["programme"])).get("/reports/vouchers.csv").status_code == 403


def test_admin_list_shows_uses_and_the_batch_page_generates_codes(show):
    services.voucher_create(created_by=None, code="LISTED", kind="amount_off", value=D("1.00"), max_uses=5)
    paid(show, [1, 2], code="listed")
    manager = admin_client("manager")

    listing = manager.get("/admin/vouchers/voucher/?q=listed").content.decode()
    assert "LISTED" in listing and '<td class="field-uses">2</td>' in listing
    assert 'href="/admin/vouchers/voucher/batch/"' in listing

    made = manager.post("/admin/vouchers/voucher/batch/", {"count": 3, "prefix": "gift-", "kind": "amount_off",
                                                           "value": "2.00"})
    assert made.status_code == 200
    batch = Voucher.objects.exclude(batch="").values_list("batch", flat=True).first()
    codes = sorted(Voucher.objects.filter(batch=batch).values_list("code", flat=True))
    assert len(codes) == 3 and all(code.startswith("GIFT-") for code in codes)
    assert all(code in made.content.decode() for code in codes)
    bad = manager.post("/admin/vouchers/voucher/batch/", {"count": 3, "kind": "percent_off", "value": "150"})
    assert bad.status_code == 200 and Voucher.objects.count() == 4

    exported = manager.post("/admin/vouchers/voucher/", {
        "action": "export_codes_csv", "_selected_action": list(Voucher.objects.values_list("pk", flat=True))})
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert sorted(row["code"] for row in rows) == sorted([*codes, "LISTED"])
    assert next(row for row in rows if row["code"] == "LISTED")["uses"] == "2"

    assert admin_client("box_office").get("/admin/vouchers/voucher/batch/").status_code == 403
    assert admin_client("programme").get("/admin/vouchers/voucher/").status_code == 403


def test_admin_add_form_stores_the_code_upper_case_and_refuses_a_taken_one():
    manager = admin_client("manager")
    form = {"code": "spring", "kind": "percent_off", "value": "10", "active": "on", "ticket_types_text": "adult, child"}

    assert manager.post("/admin/vouchers/voucher/add/", form).status_code == 302
    again = manager.post("/admin/vouchers/voucher/add/", {**form, "code": "SPRING"})

    voucher = Voucher.objects.get()
    assert (voucher.code, voucher.ticket_types) == ("SPRING", ["adult", "child"])
    assert again.status_code == 200 and "already exists" in again.content.decode()
