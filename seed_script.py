"""Load the sample programme: Inception and Interstellar, each with upcoming shows.

Idempotent: run it any number of times; a movie is created once (by title), and a show is created on a screen
only when that movie has no upcoming show there yet, so a second run adds nothing and a run days later tops the
programme up with new upcoming shows instead of duplicating the old ones.

    python seed_script.py
"""
import os
from datetime import datetime, time, timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketing_system.settings")
django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.models import Movie, Show  # noqa: E402

MOVIES = [
    # title, duration, [(screen, days from today, local start time, seats)]
    ("Inception", 148, [("Screen 1", 1, time(19, 0), 50), ("Screen 2", 2, time(21, 30), 80)]),
    ("Interstellar", 169, [("Screen 3", 1, time(18, 30), 60), ("Screen 1", 3, time(20, 0), 50)]),
]


def seed(now: datetime | None = None) -> tuple[int, int]:
    """Create what is missing; return (movies created, shows created)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    movies_created = shows_created = 0
    with transaction.atomic():
        for title, duration, shows in MOVIES:
            movie, created = Movie.objects.get_or_create(title=title, defaults={"duration_minutes": duration})
            movies_created += created
            for screen, days_ahead, start, seats in shows:
                if Show.objects.filter(movie=movie, screen_name=screen, date_time__gt=now).exists():
                    continue
                starts_at = timezone.make_aware(datetime.combine(today + timedelta(days=days_ahead), start))
                Show.objects.create(movie=movie, screen_name=screen, date_time=starts_at, total_seats=seats)
                shows_created += 1
    return movies_created, shows_created


if __name__ == "__main__":
    movies, shows = seed()
    print(f"Sample data: {movies} movie(s) and {shows} show(s) created "
          f"({Movie.objects.count()} movies, {Show.objects.count()} shows in the database).")
