"""The API documentation is served with DEBUG off and describes every endpoint."""
import pytest

pytestmark = pytest.mark.django_db

DOCUMENTED = {
    "/signup": {"post"}, "/login": {"post"}, "/token/refresh": {"post"}, "/logout": {"post"},
    "/movies/": {"get", "post"}, "/movies/{movie_id}/shows/": {"get", "post"}, "/shows/{show_id}/": {"get"},
    "/shows/{show_id}/book/": {"post"}, "/bookings/{booking_id}/cancel/": {"post"}, "/my-bookings/": {"get"},
    "/orders/": {"post"}, "/orders/{order_id}/": {"get"}, "/my-orders/": {"get"},
    "/orders/{order_id}/cancel/": {"post"}, "/orders/{order_id}/mark-paid/": {"post"},
    "/orders/{order_id}/payment/refresh/": {"post"}, "/orders/{order_id}/tickets.pdf": {"get"},
    "/bookings/{booking_id}/ticket/": {"get"}, "/bookings/{booking_id}/ticket.png": {"get"},
    "/bookings/{booking_id}/ticket.svg": {"get"}, "/checkin/": {"post"}, "/shows/{show_id}/checkins/": {"get"},
    # Issue 10: the account endpoints.
    "/me": {"get", "patch", "delete"}, "/password/change": {"post"}, "/password/reset": {"post"},
    "/password/reset/confirm": {"post"}, "/logout/all": {"post"},
    # Issue 12: the staff's sales report.
    "/reports/sales/": {"get"},
}


def test_schema_lists_every_endpoint_once_with_bearer_auth(api_client):
    response = api_client.get("/swagger.json")

    assert response.status_code == 200
    schema = response.json()
    paths = {path: set(ops) - {"parameters"} for path, ops in schema["paths"].items()}
    for path, methods in DOCUMENTED.items():
        assert methods <= paths.get(path, set()), path
    assert "/signup/" not in paths  # the trailing-slash twin is served but not listed twice
    assert "/me/" not in paths
    assert schema["securityDefinitions"]["Bearer"] == {
        "type": "apiKey", "name": "Authorization", "in": "header",
        # In a Markdown code span, so Swagger UI's Authorize dialog shows "<access token>" instead of eating it.
        "description": "JWT access token from `POST /login`, entered as `Bearer <access token>` "
                       "(the word Bearer, a space, then the token)."}


def test_booking_documents_its_request_and_error_responses(api_client):
    schema = api_client.get("/swagger.json").json()
    operation = schema["paths"]["/shows/{show_id}/book/"]["post"]

    body = next(p for p in operation["parameters"] if p["in"] == "body")
    definition = schema["definitions"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert definition["properties"]["seat_number"]["type"] == "integer"
    assert definition["required"] == ["seat_number"]
    # One success shape: the deprecated seat_numbers form is not described here; it has its own operation.
    assert "seat_numbers" not in definition["properties"]
    assert {"201", "400", "401", "404", "409", "503"} <= set(operation["responses"])
    many = schema["paths"]["/shows/{show_id}/bookings/"]["post"]
    assert many["responses"]["201"]["schema"] == {"type": "array", "items": {"$ref": "#/definitions/Booking"}}


@pytest.mark.parametrize("path", ["/swagger/", "/redoc/"])
def test_ui_pages_render_with_debug_off(api_client, path, settings):
    assert settings.DEBUG is False
    response = api_client.get(path)

    assert response.status_code == 200
    assert b"<html" in response.content.lower()


def test_swagger_ui_assets_are_served_by_whitenoise(client):
    response = client.get("/static/drf-yasg/swagger-ui-dist/swagger-ui-bundle.js")

    assert response.status_code == 200


def test_login_documents_its_200_token_pair(api_client):
    schema = api_client.get("/swagger.json").json()
    responses = schema["paths"]["/login"]["post"]["responses"]

    assert "201" not in responses
    pair = schema["definitions"][responses["200"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert set(pair["properties"]) == {"access", "refresh"}


def test_order_creation_documents_its_body_and_errors(api_client):
    schema = api_client.get("/swagger.json").json()
    operation = schema["paths"]["/orders/"]["post"]

    body = next(p for p in operation["parameters"] if p["in"] == "body")
    definition = schema["definitions"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert definition["properties"]["payment_method"]["enum"] == ["stripe", "box_office"]
    assert {"201", "400", "404", "410", "502"} <= set(operation["responses"])
    assert "/payments/stripe/webhook/" not in schema["paths"]  # for Stripe, not for API clients
    assert schema["paths"]["/bookings/{booking_id}/ticket.png"]["get"]["produces"] == ["application/json",
                                                                                       "image/png"]
