"""Query-filter pieces every app's lists use (django-filter): bounded ids, UTC date-times, yes/no choices, and
the filters described as Swagger query parameters.

A value that cannot be parsed is a 400 naming the parameter, never ignored: the yes/no filters are choice filters
(django-filter's BooleanWidget would quietly ignore "yes").
"""
from datetime import timezone as datetime_timezone

import django_filters
from django import forms
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_yasg import openapi

YES_NO = [("true", "true"), ("false", "false")]


datetime_utc = datetime_timezone.utc


class IdFilter(django_filters.NumberFilter):
    """An id: a whole number (NumberFilter alone would take "1.5" and quietly match nothing) within 64 bits, either
    way: a larger one cannot name a row, and SQLite cannot even bind it (OverflowError, a 500 found by the fuzz
    test, first with a huge positive id, then with a huge negative one). A negative id within 64 bits still simply
    matches nothing."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_value", 2**63 - 1)
        kwargs.setdefault("min_value", -(2**63))
        super().__init__(*args, **kwargs)


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time, as UTC. Python accepts UTC offsets up to ±23:59 but PostgreSQL only ±15:59, so a
    value such as `...-19:14` passed on as it is was a database error (a 500, found by the fuzz test); in UTC it is
    an ordinary instant. One too close to year 1 or 9999 to be expressed in UTC is a 400 like any bad value."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None or timezone.is_naive(value):
            return value
        try:
            return value.astimezone(datetime_utc)
        except OverflowError:
            raise forms.ValidationError("Enter a date-time between years 1 and 9999.", code="invalid") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


def swagger_parameters(filterset_class) -> list[openapi.Parameter]:
    """The filters as Swagger query parameters (django-filter no longer describes itself to schema generators)."""
    types = {IdFilter: openapi.TYPE_INTEGER}
    formats = {django_filters.DateFilter: openapi.FORMAT_DATE,
               django_filters.IsoDateTimeFilter: openapi.FORMAT_DATETIME,
               UtcIsoDateTimeFilter: openapi.FORMAT_DATETIME}
    parameters = []
    for name, field in filterset_class.base_filters.items():
        kwargs = {"type": types.get(type(field), openapi.TYPE_STRING),
                  "description": field.extra.get("help_text", "")}
        if type(field) in formats:
            kwargs["format"] = formats[type(field)]
        if isinstance(field, django_filters.ChoiceFilter) and field.extra.get("choices") == YES_NO:
            # A boolean, so a generated client takes True/False (and sends them as true/false, the two values the
            # filter accepts) rather than the strings "true"/"false".
            kwargs["type"] = openapi.TYPE_BOOLEAN
        if isinstance(field, django_filters.OrderingFilter):
            kwargs["enum"] = ["date_time", "-date_time"]
        parameters.append(openapi.Parameter(name, openapi.IN_QUERY, **kwargs))
    return parameters


class CatalogueFilterBackend(DjangoFilterBackend):
    """django-filter's backend, skipped when the request has no query parameter at all.

    Building a FilterSet deep-copies every declared filter and validates a form, even with nothing to filter: about
    a fifth of the CPU of an unfiltered list (profiled, docs/performance.md), and an unfiltered list is what most
    visitors read. With no parameter every filter is empty and the FilterSet returns the queryset as it is, so the
    answer is the same.
    """

    def filter_queryset(self, request, queryset, view):
        if not request.query_params:
            return queryset
        return super().filter_queryset(request, queryset, view)
