"""The web pages and the admin send a Content-Security-Policy (django-csp) that allows our own origin and
Stripe.js's (from STRIPE_JS_URL), and the templates need nothing more: no inline script, style or handler."""
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

pytestmark = pytest.mark.django_db

TEMPLATE_DIRS = [Path(django_settings.BASE_DIR) / app / "templates" for app in ("web", "reports", "accounts",
                                                                               "core", "orders", "tickets")]


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def test_pages_and_the_admin_send_the_policy(admin_client):
    for response in (Client().get("/"), Client().get("/account/login/"), admin_client.get("/admin/")):
        assert response.status_code == 200
        policy = directives(response)
        assert policy["script-src"][0] == "'self'" and "'unsafe-inline'" not in policy["script-src"]
        assert policy["style-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]


def test_stripe_js_origin_comes_from_the_setting(settings):
    settings.STRIPE_JS_URL = "http://127.0.0.1:8999/js.stripe.com/v3/"
    policy = directives(Client().get("/"))
    for name in ("script-src", "frame-src", "connect-src"):
        assert "http://127.0.0.1:8999" in policy[name] and "https://api.stripe.com" in policy[name]
    settings.STRIPE_JS_URL = "https://js.stripe.com/v3/"
    assert "https://js.stripe.com" in directives(Client().get("/"))["script-src"]


def test_the_api_answers_without_a_policy(api_client):
    # JSON is never run by a browser; the header would only cost every API response.
    assert "Content-Security-Policy" not in api_client.get("/movies/")


def test_no_template_has_inline_script_style_or_handler():
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>|\sstyle=\"|\son[a-z]+=",
                        re.IGNORECASE)
    found = [f"{path}: {match.group(0)}" for directory in TEMPLATE_DIRS if directory.exists()
             for path in directory.rglob("*.html") if "notifications" not in path.parts
             for match in inline.finditer(path.read_text())]
    assert found == []
