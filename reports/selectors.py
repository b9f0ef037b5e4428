"""The staff's sales report: per day, movie and show, what was sold. One query however many bookings there are.

Counts come from the bookings themselves (an active booking is a sold ticket at the price it was sold, a cancelled one
a cancellation), so the report can never disagree with the seat map. Days are calendar days in each cinema's time
zone (the server's TIME_ZONE for shows without a screen).

Not yet in the report (they need the orders, payments and check-in of the ticket issue): refunds, holds that turned
into orders, and the check-in (no-show) rate; the rows carry them as null until then.
"""
import zoneinfo
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.exceptions import DomainError
from core.models import Booking, Movie, Show
from venues.models import Cinema

# A report spans at most this many days: the work (one row per show) stays bounded whatever is asked.
MAX_REPORT_DAYS = 366
DEFAULT_DAYS_BACK = 30
DEFAULT_DAYS_AHEAD = 30


class InvalidReportParameter(DomainError):
    status_code = 400
    code = "invalid"
    message = gettext_noop("Invalid input.")

    def __init__(self, parameter: str, reason: str):
        super().__init__(extra={parameter: [reason]})


@dataclass
class ReportRow:
    day: date
    movie_id: int
    movie_title: str
    show_id: int
    date_time: datetime
    cinema_name: str
    screen_name: str
    capacity: int
    tickets_sold: int
    occupancy_percent: Decimal
    # What the sold tickets were sold at (Booking.price), in CURRENCY.
    revenue: Decimal
    cancelled: int
    # From the ticket issue's orders and check-in, once they exist.
    refunds: None = None
    holds_converted: None = None
    check_in_rate: None = None

    def as_dict(self) -> dict:
        data = asdict(self)
        data["day"] = self.day.isoformat()
        data["date_time"] = self.date_time.isoformat().replace("+00:00", "Z")
        data["occupancy_percent"] = str(self.occupancy_percent)
        data["revenue"] = str(self.revenue)
        return data


@dataclass
class Subtotal:
    key: str
    label: str
    shows: int = 0
    capacity: int = 0
    tickets_sold: int = 0
    revenue: Decimal = Decimal("0.00")
    cancelled: int = 0

    @property
    def occupancy_percent(self) -> Decimal:
        return percent(self.tickets_sold, self.capacity)

    def as_dict(self) -> dict:
        return {**asdict(self), "occupancy_percent": str(self.occupancy_percent), "revenue": str(self.revenue)}


@dataclass
class SalesReport:
    date_from: date
    date_to: date
    rows: list[ReportRow]
    days: list[Subtotal] = field(default_factory=list)
    movies: list[Subtotal] = field(default_factory=list)
    totals: Subtotal | None = None

    def as_dict(self) -> dict:
        return {
            "from": self.date_from.isoformat(), "to": self.date_to.isoformat(),
            "rows": [row.as_dict() for row in self.rows],
            "days": [d.as_dict() for d in self.days],
            "movies": [m.as_dict() for m in self.movies],
            "totals": self.totals.as_dict(),
            "currency": settings.CURRENCY,
        }


def percent(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def parse_report_params(params, *, today: date | None = None) -> dict:
    """`from`, `to` (YYYY-MM-DD, inclusive), `movie`, `cinema` (ids): each wrong value is a 400 naming its parameter."""
    today = today or timezone.localdate()
    parsed = {"date_from": today - timedelta(days=DEFAULT_DAYS_BACK),
              "date_to": today + timedelta(days=DEFAULT_DAYS_AHEAD), "movie_id": None, "cinema_id": None}
    for name, key in (("from", "date_from"), ("to", "date_to")):
        value = params.get(name)
        if value:
            try:
                parsed[key] = date.fromisoformat(value)
            except ValueError:
                raise InvalidReportParameter(name, _("Enter a date as YYYY-MM-DD.")) from None
    if parsed["date_to"] < parsed["date_from"]:
        raise InvalidReportParameter("to", _("Must not be before 'from'."))
    if (parsed["date_to"] - parsed["date_from"]).days >= MAX_REPORT_DAYS:
        raise InvalidReportParameter("to", _("A report spans at most %(days)s days.") % {"days": MAX_REPORT_DAYS})
    for name, message in (("movie", _("Enter a movie id.")), ("cinema", _("Enter a cinema id."))):
        value = params.get(name)
        if value:
            if not (value.isascii() and value.isdigit()) or len(value) > 18:
                raise InvalidReportParameter(name, message)
            parsed[f"{name}_id"] = int(value)
    return parsed


def _local_day(show) -> date:
    zone = show.screen.cinema.time_zone if show.screen_id else settings.TIME_ZONE
    return timezone.localtime(show.date_time, zoneinfo.ZoneInfo(zone)).date()


def sales_report(*, date_from: date, date_to: date, movie_id: int | None = None,
                 cinema_id: int | None = None) -> SalesReport:
    """The report for shows on days date_from..date_to (inclusive, each show's day in its cinema's time zone).
    One query."""
    booked = Q(bookings__status=Booking.Status.BOOKED)
    cancelled = Q(bookings__status=Booking.Status.CANCELLED)
    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=12, decimal_places=2))
    # A day in any time zone lies within a day either side of the UTC day; the exact local day is checked below.
    shows = (Show.objects.filter(date_time__date__gte=date_from - timedelta(days=1),
                                 date_time__date__lte=date_to + timedelta(days=1))
             .select_related("movie", "screen__cinema")
             .annotate(tickets_sold=Count("bookings", filter=booked), cancelled=Count("bookings", filter=cancelled),
                       revenue=Coalesce(Sum("bookings__price", filter=booked), zero))
             .order_by("date_time", "id"))
    if movie_id is not None:
        shows = shows.filter(movie_id=movie_id)
    if cinema_id is not None:
        shows = shows.filter(screen__cinema_id=cinema_id)
    rows = []
    for show in shows:
        day = _local_day(show)
        if not date_from <= day <= date_to:
            continue
        rows.append(ReportRow(
            day=day, movie_id=show.movie_id, movie_title=show.movie.title, show_id=show.pk, date_time=show.date_time,
            cinema_name=show.screen.cinema.name if show.screen_id else "", screen_name=show.screen_name,
            capacity=show.total_seats, tickets_sold=show.tickets_sold,
            occupancy_percent=percent(show.tickets_sold, show.total_seats),
            revenue=Decimal(show.revenue).quantize(Decimal("0.01")), cancelled=show.cancelled))
    report = SalesReport(date_from=date_from, date_to=date_to, rows=rows)
    days: dict[date, Subtotal] = {}
    movies: dict[int, Subtotal] = {}
    report.totals = Subtotal("all", "all")
    for row in rows:
        for subtotal in (days.setdefault(row.day, Subtotal(row.day.isoformat(), row.day.isoformat())),
                         movies.setdefault(row.movie_id, Subtotal(str(row.movie_id), row.movie_title)),
                         report.totals):
            subtotal.shows += 1
            subtotal.capacity += row.capacity
            subtotal.tickets_sold += row.tickets_sold
            subtotal.revenue += row.revenue
            subtotal.cancelled += row.cancelled
    report.days = [days[d] for d in sorted(days)]
    report.movies = sorted(movies.values(), key=lambda m: (m.label, m.key))
    return report


def movie_choices() -> list[tuple[int, str]]:
    return list(Movie.objects.order_by("title", "id").values_list("id", "title"))


CSV_COLUMNS = ["day", "movie_id", "movie_title", "show_id", "date_time", "cinema_name", "screen_name", "capacity",
               "tickets_sold", "occupancy_percent", "revenue", "cancelled", "refunds", "holds_converted",
               "check_in_rate"]


def cinema_choices() -> list[tuple[int, str]]:
    return list(Cinema.objects.order_by("name", "id").values_list("id", "name"))
