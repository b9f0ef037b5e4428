"""50 customers order at the same moment with a 10-use code: exactly 10 get it, 40 are told it is used up, none
fails. The voucher row's lock is what makes it so: the control takes it away and sees more than 10 succeed."""
import pytest
from django.db import connections

from core.services.holds import hold_create
from orders.services import order_create
from tests.concurrency_helpers import run_concurrently
from tests.conftest import ON_POSTGRES
from tests.factories import ShowFactory, UserFactory
from tests.seat_prices import set_seat_prices
from vouchers import services
from vouchers.errors import VoucherUsedUp
from vouchers.models import Voucher, VoucherUse

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not ON_POSTGRES, reason="a race needs PostgreSQL's row locks and real parallelism "
                                                         "(SQLite serialises every write transaction)")]

CUSTOMERS = 50
USES = 10


@pytest.fixture
def holds(settings):
    settings.CURRENCY = "EUR"
    # 50 transactions queue on one row: give the last of them time to get it.
    settings.BOOKING_LOCK_TIMEOUT_MS = 30000
    show = ShowFactory(total_seats=CUSTOMERS)
    set_seat_prices("12.50", show)
    services.voucher_create(created_by=None, code="TENUSES", kind="amount_off", value=2, max_uses=USES)
    return [hold_create(user=UserFactory(), show_id=show.id, seat_numbers=[n]) for n in range(1, CUSTOMERS + 1)]


def _race(holds):
    def attempt(hold):
        def go():
            try:
                order_create(user=hold.user, hold_id=hold.pk, payment_method="box_office", voucher="tenuses")
                return 201
            except VoucherUsedUp:
                return 409
        return go

    outcome = run_concurrently([attempt(hold) for hold in holds])
    connections.close_all()
    return outcome


def test_a_ten_use_code_is_used_exactly_ten_times(holds):
    outcome = _race(holds)

    assert outcome.errors == []
    assert outcome.counts == {201: USES, 409: CUSTOMERS - USES}
    assert sum(VoucherUse.objects.values_list("seats", flat=True)) == USES


def test_control_without_the_lock_the_code_is_overused(holds, monkeypatch):
    # The voucher read without FOR UPDATE: each order counts the uses before the others commit theirs.
    monkeypatch.setattr(services, "_lock_voucher", lambda voucher_id: Voucher.objects.get(pk=voucher_id))

    outcome = _race(holds)

    assert outcome.errors == []
    assert outcome.counts[201] > USES
