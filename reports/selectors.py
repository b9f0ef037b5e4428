"""The staff's sales report: per day, movie and show, what was sold, refunded, held and checked in. One query
however many bookings there are.

Counts come from the records themselves, so the report can never disagree with the seat map: an active booking is
a sold ticket at the price it was sold, a cancelled one a cancellation; refunds are the orders' Refund rows (recorded
in the transaction that cancels, whether or not the provider has executed them yet; none fail for good: they are
retried), refunded tickets the bookings whose payment was refunded; holds are core.models.HoldRecord (one per hold
ever made, kept after the hold is gone), converted when confirmed into a reservation or made into an order;
check-ins are tickets.models.Checkin of the show's active bookings. Days are calendar days in each cinema's time
zone (the server's TIME_ZONE for shows without a screen).
"""
import zoneinfo
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, DecimalField, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.errors import DomainError
from core.models import Booking, HoldRecord, Movie, Show
from orders.models import Order, Refund
from venues.models import Cinema

# A report spans at most this many days: the work (one row per show) stays bounded whatever is asked.
MAX_REPORT_DAYS = 366
DEFAULT_DAYS_BACK = 30
DEFAULT_DAYS_AHEAD = 30


class InvalidReportParameter(DomainError):
    status_code = 400
    code = "invalid_report_parameter"
    message = gettext_noop("A report parameter is not valid.")

    def __init__(self, parameter: str, reason: str):
        super().__init__(extra={parameter: [reason]})


class ReportPeriodTooLong(InvalidReportParameter):
    code = "report_period_too_long"
    message = gettext_noop("The report's period is too long.")


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
    # Money given back (or being given back) for the show's tickets, and how many tickets it was for.
    refunds: Decimal = Decimal("0.00")
    refunded_tickets: int = 0
    # Holds made for the show, and how many of them were confirmed into a reservation or made into an order.
    holds: int = 0
    holds_converted: int = 0
    # Active tickets scanned at the door, and checked_in / tickets_sold (%), for shows that have started (None for
    # shows still to come, and where nothing was sold). The no-show rate is 100 minus it.
    checked_in: int = 0
    check_in_rate: Decimal | None = None
    # Whether the show had started at the report's `now`.
    started: bool = False
    # Of `refunds`, cash recorded at the box office and not yet handed to the customer (orders' to_pay_out).
    cash_to_pay_out: Decimal = Decimal("0.00")

    @property
    def hold_conversion_percent(self) -> Decimal | None:
        return percent(self.holds_converted, self.holds) if self.holds else None

    def as_dict(self) -> dict:
        data = asdict(self)
        data["day"] = self.day.isoformat()
        data["date_time"] = self.date_time.isoformat().replace("+00:00", "Z")
        for name in ("occupancy_percent", "revenue", "refunds", "check_in_rate", "cash_to_pay_out"):
            data[name] = None if data[name] is None else str(data[name])
        conversion = self.hold_conversion_percent
        data["hold_conversion_percent"] = None if conversion is None else str(conversion)
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
    refunds: Decimal = Decimal("0.00")
    refunded_tickets: int = 0
    holds: int = 0
    holds_converted: int = 0
    # Every ticket checked in (the door opens before the start, so a show to come may have some already).
    checked_in: int = 0
    # Tickets sold for the shows that have started, and those of them checked in: the check-in rate's terms.
    tickets_sold_started: int = 0
    cash_to_pay_out: Decimal = Decimal("0.00")
    checked_in_started: int = 0

    @property
    def occupancy_percent(self) -> Decimal:
        return percent(self.tickets_sold, self.capacity)

    @property
    def hold_conversion_percent(self) -> Decimal | None:
        return percent(self.holds_converted, self.holds) if self.holds else None

    @property
    def check_in_rate(self) -> Decimal | None:
        return percent(self.checked_in_started, self.tickets_sold_started) if self.tickets_sold_started else None

    def add(self, row: ReportRow) -> None:
        self.shows += 1
        self.capacity += row.capacity
        self.tickets_sold += row.tickets_sold
        self.revenue += row.revenue
        self.cancelled += row.cancelled
        self.refunds += row.refunds
        self.refunded_tickets += row.refunded_tickets
        self.holds += row.holds
        self.holds_converted += row.holds_converted
        self.cash_to_pay_out += row.cash_to_pay_out
        self.checked_in += row.checked_in
        if row.started:
            self.checked_in_started += row.checked_in
            self.tickets_sold_started += row.tickets_sold

    def as_dict(self) -> dict:
        conversion, check_in = self.hold_conversion_percent, self.check_in_rate
        data = asdict(self)
        data.pop("checked_in_started")  # a term of check_in_rate, not a figure of its own
        return {**data, "occupancy_percent": str(self.occupancy_percent), "revenue": str(self.revenue),
                "refunds": str(self.refunds), "cash_to_pay_out": str(self.cash_to_pay_out),
                "hold_conversion_percent": None if conversion is None else str(conversion),
                "check_in_rate": None if check_in is None else str(check_in)}


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


# The dates a report may name: far enough either way for any real question, and far enough from date.max that a
# period of MAX_REPORT_DAYS or weeks after it, in any time zone, is still a date (beyond it: OverflowError, a 500).
FIRST_REPORT_DATE, LAST_REPORT_DATE = date(1900, 1, 1), date(9000, 12, 31)


def _report_date(name: str, value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidReportParameter(name, _("Enter a date as YYYY-MM-DD.")) from None
    if not FIRST_REPORT_DATE <= day <= LAST_REPORT_DATE:
        raise InvalidReportParameter(name, _("Enter a date between %(first)s and %(last)s.") % {
            "first": FIRST_REPORT_DATE.isoformat(), "last": LAST_REPORT_DATE.isoformat()})
    return day


def parse_report_params(params, *, today: date | None = None) -> dict:
    """`from`, `to` (YYYY-MM-DD, inclusive), `movie`, `cinema` (ids): each wrong value is a 400 naming its parameter."""
    today = today or timezone.localdate()
    parsed = {"date_from": today - timedelta(days=DEFAULT_DAYS_BACK),
              "date_to": today + timedelta(days=DEFAULT_DAYS_AHEAD), "movie_id": None, "cinema_id": None}
    for name, key in (("from", "date_from"), ("to", "date_to")):
        value = params.get(name)
        if value:
            parsed[key] = _report_date(name, value)
    if parsed["date_to"] < parsed["date_from"]:
        raise InvalidReportParameter("to", _("Must not be before 'from'."))
    if (parsed["date_to"] - parsed["date_from"]).days >= MAX_REPORT_DAYS:
        raise ReportPeriodTooLong("to", _("A report spans at most %(days)s days.") % {"days": MAX_REPORT_DAYS})
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


def _per_show(queryset, aggregate, output_field):
    """A correlated subquery: `aggregate` over `queryset`'s rows of the outer show (their `show_id`), 0 if none.
    A subquery rather than a join, so each figure is counted once (joining bookings and refunds and hold records
    together would multiply the rows)."""
    grouped = queryset.filter(show_id=OuterRef("pk")).order_by().values("show_id").annotate(value=aggregate)
    return Coalesce(Subquery(grouped.values("value")[:1], output_field=output_field),
                    Value(0, output_field=output_field))


def sales_report(*, date_from: date, date_to: date, movie_id: int | None = None, cinema_id: int | None = None,
                 now: datetime | None = None) -> SalesReport:
    """The report for shows on days date_from..date_to (inclusive, each show's day in its cinema's time zone).
    One query. `now` decides which shows have started (the check-in rate)."""
    now = now or timezone.now()
    booked = Q(bookings__status=Booking.Status.BOOKED)
    cancelled = Q(bookings__status=Booking.Status.CANCELLED)
    money = DecimalField(max_digits=12, decimal_places=2)
    zero = Value(Decimal("0.00"), output_field=money)
    # Money given back for tickets: not a payment that bought nothing and was returned at once (an order paid
    # twice, or paid after it was cancelled or its seats were gone), which the revenue never counted either.
    refunds = (Refund.objects.exclude(state=Refund.State.FAILED).exclude(reason__in=Refund.UNUSED_PAYMENT_REASONS)
               .annotate(show_id=F("order__show_id")))
    to_pay_out = Refund.objects.filter(state=Refund.State.TO_PAY_OUT).annotate(show_id=F("order__show_id"))
    # A day in any time zone lies within a day either side of the UTC day; the exact local day is checked below.
    shows = (Show.objects.filter(date_time__date__gte=date_from - timedelta(days=1),
                                 date_time__date__lte=date_to + timedelta(days=1))
             .with_relations()
             .annotate(tickets_sold=Count("bookings", filter=booked), cancelled=Count("bookings", filter=cancelled),
                       revenue=Coalesce(Sum("bookings__price", filter=booked), zero),
                       refunded_tickets=Count("bookings", filter=Q(
                           bookings__payment_status=Booking.PaymentStatus.REFUNDED)),
                       # One check-in per booking (one-to-one): joining it does not multiply the bookings.
                       checked_in=Count("bookings__checkin", filter=booked),
                       refunded=_per_show(refunds, Sum("amount"), money),
                       cash_to_pay_out=_per_show(to_pay_out, Sum("amount"), money),
                       holds_made=_per_show(HoldRecord.objects.all(), Count("pk"), IntegerField()),
                       holds_converted=_per_show(HoldRecord.objects.filter(converted_at__isnull=False), Count("pk"),
                                                 IntegerField()))
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
        started = show.date_time <= now
        rows.append(ReportRow(
            day=day, movie_id=show.movie_id, movie_title=show.movie.title, show_id=show.pk, date_time=show.date_time,
            cinema_name=show.screen.cinema.name if show.screen_id else "", screen_name=show.screen_name,
            capacity=show.total_seats, tickets_sold=show.tickets_sold,
            occupancy_percent=percent(show.tickets_sold, show.total_seats),
            revenue=Decimal(show.revenue).quantize(Decimal("0.01")), cancelled=show.cancelled,
            refunds=Decimal(show.refunded).quantize(Decimal("0.01")), refunded_tickets=show.refunded_tickets,
            holds=show.holds_made, holds_converted=show.holds_converted, checked_in=show.checked_in,
            check_in_rate=percent(show.checked_in, show.tickets_sold) if started and show.tickets_sold else None,
            started=started, cash_to_pay_out=Decimal(show.cash_to_pay_out).quantize(Decimal("0.01"))))
    report = SalesReport(date_from=date_from, date_to=date_to, rows=rows)
    days: dict[date, Subtotal] = {}
    movies: dict[int, Subtotal] = {}
    report.totals = Subtotal("all", "all")
    for row in rows:
        for subtotal in (days.setdefault(row.day, Subtotal(row.day.isoformat(), row.day.isoformat())),
                         movies.setdefault(row.movie_id, Subtotal(str(row.movie_id), row.movie_title)),
                         report.totals):
            subtotal.add(row)
    report.days = [days[d] for d in sorted(days)]
    report.movies = sorted(movies.values(), key=lambda m: (m.label, m.key))
    return report


def movie_choices() -> list[tuple[int, str]]:
    return list(Movie.objects.order_by("title", "id").values_list("id", "title"))


CSV_COLUMNS = ["day", "movie_id", "movie_title", "show_id", "date_time", "cinema_name", "screen_name", "capacity",
               "tickets_sold", "occupancy_percent", "revenue", "cancelled", "refunds", "refunded_tickets", "holds",
               "holds_converted", "hold_conversion_percent", "checked_in", "check_in_rate", "cash_to_pay_out"]


def cinema_choices() -> list[tuple[int, str]]:
    return list(Cinema.objects.order_by("name", "id").values_list("id", "name"))


# --- Per movie and week, as film distributors ask for ----------------------------------------------------------
MAX_REPORT_WEEKS = 13
WEEKLY_CSV_COLUMNS = ["week", "week_start", "movie_id", "movie_title", "shows", "tickets", "gross", "refunds",
                      "discounts", "net"]


@dataclass
class MovieWeek:
    """A movie's week (Monday to Sunday, in each cinema's time zone). gross: the full (list) price of its tickets
    sold, including tickets later refunded; refunds: what was given back; discounts: what promo codes took off
    those tickets; net = gross - refunds - discounts: what was kept."""

    week_start: date
    movie_id: int
    movie_title: str
    shows: int = 0
    tickets: int = 0
    gross: Decimal = Decimal("0.00")
    refunds: Decimal = Decimal("0.00")
    discounts: Decimal = Decimal("0.00")

    @property
    def week(self) -> str:
        year, week, _day = self.week_start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def net(self) -> Decimal:
        return self.gross - self.refunds - self.discounts

    def as_dict(self) -> dict:
        return {"week": self.week, "week_start": self.week_start.isoformat(), "movie_id": self.movie_id,
                "movie_title": self.movie_title, "shows": self.shows, "tickets": self.tickets,
                "gross": str(self.gross), "refunds": str(self.refunds), "discounts": str(self.discounts),
                "net": str(self.net)}


def parse_weekly_params(params, *, today: date | None = None) -> dict:
    """`week` (any day of the first week, YYYY-MM-DD; default this week), `weeks` (1..13, default 1), `movie`,
    `cinema`: each wrong value is a 400 naming its parameter."""
    today = today or timezone.localdate()
    first = today
    if params.get("week"):
        first = _report_date("week", params["week"])
    weeks = params.get("weeks") or "1"
    if not (weeks.isascii() and weeks.isdigit() and 1 <= int(weeks) <= MAX_REPORT_WEEKS):
        raise InvalidReportParameter("weeks", _("Between 1 and %(weeks)s weeks.") % {"weeks": MAX_REPORT_WEEKS})
    monday = first - timedelta(days=first.weekday())
    ids = parse_report_params({key: params.get(key) for key in ("movie", "cinema")}, today=today)
    return {"week_start": monday, "weeks": int(weeks), "movie_id": ids["movie_id"], "cinema_id": ids["cinema_id"]}


def movie_weekly_report(*, week_start: date, weeks: int = 1, movie_id: int | None = None,
                        cinema_id: int | None = None, now: datetime | None = None) -> list[MovieWeek]:
    """Per week and movie, built from sales_report's rows (one home for what a sold ticket and a refund are):
    tickets are the active ones, gross adds back what was refunded, refunds are the orders' refunds."""
    report = sales_report(date_from=week_start, date_to=week_start + timedelta(days=7 * weeks - 1),
                          movie_id=movie_id, cinema_id=cinema_id, now=now)
    found: dict[tuple[date, int], MovieWeek] = {}
    discounts = discounts_per_show([row.show_id for row in report.rows])
    for row in report.rows:
        monday = row.day - timedelta(days=row.day.weekday())
        entry = found.setdefault((monday, row.movie_id), MovieWeek(monday, row.movie_id, row.movie_title))
        entry.shows += 1
        entry.tickets += row.tickets_sold
        discount = discounts.get(row.show_id, Decimal("0.00"))
        # Revenue and refunds are what was charged; the list price adds back what codes took off.
        entry.gross += row.revenue + row.refunds + discount
        entry.refunds += row.refunds
        entry.discounts += discount
    return sorted(found.values(), key=lambda w: (w.week_start, w.movie_title, w.movie_id))


def discounts_per_show(show_ids) -> dict[int, Decimal]:
    """{show id: what promo codes took off its tickets sold} — the tickets the revenue and the refunds count: active
    bookings and refunded ones (a free ticket given back was never sold). One query."""
    found: dict[int, Decimal] = {}
    orders = (Order.objects.filter(show_id__in=list(show_ids), discount__gt=0, paid_at__isnull=False)
              .prefetch_related("bookings").only("id", "show_id", "seats"))
    for order in orders:
        discount = {seat["number"]: Decimal(seat.get("discount", "0")) for seat in order.seats}
        for booking in order.bookings.all():
            if (booking.status == Booking.Status.BOOKED
                    or booking.payment_status == Booking.PaymentStatus.REFUNDED):
                found[order.show_id] = found.get(order.show_id, Decimal("0.00")) + discount.get(
                    booking.seat_number, Decimal("0.00"))
    return found


VOUCHER_CSV_COLUMNS = ["code", "batch", "kind", "value", "orders", "seats", "discount", "net"]


@dataclass
class VoucherLine:
    """A code's (or a batch's) orders paid in the period: how many, the seats discounted, the discount given and
    their net revenue (what was charged less what was refunded)."""

    code: str
    batch: str
    kind: str
    value: str
    orders: int = 0
    seats: int = 0
    discount: Decimal = Decimal("0.00")
    net: Decimal = Decimal("0.00")

    def as_dict(self) -> dict:
        return {"code": self.code, "batch": self.batch, "kind": self.kind, "value": self.value,
                "orders": self.orders, "seats": self.seats, "discount": str(self.discount), "net": str(self.net)}


def voucher_report(*, date_from: date, date_to: date, by_batch: bool = False, **_ignored) -> list[VoucherLine]:
    """Per code (or per batch: one line for all its codes) over the orders paid from `date_from` to `date_to`
    (server time zone). Two queries."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(date_from, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    refunded = Refund.objects.filter(order=OuterRef("pk")).exclude(state=Refund.State.FAILED).values(
        "order").annotate(total=Sum("amount")).values("total")
    orders = (Order.objects.filter(voucher_use__isnull=False, paid_at__gte=start, paid_at__lt=end)
              .select_related("voucher_use__voucher")
              .annotate(refunded=Coalesce(Subquery(refunded, output_field=DecimalField()), Value(Decimal("0")),
                                          output_field=DecimalField())))
    lines: dict[str, VoucherLine] = {}
    for order in orders:
        voucher = order.voucher_use.voucher
        key = voucher.batch if by_batch and voucher.batch else voucher.code
        line = lines.setdefault(key, VoucherLine(
            code="" if by_batch and voucher.batch else voucher.code, batch=voucher.batch, kind=voucher.kind,
            value=str(voucher.value)))
        line.orders += 1
        line.seats += order.voucher_use.seats
        line.discount += order.discount
        line.net += order.total - Decimal(order.refunded)
    return sorted(lines.values(), key=lambda line: (-line.discount, line.batch, line.code))
