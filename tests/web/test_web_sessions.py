"""Signing out everywhere ends the web pages' sessions too: /logout/all, a password reset, a deactivation and an
account deletion each leave a browser signed in elsewhere without My tickets."""
import pytest
from django.contrib.auth import get_user
from django.contrib.auth.tokens import default_token_generator
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.services import tokens
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def signed_in_browser(user) -> Client:
    """A browser that logged in through the login page (the session a person has) and sees My tickets."""
    browser = Client()
    assert browser.post(reverse("web:login"), {"username": user.username, "password": PASSWORD}).status_code == 302
    assert browser.get(reverse("web:my_tickets")).status_code == 200
    return browser


def signed_out(browser: Client) -> bool:
    page = browser.get(reverse("web:my_tickets"))
    return page.status_code == 302 and page.url.startswith(reverse("web:login"))


def test_logout_all_through_the_api_ends_the_web_sessions():
    user = UserFactory()
    browser = signed_in_browser(user)
    assert client_for(user).post("/logout/all").status_code == 200
    assert signed_out(browser)
    # Logging in again afterwards works, and that new session is not ended by the old revocation.
    assert signed_in_browser(user).get(reverse("web:my_tickets")).status_code == 200


def test_logout_all_ends_force_logged_in_and_admin_sessions_alike():
    staff = UserFactory(is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(staff)
    assert admin.get("/admin/").status_code == 200
    tokens.logout_all(user=staff)
    assert admin.get("/admin/").status_code == 302  # to the admin's login page


def test_a_password_reset_ends_the_web_sessions(api_client):
    user = UserFactory()
    browser = signed_in_browser(user)
    user.refresh_from_db()  # the login set last_login, which the reset token is derived from
    uid, token = urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)
    response = api_client.post("/password/reset/confirm", {"uid": uid, "token": token,
                                                           "new_password": "A-new-Str0ng-pass"}, format="json")
    assert response.status_code == 200, response.content
    assert signed_out(browser)


def test_a_deactivation_ends_the_web_sessions():
    user = UserFactory()
    browser = signed_in_browser(user)
    user.is_active = False
    user.save(update_fields=["is_active"])  # as the admin's "active" checkbox does
    assert signed_out(browser)


def test_deleting_the_account_ends_the_web_sessions():
    user = UserFactory()
    browser = signed_in_browser(user)
    assert client_for(user).delete("/me").status_code in (200, 204)
    assert signed_out(browser)


def test_the_session_check_costs_no_query_of_its_own(django_assert_num_queries):
    user = UserFactory()
    browser = signed_in_browser(user)
    # The session row and the user (with its account, one join): the revocation check reads what is loaded.
    request = RequestFactory().get("/")
    request.session = browser.session
    with django_assert_num_queries(2):
        loaded = get_user(request)
        assert tokens.session_revoked(session=request.session, user=loaded) is False
