"""A client generated from /swagger.json by openapi-generator (`python` generator) runs the customer and staff
flows against a live server: what a team generating its client from our description would get.

Needs Java (openapi-generator is a Java program; the `openapi-generator-cli` PyPI package ships its jar). Without
Java the test skips saying so; CI sets REQUIRE_API_TOOLS=1 so it fails instead.
"""
import importlib
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.api_tools import require_java
from tests.make_run_server import make_run_server

STAFF = ("staff", "staff-pass-789")


@pytest.fixture
def client_package(tmp_path):
    """(module, base_url): the generated package, imported, and the server it talks to."""
    require_java()
    with make_run_server(tmp_path, staff=STAFF) as (base_url, _):
        with urllib.request.urlopen(f"{base_url}/swagger.json", timeout=30) as response:  # nosec B310 - loopback
            (tmp_path / "swagger.json").write_bytes(response.read())
        generated = subprocess.run(
            [str(Path(sys.executable).parent / "openapi-generator-cli"), "generate", "-g", "python",
             "-i", str(tmp_path / "swagger.json"), "-o", str(tmp_path / "client"),
             "--package-name", "ticketing_client",
             "--global-property", "apiTests=false,modelTests=false,apiDocs=false,modelDocs=false"],
            capture_output=True, text=True, timeout=300)
        assert generated.returncode == 0, generated.stdout[-3000:] + generated.stderr[-3000:]
        sys.path.insert(0, str(tmp_path / "client"))
        try:
            yield importlib.import_module("ticketing_client"), base_url
        finally:
            sys.path.remove(str(tmp_path / "client"))
            for name in [m for m in sys.modules if m == "ticketing_client" or m.startswith("ticketing_client.")]:
                del sys.modules[name]


def _api_client(tc, base_url, access=None):
    configuration = tc.Configuration(host=base_url)
    if access:
        configuration.api_key["Bearer"] = f"Bearer {access}"
    return tc.ApiClient(configuration)


def test_customer_and_staff_flows_with_the_generated_client(client_package):
    tc, base_url = client_package
    anonymous = _api_client(tc, base_url)
    accounts = tc.AccountsApi(anonymous)
    catalogue = tc.CatalogueApi(anonymous)

    # Customer: sign up, log in.
    user = accounts.signup(tc.Signup(username="gen_client", email="gen@example.com", password="securepass123"))
    assert user.username == "gen_client"
    tokens = accounts.login(tc.Login(username="gen_client", password="securepass123"))
    signed_in = _api_client(tc, base_url, tokens.access)
    bookings, holds = tc.BookingsApi(signed_in), tc.HoldsApi(signed_in)

    # Browse: movies, a movie's shows, one show, its seat map (path ids are ints in the generated signatures).
    movies = catalogue.movies_list()
    assert {m.title for m in movies} >= {"Inception", "Interstellar"}
    shows = catalogue.movie_shows_list(movies[0].id)
    show = catalogue.shows_retrieve(shows[0].id)
    assert show.available_seats == show.total_seats
    assert catalogue.show_seat_map(show.id).booked == []
    # The yes/no filters take booleans (the sample programme starts tomorrow: every show is upcoming).
    assert show.id in {s.id for s in catalogue.shows_list(upcoming=True, available=True)}
    assert catalogue.movie_shows_list(movies[0].id, upcoming=False) == []
    assert movies[0].id in {m.id for m in catalogue.movies_list(now_showing=True)}
    page = catalogue.movies_page(limit=1)
    assert page.count >= 2 and len(page.results) == 1 and page.next

    # Book one seat (one Booking), several (a list of Booking), hold and confirm.
    one = bookings.bookings_create(show.id, tc.BookOneSeat(seat_number=15))
    assert (one.seat_number, one.status) == (15, "booked")
    many = bookings.bookings_create_many(show.id, tc.MultiSeatBooking(seat_numbers=[3, 4]))
    assert [b.seat_number for b in many] == [3, 4]
    hold = holds.holds_create(show.id, tc.HoldCreate(seat_numbers=[20, 21]), idempotency_key="gen-hold-1")
    assert hold.seat_numbers == [20, 21]
    assert [(seat.number, seat.ticket_type) for seat in hold.seats] == [(20, "adult"), (21, "adult")]
    assert [h.id for h in holds.my_holds_list()] == [hold.id]
    assert catalogue.show_seat_map(show.id).held == [20, 21]
    confirmed = holds.holds_confirm(hold.id)
    assert sorted(b.seat_number for b in confirmed) == [20, 21]

    # My bookings, cancel one; the error of cancelling it again arrives as the documented JSON.
    mine = bookings.my_bookings_list()
    assert sorted(b.seat_number for b in mine) == [3, 4, 15, 20, 21]
    assert bookings.bookings_cancel(one.id).detail == "Booking cancelled successfully."
    with pytest.raises(tc.ApiException) as conflict:
        bookings.bookings_cancel(one.id)
    assert conflict.value.status == 409
    assert json.loads(conflict.value.body)["code"] == "already_cancelled"

    # Staff: create a movie and a show of it.
    staff_tokens = accounts.login(tc.Login(username=STAFF[0], password=STAFF[1]))
    staff_catalogue = tc.CatalogueApi(_api_client(tc, base_url, staff_tokens.access))
    movie = staff_catalogue.movies_create(tc.MovieCreate(title="Dune", duration_minutes=155))
    new_show = staff_catalogue.shows_create(movie.id, tc.ShowCreate(
        screen_name="Screen 2", date_time="2030-12-24T20:00:00Z", total_seats=120))
    assert (new_show.movie.title, new_show.available_seats) == ("Dune", 120)

    # Staff (manager) make a promo code; the customer previews it on a hold, then orders with it.
    staff_vouchers = tc.VouchersApi(_api_client(tc, base_url, staff_tokens.access))
    made = staff_vouchers.vouchers_create(tc.VoucherCreate(code="gen10", kind="percent_off", value="10", max_uses=5))
    assert (made.code, made.uses, made.uses_left) == ("GEN10", 0, 5)
    promo_hold = holds.holds_create(show.id, tc.HoldCreate(seat_numbers=[30]))
    preview = tc.VouchersApi(signed_in).vouchers_check(tc.VoucherCheck(code="gen10", hold_id=promo_hold.id))
    assert [seat.number for seat in preview.seats] == [30]
    order = tc.OrdersApi(signed_in).orders_create(tc.OrderCreate(hold_id=promo_hold.id,
                                                                 payment_method="box_office", voucher="Gen10"))
    assert (order.discount, order.total) == (preview.discount, preview.total)
    assert order.seats[0].full_price == preview.seats[0].full_price
    assert staff_vouchers.vouchers_retrieve(made.id).uses == 1
    batch = staff_vouchers.vouchers_batch_create(tc.VoucherBatch(count=2, kind="amount_off", value="1.00"))
    assert len(batch.codes) == 2
    assert len(staff_vouchers.vouchers_list(batch=batch.batch)) == 2
    assert staff_vouchers.vouchers_update(made.id, tc.VoucherUpdate(active=False)).active is False
    with pytest.raises(tc.ApiException) as refused:
        tc.VouchersApi(signed_in).vouchers_check(tc.VoucherCheck(code="gen10", hold_id=promo_hold.id))
    assert refused.value.status == 404  # the hold is the order's now

    # Refresh rotates the pair; logout revokes a refresh token.
    pair = accounts.token_refresh(tc.Refresh(refresh=tokens.refresh))
    assert pair.access and pair.refresh != tokens.refresh
    assert tc.AccountsApi(signed_in).logout(tc.Logout(refresh=pair.refresh)).detail == "Logged out."
    assert tc.AccountsApi(signed_in).me_retrieve().username == "gen_client"
