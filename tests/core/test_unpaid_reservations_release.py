"""An unpaid reservation ends: the customer is reminded RESERVATION_REMINDER_HOURS before the collection deadline
(core.reservations.collect_by) and, if still unpaid then, its seats are released and the customer told, in their
language (core.services.reservations, through core.signals and notifications' receivers into the outbox)."""
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Account
from core.models import Booking, ShowSeat
from core.reservations import collect_by
from core.services.booking import booking_create
from core.services.reservations import unpaid_reservations_upkeep
from notifications.models import OutboxMessage
from tests.factories import ShowFactory, UserFactory
from tests.seat_prices import set_seat_prices

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("settings_for_release")]


@pytest.fixture
def settings_for_release(settings):
    settings.RESERVATION_RELEASE_MINUTES = 30
    settings.RESERVATION_REMINDER_HOURS = 6


@pytest.fixture
def show():
    show = ShowFactory(total_seats=10, date_time=timezone.now() + timedelta(days=2))
    set_seat_prices("9.50", show)
    return show


def mails(kind):
    return list(OutboxMessage.objects.filter(kind=kind))


def test_reminded_once_before_the_deadline_then_released_at_it(show):
    user = UserFactory()
    Account.objects.filter(user=user).update(language="es")
    booked = [booking_create(user=user, show_id=show.pk, seat_number=n, now=timezone.now()) for n in (1, 2)]
    deadline = collect_by(show.date_time)
    assert deadline == show.date_time - timedelta(minutes=30)

    # Too early for either.
    assert unpaid_reservations_upkeep(now=deadline - timedelta(hours=6, seconds=1)) == (0, 0)
    # The reminder, once, in the customer's language, naming the deadline.
    assert unpaid_reservations_upkeep(now=deadline - timedelta(hours=6)) == (2, 0)
    assert unpaid_reservations_upkeep(now=deadline - timedelta(hours=1)) == (0, 0)
    [reminder] = mails("reservation_reminder")
    assert reminder.to == user.email and reminder.language == "es"
    assert "Por favor, paga tus butacas reservadas en la taquilla" in reminder.body_text
    # Still unpaid a moment before the deadline: kept.
    assert unpaid_reservations_upkeep(now=deadline - timedelta(seconds=1)) == (0, 0)
    assert Booking.objects.filter(pk__in=[b.pk for b in booked], status="booked").count() == 2

    assert unpaid_reservations_upkeep(now=deadline) == (0, 2)

    assert set(Booking.objects.filter(pk__in=[b.pk for b in booked]).values_list("status", flat=True)) == {"cancelled"}
    assert set(ShowSeat.objects.filter(show=show, number__in=[1, 2]).values_list("state", flat=True)) == {"free"}
    [released] = mails("reservation_released")
    assert released.to == user.email and released.language == "es"
    # Done once: a second run finds nothing, and the seats can be booked again.
    assert unpaid_reservations_upkeep(now=deadline + timedelta(minutes=1)) == (0, 0)
    assert booking_create(user=UserFactory(), show_id=show.pk, seat_number=1, now=deadline).status == "booked"


def test_paid_free_and_other_shows_reservations_are_left_alone(show):
    user = UserFactory()
    unpaid = booking_create(user=user, show_id=show.pk, seat_number=1)
    paid = booking_create(user=user, show_id=show.pk, seat_number=2)
    Booking.objects.filter(pk=paid.pk).update(payment_status="paid")
    free_show = ShowFactory(total_seats=5, date_time=show.date_time)
    free = booking_create(user=user, show_id=free_show.pk, seat_number=1)
    later_show = ShowFactory(total_seats=5, date_time=show.date_time + timedelta(days=3))
    set_seat_prices("9.50", later_show)
    later = booking_create(user=user, show_id=later_show.pk, seat_number=1)

    assert unpaid_reservations_upkeep(now=collect_by(show.date_time)) == (0, 1)

    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert (statuses[unpaid.pk], statuses[paid.pk], statuses[free.pk], statuses[later.pk]) == (
        "cancelled", "booked", "booked", "booked")


def test_the_management_command_does_the_same(show, settings):
    settings.RESERVATION_REMINDER_HOURS = 0
    booking = booking_create(user=UserFactory(), show_id=show.pk, seat_number=3)
    # The command runs at the real time: move the show so its deadline has passed.
    type(show).objects.filter(pk=show.pk).update(date_time=timezone.now() + timedelta(minutes=10))
    call_command("release_unpaid_reservations")
    assert Booking.objects.get(pk=booking.pk).status == "cancelled"
    assert not mails("reservation_reminder") and len(mails("reservation_released")) == 1
