"""Every form of "this seat can be sold now" against one table of cases.

The rule's home is core.sellable: a Python predicate and an ORM condition, side by side. The booking fast path's
claim is SQL generated from that ORM condition, and the benchmark's pgbench scripts carry it written out (pgbench
cannot import it). This test runs each form, and the services and selectors that decide from it, over the same
seat rows and the same `now`, and asserts that every one gives the table's answer: a form changed on its own
fails here, named with the case it disagrees on.

One case, a held seat with no expiry, can no longer exist in core_showseat: the table's constraint refuses it
(tests/core/test_showseat_hold_fields.py). It is the case the old copies disagreed on, so it stays in the table: the
forms that run in the database read their rows from a temporary table with the same name and columns but no
constraints, which PostgreSQL and SQLite both resolve before the real table for the rest of the test's
transaction (rolled back at its end). The test checks that it is reading that table.
"""
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from core import limits, selectors
from core.models import Hold, Show, ShowSeat
from core.sellable import is_sellable, sellable_now
from core.services import booking as booking_service
from core.services.seats import classify
from tests.factories import MovieFactory, UserFactory

BENCH = Path(__file__).resolve().parents[2] / "bench"

# (case, state, held until: offset from `now`, or None for no expiry; can it be sold at `now`?)
CASES = [
    ("free", "free", None, True),
    ("held, live", "held", timedelta(minutes=5), False),
    ("held, expired", "held", timedelta(minutes=-5), True),
    ("held, ending this instant", "held", timedelta(0), True),
    ("held, no expiry", "held", None, False),  # impossible since migration 0008; see the module docstring
    ("booked", "booked", None, False),
    ("blocked", "blocked", None, False),
]
EXPECTED = {case: sellable for case, _, _, sellable in CASES}
CASE_OF_NUMBER = {number: case for number, (case, *_) in enumerate(CASES, start=1)}


@pytest.fixture
def now(db):
    if connection.vendor == "postgresql":
        # The transaction's own time, which is what pgbench's now() reads: every form judges the same instant.
        with connection.cursor() as cursor:
            cursor.execute("SELECT now()")
            return cursor.fetchone()[0]
    return timezone.now()


@pytest.fixture
def case_show(now):
    """A show whose seats, numbered 1.. in the order of CASES, are in the cases' states, in the shadowing table."""
    # Made without seat rows of its own (unlike ShowFactory), so every seat the forms read is one of ours.
    show = Show.objects.create(movie=MovieFactory(), screen_name="Screen 1", date_time=now + timedelta(days=1),
                               total_seats=len(CASES), prices={"standard": "0.00"})
    hold = Hold.objects.create(user=UserFactory(), show=show, created_at=now - timedelta(hours=1),
                               expires_at=now + timedelta(minutes=5))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE TEMP TABLE core_showseat (LIKE core_showseat INCLUDING DEFAULTS)")
        else:
            cursor.execute("CREATE TEMP TABLE core_showseat AS SELECT * FROM main.core_showseat WHERE 0")
    ShowSeat.objects.bulk_create([
        ShowSeat(id=number, show=show, number=number, label=f"A{number}", row_label="A", row_index=0,
                 column=number - 1, category="standard", price=0, state=state,
                 hold=hold if state == "held" else None, held_until=None if until is None else now + until)
        for number, (_, state, until, _) in enumerate(CASES, start=1)])
    # Reading the temporary table, not the real one: the row the real table refuses is there.
    assert ShowSeat.objects.filter(show=show, state="held", held_until__isnull=True).count() == 1
    return show


def _by_case(sellable_numbers) -> dict[str, bool]:
    return {case: number in sellable_numbers for number, case in CASE_OF_NUMBER.items()}


def _claimed(sql: str, params_for) -> dict[str, bool]:
    """Run a claim UPDATE once per seat, each undone at once so that every form sees the same rows."""
    claimed = set()
    for number in CASE_OF_NUMBER:
        savepoint = transaction.savepoint()
        with connection.cursor() as cursor:
            cursor.execute(sql, params_for(number))
            if cursor.fetchone() is not None:
                claimed.add(number)
        transaction.savepoint_rollback(savepoint)
    return _by_case(claimed)


def _pgbench_claims() -> dict[str, str]:
    """Each pgbench script's seat claim (its UPDATE of bench_showseat), by script name."""
    claims = {}
    for path in sorted(BENCH.glob("*.pgbench.sql")):
        sql = "\n".join(line for line in path.read_text().splitlines()
                        if not line.lstrip().startswith(("--", "\\")))  # comments and pgbench's \set lines
        updates = [s.strip() for s in sql.split(";") if re.match(r"\s*UPDATE\s+bench_showseat\b", s, re.I)]
        assert len(updates) <= 1, f"{path.name}: more than one seat claim; pin each"
        if updates:
            claims[path.name] = updates[0]
    return claims


def _pgbench_form(statement: str, show: Show) -> dict[str, bool]:
    def bound(number):
        sql = re.sub(r":(show|seat)\b", lambda m: str(show.pk if m.group(1) == "show" else number), statement)
        assert not re.search(r"(?<!:):[a-z_]", sql), f"a pgbench variable this test does not bind: {sql}"
        return sql

    found = set()
    for number in CASE_OF_NUMBER:
        savepoint = transaction.savepoint()
        with connection.cursor() as cursor:
            cursor.execute(bound(number))
            if cursor.fetchone() is not None:
                found.add(number)
        transaction.savepoint_rollback(savepoint)
    return _by_case(found)


def test_every_form_of_the_rule_gives_the_same_answer_for_every_case(case_show, now):
    show = case_show
    seats = list(ShowSeat.objects.filter(show=show).order_by("number"))
    numbers = {seat.number for seat in seats}
    forms = {
        "core.sellable.is_sellable": {CASE_OF_NUMBER[s.number]: is_sellable(s.state, s.held_until, now=now)
                                      for s in seats},
        "core.services.seats.classify (free)": _by_case(
            {s.number for s in classify(seats, user=None, now=now).free}),
        f"core.sellable.sellable_now, ORM on {connection.vendor}": _by_case(set(
            ShowSeat.objects.filter(show=show).filter(sellable_now(now=now)).values_list("number", flat=True))),
        f"not .exclude(sellable_now), ORM on {connection.vendor}": _by_case(numbers - set(
            ShowSeat.objects.filter(show=show).exclude(sellable_now(now=now)).values_list("number", flat=True))),
        "core.selectors.seat_map": _by_case(
            {seat["number"] for row in selectors.seat_map(show_id=show.pk, now=now)["rows"] for seat in row["seats"]
             if seat is not None and seat["state"] == "free"}),
        "core.selectors.seat_state": _by_case(numbers - {
            n for key, value in selectors.seat_state(show_id=show.pk, now=now).items()
            if key in ("booked", "held", "blocked") for n in value}),
    }
    if connection.vendor == "postgresql":
        claim_sql, _ = booking_service._fast_sql(connection.vendor, ())
        condition = booking_service._claim_condition(connection.vendor)
        # The claim also locks the booking account's row (core.limits): any existing account does.
        account = limits.composed_account_lock(connection.vendor).query.bind(user_id=UserFactory().pk)
        forms["core.services.booking fast path's claim"] = _claimed(
            claim_sql, lambda number: [*account, ShowSeat.State.BOOKED, show.pk, number, *condition.bind(now)])
        # The benchmark's scratch table, as bench/run.py makes it: a copy of the seat rows (here, of ours).
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE bench_showseat AS SELECT * FROM core_showseat")
        scripts = _pgbench_claims()
        assert scripts, "no pgbench script claims a seat any more: update this test"
        for name, statement in scripts.items():
            forms[f"bench/{name}"] = _pgbench_form(statement, show)

    disagreements = [f"{form}: {case!r} -> {answers.get(case)}, the table says {sellable}"
                     for form, answers in forms.items() for case, sellable in EXPECTED.items()
                     if answers.get(case) != sellable]
    assert not disagreements, "forms that disagree with the table:\n" + "\n".join(disagreements)


@pytest.mark.postgres_only
def test_the_fast_paths_condition_is_the_orms_own_sql(now):
    """Generated, not copied: the claim carries exactly the text the ORM compiles for core.sellable's condition."""
    query = ShowSeat.objects.filter(sellable_now(now=now)).query
    sql, params = query.get_compiler(connection=connection).compile(query.where)
    condition = booking_service._claim_condition(connection.vendor)
    claim_sql, _ = booking_service._fast_sql(connection.vendor, ())

    assert condition.sql == f"({sql})" and condition.sql in claim_sql
    assert condition.bind(now) == list(params)


def test_a_shows_availability_counts_exactly_the_sellable_seats(case_show, now):
    """The availability the catalogue lists (a count in the show's query, and the same query composed once per
    process on PostgreSQL) is the table's count of sellable seats."""
    show = case_show
    expected = sum(EXPECTED.values())
    annotated = Show.objects.filter(pk=show.pk).annotate(
        n=selectors.available_seat_count_per_show(now=now)).values_list("n", flat=True).get()
    assert annotated == expected
    assert selectors.show_get(show_id=show.pk, now=now).available_seats == expected
    if connection.vendor == "postgresql":  # the reads composed once per process (core.selectors)
        [row] = selectors.listed_show_row(show_id=show.pk, now=now).rows
        assert row[-1] == expected
        [row] = selectors.show_rows_of_movie(movie_id=show.movie_id, now=now).rows
        assert row[-1] == expected
