"""The on-sales' API: creating one (programme staff), joining and polling the line, and the 429 of the gate."""
from datetime import timedelta

import pytest
from django.utils import timezone

from onsales import line, services
from onsales.models import OnSale
from tests.conftest import client_for
from tests.factories import ShowFactory


@pytest.mark.django_db
def test_programme_staff_create_an_onsale_of_a_movies_opening_weekend(onsale_redis, programme_user, movie, user):
    friday = (timezone.now() + timedelta(days=10)).replace(hour=18, minute=0, second=0, microsecond=0)
    weekend = [ShowFactory(movie=movie, date_time=friday + timedelta(days=d)) for d in range(3)]
    ShowFactory(movie=movie, date_time=friday + timedelta(days=3))  # Monday: not in the weekend
    single = ShowFactory(date_time=friday)
    body = {"shows": [single.pk], "movie": movie.pk, "from": f"{friday:%Y-%m-%d}",
            "to": f"{friday + timedelta(days=2):%Y-%m-%d}", "opens_at": "2030-12-01T10:00:00Z",
            "admit_per_minute": 100, "pass_minutes": 15}
    assert client_for(user).post("/onsales/", body, format="json").status_code == 403
    assert client_for().post("/onsales/", body, format="json").status_code == 401
    response = client_for(programme_user).post("/onsales/", body, format="json")
    assert response.status_code == 201, response.json()
    onsale = OnSale.objects.get()
    assert response.json() == {
        "id": onsale.pk, "name": "", "shows": sorted([single.pk, *(s.pk for s in weekend)]),
        "opens_at": "2030-12-01T10:00:00Z", "admit_per_minute": 100, "pass_minutes": 15, "enabled": True,
        "closes_at": None, "queue_url": f"/onsales/{onsale.pk}/queue/",
        # Added with decision 0054: off by default, so the rate is staff's.
        "rate_from_capacity": False, "admit_per_minute_now": 100, "rate_source": "staff",
    }
    assert client_for().get(f"/onsales/{onsale.pk}/").json() == response.json()
    # The same shows again: refused while the first on-sale is enabled.
    again = client_for(programme_user).post("/onsales/", body, format="json")
    assert again.status_code == 400 and again.json()["code"] == "invalid"


@pytest.mark.django_db
def test_invalid_onsales_are_400(programme_user, show):
    client = client_for(programme_user)
    for body in ({"opens_at": "2030-12-01T10:00:00Z", "admit_per_minute": 10},
                 {"shows": [show.pk], "opens_at": "2030-12-01T10:00:00Z", "admit_per_minute": 0},
                 {"shows": [show.pk], "movie": show.movie_id, "opens_at": "2030-12-01T10:00:00Z",
                  "admit_per_minute": 5},
                 {"shows": [show.pk], "opens_at": "2030-12-01T10:00:00Z", "admit_per_minute": 5,
                  "closes_at": "2030-12-01T09:00:00Z"},
                 {"shows": [999999], "opens_at": "2030-12-01T10:00:00Z", "admit_per_minute": 5}):
        response = client.post("/onsales/", body, format="json")
        assert response.status_code == 400 and response.json()["code"] == "invalid", body


@pytest.mark.django_db
def test_join_wait_and_poll_before_the_opening(onsale, user):
    client = client_for(user)
    assert client.get(f"/onsales/{onsale.pk}/queue/me").status_code == 404
    first = client.post(f"/onsales/{onsale.pk}/queue/")
    assert first.status_code == 201
    body = first.json()
    assert body["status"] == "waiting" and body["position"] is None and body["pass"] is None
    assert 3590 <= body["estimated_wait_seconds"] <= 3600
    assert body["onsale"] == onsale.pk and body["admitted_at"] is None
    again = client.post(f"/onsales/{onsale.pk}/queue/")
    assert again.status_code == 200 and again.json()["status"] == "waiting"
    assert client.get(f"/onsales/{onsale.pk}/queue/me").json()["position"] is None
    assert client_for().post(f"/onsales/{onsale.pk}/queue/").status_code == 401


@pytest.mark.django_db
def test_admitted_visitor_holds_and_books_with_the_header_others_get_429(onsale_redis, show, user, other_user):
    onsale = services.onsale_create(shows=[show.pk], opens_at=timezone.now() - timedelta(seconds=5),
                                    admit_per_minute=1, pass_minutes=10)
    client, other = client_for(user), client_for(other_user)
    joined = client.post(f"/onsales/{onsale.pk}/queue/").json()
    assert joined["status"] == "admitted" and joined["position"] is None and joined["pass"]
    # The second visitor waits a minute (one admission per minute).
    waiting = other.post(f"/onsales/{onsale.pk}/queue/").json()
    assert waiting["status"] == "waiting" and waiting["position"] == 1 and 55 <= waiting["estimated_wait_seconds"] <= 60
    refused = {"detail": "This show's seats are on sale through a waiting room: join the queue to get a pass.",
               "code": "queue_required", "onsale": onsale.pk, "queue_url": f"/onsales/{onsale.pk}/queue/"}
    for path, body in ((f"/shows/{show.pk}/book/", {"seat_number": 1}),
                       (f"/shows/{show.pk}/bookings/", {"seat_numbers": [1, 2]}),
                       (f"/shows/{show.pk}/hold/", {"seat_numbers": [1]})):
        response = client.post(path, body, format="json")
        assert (response.status_code, response.json()) == (429, refused), path
        response = other.post(path, body, format="json", HTTP_QUEUE_PASS=joined["pass"])
        assert (response.status_code, response.json()) == (429, refused), path
    pass_header = {"HTTP_QUEUE_PASS": joined["pass"]}
    assert client.post(f"/shows/{show.pk}/book/", {"seat_number": 1}, format="json", **pass_header).status_code == 201
    assert client.post(f"/shows/{show.pk}/bookings/", {"seat_numbers": [2, 3]}, format="json",
                       **pass_header).status_code == 201
    assert client.post(f"/shows/{show.pk}/hold/", {"seat_numbers": [4]}, format="json",
                       **pass_header).status_code == 201
    me = client.get(f"/onsales/{onsale.pk}/queue/me").json()
    assert me["pass"] == joined["pass"] and me["status"] == "admitted"


@pytest.mark.django_db
def test_a_closed_onsale_cannot_be_joined_and_its_shows_sell_without_a_pass(onsale_redis, show, user):
    onsale = services.onsale_create(shows=[show.pk], opens_at=timezone.now() - timedelta(minutes=5),
                                    admit_per_minute=1, pass_minutes=10, enabled=False)
    client = client_for(user)
    response = client.post(f"/onsales/{onsale.pk}/queue/")
    assert response.status_code == 409 and response.json()["code"] == "onsale_closed"
    assert client.post(f"/shows/{show.pk}/book/", {"seat_number": 1}, format="json").status_code == 201


@pytest.mark.django_db
def test_an_unreachable_redis_is_a_503(onsale, user, settings):
    settings.ONSALE_REDIS_URL = "redis://127.0.0.1:1/0"
    response = client_for(user).post(f"/onsales/{onsale.pk}/queue/")
    assert response.status_code == 503 and response.json()["code"] == "queue_unavailable"


@pytest.mark.django_db
def test_the_line_outlives_the_application_process(onsale, user):
    """Nothing of the line is in the application's memory: a fresh process (a restarted host) tells the same
    place and the same pass."""
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings

    at = onsale.opens_at + timedelta(seconds=1)
    services.queue_join(onsale=onsale, user=user, now=onsale.opens_at - timedelta(seconds=1))
    here = services.queue_status(onsale=onsale, user=user, now=at)
    code = (
        "import django, json, sys; django.setup();"
        "from datetime import datetime; from onsales import line;"
        "a = json.loads(sys.argv[1]);"
        "p = line.place(onsale_id=a['o'], user_id=a['u'], opens_at=datetime.fromisoformat(a['opens']),"
        " admit_per_minute=a['rate'], now=datetime.fromisoformat(a['now']));"
        "print(json.dumps({'admitted': p.admitted, 'turn': p.turn_at.isoformat()}))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ticketing_system.settings", "DJANGO_DEBUG": "1",
           "ONSALE_REDIS_URL": settings.ONSALE_REDIS_URL, "ONSALE_REDIS_PREFIX": settings.ONSALE_REDIS_PREFIX}
    args = json.dumps({"o": onsale.pk, "u": user.pk, "opens": onsale.opens_at.isoformat(), "rate": 60,
                       "now": at.isoformat()})
    out = subprocess.run([sys.executable, "-c", code, args], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == {"admitted": True, "turn": here.admitted_at.isoformat()}


@pytest.mark.django_db
def test_a_429_is_not_kept_for_the_idempotency_key_so_the_retry_with_a_pass_books(onsale_redis, show, user):
    onsale = services.onsale_create(shows=[show.pk], opens_at=timezone.now() - timedelta(seconds=5),
                                    admit_per_minute=1, pass_minutes=10)
    client = client_for(user)
    path, body = f"/shows/{show.pk}/book/", {"seat_number": 9}
    refused = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="premiere-1")
    assert refused.status_code == 429
    queue_pass = client.post(f"/onsales/{onsale.pk}/queue/").json()["pass"]
    booked = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="premiere-1", HTTP_QUEUE_PASS=queue_pass)
    assert booked.status_code == 201 and "Idempotent-Replayed" not in booked
    replayed = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="premiere-1", HTTP_QUEUE_PASS=queue_pass)
    assert replayed.status_code == 201 and replayed["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_programme_staff_lift_the_waiting_room_and_turn_it_on_again(onsale, show, user, programme_user):
    staff = client_for(programme_user)
    path = f"/onsales/{onsale.pk}/"
    assert client_for(user).patch(path, {"enabled": False}, format="json").status_code == 403
    book = {"seat_number": 1}
    assert client_for(user).post(f"/shows/{show.pk}/book/", book, format="json").status_code == 429
    lifted = staff.patch(path, {"enabled": False}, format="json")
    assert lifted.status_code == 200 and lifted.json()["enabled"] is False
    assert client_for(user).post(f"/shows/{show.pk}/book/", book, format="json").status_code == 201
    assert client_for(user).post(f"/onsales/{onsale.pk}/queue/").json()["code"] == "onsale_closed"
    too_early = staff.patch(path, {"enabled": True, "closes_at": onsale.opens_at.isoformat()}, format="json")
    assert too_early.status_code == 400 and too_early.json()["code"] == "invalid" and "closes_at" in too_early.json()
    assert OnSale.objects.get().enabled is False  # all or nothing
    again = staff.patch(path, {"enabled": True}, format="json")
    assert again.status_code == 200 and again.json()["enabled"] is True
    assert client_for(user).post(f"/shows/{show.pk}/book/", {"seat_number": 2}, format="json").status_code == 429
    assert staff.patch("/onsales/999999/", {"enabled": True}, format="json").status_code == 404


@pytest.mark.django_db
def test_deleting_an_onsale_removes_its_line_from_redis(onsale, user, onsale_redis, django_capture_on_commit_callbacks):
    services.queue_join(onsale=onsale, user=user, now=onsale.opens_at - timedelta(minutes=1))
    assert line.client().exists(f"{onsale_redis}:{onsale.pk}:line")

    with django_capture_on_commit_callbacks(execute=True):
        onsale.delete()

    assert not line.client().exists(f"{onsale_redis}:{onsale.pk}:line", f"{onsale_redis}:{onsale.pk}:meta")
