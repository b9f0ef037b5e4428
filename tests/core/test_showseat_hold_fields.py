"""A held seat names its hold and its expiry, any other seat neither (`showseat_hold_fields_match_state`); a hold
still named by held seats cannot be deleted (ShowSeat.hold is RESTRICT); migration 0008 repaired the older rows."""
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.db.models import RestrictedError
from django.utils import timezone

from core.models import Hold, HoldSeat, ShowSeat
from core.services import booking as booking_service
from core.services import catalog
from core.services import holds as hold_service
from tests.factories import ShowFactory, UserFactory

LATER = timedelta(minutes=5)


class TestConstraint:
    @pytest.mark.parametrize("state, with_hold, with_expiry", [
        ("held", True, False),   # held until when? (the case core.sellable would have to guess)
        ("held", False, True),   # held by no hold: nobody could ever confirm or pay for it
        ("held", False, False),
        ("free", True, False),   # a hold left behind on a seat that is not held
        ("free", False, True),
        ("booked", True, True),
        ("blocked", False, True),
    ])
    def test_the_database_refuses_a_seat_whose_hold_fields_do_not_match_its_state(self, user, show, state,
                                                                                     with_hold, with_expiry):
        hold = hold_service.hold_create(user=user, show_id=show.pk, seat_numbers=[1])
        seat = ShowSeat.objects.get(show=show, number=2)

        with pytest.raises(IntegrityError), transaction.atomic():
            ShowSeat.objects.filter(pk=seat.pk).update(state=state, hold=hold if with_hold else None,
                                                       held_until=timezone.now() + LATER if with_expiry else None)
        seat.refresh_from_db()
        assert (seat.state, seat.hold_id, seat.held_until) == ("free", None, None)

    def test_a_held_seat_with_its_hold_and_expiry_is_accepted(self, user, show):
        hold = hold_service.hold_create(user=user, show_id=show.pk, seat_numbers=[1])

        assert ShowSeat.objects.filter(show=show, number=2).update(state="held", hold=hold,
                                                                   held_until=hold.expires_at) == 1


class TestDeletingHolds:
    def test_a_hold_still_holding_seats_cannot_be_deleted_and_nothing_changes(self, user, show):
        hold = hold_service.hold_create(user=user, show_id=show.pk, seat_numbers=[3, 4])

        with pytest.raises(RestrictedError), transaction.atomic():
            Hold.objects.filter(pk=hold.pk).delete()
        assert Hold.objects.filter(pk=hold.pk).exists()
        assert list(ShowSeat.objects.filter(hold=hold).order_by("number").values_list("number", "state")) == [
            (3, "held"), (4, "held")]

    def test_released_first_it_can(self, user, show):
        hold = hold_service.hold_create(user=user, show_id=show.pk, seat_numbers=[3, 4])

        hold_service.hold_release(user=user, hold_id=hold.pk)

        assert not Hold.objects.filter(pk=hold.pk).exists()
        assert not ShowSeat.objects.filter(show=show).exclude(state="free").exists()

    def test_a_show_with_held_seats_is_deleted_with_its_seats_and_holds(self, user):
        show = ShowFactory(total_seats=10)
        hold_service.hold_create(user=user, show_id=show.pk, seat_numbers=[1, 2])

        catalog.show_delete(show_id=show.pk)  # the seats go by CASCADE in the same delete, which RESTRICT allows

        assert not ShowSeat.objects.filter(show_id=show.pk).exists()
        assert not Hold.objects.filter(show_id=show.pk).exists()
        assert not HoldSeat.objects.filter(show_id=show.pk).exists()

    def test_booking_an_own_held_seat_keeps_a_hold_whose_other_seats_still_name_it(self, user, other_user, show):
        hold = hold_service.hold_create(user=user, show_id=show.pk, seat_numbers=[1, 2, 3])
        # Just after the hold's end by one request's clock, another customer takes seat 1: the hold loses all
        # its hold seat rows, but seats 2 and 3 still say "held by it".
        hold_service.hold_create(user=other_user, show_id=show.pk, seat_numbers=[1],
                                 now=hold.expires_at + timedelta(seconds=1))
        # Just before it by the owner's: seat 2 is theirs to book, and the hold, though it has no hold seat row
        # left, still has seat 3. It stays (deleting it would leave seat 3 held by nothing), until it expires.
        booking_service.booking_create(user=user, show_id=show.pk, seat_number=2,
                                       now=hold.expires_at - timedelta(seconds=1))

        assert Hold.objects.filter(pk=hold.pk).exists()
        assert dict(ShowSeat.objects.filter(show=show, number__in=[2, 3]).values_list("number", "state")) == {
            2: "booked", 3: "held"}
        assert hold_service.release_expired_holds(now=hold.expires_at) == 1
        assert ShowSeat.objects.get(show=show, number=3).state == "free"

    def test_an_account_holding_seats_is_refused_by_the_admin_until_its_holds_are_released(self, admin_client, show):
        holder = UserFactory()
        hold = hold_service.hold_create(user=holder, show_id=show.pk, seat_numbers=[5])

        page = admin_client.get(f"/admin/auth/user/{holder.pk}/delete/")
        assert page.status_code == 200 and "Cannot delete user" in page.content.decode()
        admin_client.post(f"/admin/auth/user/{holder.pk}/delete/", {"post": "yes"})
        assert type(holder).objects.filter(pk=holder.pk).exists()

        hold_service.hold_release(user=holder, hold_id=hold.pk)
        admin_client.post(f"/admin/auth/user/{holder.pk}/delete/", {"post": "yes"})
        assert not type(holder).objects.filter(pk=holder.pk).exists()


# --- The migration -------------------------------------------------------------------------------------------------
BEFORE = [("core", "0007_idempotency_key_to_common")]
AFTER = [("core", "0008_showseat_hold_fields_match_state")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_repairs_every_old_state_then_refuses_them(migrator):
    apps = migrator.to(BEFORE)
    User, Movie, Show = apps.get_model("auth", "User"), apps.get_model("core", "Movie"), apps.get_model("core", "Show")
    Hold, ShowSeat = apps.get_model("core", "Hold"), apps.get_model("core", "ShowSeat")
    now = timezone.now()
    user = User.objects.create(username="old")
    show = Show.objects.create(movie=Movie.objects.create(title="Old", duration_minutes=90), screen_name="Screen 1",
                               date_time=now + timedelta(days=1), total_seats=9)
    live = Hold.objects.create(user=user, show=show, created_at=now, expires_at=now + LATER)
    expired = Hold.objects.create(user=user, show=show, created_at=now - timedelta(hours=1),
                                  expires_at=now - LATER)
    old_states = {
        # number: (state, hold, held_until)
        1: ("held", live, None),            # held, naming a live hold, no expiry
        2: ("held", expired, None),         # held, naming an expired hold, no expiry
        3: ("held", None, now + LATER),     # held by no hold (its hold deleted from under it by SET_NULL)
        4: ("held", None, None),
        5: ("free", live, now + LATER),     # not held, a hold and an expiry left behind
        6: ("booked", None, now - LATER),
        7: ("blocked", live, None),
        8: ("held", live, live.expires_at),  # valid: unchanged
        9: ("free", None, None),             # valid: unchanged
    }
    ShowSeat.objects.bulk_create([
        ShowSeat(show=show, number=number, label=str(number), row_label="A", row_index=0, column=number - 1,
                 category="standard", price=0, state=state, hold=hold, held_until=held_until)
        for number, (state, hold, held_until) in old_states.items()])

    apps = migrator.to(AFTER)
    ShowSeat = apps.get_model("core", "ShowSeat")

    repaired = {seat.number: (seat.state, seat.hold_id, seat.held_until)
                for seat in ShowSeat.objects.filter(show_id=show.pk)}
    assert repaired == {
        1: ("held", live.pk, live.expires_at),        # the hold says when it ends: held until then
        2: ("held", expired.pk, expired.expires_at),  # ... which has passed: sellable, as any expired hold's seat
        3: ("free", None, None),                      # no hold can be proven: free
        4: ("free", None, None),
        5: ("free", None, None),                      # the state is the truth; the leftovers are cleared
        6: ("booked", None, None),
        7: ("blocked", None, None),
        8: ("held", live.pk, live.expires_at),
        9: ("free", None, None),
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        ShowSeat.objects.filter(show_id=show.pk, number=9).update(state="held", hold_id=live.pk, held_until=None)
