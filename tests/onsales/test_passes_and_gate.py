"""The pass and the gate: only the admitted account, for its on-sale, before its pass expires, holds or books a
seat of the on-sale's shows; forged, borrowed, expired and other on-sales' passes are refused."""
from datetime import timedelta

import pytest
from django.core import signing
from django.db import transaction
from django.utils import timezone

from core.services import booking, holds
from onsales import gate, passes, services
from onsales.errors import QueueRequired
from tests.factories import ShowFactory


def _admitted_pass(onsale, user, *, at):
    services.queue_join(onsale=onsale, user=user, now=onsale.opens_at - timedelta(minutes=1))
    status = services.queue_status(onsale=onsale, user=user, now=at)
    assert status.status == "admitted"
    return status.queue_pass


@pytest.mark.django_db
def test_the_admitted_account_books_with_its_pass_and_nobody_without(onsale, show, user, other_user):
    at = onsale.opens_at + timedelta(seconds=1)
    token = _admitted_pass(onsale, user, at=at)
    with pytest.raises(QueueRequired) as refused:
        booking.booking_create(user=user, show_id=show.pk, seat_number=1, now=at)
    assert refused.value.extra == {"onsale": onsale.pk, "queue_url": f"/onsales/{onsale.pk}/queue/"}
    assert booking.booking_create(user=user, show_id=show.pk, seat_number=1, now=at, queue_pass=token).seat_number == 1
    assert holds.hold_create(user=user, show_id=show.pk, seat_numbers=[2], now=at, queue_pass=token)
    assert len(booking.booking_create_many(user=user, show_id=show.pk, seat_numbers=[3, 4], now=at,
                                           queue_pass=token)) == 2
    # Another account presenting it: refused, on every way to take a seat.
    with pytest.raises(QueueRequired):
        booking.booking_create(user=other_user, show_id=show.pk, seat_number=5, now=at, queue_pass=token)
    with pytest.raises(QueueRequired):
        holds.hold_create(user=other_user, show_id=show.pk, seat_numbers=[5], now=at, queue_pass=token)
    with pytest.raises(QueueRequired):
        booking.booking_create_many(user=other_user, show_id=show.pk, seat_numbers=[5], now=at, queue_pass=token)


@pytest.mark.django_db
def test_forged_expired_and_other_onsales_passes_are_refused(onsale, show, user, movie):
    at = onsale.opens_at + timedelta(seconds=1)
    token = _admitted_pass(onsale, user, at=at)
    expires_at = onsale.opens_at + timedelta(minutes=onsale.pass_minutes)
    other_show = ShowFactory(movie=movie, total_seats=10)
    other = services.onsale_create(shows=[other_show.pk], opens_at=onsale.opens_at, admit_per_minute=60,
                                   pass_minutes=10)
    value, signature = token.rsplit(":", 1)
    forged = [
        "",
        "not-a-pass",
        f"{value}:{signature[:-2]}xx",  # a broken signature
        # Claims of one's own choosing, signed with another salt (another signed value of the project) or a
        # wrong key: the signature does not match.
        signing.Signer(salt="another.salt").sign_object({"o": onsale.pk, "u": user.pk, "x": 2**40}),
        signing.Signer(key="not-the-secret", salt=passes.SALT).sign_object({"o": onsale.pk, "u": user.pk,
                                                                             "x": 2**40}),
        # A genuine pass with its payload edited to last longer.
        signing.Signer(salt=passes.SALT).sign_object({"o": onsale.pk, "u": user.pk, "x": 2**40}).split(":")[0]
        + ":" + signature,
        # A genuine pass of the same account for another on-sale.
        passes.pass_token(onsale_id=other.pk, user_id=user.pk, expires_at=expires_at),
    ]
    for candidate in forged:
        assert not passes.pass_valid(candidate, onsale_id=onsale.pk, user_id=user.pk, now=at), candidate
        with pytest.raises(QueueRequired):
            booking.booking_create(user=user, show_id=show.pk, seat_number=1, now=at, queue_pass=candidate)
    # This on-sale's pass for the other on-sale's show: refused too.
    with pytest.raises(QueueRequired) as refused:
        booking.booking_create(user=user, show_id=other_show.pk, seat_number=1, now=at, queue_pass=token)
    assert refused.value.extra["onsale"] == other.pk
    # Expired: valid until its expiry, refused from then on; and the line says so.
    assert passes.pass_valid(token, onsale_id=onsale.pk, user_id=user.pk, now=expires_at - timedelta(seconds=1))
    with pytest.raises(QueueRequired):
        booking.booking_create(user=user, show_id=show.pk, seat_number=1, now=expires_at, queue_pass=token)
    status = services.queue_status(onsale=onsale, user=user, now=expires_at)
    assert (status.status, status.queue_pass) == ("expired", None)


@pytest.mark.django_db
def test_the_pass_is_the_same_on_every_ask(onsale, user):
    """One pass per account: a reload or a second tab gets the same token, with the same expiry."""
    at = onsale.opens_at + timedelta(seconds=1)
    first = _admitted_pass(onsale, user, at=at)
    later = services.queue_status(onsale=onsale, user=user, now=at + timedelta(minutes=3))
    again, new = services.queue_join(onsale=onsale, user=user, now=at + timedelta(minutes=4))
    assert later.queue_pass == first == again.queue_pass and not new


@pytest.mark.django_db
def test_the_gate_lifts_when_disabled_or_closed_and_leaves_other_shows_alone(onsale, show, user, movie):
    at = onsale.opens_at + timedelta(seconds=1)
    free_show = ShowFactory(movie=movie, total_seats=10)
    assert booking.booking_create(user=user, show_id=free_show.pk, seat_number=1, now=at)
    with pytest.raises(QueueRequired):
        booking.booking_create(user=user, show_id=show.pk, seat_number=1, now=at)
    onsale.closes_at = at + timedelta(minutes=1)
    onsale.save()
    with pytest.raises(QueueRequired):
        booking.booking_create(user=user, show_id=show.pk, seat_number=1, now=at)
    assert booking.booking_create(user=user, show_id=show.pk, seat_number=1, now=onsale.closes_at)
    onsale.closes_at = None
    onsale.enabled = False
    onsale.save()
    assert booking.booking_create(user=user, show_id=show.pk, seat_number=2, now=at)


@pytest.mark.django_db
def test_a_show_sells_through_one_waiting_room_at_most(onsale, show):
    from onsales.errors import ShowsAlreadyGated

    with pytest.raises(ShowsAlreadyGated) as refused:
        services.onsale_create(shows=[show.pk], opens_at=onsale.opens_at, admit_per_minute=5, pass_minutes=5)
    assert refused.value.extra == {"shows": [show.pk]}
    assert services.onsale_create(shows=[show.pk], opens_at=onsale.opens_at, admit_per_minute=5, pass_minutes=5,
                                  enabled=False)


@pytest.mark.django_db
def test_a_gate_read_by_another_process_takes_effect_within_the_refresh_time(onsale, show, user, settings):
    """Another process learns of a change when its map is older than ONSALE_GATE_REFRESH_SECONDS."""
    from onsales import gate
    from onsales.models import OnSale

    at = onsale.opens_at + timedelta(seconds=1)
    assert gate.gating_onsale(show_id=show.pk, now=at) == onsale.pk
    # A change made elsewhere (no signal in this process): the map read a moment ago is kept...
    OnSale.objects.filter(pk=onsale.pk).update(enabled=False)
    assert gate.gating_onsale(show_id=show.pk, now=at) == onsale.pk
    # ...until it is older than the refresh time.
    settings.ONSALE_GATE_REFRESH_SECONDS = 0
    assert gate.gating_onsale(show_id=show.pk, now=at) is None


@pytest.mark.django_db
def test_a_sale_at_the_counter_is_past_the_gate(onsale, show, user):
    """The waiting room orders the online crowd; the person at the till is served without a pass."""
    from django.contrib.auth.models import Group

    from accounts.roles import BOX_OFFICE
    from tests.conftest import client_for

    cashier = type(user).objects.create_user("cashier-at-the-gate", password="x")
    cashier.groups.add(Group.objects.get_or_create(name=BOX_OFFICE)[0])
    at = onsale.opens_at + timedelta(seconds=1)
    with pytest.raises(QueueRequired):
        holds.hold_create(user=user, show_id=show.pk, seat_numbers=[7], now=at)

    response = client_for(cashier).post("/boxoffice/orders/", {"show_id": show.pk, "seats": [7, 8]}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "paid"


@pytest.mark.django_db
def test_a_map_read_before_the_new_onsale_commits_is_forgotten_when_it_commits(
        movie, django_capture_on_commit_callbacks):
    show = ShowFactory(movie=movie, total_seats=10)
    opens_at = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            onsale = services.onsale_create(shows=[show.pk], opens_at=opens_at, admit_per_minute=60,
                                            pass_minutes=10)
            # Another thread of this process reads the map now, before the commit: it sees no on-sale yet.
            gate.assume_none()

    assert gate.gating_onsale(show_id=show.pk, now=opens_at) == onsale.pk
