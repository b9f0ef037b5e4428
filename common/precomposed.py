"""SQL composed once from the models' metadata, run through a cursor: for the few statements on the hot path.

Why: composing a query through the ORM (`QuerySet` → `Query` → compiler → SQL) costs more CPU than the database
spends running it; measured per booking request by `make bench`, it was the largest part of the application's
CPU (see docs/performance.md). These helpers compose the SQL text once per process from `_meta` (so a column added
to a model is picked up, never forgotten) and turn result rows back into model instances with `Model.from_db`,
as the ORM itself does. No input ever goes into the SQL text: values are bound parameters.

Only what is used on the hot path lives here; everything else stays on the ORM.
"""
import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model, Q, QuerySet


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def select_columns(model: type[Model], alias: str, leave_out: tuple[str, ...] = ()) -> str:
    """`alias."col1", alias."col2", ...` for every concrete field of `model` but those named in `leave_out`, in
    `_meta` order."""
    return ", ".join(f"{alias}.{quote(f.column)}" for f in _fields(model, leave_out))


def field_count(model: type[Model], leave_out: tuple[str, ...] = ()) -> int:
    return len(_fields(model, leave_out))


def instance_from_row(model: type[Model], row, leave_out: tuple[str, ...] = ()) -> Model:
    """A model instance from a row of `select_columns(model, ..., leave_out)`, converted as the ORM would convert it.
    The fields left out are deferred, as `QuerySet.defer()` leaves them: read from the database if ever used."""
    attnames, converters = _row_plan(model, connection.vendor, leave_out)
    values = list(row)
    for index, col, converter in converters:
        values[index] = converter(values[index], col, connection)
    return model.from_db(connection.alias, attnames, values)


@functools.cache
def _fields(model: type[Model], leave_out: tuple[str, ...]) -> tuple:
    # Once per model and fields left out: field_count runs on every booking (core.services.booking).
    return tuple(f for f in model._meta.concrete_fields if f.name not in leave_out)


@functools.cache
def _row_plan(model: type[Model], vendor: str, leave_out: tuple[str, ...] = ()):
    """Per model, fields left out and database: the attribute names, and the converters (the backend's, e.g.
    decimals on SQLite, then the field's own, e.g. JSONField's decoding) to apply to which column, as the ORM's
    compiler does."""
    fields = _fields(model, leave_out)
    converters = []
    for index, field in enumerate(fields):
        col = field.get_col(model._meta.db_table)
        for converter in connection.ops.get_db_converters(col) + field.get_db_converters(connection):
            converters.append((index, col, converter))
    return [f.attname for f in fields], converters


def insert_columns_and_values(instance: Model) -> tuple[list[str], list]:
    """The columns and database values an `INSERT` of `instance` writes (every concrete field except the
    auto primary key), computed as `Model.save()` computes them: defaults, `auto_now_add`, `get_db_prep_save`.

    The columns list is shared (composed once per model): do not change it."""
    conn = connections[DEFAULT_DB_ALIAS]  # the connection itself: one look-up, not one through the proxy per field
    columns, fields = _insert_plan(type(instance), conn.vendor)
    return columns, [field.get_db_prep_save(field.pre_save(instance, True), conn) for field in fields]


@functools.cache
def _insert_plan(model: type[Model], vendor: str) -> tuple[list[str], list]:
    # Quoting every column name on every INSERT cost more than computing the values (the booking's profile,
    # bench/profile_booking.py).
    fields = [field for field in model._meta.concrete_fields
              if not (field.primary_key
                      and field.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField"))]
    return [quote(field.column) for field in fields], fields


class Condition(NamedTuple):
    """A WHERE condition the ORM composed once (`condition`): its SQL text, and its parameters with the places of
    the one value given per call, which `bind` fills."""

    sql: str
    constants: tuple
    slots: tuple[int, ...]

    def bind(self, value) -> list:
        params = list(self.constants)
        for index in self.slots:
            params[index] = value
        return params


# The per-call value is compiled with each of these; the parameters that differ between the two are its places.
_SAMPLE_DATETIMES = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2001, 1, 1, tzinfo=UTC))


def condition(model: type[Model], build: Callable[[datetime], Q]) -> Condition:
    """`build(now)` compiled by the ORM's own compiler, for statements written here that must say exactly what a
    queryset filtered by the same `Q` says (so a rule has one home, e.g. core.sellable, and the hot path's SQL is
    generated from it rather than copied).

    The SQL text qualifies columns by `model`'s table name, so it can follow `UPDATE <table> ... WHERE`; a `Q` that
    needs a join is refused. The per-call datetime goes in as given by `Condition.bind`, without the field's
    adaptation, which is right where the database driver adapts datetimes itself (PostgreSQL, where the fast paths
    run); a backend whose ORM rewrites the value (SQLite turns it into text) is refused here rather than bound wrong.
    """
    compiled = []
    for sample in _SAMPLE_DATETIMES:
        query = model._base_manager.filter(build(sample)).query
        if len(query.alias_map) != 1:
            raise ValueError(f"{model.__name__}: a precomposed condition may use the table's own columns only")
        sql, params = query.get_compiler(connection=connection).compile(query.where)
        compiled.append((sql, tuple(params)))
    (sql, first), (second_sql, second) = compiled
    slots = tuple(index for index, (a, b) in enumerate(zip(first, second, strict=True)) if a != b)
    if (second_sql != sql or not slots or any(first[i] is not _SAMPLE_DATETIMES[0] for i in slots)
            or any(second[i] is not _SAMPLE_DATETIMES[1] for i in slots)):
        raise ValueError(f"{model.__name__}: the condition's datetime does not reach the database as given")
    return Condition(f"({sql})", tuple(None if i in slots else p for i, p in enumerate(first)), slots)


class Query(NamedTuple):
    """A query the ORM composed once (`query`): its SQL text, its constant parameters, and which parameter takes
    which of the per-call values (`bind`)."""

    sql: str
    constants: tuple
    slots: tuple[tuple[int, str], ...]

    def bind(self, **values) -> list:
        params = list(self.constants)
        for index, name in self.slots:
            params[index] = values[name]
        return params


def query(build: Callable[..., QuerySet], samples: tuple[dict, dict]) -> Query:
    """`build(**values)` compiled by the ORM's own compiler, for a statement written here that must ask exactly what
    the queryset asks (e.g. `EXISTS (<sql>)`): the rule keeps one home, the hot path's SQL is generated from it.

    `samples` are two sets of values for `build`'s keyword arguments, every value distinct from every other (in
    and across the two): a parameter that takes one value in the first compilation and the same key's value in the
    second is that key's place. Values must reach the database as given (integers, and datetimes on PostgreSQL)."""
    compiled = []
    for sample in samples:
        sql, params = build(**sample).query.sql_with_params()
        compiled.append((sql, tuple(params)))
    (sql, first), (second_sql, second) = compiled
    if second_sql != sql:
        raise ValueError("the query's text depends on its values")
    slots = []
    for index, (a, b) in enumerate(zip(first, second, strict=True)):
        if a == b:
            continue
        names = [name for name in samples[0] if samples[0][name] == a and samples[1][name] == b]
        if len(names) != 1:
            raise ValueError("a per-call value does not reach the database as given")
        slots.append((index, names[0]))
    if {name for _, name in slots} != set(samples[0]):
        raise ValueError("a per-call value does not reach the database as given")
    return Query(sql, tuple(None if i in dict(slots) else p for i, p in enumerate(first)), tuple(slots))


class Rows(NamedTuple):
    """A `values_list()` query the ORM composed once (`rows`): the `Query` to bind, and the converters the ORM's
    compiler would apply to which column (JSON decoding, the backend's own), so that `fetch` returns exactly the
    tuples the queryset would."""

    query: Query
    converters: tuple[tuple[int, tuple, object], ...]

    def fetch(self, using: str, **values) -> list[tuple]:
        rows = self.fetch_raw(using, **values)
        if not self.converters:
            return rows
        conn = connections[using]
        return [self.convert(row, conn) for row in rows]

    def fetch_raw(self, using: str, **values) -> list[tuple]:
        """The rows as the database driver gave them, before the ORM's converters (`convert`): e.g. a JSON column
        still as its text, so a row can be a dictionary key (core.rendered)."""
        with connections[using].cursor() as cursor:
            cursor.execute(self.query.sql, self.query.bind(**values))
            return cursor.fetchall()

    def convert(self, row: tuple, conn) -> tuple:
        """One row of `fetch_raw` as `fetch` (and the queryset) gives it."""
        row = list(row)
        for index, functions, expression in self.converters:
            value = row[index]
            for function in functions:
                value = function(value, expression, conn)
            row[index] = value
        return tuple(row)


def rows(build: Callable[..., QuerySet], samples: tuple[dict, dict]) -> Rows:
    """`build(**values)`, a `values_list()` queryset, composed once (see `query`) for reads on the hot path whose
    query building and compiling cost more than the database's work (the catalogue's shows, docs/performance.md)."""
    composed = query(build, samples)
    queryset = build(**samples[0])
    compiler = queryset.query.get_compiler(using=queryset.db)
    compiler.setup_query()
    expressions = [selected[0] for selected in compiler.select[:compiler.col_count]]
    converters = compiler.get_converters(expressions)
    return Rows(composed, tuple((index, tuple(functions), expression)
                                for index, (functions, expression) in sorted(converters.items())))


class Instances(NamedTuple):
    """A queryset of one model's instances composed once (`instances`): its rows (`Rows`), made into the instances
    the queryset would have given (`Model.from_db`, after the same converters)."""

    rows: Rows
    model: type[Model]
    attnames: tuple[str, ...]

    def fetch(self, using: str, **values) -> list[Model]:
        from_db, attnames = self.model.from_db, self.attnames
        return [from_db(using, attnames, row) for row in self.rows.fetch(using, **values)]


def instances(build: Callable[..., QuerySet], samples: tuple[dict, dict]) -> Instances:
    """`build(**values)`, a queryset of model instances (every concrete field, no `select_related`), composed once
    as `rows` composes a `values_list()`: for the locking reads every seat writer makes (core.locks), whose
    composing cost more than PostgreSQL spends on them. What it says (filters, order, `FOR UPDATE`) is the
    queryset's, so the rule stays where the queryset is built."""
    model = build(**samples[0]).model
    attnames = tuple(field.attname for field in model._meta.concrete_fields)
    return Instances(rows(lambda **values: build(**values).values_list(*attnames), samples), model, attnames)
