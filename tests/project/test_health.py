"""GET /health/: what a load balancer or orchestrator probes."""
from unittest import mock

import pytest
from django.db import OperationalError

from common.errors import DatabaseUnavailable

pytestmark = pytest.mark.django_db


def test_ok_when_the_database_answers(api_client, django_assert_num_queries):
    # The one query is the database round trip the probe exists for; no user look-up (no authentication).
    with django_assert_num_queries(1):
        response = api_client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_token_is_neither_needed_nor_checked(api_client):
    response = api_client.get("/health/", HTTP_AUTHORIZATION="Bearer not-a-token")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_503_with_the_error_shape_when_the_database_does_not_answer(api_client, caplog):
    # Simulated at the connection: a real outage cannot be staged inside a test that needs the same database.
    with mock.patch("common.health.connection") as connection:
        connection.cursor.side_effect = OperationalError("connection refused: the secret host db.internal")
        response = api_client.get("/health/")

    assert response.status_code == 503
    assert response.json() == {
        "detail": DatabaseUnavailable.message,
        "code": "unavailable",
        "status": "unavailable",
    }
    # The operator learns why from the log; the client is told nothing about the database.
    assert "db.internal" not in response.content.decode()
    assert any("db.internal" in r.getMessage() for r in caplog.records)


def test_only_get(api_client):
    assert api_client.post("/health/").status_code == 405
