"""The API description: /swagger.json lists every endpoint once, is valid, and is complete for every operation; the
documentation pages (Swagger UI, ReDoc) are served with DEBUG off.

A new endpoint documented with common.schema.api_operation passes these by construction; one that is not (or that
forgets part of it) fails here with the operation named.
"""
import json
import re
import subprocess

import pytest
from openapi_spec_validator import OpenAPIV2SpecValidator

from common import error_codes
from common.schema import TAGS
from tests.api_tools import require_node_tool

pytestmark = pytest.mark.django_db

OPERATION_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
# Every endpoint a client may call, with its methods (a path may have more, e.g. its paged twin).
DOCUMENTED = {
    "/signup": {"post"}, "/login": {"post"}, "/token/refresh": {"post"}, "/logout": {"post"},
    "/movies/": {"get", "post"}, "/movies/{movie_id}/shows/": {"get", "post"}, "/shows/{show_id}/": {"get"},
    "/shows/{show_id}/book/": {"post"}, "/bookings/{booking_id}/cancel/": {"post"}, "/my-bookings/": {"get"},
    "/orders/": {"post"}, "/orders/{order_id}/": {"get"}, "/my-orders/": {"get"},
    "/orders/{order_id}/cancel/": {"post"}, "/orders/{order_id}/mark-paid/": {"post"},
    "/orders/{order_id}/payment/refresh/": {"post"}, "/orders/{order_id}/tickets.pdf": {"get"},
    "/bookings/{booking_id}/ticket/": {"get"}, "/bookings/{booking_id}/ticket.png": {"get"},
    "/bookings/{booking_id}/ticket.svg": {"get"}, "/checkin/": {"post"}, "/shows/{show_id}/checkins/": {"get"},
    # The account endpoints.
    "/me": {"get", "patch", "delete"}, "/password/change": {"post"}, "/password/reset": {"post"},
    "/password/reset/confirm": {"post"}, "/logout/all": {"post"},
    # The staff's sales report.
    "/reports/sales/": {"get"},
}


@pytest.fixture
def document(api_client):
    response = api_client.get("/swagger.json")
    assert response.status_code == 200
    return response.json()


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", path, item, operation


def _resolve(document, schema):
    ref = schema.get("$ref")
    return document["definitions"][ref.rsplit("/", 1)[1]] if ref else schema


# --- What is listed, and the pages that show it --------------------------------------------------------------
def test_schema_lists_every_endpoint_once_with_bearer_auth(document):
    paths = {path: set(ops) - {"parameters"} for path, ops in document["paths"].items()}
    for path, methods in DOCUMENTED.items():
        assert methods <= paths.get(path, set()), path
    assert "/signup/" not in paths  # the trailing-slash twin is served but not listed twice
    assert "/me/" not in paths
    assert document["securityDefinitions"]["Bearer"] == {
        "type": "apiKey", "name": "Authorization", "in": "header",
        # In a Markdown code span, so Swagger UI's Authorize dialog shows "<access token>" instead of eating it.
        "description": "JWT access token from `POST /login`, entered as `Bearer <access token>` "
                       "(the word Bearer, a space, then the token)."}


def test_booking_documents_its_request_and_error_responses(document):
    operation = document["paths"]["/shows/{show_id}/book/"]["post"]

    body = next(p for p in operation["parameters"] if p["in"] == "body")
    definition = _resolve(document, body["schema"])
    assert definition["properties"]["seat_number"]["type"] == "integer"
    assert definition["required"] == ["seat_number"]
    # One success shape: the deprecated seat_numbers form is not described here; it has its own operation.
    assert "seat_numbers" not in definition["properties"]
    assert {"201", "400", "401", "404", "409", "503"} <= set(operation["responses"])
    many = document["paths"]["/shows/{show_id}/bookings/"]["post"]
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


def test_login_documents_its_200_token_pair(document):
    responses = document["paths"]["/login"]["post"]["responses"]

    assert "201" not in responses
    pair = _resolve(document, responses["200"]["schema"])
    assert set(pair["properties"]) == {"access", "refresh"}


def test_order_creation_documents_its_body_and_errors(document):
    operation = document["paths"]["/orders/"]["post"]

    body = next(p for p in operation["parameters"] if p["in"] == "body")
    definition = _resolve(document, body["schema"])
    assert definition["properties"]["payment_method"]["enum"] == ["stripe", "box_office"]
    assert {"201", "400", "404", "410", "502"} <= set(operation["responses"])
    assert "/payments/stripe/webhook/" not in document["paths"]  # for Stripe, not for API clients
    assert document["paths"]["/bookings/{booking_id}/ticket.png"]["get"]["produces"] == ["application/json",
                                                                                         "image/png"]


# --- Valid, and complete for every operation ----------------------------------------------------------------
def test_openapi_spec_validator_finds_no_error(document):
    errors = [error.message for error in OpenAPIV2SpecValidator(document).iter_errors()]

    assert errors == []


def test_control_the_validator_rejects_anyof_and_an_email_default_that_is_not_one(document):
    # The two kinds of error /swagger.json once had: anyOf (not Swagger 2.0) and an e-mail default that is not one.
    document["definitions"]["Movie"] = {"anyOf": [{"type": "object"}, {"type": "array"}]}
    document["definitions"]["Signup"]["properties"]["email"]["default"] = ""

    assert len(list(OpenAPIV2SpecValidator(document).iter_errors())) >= 2


def test_swagger2openapi_converts_it_without_patching_and_validates_the_result(document, tmp_path):
    converter = require_node_tool("swagger2openapi")
    validator = require_node_tool("oas-validate")
    source = tmp_path / "swagger.json"
    source.write_text(json.dumps(document))

    # Without --patch any error is fatal; oas-validate --nopatch then converts it again and validates the
    # OpenAPI 3 result against its schema and rules. (swagger2openapi 7 has no --validate flag of its own.)
    converted = subprocess.run([converter, str(source), "-o", str(tmp_path / "openapi.json")],
                               capture_output=True, text=True, timeout=120)
    assert converted.returncode == 0, converted.stdout + converted.stderr
    validated = subprocess.run([validator, "--nopatch", str(source)], capture_output=True, text=True, timeout=120)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "1 passing, 0 failing" in validated.stdout + validated.stderr


def test_every_operation_has_a_readable_unique_id_a_summary_and_one_tag(document):
    seen = {}
    for name, _, _, operation in _operations(document):
        operation_id = operation.get("operationId", "")
        assert OPERATION_ID.match(operation_id), f"{name}: operationId {operation_id!r} is not snake_case"
        assert operation_id not in seen, f"{name} and {seen.get(operation_id)} share operationId {operation_id}"
        seen[operation_id] = name
        summary = operation.get("summary", "")
        assert summary and "\n" not in summary and len(summary) <= 80, f"{name}: needs a one-line summary"
        assert len(operation.get("tags", [])) == 1, f"{name}: needs exactly one tag"


def test_every_operation_has_one_success_shape_and_documents_its_errors_with_their_codes(document):
    for name, _, _, operation in _operations(document):
        responses = operation["responses"]
        successes = [status for status in responses if status.startswith("2")]
        assert len(successes) == 1, f"{name}: one success status, not {successes}"
        assert responses[successes[0]]["description"], f"{name}: the success response needs a description"
        errors = {status: r for status, r in responses.items() if status[0] in "45"}
        assert "503" in errors, f"{name}: every operation can meet an unreachable database (503 unavailable)"
        for status, response in errors.items():
            codes = response.get("x-error-codes")
            assert codes, f"{name} {status}: list the error codes (common.schema.api_operation errors=[...])"
            for code in codes:
                # Raises for a code that common.error_codes does not answer with this status.
                error_codes.lookup(code, int(status))
                assert f"`{code}`" in response["description"], f"{name} {status}: describe {code}"
            shape = _resolve(document, response["schema"])
            assert {"detail", "code"} <= set(shape["properties"]), f"{name} {status}: the error shape"


def test_every_request_body_has_an_example_that_matches_its_schema(document):
    for name, _, _, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "body":
                continue
            schema = _resolve(document, parameter["schema"])
            example = schema.get("example")
            assert isinstance(example, dict), f"{name}: the request body needs an example"
            assert set(schema.get("required", [])) <= set(example), f"{name}: the example lacks required fields"
            assert set(example) <= set(schema["properties"]), f"{name}: the example has undocumented fields"


def test_path_ids_are_integers(document):
    for name, path, item, operation in _operations(document):
        parameters = item.get("parameters", []) + operation.get("parameters", [])
        for variable in re.findall(r"{(\w+)}", path):
            parameter = next(p for p in parameters if p["in"] == "path" and p["name"] == variable)
            assert parameter["type"] == "integer", f"{name}: {variable} is typed {parameter['type']}"
            assert parameter["minimum"] == 1


def test_the_yes_no_filters_are_boolean_query_parameters(document):
    # A client generated from the description then takes upcoming=True (a string enum made it want "true").
    shows = {"available", "upcoming"}
    expected = {"shows_list": shows, "shows_page": shows, "movie_shows_list": shows, "movie_shows_page": shows,
                "movies_list": {"now_showing"}, "movies_page": {"now_showing"}}
    found = {}
    for name, _, _, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["name"] in {"available", "upcoming", "now_showing"} or parameter.get("type") == "boolean":
                assert parameter["in"] == "query" and parameter["type"] == "boolean", name
                assert "enum" not in parameter, name
                found.setdefault(operation["operationId"], set()).add(parameter["name"])

    assert found == expected


def test_idempotency_key_is_optional_and_never_prefilled(document):
    documented = set()
    for name, _, _, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "Idempotency-Key":
                documented.add(operation["operationId"])
                assert parameter["in"] == "header" and parameter["required"] is False, name
                assert not {"default", "example", "x-example", "enum"} & set(parameter), name

    assert {"bookings_create", "bookings_create_many", "holds_create", "holds_confirm"} <= documented


def test_the_top_says_how_to_get_a_token_and_authorize_shows_the_whole_hint(document):
    description = document["info"]["description"]

    assert "How to get a token" in description and "POST /login" in description
    assert "Authorize" in description and "`Bearer <access token>`" in description
    assert "`Bearer <access token>`" in document["securityDefinitions"]["Bearer"]["description"]


def test_public_operations_need_no_token_and_the_others_do(document):
    public = {operation["operationId"] for _, _, _, operation in _operations(document)
              if operation.get("security") == []}

    assert {"signup", "login", "token_refresh", "movies_list", "movies_page", "movie_shows_list",
            "shows_retrieve", "show_seat_map", "health_check"} <= public
    assert not {"movies_create", "shows_create", "bookings_create", "holds_create", "my_bookings_list",
                "logout"} & public


def test_paged_twins_answer_their_documented_page(api_client, document, show):
    page = document["paths"]["/movies/{movie_id}/shows/page/"]["get"]
    names = {p["name"] for p in page["parameters"]}
    plain = document["paths"]["/movies/{movie_id}/shows/"]["get"]

    assert {"limit", "offset"} <= names
    assert not {"limit", "offset"} & {p["name"] for p in plain.get("parameters", [])}
    assert page["responses"]["200"]["schema"] == {"$ref": "#/definitions/ShowWithAvailabilityPage"}
    body = api_client.get(f"/movies/{show.movie_id}/shows/page/").json()
    assert set(body) == {"count", "next", "previous", "results"} and body["count"] == 1
    assert isinstance(api_client.get(f"/movies/{show.movie_id}/shows/").json(), list)
    assert api_client.post(f"/movies/{show.movie_id}/shows/page/", {}).status_code in (401, 405)


def test_the_committed_postman_collection_is_generated_from_this_description():
    require_node_tool("openapi2postmanv2")
    from scripts import postman

    fresh = postman._text(postman.generate())

    assert postman.COLLECTION.read_text() == fresh, "run `make postman-collection` and commit the result"


def test_tags_are_listed_in_reading_order_with_descriptions(document):
    names = [tag["name"] for tag in document["tags"]]

    assert names == [name for name, _ in TAGS if name in names]
    assert all(tag.get("description") for tag in document["tags"])
    assert {t for _, _, _, op in _operations(document) for t in op["tags"]} == set(names)
