"""Two staff putting one show in two on-sales at the same moment (real threads, PostgreSQL: `postgres_only`): the
show's row is locked while the first is checked and saved, so the second is refused; the control removes the lock
and sees both go through, so the show would sell through two waiting rooms."""
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from onsales import services
from onsales.errors import ShowsAlreadyGated
from onsales.models import OnSale
from tests.concurrency_helpers import calls_meet, run_concurrently
from tests.factories import ShowFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]


def _checks_meet_each_other():
    """Make the two checks read which shows are taken at the same moment (a barrier in front of the read). Under
    the show lock only one is ever there: it waits out the timeout and goes on alone."""
    return calls_meet(services, "_shows_gated", 2)


def _create(show):
    def create():
        try:
            services.onsale_create(shows=[show.pk], opens_at=timezone.now() + timedelta(hours=1),
                                   admit_per_minute=60, pass_minutes=10)
            return 201
        except ShowsAlreadyGated:
            return 409
    return create


def test_one_show_put_in_two_onsales_at_once_ends_in_one():
    show = ShowFactory(total_seats=4)

    with _checks_meet_each_other():
        outcome = run_concurrently([_create(show), _create(show)])

    assert not outcome.errors, outcome.errors
    assert sorted(outcome.statuses) == [201, 409]
    assert OnSale.objects.filter(shows=show, enabled=True).count() == 1


def test_control_without_the_show_lock_both_go_through():
    show = ShowFactory(total_seats=4)

    with _checks_meet_each_other(), mock.patch.object(services, "_lock_shows", lambda show_ids: None):
        outcome = run_concurrently([_create(show), _create(show)])

    assert not outcome.errors, outcome.errors
    assert sorted(outcome.statuses) == [201, 201]
    assert OnSale.objects.filter(shows=show, enabled=True).count() == 2
