"""The hold services against the real database, with `now` passed in: expiry boundaries, lazy clean-up, command."""
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from common.models import IdempotencyKey
from core.errors import HoldExpired, HoldNotFound, SeatsUnavailable, ShowStarted
from core.models import Booking, Hold, HoldSeat
from core.services import booking as booking_service
from core.services import holds as hold_service
from core.services.seats import SeatClasses
from tests.factories import ShowFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0)


@pytest.fixture
def show(db):
    return ShowFactory(date_time=T0 + timedelta(days=1), total_seats=20)


class TestExpiry:
    def test_expires_at_is_now_plus_the_setting(self, user, show):
        hold = hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[1], now=T0)

        assert hold.expires_at == T0 + timedelta(minutes=8)
        assert hold.created_at == T0

    @override_settings(SEAT_HOLD_MINUTES=2)
    def test_setting_changes_the_length(self, user, show):
        assert hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[1], now=T0).expires_at == \
            T0 + timedelta(minutes=2)

    def test_confirm_just_before_expiry_books(self, user, show):
        hold = hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[2, 1], now=T0)

        bookings = hold_service.hold_confirm(user=user, hold_id=hold.id,
                                             now=hold.expires_at - timedelta(microseconds=1))

        assert [b.seat_number for b in bookings] == [1, 2]
        assert not Hold.objects.exists()

    def test_confirm_at_the_expiry_instant_is_expired(self, user, show):
        hold = hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[1], now=T0)

        with pytest.raises(HoldExpired):
            hold_service.hold_confirm(user=user, hold_id=hold.id, now=hold.expires_at)
        assert not Booking.objects.exists()
        # The failed confirm changed nothing: the hold row is still there for the clean-up to delete.
        assert HoldSeat.objects.filter(hold=hold).exists()

    def test_confirm_after_the_show_started_is_refused(self, user):
        # A hold never outlives the show's start, so the expiry answers first: the seats are not booked either way.
        show = ShowFactory(date_time=T0 + timedelta(minutes=5))
        hold = hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[1], now=T0)
        assert hold.expires_at == show.date_time

        with pytest.raises(HoldExpired):
            hold_service.hold_confirm(user=user, hold_id=hold.id, now=show.date_time)

    def test_hold_at_the_show_start_is_refused(self, user, show):
        with pytest.raises(ShowStarted):
            hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[1], now=show.date_time)

    def test_another_user_gets_the_seats_the_moment_the_hold_expires(self, user, other_user, show):
        hold = hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[1, 2], now=T0)

        with pytest.raises(SeatsUnavailable):
            hold_service.hold_create(user=other_user, show_id=show.id, seat_numbers=[2],
                                     now=hold.expires_at - timedelta(microseconds=1))
        theirs = hold_service.hold_create(user=other_user, show_id=show.id, seat_numbers=[2], now=hold.expires_at)

        assert theirs.seat_numbers == [2]
        # The expired hold lost its seat rows (they blocked the unique index), not its own row.
        assert Hold.objects.get(pk=hold.pk).seat_numbers == []
        with pytest.raises(HoldExpired):
            hold_service.hold_confirm(user=user, hold_id=hold.id, now=hold.expires_at)


class TestRequestsWithDifferentClocks:
    """Each request judges expiry by its own `now`; whichever takes the show lock first decides (see the races)."""

    def test_confirm_that_arrived_before_expiry_but_runs_after_a_booking_is_refused(self, user, other_user, show):
        hold = hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[1, 2], now=T0)
        booking_service.booking_create(user=other_user, show_id=show.id, seat_number=2, now=hold.expires_at)

        with pytest.raises(SeatsUnavailable) as raised:
            hold_service.hold_confirm(user=user, hold_id=hold.id, now=hold.expires_at - timedelta(milliseconds=1))

        assert raised.value.extra == {"seats": [2]}
        assert list(Booking.objects.values_list("user_id", "seat_number")) == [(other_user.pk, 2)]

    def test_confirm_that_arrived_before_expiry_but_runs_after_a_new_hold_is_expired(self, user, other_user, show):
        hold = hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[1, 2], now=T0)
        hold_service.hold_create(user=other_user, show_id=show.id, seat_numbers=[2], now=hold.expires_at)

        with pytest.raises(HoldExpired):
            hold_service.hold_confirm(user=user, hold_id=hold.id, now=hold.expires_at - timedelta(milliseconds=1))

        assert not Booking.objects.exists()


class TestReleaseExpiredHolds:
    def test_deletes_only_expired_holds_and_is_repeatable(self, user, other_user, show):
        old = hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[1, 2], now=T0)
        other_show = ShowFactory(date_time=T0 + timedelta(days=1))
        old_elsewhere = hold_service.hold_create(user=other_user, show_id=other_show.id, seat_numbers=[1], now=T0)
        live = hold_service.hold_create(user=other_user, show_id=show.id, seat_numbers=[3],
                                        now=T0 + timedelta(minutes=5))
        at = T0 + timedelta(minutes=8)

        assert hold_service.release_expired_holds(now=at) == 2
        assert hold_service.release_expired_holds(now=at) == 0
        assert list(Hold.objects.all()) == [live]
        assert not HoldSeat.objects.filter(hold_id__in=[old.pk, old_elsewhere.pk]).exists()
        with pytest.raises(HoldNotFound):
            hold_service.hold_confirm(user=user, hold_id=old.id, now=at)

    def test_management_command(self, user, show):
        hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[1],
                                 now=timezone.now() - timedelta(minutes=10))
        hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[2])
        IdempotencyKey.objects.create(user=user, key="old", request_fingerprint="x",
                                      created_at=timezone.now() - timedelta(hours=25))
        IdempotencyKey.objects.create(user=user, key="new", request_fingerprint="x", created_at=timezone.now())
        out = StringIO()

        call_command("release_expired_holds", stdout=out)

        assert out.getvalue().strip() == "Deleted 1 expired hold(s) and 1 expired idempotency key(s)."
        assert list(HoldSeat.objects.values_list("seat_number", flat=True)) == [2]
        assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


class TestBookingConsumesHolds:
    def test_multi_seat_booking_takes_own_seats_out_of_several_holds(self, user, show):
        first = hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[1, 2], now=T0)
        second = hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[3, 4], now=T0)

        booking_service.booking_create_many(user=user, show_id=show.id, seat_numbers=[2, 3, 4, 5], now=T0)

        assert list(Hold.objects.all()) == [first]
        assert first.seat_numbers == [1]
        assert not Hold.objects.filter(pk=second.pk).exists()

    def test_own_expired_hold_is_not_consumed_but_does_not_block(self, user, show):
        old = hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[1], now=T0)

        booking_service.booking_create(user=user, show_id=show.id, seat_number=1, now=T0 + timedelta(minutes=9))

        assert HoldSeat.objects.filter(hold=old).exists()
        assert Booking.objects.get().seat_number == 1


class TestDatabaseBackstop:
    def test_a_seat_cannot_be_in_two_hold_rows(self, user, other_user, show):
        hold = hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[1], now=T0)
        other = Hold.objects.create(user=other_user, show=show, created_at=T0, expires_at=T0 + timedelta(minutes=1))

        with pytest.raises(IntegrityError), transaction.atomic():
            HoldSeat.objects.create(hold=other, show=show, seat_number=1)
        assert hold.seat_numbers == [1]

    def test_hold_must_expire_after_it_was_created(self, user, show):
        with pytest.raises(IntegrityError), transaction.atomic():
            Hold.objects.create(user=user, show=show, created_at=T0, expires_at=T0)

    def test_duplicate_key_per_user_is_refused(self, user, other_user):
        IdempotencyKey.objects.create(user=user, key="k", request_fingerprint="x", created_at=T0)
        IdempotencyKey.objects.create(user=other_user, key="k", request_fingerprint="x", created_at=T0)

        with pytest.raises(IntegrityError), transaction.atomic():
            IdempotencyKey.objects.create(user=user, key="k", request_fingerprint="y", created_at=T0)

    def test_constraint_violation_past_the_lock_is_a_clean_409(self, user, other_user, show, caplog):
        """If a hold seat were written without the lock check, the unique index refuses it and the client gets 409."""
        theirs = hold_service.hold_create(user=other_user, show_id=show.id, seat_numbers=[5], now=T0)
        real = hold_service.classify
        with pytest.MonkeyPatch.context() as patch:
            # Simulate a check that missed the other hold (as a writer skipping the lock would).
            patch.setattr(hold_service, "classify",
                          lambda seats, user, now: SeatClasses(list(seats), [], [], [], []))
            with pytest.raises(SeatsUnavailable) as raised:
                hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[4, 5], now=T0)
        assert raised.value.extra == {"seats": [4, 5]}
        assert "held twice past the lock" in caplog.text
        assert list(Hold.objects.all()) == [theirs]
        assert real is hold_service.classify


class TestAdmin:
    def test_admin_lists_holds_read_only_and_show_availability_counts_them(self, client, user, show):
        superuser = UserFactory(is_staff=True, is_superuser=True)
        client.force_login(superuser)
        hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[3, 4])

        holds_page = client.get("/admin/core/hold/")
        shows_page = client.get("/admin/core/show/")

        assert holds_page.status_code == 200
        assert "3, 4" in holds_page.content.decode()
        assert client.get("/admin/core/hold/add/").status_code == 403
        assert '<td class="field-available_seats">18</td>' in shows_page.content.decode()
