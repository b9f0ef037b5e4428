"""The site's own middleware (common.middleware): the admin keeps its CSRF protection, the API sets no cookie.
(Request ids and security headers are tested in test_hardening.py.)"""
import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class TestAdminOnlyMiddleware:
    """Sessions, CSRF, the session user and messages run for the admin only (common.middleware.AdminOnlyMiddleware)."""

    def test_the_admin_login_works_with_its_csrf_token(self):
        from django.test import Client

        UserFactory(username="boss", password="Boss-pass-123", is_staff=True, is_superuser=True)
        client = Client(enforce_csrf_checks=True)
        page = client.get("/admin/login/")
        token = page.cookies["csrftoken"].value

        response = client.post("/admin/login/?next=/admin/", {"username": "boss", "password": "Boss-pass-123",
                                                               "csrfmiddlewaretoken": token})

        assert response.status_code == 302
        assert client.get("/admin/").status_code == 200

    def test_the_admin_refuses_a_post_without_csrf_token(self):
        from django.test import Client

        UserFactory(username="boss", password="Boss-pass-123", is_staff=True, is_superuser=True)
        response = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "boss",
                                                                           "password": "Boss-pass-123"})

        assert response.status_code == 403

    def test_the_api_sets_no_session_or_csrf_cookie(self, api_client, show):
        response = api_client.get(f"/shows/{show.id}/")

        assert response.status_code == 200
        assert not response.cookies
        assert "Cookie" not in response.get("Vary", "")
