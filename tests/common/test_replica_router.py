"""The replica router (common.replica): reports, CSV exports and the catalogue pages read from the replica; the
booking path (seats, holds, orders, payments), reads inside a transaction, who the client is, and every write use
the primary.

The `replica` alias is Django's test mirror of the test database (ticketing_system/settings_test.py), so both
aliases hold the same rows, as a primary and its replica do; each test looks at which connection ran which query.
Committed data (transaction=True): the mirror is a connection of its own, and sees only what was committed.
"""
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from common.replica import ReplicaRouter, replica_reads
from core.models import Booking, Movie, Show
from core.services import booking
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.web_fixtures import laid_out_show

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])

# The tables of the sale: a query on one of these through the replica is what must never happen on the booking path.
SALE_TABLES = ("core_booking", "core_hold", "core_showseat", "core_show", "orders_order", "orders_payment")


@pytest.fixture
def with_replica(settings):
    settings.REPLICA_DATABASE_ALIAS = "replica"


class Queries:
    """The SQL each alias ran during the block."""

    def __enter__(self):
        self.contexts = {alias: CaptureQueriesContext(connections[alias]) for alias in ("default", "replica")}
        for context in self.contexts.values():
            context.__enter__()
        return self

    def __exit__(self, *exc):
        for context in self.contexts.values():
            context.__exit__(*exc)

    def tables(self, alias: str) -> set[str]:
        sql = " ".join(q["sql"] for q in self.contexts[alias].captured_queries)
        return set(re.findall(r'"([a-z_]+)"\."', sql)) | set(re.findall(r'FROM "([a-z_]+)"', sql))

    def count(self, alias: str) -> int:
        return len(self.contexts[alias].captured_queries)


# --- The router's rules ------------------------------------------------------------------------------------
def test_reads_in_a_replica_block_go_to_the_replica(with_replica):
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(Movie) == "replica"
        assert router.db_for_read(Show) == "replica"
        # Who the client is: always as last written.
        assert router.db_for_read(get_user_model()) == "default"
        # Writes, even of an object read from the replica.
        assert router.db_for_write(Movie) == "default"
        # A transaction's reads are part of its decision: they stay on the primary, with its locks and writes.
        with transaction.atomic():
            assert router.db_for_read(Show) == "default"
    assert router.db_for_read(Show) == "default"  # outside the block


def test_without_a_replica_everything_is_read_from_the_primary(settings):
    settings.REPLICA_DATABASE_ALIAS = None
    with replica_reads():
        assert ReplicaRouter().db_for_read(Show) == "default"


def test_a_replica_block_uses_the_replica_connection_and_an_object_read_there_is_saved_on_the_primary(
        with_replica, movie):
    with Queries() as queries, replica_reads():
        read = Movie.objects.get(pk=movie.pk)
        assert read._state.db == "replica"
        read.title = "Renamed"
        read.save()
    assert "core_movie" in queries.tables("replica")
    assert not any(q["sql"].startswith("UPDATE") for q in queries.contexts["replica"].captured_queries)
    assert any(q["sql"].startswith("UPDATE") for q in queries.contexts["default"].captured_queries)
    # And a related object of a replica-read object, read after the block, comes from the primary.
    with Queries() as queries:
        Show.objects.filter(movie=read).count()
    assert queries.count("replica") == 0


# --- Views: reports, CSV and catalogue pages on the replica ------------------------------------------------
def _sold_show(movie):
    show = laid_out_show(movie=movie)
    buyer = UserFactory()
    assert client_for(buyer).post(f"/shows/{show.pk}/book/", {"seat_number": 1}, format="json").status_code == 201
    return show


@pytest.mark.parametrize("path", ["/reports/sales/", "/reports/sales.csv"])
def test_the_sales_report_and_its_csv_read_from_the_replica(with_replica, staff_user, movie, path):
    _sold_show(movie)
    with Queries() as queries:
        response = client_for(staff_user).get(path)
    assert response.status_code == 200
    assert {"core_show", "core_booking"} <= queries.tables("replica")
    assert not set(SALE_TABLES) & queries.tables("default")
    # The figures are the committed ones (the replica holds the same rows).
    assert b"Inception" in response.content


def test_the_admin_report_page_reads_its_report_from_the_replica(with_replica, movie):
    _sold_show(movie)
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    with Queries() as queries:
        response = client.get("/admin/reports/sales/")
    assert response.status_code == 200
    assert {"core_show", "core_booking"} <= queries.tables("replica")
    # The session and the staff user (who may see it) come from the primary.
    assert {"django_session", "auth_user"} <= queries.tables("default")
    assert not {"django_session", "auth_user"} & queries.tables("replica")


@pytest.mark.parametrize("page", ["/", "/films/{movie}/"])
def test_the_catalogue_pages_read_from_the_replica(with_replica, user_client, movie, page):
    laid_out_show(movie=movie)
    with Queries() as queries:
        response = user_client.get(page.format(movie=movie.pk))
    assert response.status_code == 200
    assert "Inception" in response.content.decode()
    assert "core_show" in queries.tables("replica")
    assert not set(SALE_TABLES) & queries.tables("default")
    assert "django_session" in queries.tables("default")  # the signed-in visitor, from the primary


# --- The booking path: never the replica -------------------------------------------------------------------
def test_the_show_page_with_its_seat_map_reads_from_the_primary(with_replica, user_client, movie):
    show = laid_out_show(movie=movie)
    with Queries() as queries:
        assert user_client.get(f"/showings/{show.pk}/").status_code == 200
    assert queries.count("replica") == 0
    assert "core_showseat" in queries.tables("default") or "core_show" in queries.tables("default")


def test_booking_holding_ordering_and_paying_never_touch_the_replica(with_replica, user, staff_user, movie):
    show = laid_out_show(movie=movie)
    client = client_for(user)
    with Queries() as queries:
        assert client.post(f"/shows/{show.pk}/book/", {"seat_number": 1}, format="json").status_code == 201
        hold = client.post(f"/shows/{show.pk}/hold/", {"seat_numbers": [2]}, format="json")
        assert hold.status_code == 201
        order = client.post("/orders/", {"hold_id": hold.json()["id"], "payment_method": "box_office"},
                            format="json")
        assert order.status_code == 201
        paid = client_for(staff_user).post(f"/orders/{order.json()['id']}/mark-paid/")
        assert paid.status_code == 200
        assert client.get(f"/orders/{order.json()['id']}/").json()["status"] == "paid"
        assert client.get("/my-bookings/").status_code == 200
    assert queries.count("replica") == 0
    assert {"core_booking", "core_hold", "orders_order"} <= queries.tables("default")
    assert Booking.objects.filter(show=show, status=Booking.Status.BOOKED).count() == 2


def test_a_service_called_inside_a_replica_block_reads_and_locks_on_the_primary(with_replica, user, movie):
    """Defence in depth: even if a replica-reading view called the booking service, its transaction stays whole."""
    show = laid_out_show(movie=movie)
    with Queries() as queries, replica_reads():
        booking.booking_create(user=user, show_id=show.pk, seat_number=3)
        booking.booking_create_many(user=user, show_id=show.pk, seat_numbers=[4, 5])
    assert not set(SALE_TABLES) & queries.tables("replica")
    assert "core_booking" in queries.tables("default")
