"""The staff's sales report: numbers checked against figures computed here independently, constant queries,
the CSV, the admin page, permissions and parameter errors."""
import csv
import io
import random
from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.test import Client
from django.utils import timezone

from reports.selectors import sales_report
from tests.conftest import client_for
from tests.factories import BookingFactory, MovieFactory, ShowFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _at(days: int, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(TODAY + timedelta(days=days), time(hour, 0)))


def _pct(part, whole) -> str:
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@pytest.fixture
def sales():
    """Random bookings on six shows over three days; returns what was made, for the expected figures."""
    rng = random.Random(12)
    movies = [MovieFactory(title="Alpha"), MovieFactory(title="Beta")]
    made = []
    users = [UserFactory() for _ in range(3)]
    for day in (1, 2, 3):
        for index, movie in enumerate(movies):
            show = ShowFactory(movie=movie, date_time=_at(day, 18 + index), total_seats=rng.randint(20, 40))
            seats = rng.sample(range(1, show.total_seats + 1), rng.randint(0, show.total_seats))
            sold = cancelled = 0
            for seat in seats:
                if rng.random() < 0.2:
                    BookingFactory(show=show, seat_number=seat, user=rng.choice(users), status="cancelled",
                                   cancelled_at=timezone.now())
                    cancelled += 1
                else:
                    BookingFactory(show=show, seat_number=seat, user=rng.choice(users))
                    sold += 1
            made.append({"show": show, "day": TODAY + timedelta(days=day), "sold": sold, "cancelled": cancelled})
    ShowFactory(movie=movies[0], date_time=_at(40, 20))  # outside the period asked for below
    return made


def test_rows_days_movies_and_totals_match_independently_computed_figures(sales):
    report = sales_report(date_from=TODAY, date_to=TODAY + timedelta(days=5)).as_dict()
    assert [(r["show_id"], r["tickets_sold"], r["cancelled"], r["capacity"], r["occupancy_percent"])
            for r in report["rows"]] == [
        (m["show"].pk, m["sold"], m["cancelled"], m["show"].total_seats, _pct(m["sold"], m["show"].total_seats))
        for m in sales]
    per_day, per_movie = defaultdict(lambda: [0, 0, 0]), defaultdict(lambda: [0, 0, 0])
    for m in sales:
        for bucket in (per_day[m["day"].isoformat()], per_movie[m["show"].movie.title]):
            bucket[0] += m["sold"]
            bucket[1] += m["show"].total_seats
            bucket[2] += m["cancelled"]
    assert {d["key"]: [d["tickets_sold"], d["capacity"], d["cancelled"]] for d in report["days"]} == dict(per_day)
    assert {m["label"]: [m["tickets_sold"], m["capacity"], m["cancelled"]] for m in report["movies"]} == dict(
        per_movie)
    total_sold = sum(m["sold"] for m in sales)
    total_capacity = sum(m["show"].total_seats for m in sales)
    assert report["totals"]["tickets_sold"] == total_sold
    assert report["totals"]["occupancy_percent"] == _pct(total_sold, total_capacity)
    assert report["rows"][0]["refunds"] is None  # until orders exist


def test_filters_by_period_and_movie(sales):
    beta = sales[1]["show"].movie
    report = sales_report(date_from=TODAY + timedelta(days=2), date_to=TODAY + timedelta(days=2), movie_id=beta.pk)
    assert [r.show_id for r in report.rows] == [m["show"].pk for m in sales
                                                if m["day"] == TODAY + timedelta(days=2) and m["show"].movie == beta]


def test_one_query_whatever_the_number_of_bookings(sales, django_assert_num_queries):
    with django_assert_num_queries(1):
        sales_report(date_from=TODAY, date_to=TODAY + timedelta(days=5))
    show = sales[0]["show"]
    for seat in range(1, show.total_seats + 1):
        if not show.bookings.filter(seat_number=seat).exists():
            BookingFactory(show=show, seat_number=seat)
    with django_assert_num_queries(1):
        sales_report(date_from=TODAY, date_to=TODAY + timedelta(days=5))


def test_api_is_staff_only_and_answers_the_report(sales, staff_user, user):
    url = f"/reports/sales/?from={TODAY}&to={TODAY + timedelta(days=5)}"
    assert client_for().get(url).status_code == 401
    assert client_for(user).get(url).status_code == 403
    response = client_for(staff_user).get(url)
    assert response.status_code == 200
    assert response.json()["totals"]["tickets_sold"] == sum(m["sold"] for m in sales)


@pytest.mark.parametrize(("query", "parameter"), [
    ("from=yesterday", "from"), ("to=2026-02-30", "to"), ("from=2026-05-02&to=2026-05-01", "to"),
    ("from=2020-01-01&to=2026-01-01", "to"), ("movie=abc", "movie"),
    ("movie=%C2%B2", "movie"), ("movie=99999999999999999999", "movie"),
])
def test_bad_parameters_are_400_naming_the_parameter(staff_user, query, parameter):
    response = client_for(staff_user).get(f"/reports/sales/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and parameter in body


def test_csv_has_the_same_rows(sales, staff_user):
    response = client_for(staff_user).get(f"/reports/sales.csv?from={TODAY}&to={TODAY + timedelta(days=5)}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(int(r["show_id"]), int(r["tickets_sold"]), r["occupancy_percent"]) for r in rows] == [
        (m["show"].pk, m["sold"], _pct(m["sold"], m["show"].total_seats)) for m in sales]


def test_admin_page_with_chart_and_tables(sales, staff_user, user):
    client = Client()
    client.force_login(user)
    assert client.get("/admin/reports/sales/").status_code == 302  # not staff: to the admin login
    client.force_login(staff_user)
    page = client.get(f"/admin/reports/sales/?from={TODAY}&to={TODAY + timedelta(days=5)}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "Tickets sold per day" in html
    assert f"<strong>{sum(m['sold'] for m in sales)}</strong> tickets sold in 6 shows" in html
    assert client.get("/admin/reports/sales/?from=nonsense").status_code == 200  # the error is shown, defaults used
