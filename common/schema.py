"""The API description (/swagger.json, drf-yasg, Swagger 2.0): how each operation is documented.

Documenting an operation is one decorator on the view method, `@api_operation(...)`, next to the code it
describes:

    @api_operation(operation_id="bookings_create", summary="Book one seat", tag=TAG_BOOKINGS, auth=USER,
                   request_body=BookSeatSerializer, example={"seat_number": 15},
                   success=(201, BookingSerializer), errors=["invalid_seat", "show_started", "seat_taken"])
    @idempotent
    def post(self, request, show_id): ...

It states what only the author knows: a stable operationId (what generated clients name their methods), a one-line
summary (what ReDoc and Postman show as the title), the tag (the client class / folder), who may call it, the one
success status and shape, the domain error codes it can answer, and a request example that succeeds against the
sample data. `ApiAutoSchema` (below) adds what follows from the view itself, so it is never forgotten: the error
responses of authentication (401), staff-only permission (403), throttling (429), a JSON body (400 parse errors,
413, 415), path ids (404), Idempotency-Key (the header parameter and its errors) and an unreachable database (503),
each described with its codes from common.error_codes. tests/project/test_api_description.py fails when an
operation lacks any of it, and validates the whole document (openapi-spec-validator, swagger2openapi).

Also here: integer path parameters (from the URL converters), the paged twin of a list operation
(`paged_twin`), and a page envelope definition per item type.
"""
from http import HTTPStatus

from django.urls import URLPattern, URLResolver, get_resolver
from drf_yasg import openapi
from drf_yasg.generators import OpenAPISchemaGenerator
from drf_yasg.inspectors import SwaggerAutoSchema
from drf_yasg.utils import no_body, swagger_auto_schema

from common import error_codes
from common.pagination import PageLimitOffsetPagination
from common.serializers import ErrorSerializer, SeatsErrorSerializer

TAG_ACCOUNTS = "accounts"
TAG_CATALOGUE = "catalogue"
TAG_VENUES = "venues"
TAG_BOOKINGS = "bookings"
TAG_HOLDS = "holds"
TAG_ONSALES = "onsales"
TAG_ORDERS = "orders"
TAG_TICKETS = "tickets"
TAG_VOUCHERS = "vouchers"
TAG_REPORTS = "reports"
TAG_WAITLIST = "waitlist"
TAG_HEALTH = "health"
# The order and one-line descriptions of the tags (Swagger UI and ReDoc show them in this order).
TAGS = [
    (TAG_ACCOUNTS, "Sign up, log in (get a token), refresh and revoke tokens."),
    (TAG_CATALOGUE, "Movies, their shows and a show's seat map; staff add and change movies and shows."),
    (TAG_VENUES, "Cinemas and their screens with seat layouts; staff add them."),
    (TAG_BOOKINGS, "Book seats, list and cancel your bookings."),
    (TAG_HOLDS, "Hold seats while you pay, then confirm or release the hold."),
    (TAG_ONSALES, "On-sales behind a waiting room: join the line, get a pass to hold and book their shows."),
    (TAG_WAITLIST, "Waiting lists of sold-out shows: join, see your place, take an offer, leave; staff see and "
                   "close them."),
    (TAG_ORDERS, "Pay for a hold: orders, payments (box office, Stripe), refunds."),
    (TAG_VOUCHERS, "Promo codes: check one on your hold; staff create codes and batches of single-use codes."),
    (TAG_TICKETS, "E-tickets with QR codes, and check-in at the door."),
    (TAG_REPORTS, "Sales reports for staff: tickets, revenue, refunds, holds, check-in."),
    (TAG_HEALTH, "For load balancers and monitoring."),
]

# Who may call an operation.
PUBLIC = "public"  # anyone; a token is not needed (but a broken one is still refused with 401)
USER = "user"  # a signed-in user's access token
STAFF = "staff"  # the access token of a user with the operation's `role` (accounts.roles; superusers always)

# (status, code) that every operation of a kind can answer, added to its own.
AUTH_ERRORS = [(401, code) for code in ("not_authenticated", "bad_authorization_header", "token_not_valid",
                                        "token_revoked", "user_not_found", "user_inactive", "password_changed")]
# A public operation still authenticates a token if one is sent: a broken one is refused (no "not_authenticated").
OPTIONAL_AUTH_ERRORS = [error for error in AUTH_ERRORS if error[1] != "not_authenticated"]
BODY_ERRORS = [(400, "invalid"), (400, "parse_error"), (400, "too_many_items"), (400, "too_deep"),
               (415, "unsupported_media_type")]
IDEMPOTENCY_ERRORS = [(400, "invalid_idempotency_key"), (409, "request_in_progress"),
                      (422, "idempotency_key_reused")]
# The body size limit is enforced by middleware on every request that may carry a body; the database may be
# unreachable from any operation.
WRITE_ERRORS = [(413, "too_large")]
ALWAYS_ERRORS = [(503, "unavailable")]
# Codes whose body also lists the seats concerned.
SEATS_CODES = {"invalid_seat", "seats_unavailable"}

# A file in a response (a PDF, an image). Swagger 2.0's `type: file` is refused by openapi-spec-validator in a
# response; a binary string is valid everywhere and generated clients read it as bytes.
BINARY = openapi.Schema(type=openapi.TYPE_STRING, format=openapi.FORMAT_BINARY)

IDEMPOTENCY_KEY_PARAMETER = openapi.Parameter(
    "Idempotency-Key",
    openapi.IN_HEADER,
    type=openapi.TYPE_STRING,
    required=False,
    # No example and no default on purpose: a pre-filled key (Swagger UI, a Postman collection) would be sent
    # with every try, and the second try with another body is a 422.
    description=(
        "Optional; leave it out unless you retry. 1-255 characters, unique per attempt (e.g. a UUID). Repeating "
        "the same key with the same body within 24 hours replays the first response (status and body) and creates "
        "nothing new; the same key with another body is 422 idempotency_key_reused; while the first request runs, "
        "409 request_in_progress. Replayed responses carry the header Idempotent-Replayed: true."
    ),
)


def api_operation(*, operation_id: str, summary: str, tag: str, auth: str, success: tuple, errors: list[str],
                  request_body=None, example: dict | None = None, description: str | None = None,
                  manual_parameters: list | None = None, error_schemas: dict | None = None,
                  role: str | None = None):
    """Document one operation (decorate the view method). See the module docstring.

    `success` is `(status, serializer or description)`: one status, one shape. `errors` are the domain error codes
    of this operation (common.error_codes), possibly empty; a code answered with several statuses is given as
    `(status, code)`. The generic ones are added from the view. `error_schemas` ({status: serializer}) replaces the
    error shape of a status whose body has fields of its own (a subclass of core.serializers.ErrorSerializer).
    `example` is
    required with a `request_body` and must succeed when sent as is against the sample data (seed_script.py).
    """
    if auth not in (PUBLIC, USER, STAFF):
        raise ValueError(f"auth must be PUBLIC, USER or STAFF, not {auth!r}")
    if (auth == STAFF) != (role is not None):
        # A staff operation names the role it needs (accounts.roles), shown as `x-role`: docs/roles.md's table and
        # tests/accounts/test_roles_walk.py read it, so a new staff operation cannot go without a role.
        raise ValueError(f"{operation_id}: a STAFF operation names its role, and only a STAFF operation does")
    if request_body not in (None, no_body) and example is None:
        raise ValueError(f"{operation_id}: an operation with a request body needs an example")
    own_errors = [(error_codes.lookup(e).status, e) if isinstance(e, str) else tuple(e) for e in errors]
    for status_, code in own_errors:
        error_codes.lookup(code, status_)  # an unknown code raises, saying what to do
    status, shape = success
    if not isinstance(shape, (str, openapi.Response)):
        # A response needs a description (Swagger UI, Spectral); the status's name is the honest minimum.
        shape = openapi.Response(HTTPStatus(status).phrase, shape)
    return swagger_auto_schema(
        operation_id=operation_id,
        operation_summary=summary,
        operation_description=description,
        tags=[tag],
        request_body=request_body,
        responses={status: shape},
        security=[] if auth == PUBLIC else None,
        manual_parameters=manual_parameters,
        # Read by ApiAutoSchema (drf-yasg passes unknown keyword arguments through as overrides).
        api_auth=auth,
        api_errors=own_errors,
        api_error_schemas={int(k): v for k, v in (error_schemas or {}).items()},
        api_example=example,
        api_role=role,
    )


class ApiAutoSchema(SwaggerAutoSchema):
    """Completes each operation from its `api_operation` metadata and from the view (see the module docstring)."""

    def get_operation(self, operation_keys=None):
        operation = super().get_operation(operation_keys)
        if getattr(self.view, "paged_twin_of", None) is not None:
            self._make_paged(operation)
        if self.overrides.get("api_role"):
            operation["x-role"] = self.overrides["api_role"]
        return operation

    # --- Request --------------------------------------------------------------------------------------------
    def add_manual_parameters(self, parameters):
        parameters = super().add_manual_parameters(parameters)
        if self._is_idempotent() and not any(p.get("name") == IDEMPOTENCY_KEY_PARAMETER.name for p in parameters):
            parameters.append(IDEMPOTENCY_KEY_PARAMETER)
        return parameters

    def get_pagination_parameters(self):
        parameters = super().get_pagination_parameters()
        # Examples: Swagger UI pre-fills them, and the Postman converter would otherwise invent random numbers.
        examples = {"limit": getattr(getattr(self.view, "paginator", None), "default_limit", None), "offset": 0}
        for parameter in parameters:
            if examples.get(parameter.name) is not None:
                parameter["x-example"] = examples[parameter.name]
        return parameters

    def get_request_body_parameters(self, consumes):
        parameters = super().get_request_body_parameters(consumes)
        example = self.overrides.get("api_example")
        for parameter in parameters:
            if parameter.get("in") == openapi.IN_BODY and example is not None:
                self._set_body_example(parameter, example)
        return parameters

    def _set_body_example(self, parameter, example):
        # Swagger 2.0 ignores siblings of a $ref, so the example goes into the body's definition; that
        # definition must then belong to this operation alone (a serializer per request body).
        schema = parameter["schema"]
        if isinstance(schema, openapi.SchemaRef):
            definitions = self.components.with_scope(openapi.SCHEMA_DEFINITIONS)
            name = schema["$ref"].rsplit("/", 1)[1]
            schema = definitions.get(name)
            if schema.get("example") not in (None, example):
                raise ValueError(f"{self.path} {self.method}: request definition {name} already has another "
                                 "operation's example: give this operation its own request serializer")
        schema["example"] = example

    def _is_idempotent(self) -> bool:
        handler = getattr(self.view, self.method.lower(), None)
        return bool(getattr(handler, "accepts_idempotency_key", False))

    # --- Responses ------------------------------------------------------------------------------------------
    def get_response_serializers(self):
        responses = super().get_response_serializers()
        if "api_errors" not in self.overrides:
            return responses  # undocumented operation: tests/project/test_api_description.py names it
        by_status: dict[int, list[str]] = {}
        for status, code in self._error_codes():
            by_status.setdefault(status, [])
            if code not in by_status[status]:
                by_status[status].append(code)
        for status, codes in sorted(by_status.items()):
            response = openapi.Response(
                description=" ".join(f"`{code}`: {error_codes.lookup(code, status).when}." for code in codes),
                schema=self.overrides.get("api_error_schemas", {}).get(status)
                or (SeatsErrorSerializer if SEATS_CODES & set(codes) else ErrorSerializer),
            )
            response["x-error-codes"] = codes
            responses[str(status)] = response
        return responses

    def _error_codes(self):
        """(status, code) of every error this operation can answer: its own, then those implied by the view."""
        auth = self.overrides["api_auth"]
        errors = list(self.overrides["api_errors"])
        errors += AUTH_ERRORS if auth != PUBLIC else (OPTIONAL_AUTH_ERRORS if self._authenticates() else [])
        if auth == STAFF:
            errors.append((403, "permission_denied"))
        if any("{" in part for part in self.path.split("/")):
            errors.append((404, "not_found"))
        if self.method.lower() in ("post", "put", "patch"):
            errors += WRITE_ERRORS
            if self.overrides.get("request_body") not in (None, no_body):
                errors += BODY_ERRORS
        if self._is_idempotent():
            errors += IDEMPOTENCY_ERRORS
        if self.view.get_throttles():
            errors.append((429, "throttled"))
        return errors + ALWAYS_ERRORS

    def _authenticates(self) -> bool:
        return bool(self.view.get_authenticators())

    # --- Paged twin -----------------------------------------------------------------------------------------
    def _make_paged(self, operation):
        """The twin of a list operation that always answers a page: its own operationId, summary and shape."""
        list_id = operation["operationId"]
        operation["operationId"] = (list_id[: -len("_list")] if list_id.endswith("_list") else list_id) + "_page"
        operation["summary"] = f"{operation['summary']}, one page at a time"
        ok = operation["responses"]["200"]
        items = ok["schema"]["items"]
        name = items["$ref"].rsplit("/", 1)[1] + "Page"
        definitions = self.components.with_scope(openapi.SCHEMA_DEFINITIONS)
        definitions.setdefault(name, lambda: _page_schema(items))
        ok["schema"] = openapi.SchemaRef(definitions, name)
        ok["description"] = "One page: `count` items in all, `next` / `previous` page URLs (null at the ends)."


def _page_schema(items):
    url = {"type": openapi.TYPE_STRING, "format": openapi.FORMAT_URI, "x-nullable": True}
    return openapi.Schema(
        type=openapi.TYPE_OBJECT,
        required=["count", "next", "previous", "results"],
        properties={
            "count": openapi.Schema(type=openapi.TYPE_INTEGER, description="Items in the whole list."),
            "next": openapi.Schema(**url, description="The next page, or null on the last."),
            "previous": openapi.Schema(**url, description="The previous page, or null on the first."),
            "results": openapi.Schema(type=openapi.TYPE_ARRAY, items=items),
        },
    )


# --- Lists: a plain array, and a paged twin ---------------------------------------------------------------
def paged_twin(view):
    """The view class of `view`'s paged twin: same list, always paged (limit 20 by default, at most 100)."""
    # Reads only: the list's other methods (e.g. staff creating a movie) stay on the list's own path.
    return type(f"{view.__name__}Page", (view,), {"pagination_class": PageLimitOffsetPagination,
                                                   "paged_twin_of": view,
                                                   "http_method_names": ["get", "head", "options"]})


# --- Integer path parameters ------------------------------------------------------------------------------
class ApiSchemaGenerator(OpenAPISchemaGenerator):
    """Types path parameters from the URL converters (`<int:show_id>`, or any converter to int -> integer, with an
    example of 1), where drf-yasg would say string for views without a queryset."""

    def get_schema(self, request=None, public=False):
        schema = super().get_schema(request, public)
        used = {tag for item in schema["paths"].values() for op in item.values() if isinstance(op, dict)
                for tag in op.get("tags", [])}
        schema["tags"] = [{"name": name, "description": text} for name, text in TAGS if name in used]
        schema["tags"] += [{"name": name} for name in sorted(used - {name for name, _ in TAGS})]
        return schema

    def get_path_parameters(self, path, view_cls):
        parameters = super().get_path_parameters(path, view_cls)
        converters = _converters_of(view_cls)
        for parameter in parameters:
            converter = converters.get(parameter.name)
            if converter is not None and _converts_to_int(converter):
                parameter.type = openapi.TYPE_INTEGER
                parameter.pop("pattern", None)
                parameter.minimum = 1
                if getattr(converter, "MAX", None):
                    parameter.maximum = converter.MAX
                # Swagger UI pre-fills it; swagger2openapi turns it into the parameter's example. The sample data's
                # first movie and show are 1 on a fresh database.
                parameter["x-example"] = 1
                if not parameter.get("description"):
                    parameter.description = f"The {parameter.name.removesuffix('_id')}'s id."
        return parameters


def _converts_to_int(converter) -> bool:
    # Django's <int:...> or a project converter of ids (digits in, int out), whatever its class.
    try:
        return type(converter.to_python("1")) is int
    except (ValueError, TypeError):
        return False


def _converters_of(view_cls) -> dict:
    found: dict = {}

    def walk(patterns, inherited):
        for entry in patterns:
            converters = {**inherited, **getattr(entry.pattern, "converters", {})}
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, converters)
            elif isinstance(entry, URLPattern) and getattr(entry.callback, "view_class", None) is view_cls:
                found.update(converters)

    walk(get_resolver().url_patterns, {})
    return found
