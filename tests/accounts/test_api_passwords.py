"""POST /password/change, /password/reset and /password/reset/confirm."""
import re

import pytest
from django.core import mail
from rest_framework.test import APIClient

from accounts.errors import InvalidResetToken, WrongPassword
from accounts.views import RESET_DONE_DETAIL, RESET_REQUESTED_DETAIL
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "An0ther-strong-pass"


def login_status(user, password) -> int:
    return APIClient().post("/login", {"username": user.username, "password": password}, format="json").status_code


class TestChange:
    @pytest.mark.parametrize("path", ["/password/change", "/password/change/"])
    def test_changes_the_password_and_answers_new_tokens(self, user, path):
        response = client_for(user).post(path, {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
                                         format="json")
        assert response.status_code == 200
        assert set(response.json()) == {"access", "refresh"}
        assert login_status(user, NEW_PASSWORD) == 200
        assert login_status(user, PASSWORD) == 401

    def test_wrong_old_password_is_400(self, user):
        response = client_for(user).post("/password/change", {"old_password": "nope", "new_password": NEW_PASSWORD},
                                         format="json")
        assert (response.status_code, response.json()) == (400, {"detail": WrongPassword.message,
                                                                  "code": "wrong_password"})
        assert login_status(user, PASSWORD) == 200

    def test_the_password_rules_apply(self, user):
        response = client_for(user).post("/password/change", {"old_password": PASSWORD, "new_password": "123"},
                                         format="json")
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid"
        assert "This password is too short. It must contain at least 8 characters." in body["new_password"]

    def test_needs_a_token(self, api_client):
        response = api_client.post("/password/change", {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
                                   format="json")
        assert response.status_code == 401


@pytest.fixture
def request_reset(django_capture_on_commit_callbacks):
    """POST /password/reset. The mail is sent after commit; these tests run in a transaction that is rolled back,
    so the request's on-commit callbacks are run when it ends, as a commit would."""
    def post(client, email, path="/password/reset"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, {"email": email}, format="json")

    return post


def reset_link_parts() -> tuple[str, str]:
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    return re.search(r"uid: (\S+)", body).group(1), re.search(r"token: (\S+)", body).group(1)


class TestReset:
    @pytest.mark.parametrize("path", ["/password/reset", "/password/reset/"])
    def test_same_answer_whether_or_not_the_account_exists(self, api_client, user, path, request_reset):
        known = request_reset(api_client, user.email.upper(), path)
        unknown = request_reset(api_client, "nobody@example.com", path)
        for response in (known, unknown):
            assert (response.status_code, response.json()) == (202, {"detail": RESET_REQUESTED_DETAIL})
        # Only the account's owner got a mail.
        assert [m.to for m in mail.outbox] == [[user.email]]

    def test_an_inactive_account_gets_no_mail(self, api_client, request_reset):
        user = UserFactory(is_active=False)
        assert request_reset(api_client, user.email).status_code == 202
        assert mail.outbox == []

    @pytest.mark.parametrize("path", ["/password/reset/confirm", "/password/reset/confirm/"])
    def test_the_mailed_token_sets_a_new_password_once(self, api_client, user, path, request_reset):
        old_refresh = APIClient().post("/login", {"username": user.username, "password": PASSWORD},
                                       format="json").json()["refresh"]
        request_reset(api_client, user.email)
        uid, token = reset_link_parts()

        response = api_client.post(path, {"uid": uid, "token": token, "new_password": NEW_PASSWORD}, format="json")
        assert (response.status_code, response.json()) == (200, {"detail": RESET_DONE_DETAIL})
        assert login_status(user, NEW_PASSWORD) == 200
        # Tokens of before are revoked.
        assert api_client.post("/token/refresh", {"refresh": old_refresh}, format="json").status_code == 401

        again = api_client.post(path, {"uid": uid, "token": token, "new_password": "Yet-an0ther-pass"},
                                format="json")
        assert (again.status_code, again.json()) == (400, {"detail": InvalidResetToken.message,
                                                            "code": "invalid_reset_token"})

    @pytest.mark.parametrize("uid, token", [("MQ", "wrong-token"), ("!!!", "x"), ("OTIyMzM3MjAzNjg1NDc3NTgwOA", "x"),
                                            ("", "")])
    def test_a_bad_uid_or_token_is_400(self, api_client, user, uid, token):
        response = api_client.post("/password/reset/confirm", {"uid": uid, "token": token,
                                                               "new_password": NEW_PASSWORD}, format="json")
        assert response.status_code == 400
        assert login_status(user, PASSWORD) == 200

    def test_the_password_rules_apply_to_a_reset(self, api_client, user, request_reset):
        request_reset(api_client, user.email)
        uid, token = reset_link_parts()
        response = api_client.post("/password/reset/confirm", {"uid": uid, "token": token, "new_password": "123"},
                                   format="json")
        assert (response.status_code, response.json()["code"]) == (400, "invalid")
        assert "new_password" in response.json()
