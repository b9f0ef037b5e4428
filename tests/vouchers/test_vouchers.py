"""Vouchers: the price rules, scopes, dates, limits (a use is a seat; uses expire with the pending order; a cancel
gives them back), codes case-insensitive and generated unguessable, and the API's exact answers."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.services import catalog
from core.services.holds import hold_create
from orders import services as order_services
from orders.models import Order, Refund
from tests.conftest import client_for
from tests.factories import SMALL_PRICES, MovieFactory, ScreenFactory, TicketTypeFactory, UserFactory
from vouchers import services
from vouchers.errors import InvalidVoucher, VoucherUsedUp
from vouchers.models import Voucher, VoucherUse
from vouchers.pricing import discounted_price

pytestmark = pytest.mark.django_db(transaction=True)

TABLE = {**SMALL_PRICES, "standard": {"adult": "10.00", "child": "6.50"}}
D = Decimal


@pytest.fixture
def show(settings):
    settings.CURRENCY = "EUR"
    screen = ScreenFactory()
    TicketTypeFactory(cinema=screen.cinema, code="child", name="Child", names={"es": "Niño"}, max_age=14)
    starts = timezone.now().replace(microsecond=0) + timedelta(days=2)
    return catalog.show_create(movie_id=MovieFactory().id, screen_id=screen.id, date_time=starts, prices=TABLE)


def make(code="TUESDAY5", kind="amount_off", value="5.00", **kwargs):
    return services.voucher_create(created_by=None, code=code, kind=kind, value=D(value), **kwargs)


def order(user, show, seats, voucher=None, types=None, method="box_office"):
    hold = hold_create(user=user, show_id=show.id, seat_numbers=seats, ticket_types=types or {})
    return order_services.order_create(user=user, hold_id=hold.pk, payment_method=method, voucher=voucher)


# --- The price rules ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "value", "price", "expected"), [
    ("fixed_price", "5.00", "10.00", "5.00"),
    ("fixed_price", "12.00", "10.00", "10.00"),  # a code never raises a price
    ("fixed_price", "0.00", "10.00", "0.00"),
    ("amount_off", "3.00", "10.00", "7.00"),
    ("amount_off", "15.00", "10.00", "0.00"),  # never below zero
    ("percent_off", "25", "10.00", "7.50"),
    ("percent_off", "100", "10.00", "0.00"),
    ("percent_off", "33", "6.50", "4.36"),  # 4.355 rounded half-up
    ("percent_off", "50", "0.05", "0.03"),  # 0.025 rounded half-up
])
def test_price_rules(kind, value, price, expected):
    assert discounted_price(kind=kind, value=D(value), price=D(price)) == D(expected)


@pytest.mark.parametrize(("kind", "value", "ok"), [
    ("amount_off", "0", False), ("amount_off", "0.01", True), ("percent_off", "0", False),
    ("percent_off", "100", True), ("percent_off", "100.01", False), ("fixed_price", "0", True),
    ("fixed_price", "-1", False)])
def test_values_allowed(kind, value, ok):
    assert (services.value_error(kind, D(value)) is None) is ok


# --- Orders with codes ----------------------------------------------------------------------------------------
def test_an_order_discounts_each_seat_and_shows_it(user, show):
    make(code="Tuesday5", kind="amount_off", value="3.00")
    auth = client_for(user)
    hold = hold_create(user=user, show_id=show.id, seat_numbers=[1, 2], ticket_types={1: "child"})

    response = auth.post("/orders/", {"hold_id": hold.pk, "payment_method": "box_office", "voucher": "tuesday5 "},
                         format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["seats"] == [
        {"number": 1, "label": "A1", "category": "standard", "price": "3.50", "ticket_type": "child",
         "full_price": "6.50", "discount": "3.00"},
        {"number": 2, "label": "A2", "category": "standard", "price": "7.00", "ticket_type": "adult",
         "full_price": "10.00", "discount": "3.00"}]
    assert (body["total"], body["discount"]) == ("10.50", "6.00")
    use = VoucherUse.objects.get()
    assert (use.seats, use.expires_at) == (2, Order.objects.get().expires_at)


def test_only_seats_in_scope_are_discounted(user, show):
    make(kind="percent_off", value="50", ticket_types=["child"])
    placed = order(user, show, [1, 2], voucher="TUESDAY5", types={1: "child"})
    assert [(s["price"], s["discount"]) for s in placed.seats] == [("3.25", "3.25"), ("10.00", "0.00")]
    assert VoucherUse.objects.get().seats == 1


def test_scope_by_movie_show_cinema(user, show):
    other = MovieFactory()
    make(code="OTHERMOVIE", movies=[other.pk])
    make(code="THISSHOW", shows=[show.pk])
    make(code="THISCINEMA", cinemas=[show.screen.cinema_id])
    with pytest.raises(InvalidVoucher) as refused:
        order(user, show, [1], voucher="othermovie")
    assert refused.value.reason == "not_valid_for_these_seats"
    assert order(user, show, [2], voucher="thisshow").discount == D("5.00")
    assert order(user, show, [3], voucher="thiscinema").discount == D("5.00")


def test_unknown_inactive_not_yet_and_expired(user, show):
    now = timezone.now()
    make(code="LATER", valid_from=now + timedelta(days=1))
    make(code="PAST", valid_until=now - timedelta(minutes=1))
    off = make(code="OFF")
    services.voucher_update(voucher_id=off.pk, active=False)
    for seat, (code, reason) in enumerate([("NOPE", "unknown"), ("OFF", "unknown"), ("LATER", "not_yet_valid"),
                                           ("PAST", "expired")], start=1):
        with pytest.raises(InvalidVoucher) as refused:
            order(user, show, [seat], voucher=code)
        assert refused.value.reason == reason
    assert not Order.objects.exists()


def test_uses_are_seats_overall_and_per_account(user, show):
    make(max_uses=3, max_uses_per_account=2)
    order(user, show, [1, 2], voucher="TUESDAY5")
    with pytest.raises(VoucherUsedUp) as refused:
        order(user, show, [3], voucher="TUESDAY5")
    assert refused.value.extra == {"uses_left": 0, "limit": "per_account"}
    with pytest.raises(VoucherUsedUp) as refused:
        order(UserFactory(), show, [4, 5], voucher="TUESDAY5")
    assert refused.value.extra == {"uses_left": 1, "limit": "overall"}
    assert order(UserFactory(), show, [6], voucher="TUESDAY5").discount == D("5.00")


def test_cancelling_gives_the_uses_back_and_refunds_what_was_paid(user, show, staff_user):
    make(max_uses=2, kind="fixed_price", value="4.00")
    placed = order(user, show, [1, 2], voucher="TUESDAY5")
    order_services.order_mark_paid(order_id=placed.pk, staff_user=staff_user)
    assert VoucherUse.objects.get().expires_at is None
    with pytest.raises(VoucherUsedUp):
        order(UserFactory(), show, [3], voucher="TUESDAY5")

    cancelled = order_services.order_cancel(user=user, order_id=placed.pk)

    assert cancelled.refund.amount == D("8.00") == placed.total
    assert sorted(str(b.price) for b in placed.bookings.all()) == ["4.00", "4.00"]
    assert Refund.objects.get().amount == D("8.00")
    assert order(UserFactory(), show, [4], voucher="TUESDAY5").discount == D("11.50")  # a premium seat: 15.50


def test_an_order_that_expires_unpaid_gives_its_uses_back(user, show):
    make(max_uses=1)
    placed = order(user, show, [1], voucher="TUESDAY5")
    later = placed.expires_at + timedelta(seconds=1)
    hold = hold_create(user=UserFactory(), show_id=show.id, seat_numbers=[2], now=later)
    retaken = order_services.order_create(user=hold.user, hold_id=hold.pk, payment_method="box_office",
                                          voucher="TUESDAY5", now=later)
    assert retaken.discount == D("5.00")


def test_a_free_order_after_the_discount_is_booked_at_once(user, show):
    make(kind="percent_off", value="100")
    placed = order(user, show, [1], voucher="TUESDAY5")
    assert (placed.status, placed.total, placed.bookings.get().payment_status) == ("paid", D("0.00"), "free")
    assert VoucherUse.objects.get().expires_at is None
    cancelled = order_services.order_cancel(user=user, order_id=placed.pk)
    assert cancelled.refund is None
    assert VoucherUse.objects.get().released_at is not None


# --- Codes ------------------------------------------------------------------------------------------------------
def test_batch_codes_are_unique_single_use_and_readable():
    label, codes = services.voucher_batch_create(created_by=None, count=50, prefix="gift-", kind="amount_off",
                                                 value=D("2.00"))
    assert len(set(codes)) == 50
    assert all(c.startswith("GIFT-") and len(c) == 17 and not set(c[5:]) & set("01OIL") for c in codes)
    assert set(Voucher.objects.filter(batch=label).values_list("max_uses", flat=True)) == {1}


def test_codes_are_case_insensitive():
    from vouchers.errors import VoucherCodeTaken

    make(code="Spring")
    with pytest.raises(VoucherCodeTaken):
        make(code="sPRING")
    assert services.voucher_find(code="spring", now=timezone.now()).code == "SPRING"


# --- The API ----------------------------------------------------------------------------------------------------
def test_api_errors_of_an_order(user, show):
    make(max_uses=1, valid_until=timezone.now() + timedelta(days=30))
    auth = client_for(user)
    hold = hold_create(user=user, show_id=show.id, seat_numbers=[1, 2])

    used_up = auth.post("/orders/", {"hold_id": hold.pk, "payment_method": "box_office", "voucher": "tuesday5"},
                        format="json")
    unknown = auth.post("/orders/", {"hold_id": hold.pk, "payment_method": "box_office", "voucher": "x"},
                        format="json", HTTP_ACCEPT_LANGUAGE="es")

    assert (used_up.status_code, used_up.json()) == (409, {
        "detail": "This promo code has only 1 use(s) left.", "code": "voucher_used_up", "uses_left": 1,
        "limit": "overall"})
    assert unknown.status_code == 400
    assert unknown.json() == {"detail": "Este código promocional no existe.", "code": "invalid_voucher",
                              "reason": "unknown"}


def test_api_check_previews_without_using(user, show):
    make(kind="percent_off", value="10")
    hold = hold_create(user=user, show_id=show.id, seat_numbers=[1, 2], ticket_types={2: "child"})

    response = client_for(user).post("/vouchers/check/", {"code": "tuesday5", "hold_id": hold.pk}, format="json")

    assert response.status_code == 200
    assert response.json() == {"code": "TUESDAY5", "seats": [
        {"number": 1, "label": "A1", "ticket_type": "adult", "full_price": "10.00", "discount": "1.00",
         "price": "9.00"},
        {"number": 2, "label": "A2", "ticket_type": "child", "full_price": "6.50", "discount": "0.65",
         "price": "5.85"}], "discount": "1.65", "total": "14.85"}
    assert not VoucherUse.objects.exists()
    other = client_for(UserFactory()).post("/vouchers/check/", {"code": "tuesday5", "hold_id": hold.pk},
                                           format="json")
    assert other.status_code == 404


def test_api_staff_create_list_get_patch(show):
    manager = client_for(UserFactory(roles=["manager"]))
    body = {"code": "tuesday5", "kind": "fixed_price", "value": "5.00", "max_uses": 10, "max_uses_per_account": 1,
            "movies": [show.movie_id], "shows": [], "ticket_types": ["adult"]}

    created = manager.post("/vouchers/", body, format="json")

    assert created.status_code == 201, created.json()
    voucher_id = created.json()["id"]
    assert {k: v for k, v in created.json().items() if k not in ("id", "created_at")} == {
        "code": "TUESDAY5", "kind": "fixed_price", "value": "5.00", "max_uses": 10, "max_uses_per_account": 1,
        "valid_from": None, "valid_until": None, "cinemas": [], "movies": [show.movie_id], "shows": [],
        "ticket_types": ["adult"], "batch": "", "active": True, "uses": 0, "uses_left": 10}
    again = manager.post("/vouchers/", {**body, "code": "TUESDAY5"}, format="json")
    assert (again.status_code, again.json()["code"]) == (400, "voucher_code_taken")
    bad = manager.post("/vouchers/", {**body, "code": "P", "kind": "percent_off", "value": "120",
                                      "movies": [999999]}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()) >= {"code", "detail"}

    user = UserFactory()
    order(user, show, [1, 2], voucher=None)
    order(user, show, [3], voucher="TUESDAY5")
    got = manager.get(f"/vouchers/{voucher_id}/").json()
    assert (got["uses"], got["uses_left"]) == (1, 9)
    assert [v["code"] for v in manager.get("/vouchers/?code=tues").json()] == ["TUESDAY5"]

    patched = manager.patch(f"/vouchers/{voucher_id}/", {"active": False}, format="json")
    assert (patched.status_code, patched.json()["active"]) == (200, False)
    assert client_for(UserFactory()).post("/vouchers/", body, format="json").status_code == 403
    assert client_for(UserFactory(roles=["box_office"])).get("/vouchers/").status_code == 403


def test_api_batch_and_its_csv():
    manager = client_for(UserFactory(roles=["manager"]))

    made = manager.post("/vouchers/batch/", {"count": 3, "prefix": "gift-", "kind": "percent_off", "value": "50"},
                        format="json")

    assert made.status_code == 201
    label, codes = made.json()["batch"], made.json()["codes"]
    assert len(codes) == 3
    csv = manager.get(f"/vouchers/batch/{label}/codes.csv")
    assert csv.status_code == 200
    lines = csv.content.decode().splitlines()
    assert lines[0] == "code,kind,value,valid_from,valid_until,active,uses"
    assert [line.split(",")[0] for line in lines[1:]] == codes
    assert manager.post("/vouchers/batch/", {"count": 1001, "kind": "amount_off", "value": "1"},
                        format="json").status_code == 400
    assert manager.get("/vouchers/batch/NOPE/codes.csv").status_code == 404


def test_the_box_office_sells_with_a_code(show):
    make(code="COUNTER", kind="amount_off", value="2.50")
    till = client_for(UserFactory(roles=["box_office"]))

    sold = till.post("/boxoffice/orders/", {"show_id": show.id, "seats": [1, 2], "voucher": "counter"},
                     format="json")
    used_up = till.post("/boxoffice/orders/", {"show_id": show.id, "seats": [3], "voucher": "nope"}, format="json")

    assert sold.status_code == 201, sold.json()
    assert (sold.json()["status"], sold.json()["total"], sold.json()["discount"]) == ("paid", "15.00", "5.00")
    assert (used_up.status_code, used_up.json()["reason"]) == (400, "unknown")
    assert Order.objects.count() == 1


def test_a_late_payment_of_an_expired_order_keeps_its_uses(user, show, staff_user, caplog):
    make(max_uses=1)
    placed = order(user, show, [1], voucher="TUESDAY5")
    later = placed.expires_at + timedelta(minutes=1)
    assert order_services.expire_orders(now=later) == 1
    assert VoucherUse.objects.get().released_at is not None  # the sweep gave the use back

    order_services.order_mark_paid(order_id=placed.pk, staff_user=staff_user, now=later)

    use = VoucherUse.objects.get()
    assert (use.released_at, use.expires_at) == (None, None)  # the money arrived: the use counts again
    assert "paid after it expired" in caplog.text
