"""Query budgets: list endpoints cost the same for 1 row as for 100, and a booking costs a small fixed number.

An N+1 (a serializer touching a relation per row) or a booking that reads every booking of its show would
show up here as a count that grows with the data. The seat map's budget is tested with the seat map.
"""
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from common.db import locked_transaction
from core.models import Booking
from tests.conftest import ON_POSTGRES, client_for
from tests.factories import BookingFactory, MovieFactory, ShowFactory, UserFactory, mark_booked

# GET /movies/: the movies. (Anonymous: no user look-up.)
MOVIES_QUERIES = 1
# GET /movies/<id>/shows/: its shows with movie and availability in one query (only an empty list then asks whether
# the movie exists).
SHOWS_QUERIES = 1
# GET /my-bookings/: the user (authentication), then the bookings with show and movie in one query.
MY_BOOKINGS_QUERIES = 2
# POST /shows/<id>/book/, counted as production runs it (outside a test transaction, so no savepoints), each a
# round trip to the database. On PostgreSQL (core.services.booking's lean path): the user
# (authentication); BEGIN; the seat row's conditional UPDATE (lock, check and write in one statement); the
# booking's INSERT, guarded by the show's state and answering the show, read after the seat's lock; COMMIT.
# On SQLite, the general path: the user; BEGIN IMMEDIATE; the seat's row; the show; the seat's new state; the
# booking's insert; COMMIT. PostgreSQL's lock timeout is a connection setting, not a per-transaction `SET LOCAL`
# (except behind PgBouncer in transaction mode, which adds that statement: tests/project/test_pooling.py).
# Plus the confirmation mail: its outbox row (on PostgreSQL written by the booking's own INSERT statement; on SQLite
# one INSERT more, in the booking's transaction) and, after the commit, its sending, which the suite does in process
# as `make run` does without a broker (BEGIN, the row locked, the bookings and their seat labels read to compose it,
# marked sent, COMMIT); with a broker (REDIS_URL) that is one Redis command waking the worker instead
# (notifications.kick).
BOOKING_QUERIES = 5 if ON_POSTGRES else 7 + 1
MAIL_SENT_IN_PROCESS_QUERIES = 6
# A refused booking (the seat taken) costs at most the general path's count: on PostgreSQL the UPDATE finds the
# seat not free and the general path, in the same transaction, names the reason.
REFUSED_BOOKING_QUERIES = 7


def _count_for_n_rows(make_rows, request, budget, django_assert_max_num_queries) -> list[int]:
    """Queries of `request()` after `make_rows(1)` and again after `make_rows(99)` more (100 rows)."""
    counts = []
    for n in (1, 99):
        make_rows(n)
        with django_assert_max_num_queries(budget) as captured:
            response = request()
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    return counts


@pytest.mark.django_db
def test_movie_list_is_constant(api_client, django_assert_max_num_queries):
    counts = _count_for_n_rows(
        lambda n: MovieFactory.create_batch(n),
        lambda: api_client.get("/movies/"),
        MOVIES_QUERIES,
        django_assert_max_num_queries,
    )

    assert counts == [MOVIES_QUERIES, MOVIES_QUERIES]
    assert len(api_client.get("/movies/").json()) == 100


@pytest.mark.django_db
def test_show_list_is_constant(api_client, movie, django_assert_max_num_queries):
    def make_rows(n):
        for show in ShowFactory.create_batch(n, movie=movie):
            BookingFactory(show=show, seat_number=1)  # availability is counted in the same query

    counts = _count_for_n_rows(
        make_rows, lambda: api_client.get(f"/movies/{movie.id}/shows/"), SHOWS_QUERIES, django_assert_max_num_queries
    )

    assert counts == [SHOWS_QUERIES, SHOWS_QUERIES]
    shows = api_client.get(f"/movies/{movie.id}/shows/").json()
    assert len(shows) == 100
    assert {s["available_seats"] for s in shows} == {49}


@pytest.mark.django_db
def test_my_bookings_is_constant(user, django_assert_max_num_queries):
    client = client_for(user)

    def make_rows(n):
        # Each booking on its own show and movie, so a per-row look-up of either would be counted.
        for _ in range(n):
            BookingFactory(user=user, show=ShowFactory(), seat_number=1)

    counts = _count_for_n_rows(
        make_rows, lambda: client.get("/my-bookings/"), MY_BOOKINGS_QUERIES, django_assert_max_num_queries
    )

    assert counts == [MY_BOOKINGS_QUERIES, MY_BOOKINGS_QUERIES]
    assert len(client.get("/my-bookings/").json()) == 100


# transaction=True: inside the usual test transaction the service's atomic() would become a savepoint and add
# two queries that production never runs.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("existing_bookings", [0, 200])
def test_booking_runs_a_fixed_number_of_queries(existing_bookings, django_assert_num_queries):
    show = ShowFactory(total_seats=1000, date_time=timezone.now() + timedelta(days=1))
    others = UserFactory.create_batch(4)
    Booking.objects.bulk_create(
        Booking(user=others[seat % 4], show=show, seat_number=seat) for seat in range(1, existing_bookings + 1)
    )
    mark_booked(show, range(1, existing_bookings + 1))
    client = client_for(UserFactory())

    with django_assert_num_queries(BOOKING_QUERIES + MAIL_SENT_IN_PROCESS_QUERIES):
        response = client.post(f"/shows/{show.id}/book/", {"seat_number": 500}, format="json")

    assert response.status_code == 201
    assert Booking.objects.filter(show=show, status="booked").count() == existing_bookings + 1


@pytest.mark.django_db(transaction=True)
def test_a_refused_booking_costs_no_more_than_a_successful_one(django_assert_max_num_queries):
    show = ShowFactory(total_seats=1000)
    BookingFactory(show=show, seat_number=7)
    client = client_for(UserFactory())

    with django_assert_max_num_queries(REFUSED_BOOKING_QUERIES):
        response = client.post(f"/shows/{show.id}/book/", {"seat_number": 7}, format="json")

    assert response.status_code == 409


def _lock_timeout_in_a_booking_transaction() -> str:
    with locked_transaction():
        with connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            return cursor.fetchone()[0]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_lock_wait_stays_bounded_without_its_own_round_trip(settings):
    # The connection carries the bound (BOOKING_LOCK_TIMEOUT_MS, 3000 ms by default) ...
    assert settings.BOOKING_LOCK_TIMEOUT_MS == settings.DATABASE_LOCK_TIMEOUT_MS == 3000
    assert _lock_timeout_in_a_booking_transaction() == "3s"
    # ... and a different value at run time is still honoured, for that transaction only.
    with override_settings(BOOKING_LOCK_TIMEOUT_MS=250):
        assert _lock_timeout_in_a_booking_transaction() == "250ms"
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "3s"
