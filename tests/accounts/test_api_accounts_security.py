"""Token hygiene and password rules: rotation, deactivated users, lifetimes, signup validators.
(Logout's blacklisting is in test_api_auth.py, revocation in test_api_tokens.py.)"""
import pytest
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN_NOT_VALID = {"detail": "Token is invalid", "code": "token_not_valid"}
NO_ACTIVE_ACCOUNT = {"detail": "No active account found for the given token.", "code": "no_active_account"}


def login(client, user, password=PASSWORD):
    response = client.post("/login", {"username": user.username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def refresh(client, token):
    return client.post("/token/refresh", {"refresh": token}, format="json")


class TestTokens:
    def test_lifetimes_are_60_minutes_and_one_day(self, api_client, user):
        tokens = login(api_client, user)
        access, refresh_token = AccessToken(tokens["access"]), RefreshToken(tokens["refresh"])
        assert access["exp"] - access["iat"] == 60 * 60
        assert refresh_token["exp"] - refresh_token["iat"] == 24 * 60 * 60

    def test_refresh_rotates_and_the_new_refresh_token_works_once(self, api_client, user):
        tokens = login(api_client, user)

        response = refresh(api_client, tokens["refresh"])
        assert response.status_code == 200
        rotated = response.json()
        assert set(rotated) == {"access", "refresh"}
        assert rotated["refresh"] != tokens["refresh"]

        again = refresh(api_client, rotated["refresh"])
        assert again.status_code == 200
        # Reusing a rotated token is no longer a plain "blacklisted": it revokes the login (test_api_tokens.py).
        assert refresh(api_client, rotated["refresh"]).json()["code"] == "token_reused"

    def test_a_deactivated_user_is_locked_out_at_once(self, api_client, user):
        tokens = login(api_client, user)
        client = client_for(None)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        assert client.get("/my-bookings/").status_code == 200

        user.is_active = False
        user.save(update_fields=["is_active"])

        # The same, unexpired access token: refused on the next request, not when it expires.
        response = client.get("/my-bookings/")
        assert (response.status_code, response.json()) == (401, {"detail": "User is inactive",
                                                                 "code": "user_inactive"})
        after = refresh(api_client, tokens["refresh"])
        assert (after.status_code, after.json()) == (401, NO_ACTIVE_ACCOUNT)
        relogin = api_client.post("/login", {"username": user.username, "password": PASSWORD}, format="json")
        assert relogin.status_code == 401

    def test_a_deleted_users_refresh_token_is_401_not_500(self, api_client):
        user = UserFactory()
        tokens = login(api_client, user)
        user.delete()
        response = refresh(api_client, tokens["refresh"])
        assert (response.status_code, response.json()) == (401, NO_ACTIVE_ACCOUNT)

    def test_a_forged_token_is_401(self, api_client):
        response = refresh(api_client, "not.a.token")
        assert (response.status_code, response.json()) == (401, TOKEN_NOT_VALID)


class TestSignupPasswordValidators:
    @pytest.mark.parametrize(
        ("username", "password", "message"),
        [
            ("alice", "Xy7!q", "This password is too short. It must contain at least 8 characters."),
            ("alice", "password123", "This password is too common."),
            ("alice", "48291736502", "This password is entirely numeric."),
            ("margaretha", "margaretha1", "The password is too similar to the username."),
        ],
        ids=["length", "common", "numeric", "similarity"],
    )
    def test_each_validator_is_a_clear_400(self, api_client, django_user_model, username, password, message):
        response = api_client.post("/signup", {"username": username, "email": f"{username}@example.com",
                                               "password": password}, format="json")
        assert response.status_code == 400
        assert response.json() == {"detail": "Invalid input.", "code": "invalid", "password": [message]}
        assert not django_user_model.objects.exists()

    def test_a_strong_password_signs_up(self, api_client):
        response = api_client.post("/signup", {"username": "alice", "email": "alice@example.com",
                                               "password": "Tr1cky-enough"}, format="json")
        assert response.status_code == 201
