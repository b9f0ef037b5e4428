"""Every staff operation, walked with every role, against the table in docs/roles.md.

The staff operations are found, not listed: every route of the URL configuration is called by a customer (a route
answering them 403 is a staff operation), every admin list and every admin action is enumerated from the admin
site. Each must have a row in docs/roles.md, and each row is then called by a customer, by staff without a role,
by each role and by a superuser: allowed (anything but 403 or the admin's login redirect) or 403, as the table says.
Path ids name no row: the permission check runs before any lookup, so an allowed caller gets 404 or 400 and
nothing is changed.
"""
import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts.roles import BOX_OFFICE, DOOR, MANAGER, PROGRAMME, ROLES
from tests.factories import UserFactory

DOCS = Path(__file__).resolve().parents[2] / "docs" / "roles.md"
ROW = re.compile(r"^\| (?P<operation>[^|]+?) \| `(?P<where>[^`]+)` \| (?P<roles>[^|]+?) \|$")
NO_ROW_ID = "987654321"
PERSONAS = ("customer", "staff_without_role", *ROLES, "superuser")
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def docs_table() -> dict[str, frozenset]:
    """{"POST /movies/": {"programme", "manager"}, "admin core.movie": {...}, "action core.show.x": {...}}."""
    table = {}
    for line in DOCS.read_text().splitlines():
        match = ROW.match(line)
        if match and match["where"] != "Where":
            roles = frozenset() if "superuser only" in match["roles"] else frozenset(
                part.strip() for part in match["roles"].split(","))
            assert roles <= set(ROLES), f"docs/roles.md: unknown role in {line!r}"
            assert match["where"] not in table, f"docs/roles.md: {match['where']} twice"
            table[match["where"]] = roles
    return table


# The admin site's own pages and each ModelAdmin's standard ones: walked as lists and actions below. Any other
# page inside the admin (a ModelAdmin's get_urls) is walked as a route.
ADMIN_SITE_PAGES = {"index", "login", "logout", "password_change", "password_change_done", "autocomplete", "jsi18n",
                    "view_on_site", "app_list"}
MODEL_ADMIN_PAGE = re.compile(r"_(changelist|add|history|delete|change)$")


def _routes(patterns, prefix="", in_admin=False):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern),
                               in_admin or pattern.namespace == admin.site.name)
        elif isinstance(pattern, URLPattern):
            if in_admin and (pattern.name is None or pattern.name in ADMIN_SITE_PAGES
                             or MODEL_ADMIN_PAGE.search(pattern.name)):
                continue
            yield prefix + str(pattern.pattern), pattern.callback


def _methods(callback) -> list[str]:
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return ["get", "post"]
    return [method for method in HTTP_METHODS if hasattr(view_class, method)]


def doc_path(route: str) -> str:
    """`shows/<id:show_id>/` → `/shows/{show_id}/` (the API description's spelling)."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def real_path(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", NO_ROW_ID, route)


def persona(name: str):
    if name == "customer":
        return UserFactory()
    if name == "superuser":
        return UserFactory(is_staff=True, is_superuser=True)
    return UserFactory(is_staff=True, roles=[] if name == "staff_without_role" else [name])


def call(user, method: str, path: str):
    client = APIClient()
    client.force_login(user)  # the Django pages (admin, web)
    client.force_authenticate(user)  # the API (its token authentication)
    return getattr(client, method)(path, data={}, format="json")


def refused(response) -> bool:
    """403, or (an admin page) the admin's login page instead of the page."""
    return response.status_code == 403 or (
        response.status_code == 302 and "/admin/login/" in response.headers.get("Location", ""))


def allowed_personas(roles: frozenset) -> set[str]:
    return {*roles, "superuser"}


@pytest.fixture
def table():
    return docs_table()


@pytest.mark.django_db
def test_every_route_a_customer_is_refused_is_in_the_table_and_no_other(table):
    found = set()
    for route, callback in _routes(get_resolver().url_patterns):
        for method in _methods(callback):
            if call(persona("superuser"), method, real_path(route)).status_code == 405:
                continue  # a method the route does not answer (a plain Django view is tried with GET and POST)
            # A new customer per call: some routes act on the caller (log out, delete the account).
            response = call(persona("customer"), method, real_path(route))
            staff = call(persona("staff_without_role"), method, real_path(route))
            if refused(response) or refused(staff):
                found.add(f"{method.upper()} {doc_path(route)}")
    documented = {where for where in table if not where.startswith(("admin ", "action "))}
    assert found == documented


@pytest.mark.django_db
@pytest.mark.parametrize("who", PERSONAS)
def test_each_staff_route_allows_exactly_the_roles_in_the_table(table, who):
    user = persona(who)
    outcome = {}
    for where in table:
        if where.startswith(("admin ", "action ")):
            continue
        method, path = where.split(" ", 1)
        response = call(user, method.lower(), re.sub(r"\{\w+\}", NO_ROW_ID, path))
        assert response.status_code < 500, (where, response.status_code)
        outcome[where] = not refused(response)
    expected = {where: who in allowed_personas(roles) for where, roles in table.items()
                if not where.startswith(("admin ", "action "))}
    assert outcome == expected


@pytest.mark.django_db
@pytest.mark.parametrize("who", PERSONAS)
def test_each_admin_list_and_action_allows_exactly_the_roles_in_the_table(table, who):
    user = persona(who)
    lists, actions = {}, {}
    request = RequestFactory().get("/admin/")
    request.user = user
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        response = call(user, "get", f"/admin/{model._meta.app_label}/{model._meta.model_name}/")
        lists[f"admin {label}"] = not refused(response)
        offered = set(model_admin.get_actions(request)) if not refused(response) else set()
        for name in model_admin.actions or []:
            actions[f"action {label}.{name}"] = name in offered
    expected = {where: who in allowed_personas(roles) for where, roles in table.items()
                if where.startswith(("admin ", "action "))}
    assert {**lists, **actions} == expected


@pytest.mark.django_db
def test_the_api_description_names_the_same_role_as_the_table(table):
    document = APIClient().get("/swagger.json").json()
    described = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "x-role" in operation:
                described[f"{method.upper()} {path}"] = operation["x-role"]
    for where, role in described.items():
        assert table[where] == {role, MANAGER}, where
    api_rows = {where for where in table if where.split(" ")[0] in {m.upper() for m in HTTP_METHODS}}
    # Rows the description leaves out on purpose: the CSV (not JSON), the admin pages and the staff's web pages.
    undocumented = {"GET /reports/sales.csv", "GET /admin/reports/sales/", "GET /admin/reports/movies-weekly/",
                    "GET /reports/movies-weekly.csv", "GET /admin/core/show/schedule/",
                    "POST /admin/core/show/schedule/", "GET /boxoffice/", "POST /staff/till/sell/",
                    "POST /staff/till/refund/", "GET /staff/till/orders/{order_id}/tickets.pdf", "GET /door/",
                    "POST /staff/door/checkin/", "GET /admin/reports/vouchers/", "GET /reports/vouchers.csv",
                    "GET /vouchers/batch/{label}/codes.csv", "GET /admin/vouchers/voucher/batch/",
                    "POST /admin/vouchers/voucher/batch/"}
    assert api_rows - undocumented == set(described)


@pytest.mark.django_db
def test_the_groups_carry_the_admin_permissions_of_the_migration():
    """Spot checks of the data migration: programme edits the programme, the box office and the door only look."""
    def codenames(name):
        return set(Permission.objects.filter(group__name=name).values_list("codename", flat=True))

    assert {"add_show", "change_show", "delete_show", "add_screen", "change_movie"} <= codenames(PROGRAMME)
    assert not {"add_show", "change_show", "change_order"} & codenames(BOX_OFFICE)
    assert codenames(DOOR) == {"view_show", "view_booking", "view_checkin"}
    assert codenames(PROGRAMME) | codenames(BOX_OFFICE) | codenames(DOOR) <= codenames(MANAGER)
    # The table's manager has every other role's permissions and more.
    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)
