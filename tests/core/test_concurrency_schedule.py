"""A run of shows racing a single show into one of its slots, with real threads on PostgreSQL: the screen's row lock
(core.services.catalog.lock_screen, taken by both) makes the single show wait for the run and then be refused; the
control without the run's lock shows the race happen (two shows in one slot)."""
import threading
import time as clock
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from core.errors import ScreenBusy
from core.models import Show
from core.services import catalog
from core.services import schedule as schedule_service
from tests.factories import SMALL_PRICES, MovieFactory, ScreenFactory
from venues.models import Screen

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]
PARIS = ZoneInfo("Europe/Paris")


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND datname = current_database()")
        return cursor.fetchone()[0] > 0


def _race(monkeypatch, *, locked: bool) -> dict:
    movie, screen = MovieFactory(duration_minutes=100), ScreenFactory(cinema__time_zone="Europe/Paris")
    checked, go_on, results = threading.Event(), threading.Event(), {}
    real_insert = schedule_service.show_insert

    def insert_after_the_single_show_tried(**kwargs):
        # The run has checked every slot and is about to write: let the single show try now.
        if not checked.is_set():
            checked.set()
            go_on.wait(timeout=30)
        return real_insert(**kwargs)

    monkeypatch.setattr(schedule_service, "show_insert", insert_after_the_single_show_tried)
    if not locked:
        monkeypatch.setattr(schedule_service, "lock_screen", lambda screen_id: Screen.objects.get(pk=screen_id))

    def attempt(name, call):
        try:
            call()
            results[name] = "created"
        except ScreenBusy:
            results[name] = "screen_busy"
        finally:
            connection.close()

    run = threading.Thread(target=attempt, args=("run", lambda: schedule_service.shows_schedule(
        movie_id=movie.pk, screen_id=screen.pk, date_from=datetime(2030, 12, 9).date(),
        date_to=datetime(2030, 12, 15).date(), times=[time(18, 0)], weekdays=[1, 2, 3, 4, 5, 6, 7],
        prices=SMALL_PRICES)))
    single = threading.Thread(target=attempt, args=("single", lambda: catalog.show_create(
        movie_id=movie.pk, screen_id=screen.pk, prices=SMALL_PRICES,
        date_time=datetime(2030, 12, 12, 18, 30, tzinfo=PARIS))))
    run.start()
    assert checked.wait(timeout=30)
    single.start()
    # Until the single show has either finished or is waiting for the run's lock (bounded; no fixed sleep).
    deadline = clock.monotonic() + 30
    while single.is_alive() and not _waiting_for_a_lock() and clock.monotonic() < deadline:
        clock.sleep(0.01)
    go_on.set()
    run.join(timeout=60)
    single.join(timeout=60)
    return results


def test_a_show_put_into_a_slot_while_the_run_is_being_created_waits_and_is_refused(monkeypatch):
    results = _race(monkeypatch, locked=True)

    assert results == {"run": "created", "single": "screen_busy"}
    assert Show.objects.count() == 7


def test_control_without_the_runs_lock_two_shows_end_up_in_one_slot(monkeypatch):
    """Proves the test above can fail: without the run locking the screen, both commit."""
    results = _race(monkeypatch, locked=False)

    assert results == {"run": "created", "single": "created"}
    assert Show.objects.count() == 8  # the race happened: the single show overlaps the run's Thursday
