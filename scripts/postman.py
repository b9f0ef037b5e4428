"""The Postman collection (docs/postman_collection.json): generated from the API description, and run by newman.

    python scripts/postman.py generate   # /swagger.json -> openapi-to-postmanv2 -> docs/postman_collection.json
    python scripts/postman.py check      # fail if the committed collection differs from a fresh generation
    python scripts/postman.py run        # newman runs the collection against a fresh `make run`-like server

`make postman` does check + run (CI calls it); `make postman-collection` regenerates after an endpoint changes.

openapi-to-postmanv2 turns each operation into a request with the description's example body. This script then
makes the collection runnable top to bottom, as a person would click through it: the requests in RUN_ORDER (a
story: sign up, log in, browse, book, hold, confirm, cancel, refresh, log out, then staff), path ids taken from
variables that earlier requests store (no placeholder ids), the tokens stored by the login requests and sent as
`Bearer {{access_token}}`, the optional Idempotency-Key header left out, and a test on each request that its status
is the operation's documented success status. An operation missing from RUN_ORDER is an error here: add it.
"""
import argparse
import json
import os
import subprocess  # nosec B404 - runs only the tools it names (never a shell, never outside input)
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLLECTION = ROOT / "docs" / "postman_collection.json"
NODE_BIN = ROOT / "tools" / "api" / "node_modules" / ".bin"
BASE_URL = "http://127.0.0.1:8000"
STAFF = ("staff", "staff-pass-789")

# operationId, in the order newman runs them (an operation may appear twice), and what to store: variable <- JS
# expression on the JSON response `json`. A third item, a status, replaces the success status as the expected one
# for an operation that cannot succeed from the collection alone (it needs something out of band, e.g. a mail);
# it must be one of the operation's documented statuses. (bandit B105 reads "json.access" as a password: it is a
# variable's source.)
RUN_ORDER = [
    ("health_check", {}),
    ("signup", {}),
    ("login", {"access_token": "json.access", "refresh_token": "json.refresh"}),  # nosec B105
    ("staff_login", {"staff_token": "json.access"}),  # nosec B105
    ("me_retrieve", {}),
    ("me_update", {}),
    # Browse.
    ("movies_list", {"movie_id": "json[0].id"}),
    ("movies_page", {}),
    ("movies_retrieve", {}),
    ("movie_shows_list", {"show_id": "json[0].id"}),
    ("movie_shows_page", {}),
    ("shows_list", {}),
    ("shows_page", {}),
    ("shows_retrieve", {}),
    ("show_seat_map", {}),
    # Book directly, list, cancel.
    ("bookings_create", {"booking_id": "json.id"}),
    ("bookings_create_many", {}),
    ("my_bookings_list", {}),
    ("my_bookings_page", {}),
    ("bookings_cancel", {}),
    # Hold, release, hold again and pay at the box office; tickets and the door; cancel (refund).
    ("holds_create", {"hold_id": "json.id"}),
    ("my_holds_list", {}),
    ("my_holds_page", {}),
    ("holds_release", {}),
    ("holds_create", {"hold_id": "json.id"}),  # the released seats can be held again
    # Staff make a promo code; the customer previews it on the hold (the order below is made without it).
    ("vouchers_create", {"voucher_id": "json.id"}),
    ("vouchers_check", {}),
    ("orders_create", {"order_id": "json.id"}),
    ("orders_retrieve", {}),
    ("my_orders_list", {}),
    ("my_orders_page", {}),
    ("orders_mark_paid", {"booking_id": "json.booking_ids[0]"}),
    ("tickets_retrieve", {"ticket_code": "json.code"}),
    ("tickets_qr_png", {}),
    ("tickets_qr_svg", {}),
    ("orders_tickets_pdf", {}),
    ("orders_payment_refresh", {}),
    ("checkin", {}, 409),  # the sample shows start tomorrow: the door is not open yet (checkin_not_open)
    ("show_checkins", {}),
    ("orders_cancel", {}),
    # The box office sells two seats to a walk-in customer and prints their tickets.
    ("box_office_orders_create", {"order_id": "json.id"}),
    ("box_office_orders_tickets_pdf", {}),
    # Hold the freed seats and confirm.
    ("holds_create", {"hold_id": "json.id"}),
    ("holds_confirm", {}),
    # Staff put the sample show behind a waiting room (opening in 2030); the customer joins its line and polls.
    ("onsales_create", {"onsale_id": "json.id"}),
    ("onsales_retrieve", {}),
    ("onsales_queue_join", {}),
    ("onsales_queue_me", {}),
    ("onsales_update", {}),  # staff lift the waiting room: the sample show sells as before
    # The waiting list: the sample show still has seats, so joining is refused (buy them instead); there is no
    # entry to leave (404). The staff's view of the list is in the staff part.
    ("waitlist_join", {}, 409),
    ("my_waitlist_list", {}),
    ("my_waitlist_page", {}),
    ("waitlist_leave", {}, 404),
    # Tokens and the account, to its deletion.
    ("token_refresh", {"access_token": "json.access", "refresh_token": "json.refresh"}),  # nosec B105
    ("logout", {}),
    ("logout_all", {}),  # every token of the account is revoked: log in again
    ("login", {"access_token": "json.access", "refresh_token": "json.refresh"}),  # nosec B105
    ("password_change", {"access_token": "json.access", "refresh_token": "json.refresh"}),  # nosec B105
    ("password_reset", {}),
    ("password_reset_confirm", {}, 400),  # its uid and token come from the mail: the documented 400 is checked
    ("me_delete", {}),
    # Staff: a movie and a show (then change, block, cancel it), a cinema and a screen.
    ("movies_create", {"movie_id": "json.id"}),
    ("movies_media_update", {}),  # the trailer link (a poster file is the staff's own: left out, disabled)
    ("shows_create", {"show_id": "json.id"}),
    ("shows_update", {}),
    ("show_seats_block", {}),
    ("show_seats_unblock", {}),
    ("show_waitlist_retrieve", {}),
    ("show_waitlist_close", {}),
    ("shows_cancel", {}),
    ("shows_schedule", {}),  # a week of shows in 2030 on the sample's first screen
    ("cinemas_create", {"cinema_id": "json.id"}),
    ("screens_create", {"screen_id": "json.id"}),
    ("ticket_types_create", {}),
    ("ticket_types_list", {}),
    ("cinemas_retrieve", {}),
    ("screens_retrieve", {}),
    ("cinemas_list", {}),
    ("cinemas_page", {}),
    # Staff: promo codes (the one made above, deactivated) and a batch of single-use codes.
    ("vouchers_list", {}),
    ("vouchers_retrieve", {}),
    ("vouchers_update", {}),
    ("vouchers_batch_create", {}),
    # Staff: the sales report of what the story did (the default period: the last and next 30 days).
    ("reports_sales", {}),
]
# Request fields whose example cannot be a constant: the value comes from a variable.
BODY_VARIABLES = {"refresh": "{{refresh_token}}", "hold_id": "{{hold_id}}", "code": "{{ticket_code}}"}
# Operations whose example body is sent as it is: a ticket type's `code` is its own, not a ticket's.
CONSTANT_BODIES = {"ticket_types_create", "vouchers_create"}
# Fields of an operation's example kept as they are while the others come from variables: a promo code's `code`.
CONSTANT_FIELDS = {"vouchers_check": {"code"}}
# Form fields (multipart operations) and their values; a file field is left disabled (no file in the collection).
FORM_VALUES = {"trailer_url": "https://www.youtube.com/watch?v=YoHD9XEInc0"}
VARIABLES = ["baseUrl", "access_token", "refresh_token", "staff_token", "staff_username", "staff_password",
             "movie_id", "show_id", "booking_id", "hold_id", "cinema_id", "screen_id", "order_id", "ticket_code",
             "onsale_id", "entry_id", "voucher_id"]


def swagger_document() -> dict:
    """/swagger.json as the running app serves it on 127.0.0.1:8000 (in process; no server needed)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketing_system.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test import Client

    response = Client(HTTP_HOST="127.0.0.1:8000").get("/swagger.json")
    if response.status_code != 200:
        raise SystemExit(f"/swagger.json answered {response.status_code}")
    return response.json()


def generate() -> dict:
    document = swagger_document()
    with tempfile.TemporaryDirectory() as tmp:
        source, raw = Path(tmp) / "swagger.json", Path(tmp) / "collection.json"
        source.write_text(json.dumps(document))
        subprocess.run([str(NODE_BIN / "openapi2postmanv2"), "-s", str(source), "-o", str(raw),  # nosec B603
                        "-O", "folderStrategy=Tags,parametersResolution=Example,enableOptionalParameters=false"],
                       check=True, capture_output=True, timeout=120)
        converted = json.loads(raw.read_text())
    return _runnable(converted, document)


def _runnable(converted: dict, document: dict) -> dict:
    operations = {}  # (METHOD, /path/{var}/) -> (operationId, operation)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                operations[(method.upper(), path)] = (operation["operationId"], operation)
    requests = {}
    for folder in converted["item"]:
        for item in folder.get("item", [folder]):
            url = item["request"]["url"]
            path = "/" + "/".join(f"{{{p[1:]}}}" if p.startswith(":") else p for p in url["path"])
            operation_id, operation = operations[(item["request"]["method"], path)]
            requests[operation_id] = (item, operation)

    placed = {entry[0] for entry in RUN_ORDER}
    missing = sorted(set(requests) - placed)
    if missing:
        raise SystemExit(f"scripts/postman.py: add {missing} to RUN_ORDER (where in the story it can succeed)")

    items = []
    for operation_id, captures, *expected in RUN_ORDER:
        if operation_id == "staff_login":
            item, operation = json.loads(json.dumps(requests["login"][0])), requests["login"][1]
            item["name"] = "Log in as staff: store the staff token"
            item["request"]["body"]["raw"] = json.dumps(
                {"username": "{{staff_username}}", "password": "{{staff_password}}"}, indent=2)  # nosec B105
        else:
            item, operation = json.loads(json.dumps(requests[operation_id][0])), requests[operation_id][1]
        items.append(_prepare(item, operation_id, operation, captures, *expected))
    return {
        "info": {
            "name": document["info"]["title"],
            "description": "Generated from /swagger.json by scripts/postman.py (openapi-to-postmanv2); run it in "
                           "order (Run collection, or `make postman`). Set baseUrl, staff_username and "
                           "staff_password; the login requests store the tokens.",
            "schema": converted["info"]["schema"],
        },
        "item": items,
        "auth": _bearer("{{access_token}}"),
        "variable": [{"key": key, "value": {"baseUrl": BASE_URL, "staff_username": STAFF[0],
                                            "staff_password": STAFF[1]}.get(key, "")} for key in VARIABLES],
    }


def _prepare(item, operation_id, operation, captures, expected: int | None = None):
    request = item["request"]
    for variable in request["url"].get("variable", []):
        variable["value"] = f"{{{{{variable['key']}}}}}"
    # Optional query parameters come disabled; without an example in the description the converter invents a
    # random value, so they are left empty (and the collection stays the same from one generation to the next).
    examples = {p["name"]: p["x-example"] for p in operation.get("parameters", []) if "x-example" in p}
    for query in request["url"].get("query", []):
        query["value"] = str(examples[query["key"]]) if query["key"] in examples else ""
    # The optional Idempotency-Key is never sent pre-filled (a fixed key makes the next different request a 422).
    request["header"] = [h for h in request.get("header", []) if h["key"] != "Idempotency-Key"]
    if operation.get("security") == []:
        request["auth"] = {"type": "noauth"}
    elif "permission_denied" in operation["responses"].get("403", {}).get("x-error-codes", []):
        # Staff-only operations (documented with 403 permission_denied) send the staff login's token.
        request["auth"] = _bearer("{{staff_token}}")
    else:
        request.pop("auth", None)  # inherits the collection's Bearer {{access_token}}
    body = request.get("body") or {}
    if body.get("mode") == "raw" and body.get("raw"):
        data = json.loads(body["raw"])
        if operation_id not in CONSTANT_BODIES:
            data.update({k: v for k, v in BODY_VARIABLES.items()
                         if k in data and k not in CONSTANT_FIELDS.get(operation_id, ())})
        body["raw"] = json.dumps(data, indent=2)
    if body.get("mode") == "formdata":
        for field in body.get("formdata", []):
            if field.get("type") == "file":
                field["disabled"] = True
                field.pop("src", None)
            elif field["key"] in FORM_VALUES:
                field["value"] = FORM_VALUES[field["key"]]
    success = next(status for status in operation["responses"] if status.startswith("2"))
    if expected is not None:
        if str(expected) not in operation["responses"]:
            raise SystemExit(f"scripts/postman.py: {operation_id} does not document status {expected}")
        success = str(expected)
    script = [f'pm.test("{operation_id} answers {success}", function () {{ pm.response.to.have.status({success}); }});']
    if captures:
        script.append("var json = pm.response.json();")
        script += [f'pm.collectionVariables.set("{name}", {expression});' for name, expression in captures.items()]
    item["event"] = [{"listen": "test", "script": {"type": "text/javascript", "exec": script}}]
    item.pop("response", None)  # example responses of "<string>" placeholders: the description has the real ones
    _strip_ids(item)
    return item


def _bearer(token: str) -> dict:
    return {"type": "apikey", "apikey": [{"key": "key", "value": "Authorization", "type": "string"},
                                         {"key": "value", "value": f"Bearer {token}", "type": "string"},
                                         {"key": "in", "value": "header", "type": "string"}]}


def _strip_ids(value):
    # The converter gives every item a random id: without them the output is the same on every run (diffable).
    if isinstance(value, dict):
        value.pop("id", None)
        for child in value.values():
            _strip_ids(child)
    elif isinstance(value, list):
        for child in value:
            _strip_ids(child)


def _text(collection: dict) -> str:
    return json.dumps(collection, indent=2, ensure_ascii=False) + "\n"


def run(port: int) -> int:
    from tests.make_run_server import make_run_server

    # The sample on-sale's waiting line lives in Redis, which outlives the run's database: a prefix of this run's
    # own, so a second run on one machine is not "already in line" from the first.
    os.environ["ONSALE_REDIS_PREFIX"] = f"postman-{uuid.uuid4().hex[:12]}"
    with tempfile.TemporaryDirectory() as tmp, make_run_server(Path(tmp), port=port, staff=STAFF) as (base, _):
        return subprocess.run([str(NODE_BIN / "newman"), "run", str(COLLECTION),  # nosec B603
                               "--env-var", f"baseUrl={base}",
                               "--bail", "--color", "off"], timeout=600).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["generate", "check", "run"])
    parser.add_argument("--port", type=int, default=int(os.environ.get("POSTMAN_PORT", "8480")))
    args = parser.parse_args()
    if args.command == "run":
        return run(args.port)
    fresh = _text(generate())
    if args.command == "generate":
        COLLECTION.parent.mkdir(exist_ok=True)
        COLLECTION.write_text(fresh)
        print(f"wrote {COLLECTION.relative_to(ROOT)}")
        return 0
    if COLLECTION.read_text() != fresh:
        print("docs/postman_collection.json is out of date with the API description: run `make postman-collection` "
              "and commit it", file=sys.stderr)
        return 1
    print("docs/postman_collection.json matches the API description")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
