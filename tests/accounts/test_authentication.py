"""accounts.authentication.JWTAuthentication: simplejwt's checks, answered as before, one query per request."""
from unittest import mock

import pytest
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken

from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def my_bookings(token: str):
    from rest_framework.test import APIClient

    return APIClient().get("/my-bookings/", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_valid_token_authenticates_with_one_query(user, django_assert_num_queries):
    client = client_for(user)  # (minting the token records it for the blacklist: a query of its own)

    with django_assert_num_queries(2):  # the user, then the bookings
        response = client.get("/my-bookings/")

    assert response.status_code == 200


def test_a_deleted_users_token_stops_working_at_once():
    user = UserFactory()
    token = str(AccessToken.for_user(user))
    user.delete()

    response = my_bookings(token)
    assert response.status_code == 401
    assert response.json() == {"detail": "User not found", "code": "user_not_found"}


@pytest.mark.parametrize("claim", ["not-a-number", None, ""])
def test_a_user_id_claim_that_names_no_user_is_user_not_found(user, claim):
    token = AccessToken.for_user(user)
    token["user_id"] = claim

    response = my_bookings(str(token))
    assert response.status_code == 401
    assert response.json() == {"detail": "User not found", "code": "user_not_found"}


def test_a_token_without_a_user_id_claim_is_invalid(user):
    token = AccessToken.for_user(user)
    del token["user_id"]

    response = my_bookings(str(token))
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_revoke_on_password_change_is_still_honoured_when_enabled(user):
    # simplejwt's modules share one api_settings object; override_settings would replace it in only one of them.
    with mock.patch.object(api_settings, "CHECK_REVOKE_TOKEN", True):
        token = str(AccessToken.for_user(user))
        assert my_bookings(token).status_code == 200

        user.set_password("An0ther-strong-pass")
        user.save(update_fields=["password"])

        response = my_bookings(token)
    assert response.status_code == 401
    assert response.json() == {"detail": "The user's password has been changed.", "code": "password_changed"}
