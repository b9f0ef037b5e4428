"""The sales report for staff: a page in the admin, the same data as JSON for programs, and as CSV.

Views only translate HTTP; the numbers come from `reports.selectors.sales_report` (one query).
"""
import csv
import io

from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe
from drf_yasg import openapi
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import MANAGER, role_required
from common.errors import DomainError
from common.schema import STAFF, TAG_REPORTS, api_operation
from reports.charts import bar_chart_svg
from reports.selectors import (
    CSV_COLUMNS,
    MAX_REPORT_DAYS,
    cinema_choices,
    movie_choices,
    parse_report_params,
    sales_report,
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


def _csv(report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        data = row.as_dict()
        writer.writerow(["" if data[c] is None else data[c] for c in CSV_COLUMNS])
    return out.getvalue()


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
    def get(self, request):
        report = sales_report(**parse_report_params(request.query_params))
        return Response(report.as_dict())


class SalesReportCsvView(APIView):
    """The report's rows as CSV (staff only), for a spreadsheet."""

    permission_classes = [role_required(MANAGER)]
    swagger_schema = None  # not JSON; documented in docs/operations.md

    def get(self, request):
        report = sales_report(**parse_report_params(request.query_params))
        response = HttpResponse(_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (f'attachment; filename="sales-{report.date_from}-{report.date_to}.csv"')
        return response


@require_safe
def admin_sales_report(request):
    """The report as an admin page: filters, a chart of tickets sold per day, the tables, a CSV link."""
    errors = {}
    try:
        params = parse_report_params(request.GET)
    except DomainError as exc:
        errors = exc.extra
        params = parse_report_params({})
    report = sales_report(**params)
    chart = bar_chart_svg([(d.label, d.tickets_sold) for d in report.days], title="Tickets sold per day")
    # Money out beside money in, and the door: where refunds or no-shows cluster on some days.
    refunds_chart = bar_chart_svg([(d.label, d.refunds) for d in report.days], title="Refunds per day")
    check_in_chart = bar_chart_svg([(d.label, d.check_in_rate) for d in report.days if d.check_in_rate is not None],
                                   title="Check-in rate per day (%), days whose shows have started")
    context = {
        **admin.site.each_context(request),
        "title": "Sales report",
        "report": report,
        "errors": errors,
        # Built by reports.charts, which escapes every text it puts in.
        "chart": mark_safe(chart),  # nosec B308 B703
        "refunds_chart": mark_safe(refunds_chart),  # nosec B308 B703
        "check_in_chart": mark_safe(check_in_chart),  # nosec B308 B703
        "movies": movie_choices(),
        "cinemas": cinema_choices(),
        "selected_movie": params["movie_id"],
        "selected_cinema": params["cinema_id"],
        "currency": settings.CURRENCY,
        "query": request.GET.urlencode(),
    }
    return TemplateResponse(request, "admin/reports/sales.html", context)
