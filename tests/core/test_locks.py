"""core.locks: what the seat writers and the show-wide writers lock."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from common.db import locked_transaction
from common.errors import Busy
from core import limits, locks, selectors
from core.errors import ShowNotFound
from core.locks import lock_seats, lock_show_and_all_seats
from core.models import Movie, Show, ShowSeat
from core.services import booking as booking_service
from core.services import holds as hold_service
from tests.concurrency_helpers import row_locked_elsewhere
from tests.conftest import client_for
from tests.factories import ScreenFactory, ShowFactory, UserFactory


@pytest.mark.django_db
def test_lock_seats_returns_the_existing_seats_in_number_order(show):
    with locked_transaction():
        seats = lock_seats(show.id, [9, 3, 60, 10**30, 0])

    assert [seat.number for seat in seats] == [3, 9]


@pytest.mark.django_db
def test_unknown_show_is_show_not_found_for_show_wide_writers():
    with pytest.raises(ShowNotFound), locked_transaction():
        lock_show_and_all_seats(987654)


@pytest.mark.django_db(transaction=True)  # the usual test transaction would count as "inside"
@pytest.mark.parametrize("lock", [lambda show: lock_seats(show.id, [1]), lambda show: lock_show_and_all_seats(show.id)])
def test_refuses_to_run_outside_a_transaction(lock):
    show = ShowFactory()
    with pytest.raises(RuntimeError, match="inside a transaction"):
        lock(show)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@override_settings(BOOKING_LOCK_TIMEOUT_MS=300)
def test_the_movie_and_show_rows_are_read_not_locked_by_a_booking():
    """Locking the movie or the show too would make every booking of a blockbuster queue behind one lock. The
    show row is held as a show-wide writer holds it (FOR NO KEY UPDATE): a booking does not wait for it."""
    show = ShowFactory()

    with row_locked_elsewhere(Movie.objects.filter(pk=show.movie_id)):
        with row_locked_elsewhere(Show.objects.filter(pk=show.pk), no_key=True):
            response = client_for(UserFactory()).post(f"/shows/{show.id}/book/", {"seat_number": 1}, format="json")

    assert response.status_code == 201


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@override_settings(BOOKING_LOCK_TIMEOUT_MS=300)
def test_a_booking_waits_only_for_its_own_seat():
    show = ShowFactory()

    with row_locked_elsewhere(ShowSeat.objects.filter(show=show, number=1)):
        other_seat = client_for(UserFactory()).post(f"/shows/{show.id}/book/", {"seat_number": 2}, format="json")
        same_seat = client_for(UserFactory()).post(f"/shows/{show.id}/book/", {"seat_number": 1}, format="json")

    assert other_seat.status_code == 201
    assert same_seat.status_code == 503  # busy: the lock wait is bounded


def _values(seats):
    return [{field.attname: getattr(seat, field.attname) for field in ShowSeat._meta.concrete_fields} for seat in seats]


@pytest.mark.django_db
@pytest.mark.parametrize("numbers", [[7], [9, 2, 4], list(range(1, locks.COMPOSED_SEAT_LOCK_MAX + 2))])
def test_lock_seats_gives_exactly_what_its_queryset_gives(show, user, numbers):
    """The composed statement (one per count of seats, up to COMPOSED_SEAT_LOCK_MAX) and the queryset it is composed
    from agree field by field, seats of every state included; past the maximum the queryset itself runs."""
    hold_service.hold_create(user=user, show_id=show.id, seat_numbers=[2, 41])
    booking_service.booking_create(user=user, show_id=show.id, seat_number=4)

    with locked_transaction():
        locked = lock_seats(show.id, numbers)
        expected = list(locks._seats_to_lock(show.id, [n for n in numbers if n <= Show.MAX_TOTAL_SEATS]))

    assert _values(locked) == _values(expected)
    assert [seat.number for seat in locked] == sorted(numbers)
    states = {seat.number: seat.state for seat in locked}
    assert (states.get(2), states.get(4), states.get(41)) == (
        ShowSeat.State.HELD if 2 in numbers else None, ShowSeat.State.BOOKED if 4 in numbers else None,
        ShowSeat.State.HELD if 41 in numbers else None)
    assert all(not seat._state.adding for seat in locked)


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_the_composed_locks_are_still_row_locks_in_seat_order(show, user):
    with CaptureQueriesContext(connection) as queries, locked_transaction():
        limits.lock_account(user.pk)
        lock_seats(show.id, [5, 2])

    statements = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("SELECT")]
    account, seats = statements[-2:]
    assert f'FROM "{user._meta.db_table}"' in account and account.endswith("FOR NO KEY UPDATE")
    # values_list orders by position: the third column is the seat's number.
    assert seats.startswith('SELECT "core_showseat"."id" AS "id", "core_showseat"."show_id" AS "show_id", '
                            '"core_showseat"."number" AS "number"')
    assert seats.endswith("ORDER BY 3 ASC FOR UPDATE")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@override_settings(BOOKING_LOCK_TIMEOUT_MS=300)
def test_a_seat_locked_elsewhere_makes_the_composed_lock_wait():
    show = ShowFactory()

    with row_locked_elsewhere(ShowSeat.objects.filter(show=show, number=3)):
        with pytest.raises(Busy), locked_transaction():
            lock_seats(show.id, [1, 3])
        with locked_transaction():
            assert [seat.number for seat in lock_seats(show.id, [1, 2])] == [1, 2]


def _fields(instance, leave_out=()):
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields
            if f.name not in leave_out}


@pytest.mark.django_db
@pytest.mark.parametrize("on_a_screen", [True, False])
def test_what_a_seat_writer_reads_of_the_show_is_what_its_queryset_reads(on_a_screen):
    """core.services.seats.show_for_sale reads the show through `show_with_relations`, composed once per process:
    the same show, movie, screen and cinema as select_related gives, the screen's layout left out (deferred)."""
    show = ShowFactory(screen=ScreenFactory()) if on_a_screen else ShowFactory()
    expected = Show.objects.select_related("movie", "screen__cinema").get(pk=show.pk)

    with CaptureQueriesContext(connection) as queries:
        read = selectors.show_with_relations(show_id=show.pk)
        parts = (read, read.movie, read.screen, read.screen and read.screen.cinema)

    assert len(queries) == 1
    assert _fields(read) == _fields(expected)
    assert _fields(read.movie) == _fields(expected.movie)
    if on_a_screen:
        assert _fields(parts[2], leave_out=("layout",)) == _fields(expected.screen, leave_out=("layout",))
        assert _fields(parts[3]) == _fields(expected.screen.cinema)
        assert parts[2].get_deferred_fields() == {"layout"}
    else:
        assert parts[2] is None
    assert selectors.show_with_relations(show_id=987654) is None
