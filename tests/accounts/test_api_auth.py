"""/signup, /login, /token/refresh, /logout."""
import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.errors import InvalidRefreshToken, UsernameTaken
from accounts.views import LOGGED_OUT_DETAIL
from tests.conftest import bearer
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {"username": "john_doe", "email": "john@example.com", "password": "securepass123"}


def login(client, username, password):
    return client.post("/login", {"username": username, "password": password}, format="json")


class TestSignup:
    @pytest.mark.parametrize("path", ["/signup", "/signup/"])
    def test_creates_a_user_as_in_the_seed(self, api_client, django_user_model, path):
        response = api_client.post(path, SIGNUP, format="json")

        assert response.status_code == 201
        user = django_user_model.objects.get()
        assert response.json() == {"id": user.id, "username": "john_doe", "email": "john@example.com"}
        assert user.check_password("securepass123")
        assert "password" not in response.json()

    def test_duplicate_username_is_400(self, api_client):
        api_client.post("/signup", SIGNUP, format="json")

        response = api_client.post("/signup", {**SIGNUP, "email": "other@example.com"}, format="json")

        assert response.status_code == 400
        assert response.json() == {"detail": UsernameTaken.message, "code": "username_taken"}

    @pytest.mark.parametrize("body, field", [
        ({"email": "a@b.co", "password": "securepass123"}, "username"),
        ({"username": "x", "email": "a@b.co"}, "password"),
        ({**SIGNUP, "email": "not-an-email"}, "email"),
        ({**SIGNUP, "username": "bad name!"}, "username"),
    ])
    def test_invalid_fields_are_400(self, api_client, body, field):
        response = api_client.post("/signup", body, format="json")

        assert response.status_code == 400
        assert field in response.json()

    def test_email_is_required(self, api_client):
        # It is how a forgotten password is reset; it used to be optional.
        response = api_client.post("/signup", {"username": "jane", "password": "securepass123"}, format="json")

        assert response.status_code == 400
        assert response.json() == {"detail": "Invalid input.", "code": "invalid", "email": ["This field is required."]}


class TestLogin:
    @pytest.mark.parametrize("path", ["/login", "/login/"])
    def test_returns_tokens_that_work(self, api_client, path):
        user = UserFactory()

        response = api_client.post(path, {"username": user.username, "password": PASSWORD}, format="json")

        assert response.status_code == 200
        assert set(response.json()) == {"access", "refresh"}
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
        assert api_client.get("/my-bookings/").status_code == 200

    def test_wrong_password_is_401(self, api_client):
        user = UserFactory()

        response = login(api_client, user.username, "wrong-password")

        assert response.status_code == 401
        assert response.json() == {"detail": "No active account found with the given credentials",
                                   "code": "no_active_account"}

    def test_blank_password_is_a_400_validation_error(self, api_client):
        user = UserFactory()

        response = login(api_client, user.username, "")

        assert response.status_code == 400
        assert "password" in response.json()

    def test_unknown_user_is_401(self, api_client):
        assert login(api_client, "nobody", "whatever-pass").status_code == 401


class TestRefreshAndLogout:
    @pytest.mark.parametrize("path", ["/token/refresh", "/token/refresh/"])
    def test_refresh_gives_a_new_access_token(self, api_client, path):
        user = UserFactory()
        refresh = login(api_client, user.username, PASSWORD).json()["refresh"]

        response = api_client.post(path, {"refresh": refresh}, format="json")

        assert response.status_code == 200
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
        assert api_client.get("/my-bookings/").status_code == 200

    @pytest.mark.parametrize("path", ["/logout", "/logout/"])
    def test_logout_blacklists_the_refresh_token(self, api_client, path):
        user = UserFactory()
        tokens = login(api_client, user.username, PASSWORD).json()
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

        response = api_client.post(path, {"refresh": tokens["refresh"]}, format="json")

        assert response.status_code == 200
        assert response.json() == {"detail": LOGGED_OUT_DETAIL}
        refreshed = api_client.post("/token/refresh", {"refresh": tokens["refresh"]}, format="json")
        assert (refreshed.status_code, refreshed.json()) == (401, {"detail": "Token is blacklisted",
                                                                   "code": "token_not_valid"})
        # Logging out twice with the same token: it is no longer valid.
        again = api_client.post(path, {"refresh": tokens["refresh"]}, format="json")
        assert again.status_code == 400
        assert again.json() == {"detail": InvalidRefreshToken.message, "code": "token_not_valid"}

    def test_cannot_revoke_someone_elses_token(self, api_client):
        me, other = UserFactory(), UserFactory()
        others_refresh = login(api_client, other.username, PASSWORD).json()["refresh"]
        api_client.credentials(HTTP_AUTHORIZATION=bearer(me))

        response = api_client.post("/logout", {"refresh": others_refresh}, format="json")

        assert response.status_code == 400
        assert api_client.post("/token/refresh", {"refresh": others_refresh}, format="json").status_code == 200

    def test_logout_needs_authentication(self, api_client):
        user = UserFactory()
        response = api_client.post("/logout", {"refresh": str(RefreshToken.for_user(user))}, format="json")

        assert response.status_code == 401
