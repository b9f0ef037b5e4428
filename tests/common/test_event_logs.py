"""Structured log lines for booking, cancel and login failure: JSON, with the user and the request id, no
secrets. (Throttling's line is tested in tests/project/test_throttling.py.)"""
import json
import logging
import logging.config
from unittest import mock

import pytest
from django.conf import settings

from common.events import log_event
from tests.conftest import client_for
from tests.factories import PASSWORD, BookingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(caplog):
    caplog.set_level(logging.INFO, logger="ticketing.events")

    def collected():
        return [r for r in caplog.records if r.name == "ticketing.events"]

    return collected


def fields(record, *names):
    return {name: getattr(record, name, None) for name in names}


# Events of record are written on commit; these tests commit for real instead of inside a test transaction.
@pytest.mark.django_db(transaction=True)
def test_booking_and_cancel_are_logged_with_user_and_request_id(user, show, events):
    client = client_for(user)
    booked = client.post(f"/shows/{show.id}/book/", {"seat_number": 7}, format="json", HTTP_X_REQUEST_ID="r-1")
    booking_id = booked.json()["id"]
    client.post(f"/bookings/{booking_id}/cancel/", HTTP_X_REQUEST_ID="r-2")

    created, cancelled = events()
    names = ("event", "user_id", "booking_id", "show_id", "seat_number", "request_id")
    assert fields(created, *names) == {"event": "booking_created", "user_id": user.pk, "booking_id": booking_id,
                                       "show_id": show.id, "seat_number": 7, "request_id": "r-1"}
    assert fields(cancelled, *names) == {"event": "booking_cancelled", "user_id": user.pk,
                                         "booking_id": booking_id, "show_id": show.id, "seat_number": 7,
                                         "request_id": "r-2"}


@pytest.mark.django_db(transaction=True)
def test_a_refused_booking_is_not_logged_as_made(user, show, events):
    BookingFactory(show=show, seat_number=7)
    client_for(user).post(f"/shows/{show.id}/book/", {"seat_number": 7}, format="json")
    assert events() == []


@pytest.mark.django_db(transaction=True)
def test_holds_and_multi_seat_bookings_are_logged(user, show, events):
    client = client_for(user)
    hold = client.post(f"/shows/{show.id}/hold/", {"seat_numbers": [4, 3]}, format="json").json()
    confirmed = client.post(f"/holds/{hold['id']}/confirm/").json()
    released = client.post(f"/shows/{show.id}/hold/", {"seat_numbers": [9]}, format="json").json()
    client.delete(f"/holds/{released['id']}/")
    many = client.post(f"/shows/{show.id}/book/", {"seat_numbers": [12, 11]}, format="json").json()

    assert [(r.event, getattr(r, "hold_id", None)) for r in events()] == [
        ("hold_created", hold["id"]), ("hold_confirmed", hold["id"]), ("hold_created", released["id"]),
        ("hold_released", released["id"]), ("booking_created", None)]
    created, confirm, _, _, booked = events()
    assert (created.seat_numbers, created.user_id, created.show_id) == ([3, 4], user.pk, show.id)
    assert confirm.booking_ids == [b["id"] for b in confirmed]
    assert (booked.booking_ids, booked.seat_numbers) == ([b["id"] for b in many], [11, 12])


@pytest.mark.django_db(transaction=True)
def test_a_booking_rolled_back_with_its_idempotent_request_is_not_logged(user, show, events):
    # The booking's own transaction finished, but the idempotent request around it failed and rolled it back.
    with mock.patch("common.services.idempotency.idempotency_key_store", side_effect=RuntimeError("crash")):
        response = client_for(user).post(f"/shows/{show.id}/book/", {"seat_number": 5}, format="json",
                                         HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 500
    assert [r.event for r in events()] == []


def test_login_failure_is_logged_without_the_password(api_client, user, events):
    api_client.post("/login", {"username": user.username, "password": "my-secret-guess"}, format="json",
                    HTTP_X_REQUEST_ID="r-3")
    [record] = events()
    assert fields(record, "event", "username", "client_ip", "request_id") == {
        "event": "login_failed", "username": user.username, "client_ip": "127.0.0.1", "request_id": "r-3"}
    assert "my-secret-guess" not in json.dumps(record.__dict__, default=str)


def test_successful_login_logs_no_failure(api_client, user, events):
    response = api_client.post("/login", {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert events() == []


def test_log_event_refuses_secret_fields():
    with pytest.raises(ValueError, match="password"):
        log_event("oops", password="hunter2")


def test_the_configured_console_format_is_one_json_object_per_line():
    config = settings.LOGGING
    formatter_conf = dict(config["formatters"]["json"])
    factory = formatter_conf.pop("()")
    module, _, name = factory.rpartition(".")
    formatter = getattr(__import__(module, fromlist=[name]), name)(
        fmt=formatter_conf["format"], rename_fields=formatter_conf["rename_fields"])
    record = logging.LogRecord("ticketing.events", logging.INFO, __file__, 1, "booking_created", None, None)
    record.event, record.user_id, record.request_id = "booking_created", 5, "r-9"

    line = json.loads(formatter.format(record))

    assert {k: line[k] for k in ("level", "logger", "message", "event", "user_id", "request_id")} == {
        "level": "INFO", "logger": "ticketing.events", "message": "booking_created", "event": "booking_created",
        "user_id": 5, "request_id": "r-9"}


def test_djangos_own_error_lines_carry_the_request_id_too(api_client, caplog):
    from common.middleware import RequestIdLogFilter

    with caplog.at_level(logging.WARNING, logger="django.request"):
        api_client.get("/no-such-path/", HTTP_X_REQUEST_ID="r-404")
    [record] = [r for r in caplog.records if r.name == "django.request"]
    RequestIdLogFilter().filter(record)
    assert record.request_id == "r-404"
