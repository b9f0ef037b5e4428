"""E-tickets: codes, the ticket JSON, QR images that decode to the code, the PDF; and door check-in."""
import io
import math
import re
from collections import Counter
from datetime import timedelta

import pytest
import zxingcpp
from django.contrib.auth.models import Group
from django.utils import timezone
from PIL import Image

from core.models import Booking
from core.services.booking import booking_cancel, booking_create
from core.ticket_codes import ALPHABET, LENGTH, new_ticket_code
from tests.concurrency_helpers import run_concurrently
from tests.conftest import client_for
from tests.factories import BookingFactory, ShowFactory, StaffFactory, UserFactory
from tests.seat_prices import set_seat_prices

pytestmark = pytest.mark.django_db


def decode_png(data: bytes) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]


class TestCodes:
    def test_at_least_128_bits_url_safe_without_look_alikes(self):
        assert LENGTH * math.log2(len(ALPHABET)) >= 128
        assert not set("01OIL") & set(ALPHABET)
        codes = {new_ticket_code() for _ in range(2000)}
        assert len(codes) == 2000
        assert all(len(c) == LENGTH and set(c) <= set(ALPHABET) for c in codes)

    def test_every_letter_appears_evenly_in_every_position(self):
        # One draw of a number below 31**26 written in base 31: each position must be uniform over the alphabet,
        # the first as much as the last (a draw below a power of two would skew the most significant letter).
        codes = [new_ticket_code() for _ in range(6200)]
        for position in (0, LENGTH // 2, LENGTH - 1):
            counts = Counter(code[position] for code in codes)
            assert set(counts) == set(ALPHABET)
            # 200 expected per letter; 6 standard deviations either way.
            assert all(200 - 6 * 14 < n < 200 + 6 * 14 for n in counts.values()), counts

    def test_every_booking_gets_its_own(self, show):
        bookings = [BookingFactory(show=show, seat_number=n) for n in (1, 2, 3)]
        assert len({b.ticket_code for b in bookings}) == 3


class TestTicketEndpoints:
    def test_ticket_json(self, auth_client, user, show):
        booking = booking_create(user=user, show_id=show.pk, seat_number=7)

        body = auth_client.get(f"/bookings/{booking.pk}/ticket/").json()

        assert body == {
            "code": booking.ticket_code, "booking_id": booking.pk, "movie": "Inception", "cinema": None,
            "screen": "Screen 1", "seat_label": "7", "local_date_time": timezone.localtime(show.date_time).isoformat(),
            "status": "valid", "payment_status": "free", "ticket_type": "adult",
        }

    def test_png_and_svg_qr_codes_carry_the_code(self, auth_client, user, show):
        booking = booking_create(user=user, show_id=show.pk, seat_number=7)

        png = auth_client.get(f"/bookings/{booking.pk}/ticket.png")
        svg = auth_client.get(f"/bookings/{booking.pk}/ticket.svg")

        assert png["Content-Type"] == "image/png"
        assert decode_png(png.content) == [booking.ticket_code]
        assert svg["Content-Type"] == "image/svg+xml"
        assert svg.content.startswith(b"<?xml") and b"<svg" in svg.content

    def test_someone_elses_ticket_is_404(self, user, other_user, show):
        booking = booking_create(user=user, show_id=show.pk, seat_number=7)
        for path in ("ticket/", "ticket.png", "ticket.svg"):
            response = client_for(other_user).get(f"/bookings/{booking.pk}/{path}")
            assert response.status_code == 404
            assert response.json()["code"] == "not_found"

    def test_cancelled_ticket_says_so(self, auth_client, user, show):
        booking = booking_create(user=user, show_id=show.pk, seat_number=7)
        booking_cancel(user=user, booking_id=booking.pk)
        assert auth_client.get(f"/bookings/{booking.pk}/ticket/").json()["status"] == "cancelled"

    def test_order_pdf_three_tickets_to_an_a4_page(self, user, auth_client, staff_client, show, settings):
        from core.services.holds import hold_create
        from orders.services import order_create

        set_seat_prices("9.00", show)
        order = order_create(user=user, hold_id=hold_create(user=user, show_id=show.pk, seat_numbers=[1, 2, 3, 4]).pk,
                             payment_method="box_office")
        assert auth_client.get(f"/orders/{order.pk}/tickets.pdf").json()["code"] == "order_not_paid"
        staff_client.post(f"/orders/{order.pk}/mark-paid/")

        response = auth_client.get(f"/orders/{order.pk}/tickets.pdf")

        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        pages = re.findall(rb"/Type /Page(?!s)", response.content)
        assert len(pages) == 2  # tickets.rendering: three to a page, to print and cut


def checkin(client, code, show_id=None):
    body = {"code": code} if show_id is None else {"code": code, "show_id": show_id}
    return client.post("/checkin/", body, format="json")


@pytest.fixture
def soon_show(movie):
    return ShowFactory(movie=movie, date_time=timezone.now() + timedelta(minutes=30))


class TestCheckin:
    def test_admits_once_then_409_with_the_first_time(self, staff_client, user, soon_show):
        booking = booking_create(user=user, show_id=soon_show.pk, seat_number=4)

        first = checkin(staff_client, booking.ticket_code, soon_show.pk)
        again = checkin(staff_client, booking.ticket_code)

        assert first.status_code == 200
        assert first.json() == {"booking_id": booking.pk, "seat_label": "4", "movie_title": "Inception",
                                "show_id": soon_show.pk, "checked_in_at": first.json()["checked_in_at"],
                                "ticket_type": "adult", "ticket_type_name": "Adult", "check_proof": False}
        assert again.status_code == 409
        assert again.json() == {"detail": "This ticket was already checked in.", "code": "already_checked_in",
                                "checked_in_at": first.json()["checked_in_at"]}

    def test_refusals(self, staff_client, user, soon_show, movie, settings):
        cancelled = booking_create(user=user, show_id=soon_show.pk, seat_number=1)
        booking_cancel(user=user, booking_id=cancelled.pk)
        assert checkin(staff_client, cancelled.ticket_code).json()["code"] == "ticket_cancelled"

        other = booking_create(user=user, show_id=soon_show.pk, seat_number=2)
        wrong = checkin(staff_client, other.ticket_code, show_id=soon_show.pk + 1000)
        assert (wrong.status_code, wrong.json()["code"]) == (409, "wrong_show")

        assert checkin(staff_client, "NOPE").status_code == 404

        later = ShowFactory(movie=movie, date_time=timezone.now() + timedelta(hours=3))
        early = checkin(staff_client, booking_create(user=user, show_id=later.pk, seat_number=1).ticket_code)
        assert (early.status_code, early.json()["code"]) == (409, "checkin_not_open")

        set_seat_prices("8.00", soon_show)
        unpaid = booking_create(user=user, show_id=soon_show.pk, seat_number=3)
        assert unpaid.payment_status == "unpaid"
        refused = checkin(staff_client, unpaid.ticket_code)
        assert (refused.status_code, refused.json()["code"]) == (409, "payment_required")

    def test_door_group_may_scan_customers_may_not(self, user, soon_show):
        booking = booking_create(user=user, show_id=soon_show.pk, seat_number=4)
        assert checkin(client_for(user), booking.ticket_code).status_code == 403
        usher = UserFactory()
        usher.groups.add(Group.objects.get(name="door"))
        assert checkin(client_for(usher), booking.ticket_code).status_code == 200

    def test_a_checked_in_ticket_cannot_be_cancelled(self, staff_client, auth_client, user, soon_show):
        booking = booking_create(user=user, show_id=soon_show.pk, seat_number=4)
        checkin(staff_client, booking.ticket_code)

        response = auth_client.post(f"/bookings/{booking.pk}/cancel/")

        assert (response.status_code, response.json()["code"]) == (409, "already_checked_in")

    def test_checkin_list(self, staff_client, user, soon_show):
        bookings = [booking_create(user=user, show_id=soon_show.pk, seat_number=n) for n in (1, 2, 3)]
        checkin(staff_client, bookings[0].ticket_code)

        body = staff_client.get(f"/shows/{soon_show.pk}/checkins/").json()

        assert body["checked_in"] == 1 and body["expected"] == 2
        assert [c["booking_id"] for c in body["checkins"]] == [bookings[0].pk]
        assert client_for(user).get(f"/shows/{soon_show.pk}/checkins/").status_code == 403


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
class TestCheckinRaces:
    def test_ten_scanners_one_ticket_exactly_one_200(self, soon_show):
        staff = StaffFactory()
        booking = booking_create(user=UserFactory(), show_id=soon_show.pk, seat_number=1)

        outcome = run_concurrently([lambda: checkin(client_for(staff), booking.ticket_code).status_code
                                    for _ in range(10)])

        assert not outcome.errors
        assert outcome.counts == {200: 1, 409: 9}

    @pytest.mark.parametrize("trial", range(3))
    def test_cancel_racing_checkin_never_both(self, soon_show, trial):
        staff, owner = StaffFactory(), UserFactory()
        booking = booking_create(user=owner, show_id=soon_show.pk, seat_number=1)

        outcome = run_concurrently([
            lambda: checkin(client_for(staff), booking.ticket_code).status_code,
            lambda: client_for(owner).post(f"/bookings/{booking.pk}/cancel/").status_code,
        ])

        assert not outcome.errors
        assert sorted(outcome.statuses) in ([200, 409],)
        booking.refresh_from_db()
        checked_in = hasattr(booking, "checkin")
        assert checked_in != (booking.status == Booking.Status.CANCELLED)
