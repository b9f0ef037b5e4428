"""What the JSON parser cannot take is a 400, never a 500: every operation of the API that takes a body (found in
its own /swagger.json, so a new endpoint is covered without editing this), and the Stripe webhook with a valid
signature, are sent bodies no serializer should ever see: nesting 5,000 deep, bytes that are not UTF-8, numbers
too long to convert, NaN and Infinity, lone surrogates, duplicate keys, a byte-order mark, top-level scalars."""
import hashlib
import hmac
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.services.holds import hold_create
from onsales.services import onsale_create
from orders.services import order_create
from tests.conftest import bearer
from tests.factories import BookingFactory, CinemaFactory, MovieFactory, ScreenFactory, ShowFactory, UserFactory
from vouchers.services import voucher_create

pytestmark = pytest.mark.django_db

DEEP = 5000
HOSTILE_BODIES = {
    "deep_lists": b"[" * DEEP + b"]" * DEEP,
    "deep_objects": b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    "deep_under_a_field": b'{"seat_numbers": ' + b"[" * DEEP + b"]" * DEEP + b"}",
    "not_utf8": b'{"title": "\xff\xfe\xfd", "seat_number": 1}',
    "truncated_utf8": b'{"title": "\xe2\x82"}',
    "huge_integer": b'{"seat_number": ' + b"9" * 5000 + b', "seat_numbers": [' + b"9" * 5000 + b"]}",
    "huge_exponent": b'{"seat_number": 1e999999, "prices": {"standard": 1e999999}, "duration_minutes": 1e999999}',
    "nan": b'{"seat_number": NaN, "hold_id": NaN}',
    "infinity": b'{"seat_number": Infinity, "hold_id": -Infinity}',
    "lone_surrogate": b'{"title": "\\ud800", "name": "\\udfff", "code": "\\ud800", "email": "a\\ud800@x.org"}',
    "lone_surrogate_key": b'{"\\ud800": 1}',
    "duplicate_keys": b'{"seat_number": 1, "seat_number": "x", "hold_id": 1, "hold_id": null}',
    "bom": b'\xef\xbb\xbf{"seat_number": 1}',
    "top_level_list": b"[1, 2, 3]",
    "top_level_string": b'"x"',
    "top_level_null": b"null",
    "empty": b"",
    "garbage": b"{]",
}


@pytest.fixture
def world():
    user, staff = UserFactory(), UserFactory(is_staff=True, is_superuser=True)
    movie = MovieFactory()
    screen = ScreenFactory(cinema=CinemaFactory())
    show = ShowFactory(movie=movie, total_seats=20)
    booking = BookingFactory(user=staff, show=show, seat_number=1)
    hold = hold_create(user=staff, show_id=show.pk, seat_numbers=[10, 11])
    order = order_create(user=staff, hold_id=hold_create(user=staff, show_id=show.pk, seat_numbers=[12]).pk,
                         payment_method="box_office")
    # An on-sale of a show of its own: the shared show stays sellable without a queue pass.
    onsale = onsale_create(shows=[ShowFactory(movie=movie).pk], opens_at=timezone.now() + timedelta(hours=1),
                           admit_per_minute=60, pass_minutes=10)
    ids = {"movie_id": movie.pk, "show_id": show.pk, "booking_id": booking.pk, "hold_id": hold.pk,
           "order_id": order.pk, "cinema_id": screen.cinema_id, "screen_id": screen.pk, "uid": "MQ", "token": "x",
           "onsale_id": onsale.pk,
           "voucher_id": voucher_create(created_by=None, code="HOSTILE", kind="amount_off", value=1).pk}
    return {"user": user, "staff": staff, "ids": ids}


def operations_with_a_body() -> list[tuple[str, str]]:
    schema = APIClient().get("/swagger.json").json()
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("post", "put", "patch") and any(p.get("in") == "body" for p in operation.get("parameters",
                                                                                                          [])):
                found.append((method, path))
    return sorted(found)


def test_the_api_description_lists_operations_with_bodies():
    operations = operations_with_a_body()
    assert ("post", "/movies/") in operations and ("post", "/login") in operations and len(operations) > 15


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
def test_every_operation_with_a_body_answers_4xx_json_to_what_cannot_be_parsed(world, name):
    body = HOSTILE_BODIES[name]
    failures = []
    for as_who in ("staff", "user"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=bearer(world[as_who]))
        for method, path in operations_with_a_body():
            url = path.format(**world["ids"])
            response = client.generic(method.upper(), url, body, content_type="application/json")
            if not 400 <= response.status_code < 500 and response.status_code not in (200, 201, 202):
                failures.append((as_who, method, url, response.status_code))
            elif response.status_code >= 400 and not isinstance(response.json().get("code"), str):
                failures.append((as_who, method, url, "no code"))
    assert failures == []


@pytest.mark.parametrize("name", ["deep_lists", "deep_objects", "deep_under_a_field", "nan", "lone_surrogate",
                                  "huge_integer", "garbage", "not_utf8"])
def test_what_cannot_be_parsed_is_400_with_a_parse_code(world, name):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(world["staff"]))
    response = client.generic("POST", "/movies/", HOSTILE_BODIES[name], content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] in ("parse_error", "too_deep"), response.json()


def signed(payload: bytes, secret: str) -> str:
    timestamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
def test_a_signed_webhook_body_that_cannot_be_parsed_is_400(settings, name):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_hostile_bodies"
    payload = HOSTILE_BODIES[name]
    response = APIClient().generic("POST", "/payments/stripe/webhook/", payload, content_type="application/json",
                                   HTTP_STRIPE_SIGNATURE=signed(payload, settings.STRIPE_WEBHOOK_SECRET))
    if name in ("duplicate_keys", "huge_exponent", "top_level_list", "top_level_string", "top_level_null"):
        # Parsed, and not an event about a payment: acknowledged and ignored, as any other event type.
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 400, response.content
        # Bytes that are not UTF-8 cannot carry a signature over their text: invalid_signature.
        assert response.json()["code"] in ("parse_error", "too_deep", "invalid_signature"), response.json()


def test_a_signed_webhook_nested_5000_deep_is_400_too_deep(settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_hostile_bodies"
    payload = b'{"type": "payment_intent.succeeded", "data": ' + HOSTILE_BODIES["deep_objects"] + b"}"
    response = APIClient().generic("POST", "/payments/stripe/webhook/", payload, content_type="application/json",
                                   HTTP_STRIPE_SIGNATURE=signed(payload, settings.STRIPE_WEBHOOK_SECRET))
    assert (response.status_code, response.json()["code"]) == (400, "too_deep")
