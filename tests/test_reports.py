"""The staff's sales report: numbers checked against figures computed here independently, constant queries,
the CSV, the admin page, permissions and parameter errors."""
import csv
import io
import random
import zoneinfo
from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.test import Client
from django.utils import timezone

from core.services import booking
from reports.selectors import sales_report
from tests.conftest import client_for
from tests.factories import CinemaFactory, MovieFactory, ScreenFactory, UserFactory
from tests.web_fixtures import AUDITORIUM, PRICES, laid_out_show

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _at(days: int, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(TODAY + timedelta(days=days), time(hour, 0)))


def _pct(part, whole) -> str:
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


SEAT_PRICE = {}  # seat number -> price, from the auditorium's layout and prices (not from the database)
for _number, _seat in enumerate((seat for row in AUDITORIUM["rows"] for seat in row["seats"] if seat), start=1):
    SEAT_PRICE[_number] = Decimal(PRICES[_seat["category"]])


@pytest.fixture
def sales():
    """Random sales on six shows over three days in two cinemas, through the booking services; returns what was
    done, for the expected figures."""
    rng = random.Random(12)
    movies = [MovieFactory(title="Alpha"), MovieFactory(title="Beta")]
    screens = [ScreenFactory(layout=AUDITORIUM, cinema=CinemaFactory(name="North", time_zone="Europe/Paris")),
               ScreenFactory(layout=AUDITORIUM, cinema=CinemaFactory(name="South", time_zone="Asia/Kolkata"))]
    made = []
    users = [UserFactory() for _ in range(3)]
    for day in (1, 2, 3):
        for index, movie in enumerate(movies):
            screen = screens[index]
            zone = zoneinfo.ZoneInfo(screen.cinema.time_zone)
            when = datetime.combine(TODAY + timedelta(days=day), time(18 + index, 0), tzinfo=zone)
            show = laid_out_show(movie=movie, screen=screen, when=when)
            seats = rng.sample(range(1, show.total_seats + 1), rng.randint(0, 30))
            sold, cancelled, revenue = 0, 0, Decimal("0.00")
            for seat in seats:
                made_booking = booking.booking_create(user=rng.choice(users), show_id=show.pk, seat_number=seat)
                if rng.random() < 0.2:
                    booking.booking_cancel(user=made_booking.user, booking_id=made_booking.pk)
                    cancelled += 1
                else:
                    sold += 1
                    revenue += SEAT_PRICE[seat]
            made.append({"show": show, "day": TODAY + timedelta(days=day), "sold": sold, "cancelled": cancelled,
                         "revenue": revenue, "cinema": screen.cinema})
    laid_out_show(movie=movies[0], screen=screens[0], when=_at(40, 20))  # outside the period asked for below
    return made


def test_rows_days_movies_and_totals_match_independently_computed_figures(sales):
    report = sales_report(date_from=TODAY, date_to=TODAY + timedelta(days=5)).as_dict()
    assert [(r["show_id"], r["day"], r["tickets_sold"], r["cancelled"], r["capacity"], r["occupancy_percent"],
             r["revenue"]) for r in report["rows"]] == [
        (m["show"].pk, m["day"].isoformat(), m["sold"], m["cancelled"], m["show"].total_seats,
         _pct(m["sold"], m["show"].total_seats), str(m["revenue"]))
        for m in sorted(sales, key=lambda m: m["show"].date_time)]
    per_day, per_movie = defaultdict(lambda: [0, 0, 0, Decimal(0)]), defaultdict(lambda: [0, 0, 0, Decimal(0)])
    for m in sales:
        for bucket in (per_day[m["day"].isoformat()], per_movie[m["show"].movie.title]):
            bucket[0] += m["sold"]
            bucket[1] += m["show"].total_seats
            bucket[2] += m["cancelled"]
            bucket[3] += m["revenue"]
    assert {d["key"]: [d["tickets_sold"], d["capacity"], d["cancelled"], Decimal(d["revenue"])]
            for d in report["days"]} == dict(per_day)
    assert {m["label"]: [m["tickets_sold"], m["capacity"], m["cancelled"], Decimal(m["revenue"])]
            for m in report["movies"]} == dict(per_movie)
    total_sold = sum(m["sold"] for m in sales)
    total_capacity = sum(m["show"].total_seats for m in sales)
    assert report["totals"]["tickets_sold"] == total_sold
    assert report["totals"]["occupancy_percent"] == _pct(total_sold, total_capacity)
    assert report["totals"]["revenue"] == str(sum((m["revenue"] for m in sales), Decimal("0.00")))
    assert report["currency"] == "EUR"
    assert report["rows"][0]["refunds"] is None  # until orders exist


def test_filters_by_period_movie_and_cinema(sales):
    beta = sales[1]["show"].movie
    report = sales_report(date_from=TODAY + timedelta(days=2), date_to=TODAY + timedelta(days=2), movie_id=beta.pk)
    assert [r.show_id for r in report.rows] == [m["show"].pk for m in sales
                                                if m["day"] == TODAY + timedelta(days=2) and m["show"].movie == beta]
    north = sales[0]["cinema"]
    report = sales_report(date_from=TODAY, date_to=TODAY + timedelta(days=5), cinema_id=north.pk)
    assert {r.show_id for r in report.rows} == {m["show"].pk for m in sales if m["cinema"] == north}


def test_one_query_whatever_the_number_of_bookings(sales, django_assert_num_queries):
    with django_assert_num_queries(1):
        sales_report(date_from=TODAY, date_to=TODAY + timedelta(days=5))
    show = sales[0]["show"]
    free = [n for n in range(1, show.total_seats + 1) if not show.bookings.filter(seat_number=n, status="booked")]
    for start in range(0, len(free), 10):
        booking.booking_create_many(user=UserFactory(), show_id=show.pk, seat_numbers=free[start:start + 10])
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
    ("from=2020-01-01&to=2026-01-01", "to"), ("movie=abc", "movie"), ("cinema=-1", "cinema"),
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
    assert [(int(r["show_id"]), int(r["tickets_sold"]), r["occupancy_percent"], r["revenue"], r["cinema_name"])
            for r in rows] == [
        (m["show"].pk, m["sold"], _pct(m["sold"], m["show"].total_seats), str(m["revenue"]), m["cinema"].name)
        for m in sorted(sales, key=lambda m: m["show"].date_time)]


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
