"""The shape of the sales report's JSON, for the API description (reports.selectors builds the data itself:
`SalesReport.as_dict`; tests/reports/test_reports.py checks that every key it answers is documented here, and back)."""
from rest_framework import serializers

from common.serializers import ErrorSerializer

_MONEY = {"help_text": "In `currency`, two decimals, as a string."}
_PERCENT = {"help_text": "A percentage with one decimal, as a string."}


class _Figures(serializers.Serializer):
    capacity = serializers.IntegerField(help_text="Seats of the shows.")
    tickets_sold = serializers.IntegerField(help_text="Active bookings.")
    occupancy_percent = serializers.CharField(**_PERCENT)
    revenue = serializers.CharField(help_text="What the tickets sold were sold at; " + _MONEY["help_text"])
    cancelled = serializers.IntegerField(help_text="Bookings cancelled.")
    refunds = serializers.CharField(help_text="Money refunded (or being refunded) for these tickets (not a second "
                                              "payment of an order, returned at once); "
                                              + _MONEY["help_text"])
    refunded_tickets = serializers.IntegerField(help_text="Tickets whose payment was refunded.")
    cash_to_pay_out = serializers.CharField(
        help_text="Of `refunds`, cash recorded at the box office and not yet handed to the customer; "
                  + _MONEY["help_text"])
    holds = serializers.IntegerField(help_text="Seat holds made.")
    holds_converted = serializers.IntegerField(
        help_text="Holds confirmed into a reservation or made into an order.")
    hold_conversion_percent = serializers.CharField(
        allow_null=True, help_text="holds_converted / holds; null without holds. " + _PERCENT["help_text"])
    checked_in = serializers.IntegerField(help_text="Active tickets scanned at the door.")
    check_in_rate = serializers.CharField(
        allow_null=True, help_text="checked_in / tickets_sold of the shows that have started (100 minus it is the "
                                   "no-show rate); null when none has started or nothing was sold. "
                                   + _PERCENT["help_text"])


class ReportRowSerializer(_Figures):
    day = serializers.DateField(help_text="The show's day in its cinema's time zone.")
    movie_id = serializers.IntegerField()
    movie_title = serializers.CharField()
    show_id = serializers.IntegerField()
    date_time = serializers.DateTimeField(help_text="The show's start, UTC.")
    cinema_name = serializers.CharField(allow_blank=True)
    screen_name = serializers.CharField()
    started = serializers.BooleanField(help_text="Whether the show had started when the report was made.")


class ReportSubtotalSerializer(_Figures):
    key = serializers.CharField(help_text='The day (YYYY-MM-DD), the movie id, or "all".')
    label = serializers.CharField(help_text='The day, the movie\'s title, or "all".')
    shows = serializers.IntegerField()
    tickets_sold_started = serializers.IntegerField(help_text="Tickets sold for the shows that have started: "
                                                              "check_in_rate's denominator.")


class SalesReportSerializer(serializers.Serializer):
    # `from` is a Python keyword: the field is named in the mapping below.
    to = serializers.DateField(help_text="The last day, inclusive.")
    rows = ReportRowSerializer(many=True, help_text="One per show, by start time.")
    days = ReportSubtotalSerializer(many=True, help_text="Subtotals per day.")
    movies = ReportSubtotalSerializer(many=True, help_text="Subtotals per movie, by title.")
    totals = ReportSubtotalSerializer(help_text="The whole period.")
    currency = serializers.CharField(help_text="ISO 4217, e.g. EUR.")

    def get_fields(self):
        fields = super().get_fields()
        return {"from": serializers.DateField(help_text="The first day."), **fields}


class ReportErrorSerializer(ErrorSerializer):
    """400 on the report: which parameter is wrong, and why."""

    to = serializers.ListField(child=serializers.CharField(), required=False, help_text="Why `to` was refused.")
    movie = serializers.ListField(child=serializers.CharField(), required=False,
                                  help_text="Why `movie` was refused.")
    cinema = serializers.ListField(child=serializers.CharField(), required=False,
                                   help_text="Why `cinema` was refused.")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.ListField(child=serializers.CharField(), required=False,
                                               help_text="Why `from` was refused.")
        return fields
