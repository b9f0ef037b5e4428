"""Revocation that works, and rotation without forks.

Findings reproduced here, each of which the code once had:
- after a password change the old access token still booked seats and the old refresh token still minted new
  ones (test_password_change_revokes_every_earlier_token);
- each rotation restarted the refresh lifetime, so a refresh token lived forever
  (test_rotation_never_extends_the_login);
- two simultaneous refreshes of one token both succeeded (test_simultaneous_refreshes_exactly_one_wins), and
  nothing noticed the reuse (test_reusing_a_rotated_token_revokes_the_whole_family).
"""
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.errors import TokenReused, TokenRevoked
from accounts.models import RefreshFamily
from accounts.services import tokens as token_service
from tests.concurrency_helpers import run_concurrently
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "An0ther-strong-pass"
REVOKED = {"detail": TokenRevoked.message, "code": "token_revoked"}
REUSED = {"detail": TokenReused.message, "code": "token_reused"}


def login(user, password=PASSWORD) -> dict:
    response = APIClient().post("/login", {"username": user.username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def refresh(token: str):
    return APIClient().post("/token/refresh", {"refresh": token}, format="json")


def with_access(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def book(access: str, show, seat: int):
    return with_access(access).post(f"/shows/{show.id}/book/", {"seat_number": seat}, format="json")


class TestRevocation:
    def test_password_change_revokes_every_earlier_token(self, user, show):
        laptop, phone = login(user), login(user)
        assert book(phone["access"], show, 1).status_code == 201

        response = with_access(laptop["access"]).post(
            "/password/change", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")
        assert response.status_code == 200
        fresh = response.json()

        for old in (laptop, phone):
            booked = book(old["access"], show, 2)
            assert (booked.status_code, booked.json()["code"]) == (401, "password_changed")
            assert refresh(old["refresh"]).status_code == 401
        # The answer's tokens work.
        assert book(fresh["access"], show, 2).status_code == 201
        assert refresh(fresh["refresh"]).status_code == 200

    def test_a_password_changed_elsewhere_revokes_too(self, user):
        # The admin, `changepassword`, a shell: the tokens carry a digest of the password hash.
        pair = login(user)
        user.set_password(NEW_PASSWORD)
        user.save()
        assert with_access(pair["access"]).get("/me").status_code == 401
        assert refresh(pair["refresh"]).status_code == 401

    @pytest.mark.parametrize("path", ["/logout/all", "/logout/all/"])
    def test_logout_everywhere_revokes_every_token_of_every_login(self, user, path):
        first, second = login(user), login(user)
        legacy = str(AccessToken.for_user(user))  # a token without version or family claims

        response = with_access(first["access"]).post(path)
        assert response.status_code == 200
        assert response.json() == {"detail": "Logged out everywhere: every token issued before has been revoked."}

        for access in (first["access"], second["access"], legacy):
            denied = with_access(access).get("/my-bookings/")
            assert (denied.status_code, denied.json()) == (401, REVOKED)
        for pair in (first, second):
            assert refresh(pair["refresh"]).status_code == 401
        # Logging in again works.
        assert with_access(login(user)["access"]).get("/my-bookings/").status_code == 200

    def test_logout_revokes_the_refresh_token_only(self, user):
        pair = login(user)
        client = with_access(pair["access"])
        assert client.post("/logout", {"refresh": pair["refresh"]}, format="json").status_code == 200
        assert refresh(pair["refresh"]).status_code == 401
        # As documented: the access token lives until it expires (JWT_ACCESS_MINUTES).
        assert client.get("/me").status_code == 200


class TestRotation:
    def test_rotation_never_extends_the_login(self, user):
        logged_in_at = timezone.now() - timedelta(hours=23)
        pair = token_service.token_pair_issue(user=user, now=logged_in_at)
        login_expiry = RefreshToken(pair["refresh"])["exp"]

        rotated = refresh(pair["refresh"])
        assert rotated.status_code == 200
        new_refresh = RefreshToken(rotated.json()["refresh"])
        assert new_refresh["exp"] == login_expiry  # a day from the login, not from now
        assert AccessToken(rotated.json()["access"])["exp"] <= login_expiry
        family = RefreshFamily.objects.get()
        assert family.expires_at == logged_in_at + timedelta(days=1)

    def test_an_expired_login_cannot_be_refreshed(self, user):
        pair = token_service.token_pair_issue(user=user, now=timezone.now() - timedelta(days=1, seconds=1))
        response = refresh(pair["refresh"])
        assert (response.status_code, response.json()) == (401, {"detail": "Token is expired",
                                                                  "code": "token_not_valid"})

    def test_reusing_a_rotated_token_revokes_the_whole_family(self, user):
        stolen = login(user)
        legit = refresh(stolen["refresh"]).json()  # the owner rotates; the thief still has the old one
        other_login = login(user)

        replay = refresh(stolen["refresh"])
        assert (replay.status_code, replay.json()) == (401, REUSED)

        # Every token of that login is revoked: the newest refresh token and the access tokens.
        assert refresh(legit["refresh"]).json() == REVOKED
        assert with_access(legit["access"]).get("/me").json() == REVOKED
        # Another login of the same user is untouched.
        assert with_access(other_login["access"]).get("/me").status_code == 200
        assert refresh(other_login["refresh"]).status_code == 200
        family = RefreshFamily.objects.get(revoked_at__isnull=False)
        assert family.revoked_reason == "reuse"

    def test_a_refresh_token_not_issued_by_login_is_refused(self, user):
        # Issued before token families existed (or minted by hand): it cannot be rotated safely.
        response = refresh(str(RefreshToken.for_user(user)))
        assert (response.status_code, response.json()["code"]) == (401, "token_not_valid")


@pytest.mark.django_db(transaction=True)
def test_simultaneous_refreshes_exactly_one_wins():
    """Real threads, each with its own database connection (PostgreSQL's row locks; SQLite's BEGIN IMMEDIATE)."""
    user = UserFactory()
    pair = token_service.token_pair_issue(user=user)
    outcome = run_concurrently([lambda: refresh(pair["refresh"]).status_code for _ in range(8)])

    assert not outcome.errors
    assert outcome.counts[200] == 1, outcome.counts
    assert outcome.counts[401] == 7, outcome.counts
    # The losers presented a token that had just been rotated: the family is revoked, no fork survives.
    assert RefreshFamily.objects.get().revoked_reason == "reuse"


def test_expired_families_are_flushed(user):
    from io import StringIO

    from django.core.management import call_command

    token_service.token_pair_issue(user=user, now=timezone.now() - timedelta(days=2))
    live = token_service.token_pair_issue(user=user)
    out = StringIO()
    call_command("flush_token_families", stdout=out)
    assert out.getvalue().strip() == "Deleted 1 expired token families."
    assert refresh(live["refresh"]).status_code == 200
