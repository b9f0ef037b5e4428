"""POST /shows/schedule/: a week's programme in one request, all or none, each show checked like one created alone."""
import zoneinfo
from collections import Counter
from datetime import datetime

import pytest

from core.errors import InvalidDateTime, ScreenBusy
from core.models import Show, ShowSeat
from core.services import catalog
from tests.conftest import client_for
from tests.factories import SMALL_PRICES, CinemaFactory, MovieFactory, ScreenFactory, UserFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
MONDAY = "2030-12-09"  # a Monday; the week runs to Sunday the 15th
SUNDAY = "2030-12-15"


@pytest.fixture
def programme():
    return client_for(UserFactory(roles=["programme"]))


@pytest.fixture
def cinema():
    return CinemaFactory(name="Lumière", time_zone="Europe/Paris")


@pytest.fixture
def screens(cinema):
    return [ScreenFactory(cinema=cinema, name="Salle 1"), ScreenFactory(cinema=cinema, name="Salle 2")]


@pytest.fixture
def films():
    # 100 minutes + 15 of cleaning: shows two hours apart never overlap.
    return [MovieFactory(title="Dune", duration_minutes=100), MovieFactory(title="Arrival", duration_minutes=100)]


def schedule(client, film, room, at, **extra):
    body = {"movie": film.pk, "screen": room.pk, "from": MONDAY, "to": SUNDAY, "times": at,
            "weekdays": [1, 2, 3, 4, 5, 6, 7], "prices": SMALL_PRICES, **extra}
    return client.post("/shows/schedule/", body, format="json")


# Each film on each screen, at times that interleave with the other film's on that screen.
TIMES = {0: ["11:00", "15:00", "19:00"], 1: ["13:00", "17:00", "21:00"]}


def test_two_films_on_two_screens_three_times_a_day_for_a_week_is_84_shows(programme, screens, films):
    for screen_index, screen in enumerate(screens):
        for film_index, film in enumerate(films):
            response = schedule(programme, film, screen, TIMES[(film_index + screen_index) % 2], language="en")
            assert response.status_code == 201, response.json()
            assert len(response.json()["shows"]) == 21

    shows = list(Show.objects.select_related("screen__cinema"))
    assert len(shows) == 84
    local = Counter((show.screen.name, show.movie.title, show.local_date_time().strftime("%a %H:%M"))
                    for show in shows)
    assert set(local.values()) == {1}
    assert {show.local_date_time().date().isoformat() for show in shows} == {
        f"2030-12-{day:02d}" for day in range(9, 16)}
    assert {show.local_date_time().strftime("%H:%M") for show in shows} == {*TIMES[0], *TIMES[1]}
    assert ShowSeat.objects.count() == 84 * 7  # every show has its own seats, from its screen's layout
    assert all(show.prices == SMALL_PRICES and show.language == "en" for show in shows)


def test_the_answer_lists_the_created_shows_in_order_with_their_local_times(programme, screens, films):
    response = schedule(programme, films[0], screens[0], ["21:00", "18:00"], to="2030-12-10")

    assert response.status_code == 201
    assert [(show["local_date_time"], show["available_seats"]) for show in response.json()["shows"]] == [
        ("2030-12-09T18:00:00+01:00", 7), ("2030-12-09T21:00:00+01:00", 7),
        ("2030-12-10T18:00:00+01:00", 7), ("2030-12-10T21:00:00+01:00", 7)]
    assert response.json()["shows"][0]["date_time"] == "2030-12-09T17:00:00Z"


def test_one_clash_in_the_middle_creates_nothing_and_names_it(programme, screens, films):
    thursday_evening = datetime(2030, 12, 12, 19, 30, tzinfo=PARIS)
    in_the_way = catalog.show_create(movie_id=films[1].pk, screen_id=screens[0].pk, date_time=thursday_evening,
                                     prices=SMALL_PRICES)

    response = schedule(programme, films[0], screens[0], TIMES[0])

    assert response.status_code == 409
    assert response.json() == {
        "detail": ScreenBusy.message, "code": "screen_busy", "shows": [in_the_way.pk],
        "clashes": [{"date_time": "2030-12-12T18:00:00Z", "local_date_time": "2030-12-12T19:00:00+01:00",
                     "shows": [in_the_way.pk], "new_shows": []}]}
    assert list(Show.objects.all()) == [in_the_way]


def test_a_dry_run_previews_the_starts_and_the_clash_and_creates_nothing(programme, screens, films):
    catalog.show_create(movie_id=films[1].pk, screen_id=screens[0].pk,
                        date_time=datetime(2030, 12, 12, 19, 30, tzinfo=PARIS), prices=SMALL_PRICES)

    response = schedule(programme, films[0], screens[0], TIMES[0], dry_run=True)

    assert response.status_code == 200
    data = response.json()
    assert len(data["shows"]) == 21
    assert data["shows"][0] == {"date_time": "2030-12-09T10:00:00Z", "local_date_time": "2030-12-09T11:00:00+01:00"}
    assert [clash["local_date_time"] for clash in data["clashes"]] == ["2030-12-12T19:00:00+01:00"]
    assert Show.objects.count() == 1


def test_shows_of_one_run_that_overlap_each_other_are_clashes_too(programme, screens, films):
    response = schedule(programme, films[0], screens[0], ["18:00", "19:00"], to=MONDAY)

    assert response.status_code == 409
    assert response.json()["clashes"] == [
        {"date_time": "2030-12-09T17:00:00Z", "local_date_time": "2030-12-09T18:00:00+01:00", "shows": [],
         "new_shows": ["2030-12-09T19:00:00+01:00"]},
        {"date_time": "2030-12-09T18:00:00Z", "local_date_time": "2030-12-09T19:00:00+01:00", "shows": [],
         "new_shows": ["2030-12-09T18:00:00+01:00"]}]
    assert not Show.objects.exists()


def test_a_start_in_the_past_refuses_the_run(programme, screens, films):
    response = schedule(programme, films[0], screens[0], ["18:00"], **{"from": "2020-01-06", "to": "2020-01-12"})

    assert response.status_code == 400
    assert response.json() == {"detail": InvalidDateTime.message, "code": "invalid_date_time"}
    assert not Show.objects.exists()


def test_weekdays_pick_the_days_and_times_stay_local_across_a_clock_change(programme, screens, films):
    # Europe's clocks go forward on Sunday 31 March 2030: 18:00 stays 18:00 where the cinema is.
    response = schedule(programme, films[0], screens[0], ["18:00"], weekdays=[6, 7],
                        **{"from": "2030-03-25", "to": "2030-03-31"})

    assert response.status_code == 201
    assert [(show["local_date_time"], show["date_time"]) for show in response.json()["shows"]] == [
        ("2030-03-30T18:00:00+01:00", "2030-03-30T17:00:00Z"), ("2030-03-31T18:00:00+02:00", "2030-03-31T16:00:00Z")]


@pytest.mark.parametrize("change, field", [
    ({"to": "2030-12-01"}, "to"),
    ({"to": "2031-06-01"}, "to"),
    ({"weekdays": [0]}, "weekdays"),
    ({"times": []}, "times"),
    ({"times": ["25:00"]}, "times"),
    ({"prices": {"standard": "10.00"}}, "prices"),
])
def test_a_bad_rule_is_400_invalid_naming_the_field(programme, screens, films, change, field):
    response = schedule(programme, films[0], screens[0], ["18:00"], **change)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid", response.json()
    assert field in response.json()
    assert not Show.objects.exists()


def test_an_unknown_movie_or_screen_is_404(programme, screens, films):
    assert schedule(programme, films[0], screens[0], ["18:00"], movie=987654).status_code == 404
    assert schedule(programme, films[0], screens[0], ["18:00"], screen=987654).status_code == 404
