"""The sales report for staff: a page in the admin, the same data as JSON for programs, and as CSV.

Views only translate HTTP; the numbers come from `reports.selectors.sales_report` (one query), read from the replica
when one is configured (common.replica): a report may be a moment late, and its scans then cost the primary,
which sells the seats, nothing.
"""
import io
from decimal import Decimal

from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from drf_yasg import openapi
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import MANAGER, role_required
from common import csv_export
from common.errors import DomainError
from common.replica import reads_from_replica
from common.schema import STAFF, TAG_REPORTS, api_operation
from reports.charts import bar_chart_svg
from reports.selectors import (
    CSV_COLUMNS,
    MAX_REPORT_DAYS,
    MAX_REPORT_WEEKS,
    VOUCHER_CSV_COLUMNS,
    WEEKLY_CSV_COLUMNS,
    cinema_choices,
    movie_choices,
    movie_weekly_report,
    parse_report_params,
    parse_weekly_params,
    sales_report,
    voucher_report,
)
from reports.serializers import ReportErrorSerializer, SalesReportSerializer

_PARAMETERS = [
    openapi.Parameter("from", openapi.IN_QUERY, "First day, in each cinema's time zone (YYYY-MM-DD; default 30 "
                      "days ago)", type=openapi.TYPE_STRING, format=openapi.FORMAT_DATE),
    openapi.Parameter("to", openapi.IN_QUERY, f"Last day, inclusive (YYYY-MM-DD; default in 30 days; at most "
                      f"{MAX_REPORT_DAYS} days after `from`)", type=openapi.TYPE_STRING, format=openapi.FORMAT_DATE),
    openapi.Parameter("movie", openapi.IN_QUERY, "Only this movie (id)", type=openapi.TYPE_INTEGER, minimum=1),
    openapi.Parameter("cinema", openapi.IN_QUERY, "Only this cinema (id)", type=openapi.TYPE_INTEGER, minimum=1),
]


def _csv_response(columns, rows, filename: str) -> HttpResponse:
    """The rows (each with as_dict()) as a CSV download with a header of `columns`, for a spreadsheet."""
    out = io.StringIO()
    # Titles and names are typed by staff: csv_export neutralises cells a spreadsheet would run.
    writer = csv_export.writer(out)
    writer.writerow(columns)
    for row in rows:
        data = row.as_dict()
        writer.writerow(["" if data[c] is None else data[c] for c in columns])
    return csv_export.download(out.getvalue(), filename)


def _page_params(parse, query) -> tuple[dict, dict]:
    """A report page's filters and the errors to show beside its form: a wrong value shows the defaults with the
    error, where the API answers 400."""
    try:
        return parse(query), {}
    except DomainError as exc:
        return parse({}), exc.extra


class SalesReportView(APIView):
    """Per day, movie and show: tickets sold, occupancy, revenue, cancellations, refunds, holds that turned into
    orders, check-in rate (staff only)."""

    permission_classes = [role_required(MANAGER)]

    @api_operation(
        operation_id="reports_sales", summary="Sales report per day, movie and show (manager)", tag=TAG_REPORTS,
        auth=STAFF, role=MANAGER, manual_parameters=_PARAMETERS,
        description="One row per show whose day (in its cinema's time zone) is in the period, with subtotals per "
                    "day and movie and the totals. The same rows as CSV: `GET /reports/sales.csv` with the same "
                    "parameters.",
        success=(200, SalesReportSerializer), errors=["invalid_report_parameter", "report_period_too_long"],
        error_schemas={400: ReportErrorSerializer},
    )
    @reads_from_replica
    def get(self, request):
        report = sales_report(**parse_report_params(request.query_params))
        return Response(report.as_dict())


class SalesReportCsvView(APIView):
    """The report's rows as CSV (staff only), for a spreadsheet."""

    permission_classes = [role_required(MANAGER)]
    swagger_schema = None  # not JSON; documented in docs/operations.md

    @reads_from_replica
    def get(self, request):
        report = sales_report(**parse_report_params(request.query_params))
        return _csv_response(CSV_COLUMNS, report.rows, f"sales-{report.date_from}-{report.date_to}.csv")


def _chart(bars, *, title, x_label, y_label, top=None) -> dict:
    """A chart for the page: its title (shown above it), the SVG, and the same numbers for the table beside it."""
    return {"title": title, "x_label": x_label, "y_label": y_label, "bars": bars,
            # Built by reports.charts, which escapes every text it puts in.
            "svg": mark_safe(bar_chart_svg(bars, label=title, x_label=x_label, y_label=y_label,  # nosec B308 B703
                                           top=top))}


@require_safe
@reads_from_replica
def admin_sales_report(request):
    """The report as an admin page: filters, charts (each with its numbers in a table), the tables, a CSV link."""
    params, errors = _page_params(parse_report_params, request.GET)
    report = sales_report(**params)
    day = _("Day")
    charts = [
        _chart([(d.label, d.tickets_sold) for d in report.days], title=_("Tickets sold per day"), x_label=day,
               y_label=_("Tickets")),
        # Money out beside money in, and the door: where refunds or no-shows cluster on some days.
        _chart([(d.label, d.refunds) for d in report.days], title=_("Refunds per day (%(currency)s)")
               % {"currency": settings.CURRENCY}, x_label=day, y_label=settings.CURRENCY),
        # Every day with tickets at the door, started or not (the door opens before the start): the tickets
        # checked in, not a rate that is empty until a show has started.
        _chart([(d.label, d.checked_in) for d in report.days], title=_("Tickets checked in at the door per day"),
               x_label=day, y_label=_("Tickets")),
    ]
    context = {
        **admin.site.each_context(request),
        "title": _("Sales report"),
        "report": report,
        "errors": errors,
        "charts": charts,
        "movies": movie_choices(),
        "cinemas": cinema_choices(),
        "selected_movie": params["movie_id"],
        "selected_cinema": params["cinema_id"],
        "currency": settings.CURRENCY,
        "query": request.GET.urlencode(),
    }
    return TemplateResponse(request, "admin/reports/sales.html", context)


class MovieWeeklyCsvView(APIView):
    """Per movie and week: tickets, gross, refunds, discounts, net (manager only), as CSV for distributors."""

    permission_classes = [role_required(MANAGER)]
    swagger_schema = None  # not JSON; documented in docs/operations.md

    @reads_from_replica
    def get(self, request):
        params = parse_weekly_params(request.query_params)
        return _csv_response(WEEKLY_CSV_COLUMNS, movie_weekly_report(**params),
                             f"movies-weekly-{params['week_start']}.csv")


@require_safe
@reads_from_replica
def admin_movie_weekly_report(request):
    """The per-movie weekly report as an admin page: the week(s), the table with totals, a CSV link."""
    params, errors = _page_params(parse_weekly_params, request.GET)
    weeks = movie_weekly_report(**params)
    totals = {name: sum((getattr(w, name) for w in weeks), Decimal("0.00") if name != "tickets" else 0)
              for name in ("tickets", "gross", "refunds", "discounts", "net")}
    context = {**admin.site.each_context(request), "title": _("Per movie and week"), "weeks": weeks,
               "totals": totals, "errors": errors, "params": params, "movies": movie_choices(),
               "cinemas": cinema_choices(), "currency": settings.CURRENCY, "query": request.GET.urlencode(),
               "max_weeks": MAX_REPORT_WEEKS}
    return TemplateResponse(request, "admin/reports/movies_weekly.html", context)


def _voucher_params(query) -> dict:
    params = parse_report_params({key: query.get(key) for key in ("from", "to")})
    return {**params, "by_batch": query.get("group") == "batch"}


class VoucherReportCsvView(APIView):
    """Discounts per promo code (or batch: `group=batch`) over the orders paid in the period, as CSV (manager)."""

    permission_classes = [role_required(MANAGER)]
    swagger_schema = None  # not JSON; documented in docs/pricing.md

    @reads_from_replica
    def get(self, request):
        params = _voucher_params(request.query_params)
        return _csv_response(VOUCHER_CSV_COLUMNS, voucher_report(**params),
                             f"vouchers-{params['date_from']}-{params['date_to']}.csv")


@require_safe
@reads_from_replica
def admin_voucher_report(request):
    """Discounts per promo code as an admin page: the period, per code or per batch, the table with totals."""
    params, errors = _page_params(_voucher_params, request.GET)
    lines = voucher_report(**params)
    totals = {"orders": sum(line.orders for line in lines), "seats": sum(line.seats for line in lines),
              "discount": sum((line.discount for line in lines), Decimal("0.00")),
              "net": sum((line.net for line in lines), Decimal("0.00"))}
    context = {**admin.site.each_context(request), "title": _("Discounts per promo code"), "lines": lines,
               "totals": totals, "errors": errors, "params": params, "currency": settings.CURRENCY,
               "query": request.GET.urlencode()}
    return TemplateResponse(request, "admin/reports/vouchers.html", context)
