"""A run of shows created at once from a rule (dates, weekdays, times): a week's programme in one request.

Each show obeys the same rules as one created alone (core.services.catalog: not in the past, prices for every
seat category, the screen free for the movie's duration plus cleaning), checked against the existing shows and
against each other. All are created in one transaction, or none: one clash refuses the whole run, naming every clash.
"""
import zoneinfo
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from common.db import locked_transaction
from core.errors import MovieNotFound, ScreenBusy
from core.models import Movie, Show
from core.services.catalog import (
    check_in_future,
    checked_prices,
    lock_screen,
    offered_types,
    screen_clashes,
    show_end,
    show_insert,
)
from venues.layouts import layout_categories, layout_seats


@dataclass
class Schedule:
    """The starts of a run (UTC, ascending, with the cinema's local time), the clashes, and the shows created."""

    starts: list[datetime]
    zone: zoneinfo.ZoneInfo
    clashes: list[dict] = field(default_factory=list)
    shows: list[Show] = field(default_factory=list)

    def local(self, start: datetime) -> datetime:
        return start.astimezone(self.zone)


def schedule_starts(*, date_from: date, date_to: date, times: list[time], weekdays: list[int],
                    zone: zoneinfo.ZoneInfo) -> list[datetime]:
    """Every start of the rule, in UTC, ascending: each day of the period on one of the ISO `weekdays` (Monday 1),
    at each of `times`, read as wall-clock times where the cinema is (so 18:00 stays 18:00 across a clock change)."""
    starts = set()
    for offset in range((date_to - date_from).days + 1):
        day = date_from + timedelta(days=offset)
        if day.isoweekday() in weekdays:
            starts.update(datetime.combine(day, at, tzinfo=zone).astimezone(UTC) for at in times)
    return sorted(starts)


def shows_schedule(*, movie_id: int, screen_id: int, date_from: date, date_to: date, times: list[time],
                   weekdays: list[int], prices: dict, language: str = "", format: str = "", dry_run: bool = False,
                   now: datetime | None = None) -> Schedule:
    """Check every show of the rule and, unless `dry_run`, create them all in one transaction.

    A start in the past is 400 invalid_date_time; any clash is 409 screen_busy with `clashes` (one entry per new
    show that cannot be: its start, the existing shows it overlaps, the other new starts it overlaps) and nothing is
    created. A dry run answers the same checks without raising for clashes: the caller shows them as a preview.
    """
    now = now or timezone.now()
    with locked_transaction():
        movie = Movie.objects.filter(pk=movie_id).first()
        if movie is None:
            raise MovieNotFound()
        # The screen's row lock serialises show creation per screen (as in catalog.show_create): no show can be put
        # into a slot of this run between our checks and our inserts.
        screen = lock_screen(screen_id)
        seats = layout_seats(screen.layout)
        checked = checked_prices(prices, layout_categories(seats), ticket_types=offered_types(screen))
        zone = zoneinfo.ZoneInfo(screen.cinema.time_zone)
        schedule = Schedule(schedule_starts(date_from=date_from, date_to=date_to, times=times, weekdays=weekdays,
                                            zone=zone), zone)
        for start in schedule.starts:
            check_in_future(start, now=now)
        # The run's own shows are of one movie: two overlap when their starts are less than its duration plus
        # cleaning apart (show_end's rule), found by bisecting the sorted starts.
        span = show_end(now, movie) - now
        for start in schedule.starts:
            existing = screen_clashes(screen=screen, movie=movie, date_time=start)
            window = schedule.starts[bisect_right(schedule.starts, start - span):
                                     bisect_left(schedule.starts, start + span)]
            siblings = [other for other in window if other != start]
            if existing or siblings:
                schedule.clashes.append({
                    "date_time": start, "local_date_time": schedule.local(start),
                    "shows": sorted(show.pk for show in existing),
                    "new_shows": [schedule.local(other) for other in siblings]})
        if dry_run:
            return schedule
        if schedule.clashes:
            raise ScreenBusy([pk for clash in schedule.clashes for pk in clash["shows"]],
                             clashes=[_text(clash) for clash in schedule.clashes])
        schedule.shows = [show_insert(movie=movie, screen=screen, screen_name=screen.name, date_time=start,
                                      seats=seats, prices=checked, language=language, format=format)
                          for start in schedule.starts]
    return schedule


def iso(moment: datetime) -> str:
    """ISO 8601 as the API writes times: UTC with "Z", local times with their offset."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") and moment.tzinfo is UTC else text


def _text(clash: dict) -> dict:
    """A clash as JSON."""
    return {"date_time": iso(clash["date_time"]), "local_date_time": iso(clash["local_date_time"]),
            "shows": clash["shows"], "new_shows": [iso(other) for other in clash["new_shows"]]}


def clash_data(schedule: Schedule) -> list[dict]:
    return [_text(clash) for clash in schedule.clashes]
