"""seed_script.py loads upcoming, timezone-aware shows and can be run any number of times."""
from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import Movie, Show
from seed_script import seed

pytestmark = pytest.mark.django_db


def test_loads_the_sample_programme():
    now = timezone.now()

    assert seed(now=now) == (2, 4)

    assert set(Movie.objects.values_list("title", flat=True)) == {"Inception", "Interstellar"}
    for show in Show.objects.all():
        assert timezone.is_aware(show.date_time)
        assert show.date_time > now


def test_running_twice_duplicates_nothing():
    now = timezone.now()
    seed(now=now)

    assert seed(now=now) == (0, 0)
    assert (Movie.objects.count(), Show.objects.count()) == (2, 4)


def test_a_later_run_tops_up_shows_that_have_passed():
    now = timezone.now()
    seed(now=now)

    # A week later every sample show is in the past: each screen gets a new upcoming show, movies are kept.
    assert seed(now=now + timedelta(days=7)) == (0, 4)
    assert Show.objects.filter(date_time__gt=now + timedelta(days=7)).count() == 4
