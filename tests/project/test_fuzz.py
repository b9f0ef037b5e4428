"""Fuzzing the whole API from its own schema (schemathesis, in process over WSGI).

Every operation in /swagger.json is called with generated requests (valid and invalid bodies, path and query
parameters), anonymously, as a signed-in user and as staff, with a real JWT. Each response must not be a 5xx and
must conform to the documented schema: a documented status code, JSON content type, a body that matches that
status's schema; and an operation documented as needing the Bearer token must refuse the request without it.
The test is generic over the schema, so an endpoint added later is fuzzed without editing it.

Bounded: FUZZ_MAX_EXAMPLES generated cases per operation and role (default 25; `make test` passes a smaller
number for its second, PostgreSQL run). Derandomized, so a failure reproduces on the next run.
"""
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from core.services.holds import hold_create
from orders.services import order_create
from tests.conftest import bearer
from tests.factories import BookingFactory, MovieFactory, ShowFactory, StaffFactory, UserFactory
from ticketing_system.wsgi import served_application as application  # the chain behind the load shedder

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))

# Loaded from the running app, as a client would: the documented API is what is tested.
schema = schemathesis.openapi.from_wsgi("/swagger.json", application)

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    # An operation whose schema requires the Bearer token must refuse the same request without one.
    checks.ignored_auth,
]


@pytest.fixture
def wsgi_like_test_client():
    """Calls through the plain WSGI handler, as Django's test client does: without closing the connection at
    request boundaries, which would close the test's transaction (and its data) under it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(db, wsgi_like_test_client):
    """Users, and rows for generated ids to hit: a movie, a show with free seats, bookings and a hold of the user."""
    user = UserFactory()
    movie = MovieFactory()
    show = ShowFactory(movie=movie, total_seats=20)
    bookings = [BookingFactory(user=user, show=show, seat_number=n) for n in (1, 2, 3)]
    hold = hold_create(user=user, show_id=show.pk, seat_numbers=[10, 11])
    order = order_create(user=user, hold_id=hold_create(user=user, show_id=show.pk, seat_numbers=[12]).pk,
                         payment_method="box_office")
    return {
        "user": user,
        "staff": StaffFactory(),
        # Path parameters by name -> ids that exist (see _aim_at_existing_rows).
        "ids": {"movie_id": movie.pk, "show_id": show.pk, "booking_id": bookings[0].pk,
                "hold_id": hold.pk, "order_id": order.pk},
    }


@pytest.fixture(params=["anonymous", "user", "staff"])
def auth_headers(request, fuzz_world):
    if request.param == "anonymous":
        return {}
    return {"Authorization": bearer(fuzz_world[request.param])}


def _aim_at_existing_rows(case, ids: dict) -> None:
    """Random ids almost never exist, so only the 404 path would be fuzzed. Every generated id that is even
    is swapped for a real one (deterministically), so bodies also reach the services: bookings, cancels,
    shows created under a real movie. Parameters this does not know (new endpoints) stay as generated."""
    for name, value in (case.path_parameters or {}).items():
        if name in ids and isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = ids[name]


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    # One database and one user for all the examples of a test is the point: state builds up between requests.
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, auth_headers, fuzz_world):
    _aim_at_existing_rows(case, fuzz_world["ids"])
    response = case.call(headers=auth_headers)
    checks_ = CHECKS
    if response.status_code == 204:
        # No Content has no body, so no Content-Type (RFC 9110); Swagger 2.0 cannot say so per response.
        checks_ = [check for check in CHECKS if check is not checks.content_type_conformance]
    case.validate_response(response, checks=checks_, headers=auth_headers)
