"""The waiting list: joining only when sold out, offers of seats that come back (as the customer's own hold, with
a mail), first come first served, lapsed offers passing on, leaving, and the staff's view and closing."""
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Account
from core.models import Booking, Hold, ShowSeat
from core.services import booking as booking_service
from core.services import catalog
from core.services import holds as hold_service
from notifications.models import OutboxMessage
from orders import services as order_services
from tests.conftest import client_for
from tests.factories import BookingFactory, ShowFactory, UserFactory
from tests.seat_prices import set_seat_prices
from waitlist import selectors, services
from waitlist.errors import AlreadyOnWaitlist, SeatsAvailable, WaitlistClosed
from waitlist.models import Entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold_out(db):
    """A 4-seat show, every seat booked by `buyer`."""
    show = ShowFactory(total_seats=4)
    buyer = UserFactory()
    bookings = [BookingFactory(show=show, user=buyer, seat_number=n) for n in range(1, 5)]
    return show, buyer, bookings


def _cancel(booking, capture):
    with capture(execute=True):
        booking_service.booking_cancel(user=booking.user, booking_id=booking.pk)


def test_joining_is_refused_while_the_seats_asked_for_are_on_sale():
    show = ShowFactory(total_seats=4)
    BookingFactory(show=show, seat_number=1)
    with pytest.raises(SeatsAvailable):
        services.join(user=UserFactory(), show_id=show.pk, seats=3)
    # Four seats are more than are left: the party of four may wait.
    entry = services.join(user=UserFactory(), show_id=show.pk, seats=4)
    assert entry.status == Entry.Status.WAITING


def test_join_twice_and_closed_list_are_refused(sold_out):
    show, _, _ = sold_out
    user = UserFactory()
    services.join(user=user, show_id=show.pk, seats=1)
    with pytest.raises(AlreadyOnWaitlist):
        services.join(user=user, show_id=show.pk, seats=2)
    services.close(show_id=show.pk)
    with pytest.raises(WaitlistClosed):
        services.join(user=UserFactory(), show_id=show.pk, seats=1)
    assert Entry.objects.get(user=user).status == Entry.Status.CLOSED


def test_a_cancelled_seat_is_offered_to_the_first_in_line_as_their_hold_with_a_mail(
        sold_out, django_capture_on_commit_callbacks, settings):
    settings.WAITLIST_OFFER_MINUTES = 30
    settings.SITE_URL = "https://tickets.example.com"
    show, _, bookings = sold_out
    first, second = UserFactory(), UserFactory()
    e1 = services.join(user=first, show_id=show.pk, seats=1)
    e2 = services.join(user=second, show_id=show.pk, seats=1)

    before = timezone.now()
    _cancel(bookings[2], django_capture_on_commit_callbacks)

    e1.refresh_from_db()
    e2.refresh_from_db()
    assert (e1.status, e2.status) == ("offered", "waiting")
    hold = Hold.objects.get(pk=e1.hold_id)
    assert hold.user == first and hold.seat_numbers == [3]
    assert before + timedelta(minutes=30) <= hold.expires_at <= timezone.now() + timedelta(minutes=30)
    assert e1.offer_expires_at == hold.expires_at
    mail = OutboxMessage.objects.get(kind="waitlist_offer")
    assert mail.to == first.email
    assert f"https://tickets.example.com/checkout/{hold.pk}/" in mail.body_text
    # The customer sees it as the API shows it, and in /my-holds/.
    body = client_for(first).get("/my-waitlist/").json()
    assert body[0]["status"] == "offered" and body[0]["hold_id"] == hold.pk and body[0]["position"] is None
    assert [h["id"] for h in client_for(first).get("/my-holds/").json()] == [hold.pk]
    assert client_for(second).get("/my-waitlist/").json()[0]["position"] == 1


def test_the_offer_never_outlasts_the_show(django_capture_on_commit_callbacks, settings):
    settings.WAITLIST_OFFER_MINUTES = 30
    show = ShowFactory(total_seats=1, date_time=timezone.now() + timedelta(minutes=10))
    booking = BookingFactory(show=show, seat_number=1)
    entry = services.join(user=UserFactory(), show_id=show.pk, seats=1)
    _cancel(booking, django_capture_on_commit_callbacks)
    entry.refresh_from_db()
    assert entry.offer_expires_at == show.date_time


def test_an_entry_that_needs_more_seats_keeps_its_place_and_those_behind_are_served(
        sold_out, django_capture_on_commit_callbacks):
    show, _, bookings = sold_out
    pair = services.join(user=UserFactory(), show_id=show.pk, seats=2)
    single = services.join(user=UserFactory(), show_id=show.pk, seats=1)
    _cancel(bookings[0], django_capture_on_commit_callbacks)
    pair.refresh_from_db()
    single.refresh_from_db()
    assert (pair.status, single.status) == ("waiting", "offered")
    # Two more seats come back: the pair, first in line, gets them side by side.
    _cancel(bookings[2], django_capture_on_commit_callbacks)
    _cancel(bookings[3], django_capture_on_commit_callbacks)
    pair.refresh_from_db()
    assert pair.status == "offered" and Hold.objects.get(pk=pair.hold_id).seat_numbers == [3, 4]


def test_an_offer_not_taken_passes_to_the_next(sold_out, django_capture_on_commit_callbacks, settings):
    settings.WAITLIST_OFFER_MINUTES = 30
    show, _, bookings = sold_out
    e1 = services.join(user=UserFactory(), show_id=show.pk, seats=1)
    e2 = services.join(user=UserFactory(), show_id=show.pk, seats=1)
    _cancel(bookings[0], django_capture_on_commit_callbacks)
    later = timezone.now() + timedelta(minutes=31)
    # Before the sweep writes it down, the customer already reads "expired".
    assert selectors.entry_list_for_user(user=e1.user, now=later)[0].status == "expired"
    assert services.offer_sweep(now=later) == 1
    e1.refresh_from_db()
    e2.refresh_from_db()
    assert (e1.status, e2.status) == ("expired", "offered")
    assert Hold.objects.get(pk=e2.hold_id).seat_numbers == [1]


def test_leaving_with_an_offer_declines_it_and_the_next_is_offered(sold_out, django_capture_on_commit_callbacks):
    show, _, bookings = sold_out
    e1 = services.join(user=UserFactory(), show_id=show.pk, seats=1)
    e2 = services.join(user=UserFactory(), show_id=show.pk, seats=1)
    _cancel(bookings[1], django_capture_on_commit_callbacks)
    e1.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(e1.user).delete(f"/waitlist/{e1.pk}/")
    assert response.status_code == 204
    e1.refresh_from_db()
    e2.refresh_from_db()
    assert e1.status == "left" and not Hold.objects.filter(pk=e1.hold_id).exists()
    assert e2.status == "offered" and Hold.objects.get(pk=e2.hold_id).seat_numbers == [2]
    # Someone else's entry: 404.
    assert client_for(UserFactory()).delete(f"/waitlist/{e2.pk}/").status_code == 404


def test_an_offer_bought_through_an_order_is_accepted(sold_out, django_capture_on_commit_callbacks):
    show, _, bookings = sold_out
    set_seat_prices("12.50", show)
    entry = services.join(user=UserFactory(), show_id=show.pk, seats=1)
    _cancel(bookings[0], django_capture_on_commit_callbacks)
    entry.refresh_from_db()
    order = order_services.order_create(user=entry.user, hold_id=entry.hold_id, payment_method="box_office")
    assert services.offer_outcomes([Entry.objects.select_related("waiting_list").get(pk=entry.pk)],
                                   now=timezone.now()) == {entry.pk: "offered"}
    staff = UserFactory(is_staff=True)
    order_services.order_mark_paid(order_id=order.pk, staff_user=staff)
    services.offer_returned_seats(show_id=show.pk)
    entry.refresh_from_db()
    assert entry.status == "accepted"
    assert Booking.objects.filter(user=entry.user, show=show, status="booked").count() == 1


def test_unblocked_seats_are_offered_in_the_category_waited_for(django_capture_on_commit_callbacks):
    show = ShowFactory(total_seats=4)
    ShowSeat.objects.filter(show=show, number__in=[1, 2]).update(category="premium")
    catalog.seats_block(show_id=show.pk, seat_numbers=[1, 2, 3, 4])
    standard = services.join(user=UserFactory(), show_id=show.pk, seats=1, category="standard")
    premium = services.join(user=UserFactory(), show_id=show.pk, seats=1, category="premium")
    with django_capture_on_commit_callbacks(execute=True):
        catalog.seats_unblock(show_id=show.pk, seat_numbers=[2])
    standard.refresh_from_db()
    premium.refresh_from_db()
    assert (standard.status, premium.status) == ("waiting", "offered")
    assert Hold.objects.get(pk=premium.hold_id).seat_numbers == [2]


def test_a_released_hold_is_offered(django_capture_on_commit_callbacks):
    show = ShowFactory(total_seats=2)
    holder = UserFactory()
    hold = hold_service.hold_create(user=holder, show_id=show.pk, seat_numbers=[1, 2])
    entry = services.join(user=UserFactory(), show_id=show.pk, seats=2)
    with django_capture_on_commit_callbacks(execute=True):
        hold_service.hold_release(user=holder, hold_id=hold.pk)
    entry.refresh_from_db()
    assert entry.status == "offered"


def test_the_offer_mail_is_in_the_customers_language(sold_out, django_capture_on_commit_callbacks):
    show, _, bookings = sold_out
    customer = UserFactory()
    Account.objects.update_or_create(user=customer, defaults={"language": "es"})
    customer = type(customer).objects.get(pk=customer.pk)
    services.join(user=customer, show_id=show.pk, seats=1)
    _cancel(bookings[0], django_capture_on_commit_callbacks)
    mail = OutboxMessage.objects.get(kind="waitlist_offer")
    assert mail.language == "es"
    assert "Asientos para usted" in mail.subject


# --- The API ----------------------------------------------------------------------------------------------
def test_api_join_answers_the_entry_and_409_while_seats_are_on_sale(sold_out):
    show, _, _ = sold_out
    client = client_for(UserFactory())
    response = client.post(f"/shows/{show.pk}/waitlist/", {"seats": 2}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("position", "seats", "status")} == {"position": 1, "seats": 2, "status": "waiting"}
    assert "hold_id" not in body
    assert client.post(f"/shows/{show.pk}/waitlist/", {"seats": 2}, format="json").json()["code"] == \
        "already_on_waitlist"
    open_show = ShowFactory(total_seats=4)
    refused = client.post(f"/shows/{open_show.pk}/waitlist/", {"seats": 2}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "seats_available")
    bad = client.post(f"/shows/{show.pk}/waitlist/", {"seats": 1, "category": "balcony"}, format="json")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_category")
    assert client.post(f"/shows/{show.pk}/waitlist/", {"seats": 0}, format="json").status_code == 400
    assert client_for(None).post(f"/shows/{show.pk}/waitlist/", {"seats": 1}, format="json").status_code == 401


def test_api_staff_see_the_list_with_seats_and_revenue_and_a_manager_closes_it(sold_out):
    show, _, _ = sold_out
    show.prices = {"standard": "12.50"}
    show.save()
    services.join(user=UserFactory(), show_id=show.pk, seats=2)
    services.join(user=UserFactory(), show_id=show.pk, seats=3)
    box_office = UserFactory()
    box_office.groups.add(Group.objects.get_or_create(name="box_office")[0])
    manager = UserFactory()
    manager.groups.add(Group.objects.get_or_create(name="manager")[0])

    assert client_for(UserFactory()).get(f"/shows/{show.pk}/waitlist/").status_code == 403
    body = client_for(box_office).get(f"/shows/{show.pk}/waitlist/").json()
    assert (body["waiting_entries"], body["waiting_seats"], body["revenue"]) == (2, 5, "62.50")
    assert [e["position"] for e in body["entries"]] == [1, 2]
    assert client_for(box_office).post(f"/shows/{show.pk}/waitlist/close/").status_code == 403
    closed = client_for(manager).post(f"/shows/{show.pk}/waitlist/close/")
    assert closed.status_code == 200 and closed.json()["closed"] is True and closed.json()["waiting_seats"] == 0


def test_admin_lists_waiting_lists_and_closes_them(sold_out, admin_client):
    show, _, _ = sold_out
    services.join(user=UserFactory(), show_id=show.pk, seats=2)
    page = admin_client.get("/admin/waitlist/waitinglist/")
    assert page.status_code == 200 and b"1 entries, 2 seats" in page.content
    waiting_list = show.waiting_list
    response = admin_client.post("/admin/waitlist/waitinglist/", {"action": "close",
                                                                  "_selected_action": [waiting_list.pk]})
    assert response.status_code == 302
    waiting_list.refresh_from_db()
    assert waiting_list.is_closed


def test_a_cancelled_show_closes_its_list(sold_out, django_capture_on_commit_callbacks):
    show, _, _ = sold_out
    entry = services.join(user=UserFactory(), show_id=show.pk, seats=1)
    with django_capture_on_commit_callbacks(execute=True):
        catalog.show_cancel(show_id=show.pk)
    entry.refresh_from_db()
    assert entry.status == "closed"


def test_a_deleted_account_leaves_every_list(sold_out, django_capture_on_commit_callbacks):
    show, _, bookings = sold_out
    gone, next_in_line = UserFactory(), UserFactory()
    services.join(user=gone, show_id=show.pk, seats=1)
    services.join(user=next_in_line, show_id=show.pk, seats=1)
    _cancel(bookings[0], django_capture_on_commit_callbacks)
    assert Entry.objects.get(user=gone).status == "offered"
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(gone).delete("/me").status_code in (200, 204)
    assert Entry.objects.get(user=gone).status == "left"
    # Its offer was released, and passed on.
    assert Entry.objects.get(user=next_in_line).status == "offered"


def test_seats_of_a_hold_that_ran_out_are_offered_by_the_sweep_and_the_command():
    show = ShowFactory(total_seats=2)
    holder = UserFactory()
    hold = hold_service.hold_create(user=holder, show_id=show.pk, seat_numbers=[1, 2])
    first = services.join(user=UserFactory(), show_id=show.pk, seats=1)
    second = services.join(user=UserFactory(), show_id=show.pk, seats=1)
    # Before the hold ends nothing is free: nothing to offer.
    assert services.offer_sweep() == 0
    assert services.offer_sweep(now=hold.expires_at + timedelta(seconds=1)) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("offered", "offered")
    assert sorted(Hold.objects.get(pk=e.hold_id).seat_numbers[0] for e in (first, second)) == [1, 2]


def test_the_command_runs_the_sweep(sold_out):
    from io import StringIO

    from django.core.management import call_command

    show, _, bookings = sold_out
    services.join(user=UserFactory(), show_id=show.pk, seats=1)
    # Freed without the after-commit offer (as a crash between commit and offer would leave it).
    ShowSeat.objects.filter(show=show, number=4).update(state="free")
    out = StringIO()
    call_command("offer_waitlist_seats", stdout=out)
    assert "Offers made: 1" in out.getvalue()


def test_after_an_offer_lapses_the_customer_may_join_again_before_any_sweep(
        sold_out, django_capture_on_commit_callbacks, settings):
    settings.WAITLIST_OFFER_MINUTES = 30
    show, _, bookings = sold_out
    lapsed = services.join(user=UserFactory(), show_id=show.pk, seats=1)
    _cancel(bookings[0], django_capture_on_commit_callbacks)
    later = timezone.now() + timedelta(minutes=31)
    # Someone else takes the seat the lapsed offer gave back: sold out again.
    hold_service.hold_create(user=UserFactory(), show_id=show.pk, seat_numbers=[1], now=later)

    again = services.join(user=lapsed.user, show_id=show.pk, seats=1, now=later)

    lapsed.refresh_from_db()
    assert (lapsed.status, again.status) == ("expired", "waiting")


def test_offers_of_a_closed_list_are_still_written_down_when_they_lapse(
        sold_out, django_capture_on_commit_callbacks, settings):
    settings.WAITLIST_OFFER_MINUTES = 30
    show, _, bookings = sold_out
    entry = services.join(user=UserFactory(), show_id=show.pk, seats=1)
    _cancel(bookings[0], django_capture_on_commit_callbacks)
    services.close(show_id=show.pk)

    assert services.offer_sweep(now=timezone.now() + timedelta(minutes=31)) == 0

    entry.refresh_from_db()
    assert entry.status == "expired"
