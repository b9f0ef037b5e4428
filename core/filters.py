"""The catalogue's query filters (django-filter): `GET /shows/`, `/movies/<id>/shows/` and `/movies/`.

A value that cannot be parsed is a 400 naming the parameter (`{"<param>": ["..."], "code": "invalid"}`), never
ignored: DjangoFilterBackend raises the form's errors as a DRF ValidationError, and the yes/no filters are choice
filters (django-filter's BooleanWidget would quietly ignore "yes") taking "true" or "false", described as booleans
(what a client sends for one). Every filter is part of the one list query, so a filtered list costs what an
unfiltered one does.
"""
import zoneinfo
from datetime import datetime, time, timedelta

import django_filters
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from common.filters import YES_NO, IdFilter, UtcIsoDateTimeFilter
from core.models import Movie, Show, search_text
from venues.models import Cinema


def _yes_no_filter(method: str, help_text: str):
    return django_filters.ChoiceFilter(choices=YES_NO, method=method, help_text=help_text)


class ShowFilter(django_filters.FilterSet):
    movie = IdFilter(field_name="movie_id", help_text="Movie id.")
    cinema = IdFilter(field_name="screen__cinema_id", help_text="Cinema id.")
    city = django_filters.CharFilter(field_name="screen__cinema__city", lookup_expr="iexact",
                                     help_text="City of the cinema (case-insensitive).")
    screen = IdFilter(field_name="screen_id", help_text="Screen id.")
    date = django_filters.DateFilter(method="filter_local_date",
                                     help_text="YYYY-MM-DD: shows starting that calendar day in the cinema's own time "
                                               "zone (shows without a screen: the server's TIME_ZONE).")
    # `from` is a Python keyword, so it cannot be a class attribute name; the class body's namespace takes it.
    locals()["from"] = UtcIsoDateTimeFilter(field_name="date_time", lookup_expr="gte",
                                            help_text="ISO 8601 date-time: starting at or after.")
    to = UtcIsoDateTimeFilter(field_name="date_time", lookup_expr="lte",
                              help_text="ISO 8601 date-time: starting at or before.")
    language = django_filters.CharFilter(lookup_expr="iexact", help_text="Language of the show.")
    format = django_filters.CharFilter(lookup_expr="iexact", help_text="2D, 3D, IMAX, ...")
    available = _yes_no_filter("filter_available", "true: only shows with free seats; false: only sold-out ones.")
    upcoming = _yes_no_filter("filter_upcoming", "true: only shows not started and not cancelled.")
    ordering = django_filters.OrderingFilter(fields=(("date_time", "date_time"),),
                                             help_text="date_time or -date_time (default: date_time).")

    class Meta:
        model = Show
        fields = []

    def filter_local_date(self, queryset, name, value):
        # A calendar day in each cinema's own zone is a different UTC interval per zone: one OR-ed interval per
        # zone in use (one small query for the zones), so the filter stays in SQL and the list one query.
        def day(zone):
            start = timezone.make_aware(datetime.combine(value, time.min), zone)
            return Q(date_time__gte=start, date_time__lt=start + timedelta(days=1))

        condition = Q(screen__isnull=True) & day(zoneinfo.ZoneInfo(settings.TIME_ZONE))
        for zone_name in Cinema.objects.order_by().values_list("time_zone", flat=True).distinct():
            condition |= Q(screen__cinema__time_zone=zone_name) & day(zoneinfo.ZoneInfo(zone_name))
        return queryset.filter(condition)

    def filter_available(self, queryset, name, value):
        return queryset.filter(available_seats__gt=0) if value == "true" else queryset.filter(available_seats__lte=0)

    def filter_upcoming(self, queryset, name, value):
        upcoming = Q(date_time__gt=timezone.now(), status=Show.Status.SCHEDULED)
        return queryset.filter(upcoming) if value == "true" else queryset.exclude(upcoming)


class MovieFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search",
                                       help_text="Text in the title (case- and accent-insensitive).")
    genre = django_filters.CharFilter(method="filter_genre", help_text="One genre, e.g. drama.")
    language = django_filters.CharFilter(lookup_expr="iexact", help_text="Original language.")
    now_showing = _yes_no_filter("filter_now_showing", "true: only movies with an upcoming show.")

    class Meta:
        model = Movie
        fields = []

    def filter_search(self, queryset, name, value):
        return queryset.filter(search_title__contains=search_text(value))

    def filter_genre(self, queryset, name, value):
        return queryset.filter(search_genres__contains=f"|{search_text(value)}|")

    def filter_now_showing(self, queryset, name, value):
        upcoming = Exists(Show.objects.filter(movie=OuterRef("pk"), date_time__gt=timezone.now(),
                                              status=Show.Status.SCHEDULED))
        return queryset.filter(upcoming) if value == "true" else queryset.exclude(upcoming)


