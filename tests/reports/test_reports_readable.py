"""Reports people can read: the admin index links to them (for managers), charts with titles, axes and their
numbers in a table, the check-in chart with real data, and the per-movie weekly report with its CSV."""
import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from core.models import Booking
from reports.charts import nice_top
from reports.selectors import movie_weekly_report
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.reports.test_reports import TODAY, funnel, sales  # noqa: F401 -- fixtures

pytestmark = pytest.mark.django_db


def admin_client(*roles):
    client = Client()
    client.force_login(UserFactory(is_staff=True, roles=list(roles)))
    return client


@pytest.mark.parametrize("roles, linked", [(["manager"], True), (["programme"], False), (["box_office"], False),
                                           (["door"], False)])
def test_the_admin_index_links_to_the_reports_for_managers_only(roles, linked):
    html = admin_client(*roles).get("/admin/").content.decode()
    assert ('href="/admin/reports/sales/"' in html) is linked
    assert ('href="/admin/reports/movies-weekly/"' in html) is linked


def test_each_chart_has_a_visible_title_labelled_axes_and_its_numbers_in_a_table(funnel):  # noqa: F811
    html = admin_client("manager").get(f"/admin/reports/sales/?from={TODAY}&to={TODAY + timedelta(days=2)}"
                                       ).content.decode()
    for title in ("Tickets sold per day", "Refunds per day (EUR)", "Tickets checked in at the door per day"):
        assert f"<figcaption>{title}</figcaption>" in html
    assert html.count('class="axis-label"') == 6  # x and y, three charts
    assert 'fill="url(#report-hatch)"' in html  # a pattern, readable without colour
    assert 'style="' not in html.split("<body")[1].split('id="content"')[1]  # no inline style (CSP)


def test_the_check_in_chart_shows_the_tickets_checked_in_even_before_the_show_starts(funnel):  # noqa: F811
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    checked_in = sum(m["checked_in"] for m in funnel)
    assert checked_in > 0
    html = admin_client("manager").get(f"/admin/reports/sales/?from={TODAY}&to={TODAY + timedelta(days=2)}"
                                       ).content.decode()
    chart = html.split('id="chart-3"')[1].split("</figure>")[0]
    assert f"<tr><td>{tomorrow}</td><td>{checked_in}</td></tr>" in chart
    assert f'class="bar-value">{checked_in}</text>' in chart
    assert f"<title>{tomorrow}: {checked_in}</title>" in chart


@pytest.mark.parametrize("value, top", [(0, 1), (1, 1), (7, 10), (12, 20), (45, 50), (100, 100), (101, 200),
                                        (Decimal("0.4"), Decimal("0.5"))])
def test_the_axis_top_is_a_round_number_at_or_above_the_highest_bar(value, top):
    assert nice_top(value) == top


def test_the_weekly_report_matches_the_bookings_and_refunds(funnel):  # noqa: F811
    first = TODAY + timedelta(days=1)
    monday = first - timedelta(days=first.weekday())
    [week] = movie_weekly_report(week_start=monday)
    shows = [m["show"] for m in funnel]
    active = Booking.objects.filter(show__in=shows, status=Booking.Status.BOOKED)
    refunded = Booking.objects.filter(show__in=shows, payment_status=Booking.PaymentStatus.REFUNDED)
    refunds = sum((m["refunds"] for m in funnel), Decimal("0.00"))
    assert (week.movie_title, week.shows, week.tickets) == ("Gamma", 3, sum(m["sold"] for m in funnel))
    assert week.gross == sum(b.price for b in active) + sum(b.price for b in refunded)
    assert (week.refunds, week.discounts) == (refunds, Decimal("0.00"))
    assert week.net == sum(b.price for b in active)
    assert week.week == f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}"


def test_the_weekly_report_puts_each_show_in_its_own_week_and_movie(sales):  # noqa: F811
    monday = TODAY - timedelta(days=TODAY.weekday())
    weeks = movie_weekly_report(week_start=monday, weeks=2)
    expected = {}
    for made in sales:
        start = made["day"] - timedelta(days=made["day"].weekday())
        key = (start, made["show"].movie.title)
        tickets, gross = expected.get(key, (0, Decimal("0.00")))
        expected[key] = (tickets + made["sold"], gross + made["revenue"])
    assert {(w.week_start, w.movie_title): (w.tickets, w.gross) for w in weeks} == expected
    assert all(w.net == w.gross for w in weeks)  # nothing refunded


def test_the_weekly_page_and_csv_carry_the_same_figures(funnel):  # noqa: F811
    week = (TODAY + timedelta(days=1)).isoformat()
    manager = UserFactory(roles=["manager"])
    rows = list(csv.DictReader(io.StringIO(client_for(manager).get(f"/reports/movies-weekly.csv?week={week}")
                                           .content.decode())))
    assert [row["movie_title"] for row in rows] == ["Gamma"]
    assert rows[0]["tickets"] == str(sum(m["sold"] for m in funnel))
    assert Decimal(rows[0]["net"]) == Decimal(rows[0]["gross"]) - Decimal(rows[0]["refunds"])
    assert rows[0]["discounts"] == "0.00"
    html = admin_client("manager").get(f"/admin/reports/movies-weekly/?week={week}").content.decode()
    assert f"<td>Gamma</td><td>3</td><td>{rows[0]['tickets']}</td><td>{rows[0]['gross']}</td>" in html
    assert "discounts: what promo codes took off them" in html


@pytest.mark.parametrize("query, parameter", [("week=soon", "week"), ("weeks=0", "weeks"), ("weeks=14", "weeks"),
                                              ("movie=x", "movie"), ("week=9999-12-31", "week")])
def test_bad_weekly_parameters_are_400_naming_the_parameter(query, parameter):
    response = client_for(UserFactory(roles=["manager"])).get(f"/reports/movies-weekly.csv?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_report_parameter"
    assert parameter in response.json()
