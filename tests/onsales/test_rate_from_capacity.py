"""An on-sale whose rate follows the service's measured capacity (decision 0054): `admit_per_minute` is the ceiling,
the rate below it is capacity x 60 x ONSALE_CAPACITY_SHARE / ONSALE_REQUESTS_PER_VISITOR; the early group keeps the
interval of the opening, later arrivals are spaced by the rate at their arrival, and no turn ever moves. On a real
Redis (the line's and the capacity reports', TEST_REDIS_URL)."""
import time
from datetime import timedelta

import pytest
import redis
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from accounts.roles import PROGRAMME
from common import capacity
from common.capacity import Reporter
from onsales import line, services
from onsales.models import OnSale
from onsales.rate import CAPACITY, NO_MEASUREMENT, STAFF, AdmissionRate, admission_rate, derived_per_minute
from tests.conftest import client_for
from tests.factories import UserFactory


@pytest.fixture
def measure(settings, onsale_redis):
    """`measure(rps)`: the service's processes report `rps` requests a second in all (None: nobody reports)."""
    settings.ONSALE_CAPACITY_SHARE = 0.5
    settings.ONSALE_REQUESTS_PER_VISITOR = 20  # so a visitor a minute per 1/1.5 request a second: rps x 1.5
    r = redis.Redis.from_url(settings.CAPACITY_REDIS_URL)

    def set_measurement(rps):
        keys = list(r.scan_iter(f"{settings.CAPACITY_REDIS_PREFIX}:*"))
        if keys:
            r.delete(*keys)
        if rps is not None:
            reporter = Reporter(url=settings.CAPACITY_REDIS_URL, prefix=settings.CAPACITY_REDIS_PREFIX,
                                min_requests=1)
            reporter.served(time.monotonic(), count=1, service_s=1 / rps, measured=1)
        capacity.forget_last_read()  # the next reading is fresh, not the one of the last second

    yield set_measurement
    set_measurement(None)


def _visitors(count, prefix="v"):
    User = get_user_model()
    User.objects.bulk_create([User(username=f"{prefix}{i}") for i in range(count)])
    return list(User.objects.filter(username__startswith=prefix).order_by("pk"))


def _turns_ms(onsale, visitors, now):
    """Each visitor's turn (ms after the opening), read at `now` (after the opening)."""
    turns = {}
    for visitor in visitors:
        place = line.place(onsale_id=onsale.pk, user_id=visitor.pk, opens_at=onsale.opens_at,
                           admit_per_minute=admission_rate(onsale).per_minute, now=now)
        turns[visitor.pk] = round((place.turn_at - onsale.opens_at).total_seconds() * 1000, 3)
    return turns


@pytest.mark.django_db
def test_the_rate_is_derived_from_the_measured_capacity_under_the_ceiling(settings, measure, show, opens_at):
    onsale = services.onsale_create(shows=[show.pk], opens_at=opens_at, admit_per_minute=600, pass_minutes=10,
                                    rate_from_capacity=True)
    measure(100)
    assert admission_rate(onsale) == AdmissionRate(150, CAPACITY)  # 100 req/s x 60 x 0.5 / 20
    measure(1000)
    assert admission_rate(onsale) == AdmissionRate(600, STAFF)  # the ceiling binds
    measure(None)
    assert admission_rate(onsale) == AdmissionRate(600, NO_MEASUREMENT)
    onsale.rate_from_capacity = False
    measure(100)
    assert admission_rate(onsale) == AdmissionRate(600, STAFF)


def test_the_derived_rate_is_rounded_down_and_at_least_one(settings):
    settings.ONSALE_CAPACITY_SHARE, settings.ONSALE_REQUESTS_PER_VISITOR = 0.5, 20
    assert derived_per_minute(100) == 150
    assert derived_per_minute(33.3) == 49  # 49.95: never above what the capacity allows
    assert derived_per_minute(0.01) == 1  # a line always moves
    settings.ONSALE_CAPACITY_SHARE, settings.ONSALE_REQUESTS_PER_VISITOR = 0.25, 10
    assert derived_per_minute(100) == 150


@pytest.mark.django_db
def test_late_arrivals_follow_the_measurement_while_the_early_turns_stay_put(measure, show, opens_at):
    onsale = services.onsale_create(shows=[show.pk], opens_at=opens_at, admit_per_minute=600, pass_minutes=10,
                                    rate_from_capacity=True)
    early, late = _visitors(10, "early"), _visitors(10, "late")
    measure(100)  # 150 a minute: one every 400 ms
    for i, visitor in enumerate(early):
        services.queue_join(onsale=onsale, user=visitor, now=opens_at - timedelta(seconds=60 - i))
    at = opens_at + timedelta(seconds=1)
    first = services.queue_status(onsale=onsale, user=early[0], now=at)  # the first request after it: the freeze
    early_turns = _turns_ms(onsale, early, at)
    assert sorted(early_turns.values()) == [400.0 * k for k in range(10)]
    assert first.status in ("admitted", "waiting")

    measure(40)  # 60 a minute: one every second, for those who arrive from now on
    for visitor in late[:5]:
        services.queue_join(onsale=onsale, user=visitor, now=at)
    measure(200)  # 300 a minute: 200 ms
    for visitor in late[5:8]:
        services.queue_join(onsale=onsale, user=visitor, now=at)
    measure(None)  # nobody reports: staff's ceiling, 600 a minute, 100 ms
    for visitor in late[8:]:
        services.queue_join(onsale=onsale, user=visitor, now=at)

    assert list(_turns_ms(onsale, late, at).values()) == [
        4600.0, 5600.0, 6600.0, 7600.0, 8600.0,  # the early group's last turn (3,600) + 1 s, then 1 s apart
        8800.0, 9000.0, 9200.0,
        9300.0, 9400.0,
    ]
    # Whatever the measurement does meanwhile, no early turn moved, and who is admitted at a moment is decided by
    # the interval of the opening (400 ms), not the current one (100 ms, which would admit all ten by 2 s).
    for rps in (1000, 10, None):
        measure(rps)
        assert _turns_ms(onsale, early, at) == early_turns
        statuses = [services.queue_status(onsale=onsale, user=v, now=opens_at + timedelta(seconds=2)).status
                    for v in early]
        assert statuses.count("admitted") == 6  # turns 0, 400, ..., 2,000 ms
        lates = [services.queue_status(onsale=onsale, user=v, now=opens_at + timedelta(seconds=6)).status
                 for v in late]
        assert lates == ["admitted"] * 2 + ["waiting"] * 8  # 4,600 and 5,600 ms


@pytest.mark.django_db
def test_never_more_than_the_ceiling_in_any_minute_whatever_the_measurement(measure, show, opens_at):
    ceiling = 30  # one every 2 s at most
    onsale = services.onsale_create(shows=[show.pk], opens_at=opens_at, admit_per_minute=ceiling, pass_minutes=10,
                                    rate_from_capacity=True)
    visitors = _visitors(120)
    measure(10_000)  # far more than the ceiling: the early group's interval is the ceiling's
    for i, visitor in enumerate(visitors[:40]):
        services.queue_join(onsale=onsale, user=visitor, now=opens_at - timedelta(seconds=100 - i))
    # Later ones arrive in bursts while the measurement swings between far above and far below the ceiling.
    for i, visitor in enumerate(visitors[40:]):
        measure((10_000, 5, None, 1)[i % 4])
        services.queue_join(onsale=onsale, user=visitor, now=opens_at + timedelta(seconds=(i // 10) * 7))

    turns = sorted(_turns_ms(onsale, visitors, opens_at + timedelta(hours=2)).values())
    assert len(turns) == 120
    gaps = [b - a for a, b in zip(turns, turns[1:], strict=False)]
    assert min(gaps) >= 60_000 / ceiling - 0.01
    for start in turns:
        assert sum(1 for t in turns if start <= t < start + 60_000) <= ceiling
    # And the measurement below the ceiling did slow the later ones down: 5 req/s is 7 a minute, 1 req/s 1 a minute.
    assert max(gaps) >= 60_000 / 7


@pytest.mark.django_db
def test_without_a_measurement_the_ceiling_is_used_and_said(measure, settings, show, user, other_user):
    onsale = services.onsale_create(shows=[show.pk], opens_at=timezone.now() - timedelta(minutes=10),
                                    admit_per_minute=1, pass_minutes=10, rate_from_capacity=True)
    measure(None)
    assert client_for().get(f"/onsales/{onsale.pk}/").json()["rate_source"] == NO_MEASUREMENT
    first, _ = services.queue_join(onsale=onsale, user=user)
    second, _ = services.queue_join(onsale=onsale, user=other_user)
    assert first.status == "admitted" and second.status == "waiting" and 55 <= second.estimated_wait_seconds <= 60

    # The capacity's Redis does not answer (the line's does): the same, and joining still works.
    settings.CAPACITY_REDIS_URL = "redis://127.0.0.1:1/0"
    capacity.forget_last_read()
    body = client_for().get(f"/onsales/{onsale.pk}/").json()
    assert (body["admit_per_minute_now"], body["rate_source"]) == (1, NO_MEASUREMENT)
    third, new = services.queue_join(onsale=onsale, user=UserFactory())
    assert new and third.status == "waiting" and third.position == 2


@pytest.mark.django_db
def test_the_api_creates_reads_and_switches_the_rate_from_capacity(measure, programme_user, show):
    body = {"shows": [show.pk], "opens_at": "2030-12-01T10:00:00Z", "admit_per_minute": 500, "pass_minutes": 15,
            "rate_from_capacity": True}
    measure(100)
    response = client_for(programme_user).post("/onsales/", body, format="json")
    assert response.status_code == 201, response.json()
    onsale = OnSale.objects.get()
    assert onsale.rate_from_capacity
    assert {k: response.json()[k] for k in ("admit_per_minute", "rate_from_capacity", "admit_per_minute_now",
                                            "rate_source")} == {
        "admit_per_minute": 500, "rate_from_capacity": True, "admit_per_minute_now": 150, "rate_source": CAPACITY}
    measure(50)
    assert client_for().get(f"/onsales/{onsale.pk}/").json()["admit_per_minute_now"] == 75

    switched = client_for(programme_user).patch(f"/onsales/{onsale.pk}/", {"rate_from_capacity": False},
                                                format="json")
    assert switched.status_code == 200
    assert {k: switched.json()[k] for k in ("rate_from_capacity", "admit_per_minute_now", "rate_source")} == {
        "rate_from_capacity": False, "admit_per_minute_now": 500, "rate_source": STAFF}
    assert client_for().patch(f"/onsales/{onsale.pk}/", {"rate_from_capacity": True},
                              format="json").status_code == 401
    bad = client_for(programme_user).post("/onsales/", {**body, "rate_from_capacity": "perhaps"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


@pytest.mark.django_db
def test_programme_staff_set_the_rate_from_capacity_in_the_admin_and_see_the_rate_now(measure, show):
    staff = UserFactory(is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name=PROGRAMME)[0])
    client = Client()
    client.force_login(staff)
    form = {"name": "Premiere", "opens_at_0": "2030-12-01", "opens_at_1": "10:00:00", "admit_per_minute": "400",
            "rate_from_capacity": "on", "pass_minutes": "15", "enabled": "on", "closes_at_0": "", "closes_at_1": "",
            "shows": [show.pk]}
    add_page = client.get("/admin/onsales/onsale/add/").content.decode()
    assert "Rate from measured capacity" in add_page
    response = client.post("/admin/onsales/onsale/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    onsale = OnSale.objects.get()
    assert onsale.rate_from_capacity and onsale.admit_per_minute == 400

    measure(100)
    page = client.get(f"/admin/onsales/onsale/{onsale.pk}/change/").content.decode()
    assert "Admitted per minute now" in page and "150 (capacity)" in page
    # In Spanish, the new labels are translated.
    page = client.get(f"/admin/onsales/onsale/{onsale.pk}/change/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Admitidos por minuto ahora" in page
