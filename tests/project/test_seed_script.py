"""seed_script.py loads two cinemas, three screens, four movies and a week of priced shows, any number of times."""
from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import Movie, Show, ShowSeat
from seed_script import seed
from venues.models import Cinema, Screen, TicketType

pytestmark = pytest.mark.django_db

SHOWS_PER_WEEK = 7 * 5  # five programme slots (Salle 1: 2, Lounge: 1, Screen 2: 2), seven days


def test_loads_the_sample_programme():
    now = timezone.now()

    assert seed(now=now) == (4, SHOWS_PER_WEEK)

    assert {"Inception", "Interstellar"} <= set(Movie.objects.values_list("title", flat=True))
    assert sorted(Cinema.objects.values_list("city", flat=True)) == ["Manchester", "Paris"]
    sizes = {screen.name: screen.seat_count for screen in Screen.objects.all()}
    assert sizes == {"Salle 1": 120, "Screen 2": 60, "Lounge": 14}
    hall_show = Show.objects.filter(screen__name="Salle 1").first()
    seats = ShowSeat.objects.filter(show=hall_show)
    assert seats.count() == 120
    assert seats.filter(wheelchair=True).count() == 2 and seats.filter(companion=True).count() == 2
    assert seats.filter(category="premium").count() == 24
    assert hall_show.prices["premium"] == {"adult": "18.00", "child": "13.00", "senior": "15.00", "student": "15.50"}
    assert hall_show.prices["companion"] == "6.00"  # a category that sells only Adult
    kinds = {t.code: (t.name_in("es"), t.name_in("hi"), t.max_age, t.proof_required)
             for t in TicketType.objects.filter(cinema=hall_show.screen.cinema)}
    assert kinds == {"child": ("Niño", "बच्चा", 14, False), "senior": ("Mayor de 65", "वरिष्ठ नागरिक", None, True),
                     "student": ("Estudiante", "छात्र", None, True)}
    for show in Show.objects.all():
        assert timezone.is_aware(show.date_time)
        assert show.date_time > now


def test_running_twice_duplicates_nothing():
    now = timezone.now()
    seed(now=now)

    assert seed(now=now) == (0, 0)
    assert (Movie.objects.count(), Show.objects.count(), Screen.objects.count()) == (4, SHOWS_PER_WEEK, 3)


def test_a_later_run_tops_up_the_new_days():
    now = timezone.now()
    seed(now=now)

    # A day later the programme gains the new seventh day's shows; nothing is duplicated.
    assert seed(now=now + timedelta(days=1)) == (0, 5)


def test_the_sample_movies_get_generated_posters_once():
    from moviemedia.models import MovieMedia

    seed()
    first = {m.movie_id: dict(m.renditions) for m in MovieMedia.objects.all()}
    assert len(first) == 4 and all(sorted(r, key=int) == ["160", "320", "640"] for r in first.values())
    seed()
    assert {m.movie_id: dict(m.renditions) for m in MovieMedia.objects.all()} == first
