"""GET, PATCH and DELETE /me: your account, its e-mail and language, and deleting it."""
import pytest
from rest_framework.test import APIClient

from accounts.errors import EmailTaken
from accounts.models import RefreshFamily
from core.models import Booking, Hold
from core.services.holds import hold_create
from tests.conftest import client_for
from tests.factories import PASSWORD, BookingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/me", "/me/"])
def test_get_me(user, path):
    response = client_for(user).get(path)
    assert response.status_code == 200
    assert response.json() == {"id": user.id, "username": user.username, "email": user.email,
                               "date_joined": user.date_joined.isoformat().replace("+00:00", "Z"), "language": "en"}


def test_me_needs_a_token(api_client):
    assert api_client.get("/me").status_code == 401


def test_patch_changes_the_email(user):
    response = client_for(user).patch("/me", {"email": "new@example.com"}, format="json")
    assert response.status_code == 200
    assert response.json()["email"] == "new@example.com"
    user.refresh_from_db()
    assert user.email == "new@example.com"


def test_patch_refuses_an_email_another_account_has_in_any_case(user, other_user):
    response = client_for(user).patch("/me", {"email": other_user.email.upper()}, format="json")
    assert (response.status_code, response.json()) == (400, {"detail": EmailTaken.message, "code": "email_taken"})
    user.refresh_from_db()
    assert user.email != other_user.email.upper()


def test_patch_refuses_a_malformed_email(user):
    response = client_for(user).patch("/me", {"email": "not-an-email"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")


@pytest.mark.parametrize("path", ["/me", "/me/"])
def test_delete_anonymises_the_account_and_keeps_its_bookings(show, path):
    user = UserFactory(first_name="Ada", last_name="Lovelace")
    booking = BookingFactory(user=user, show=show, seat_number=4)
    hold_create(user=user, show_id=show.id, seat_numbers=[7, 8])
    tokens = APIClient().post("/login", {"username": user.username, "password": PASSWORD}, format="json").json()
    old_username = user.username
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    response = client.delete(path)
    assert (response.status_code, response.json()) == (200, {"detail": "Your account has been deleted."})

    user.refresh_from_db()
    assert user.username == f"deleted:{user.pk}"
    assert (user.email, user.first_name, user.last_name, user.is_active) == ("", "", "", False)
    assert not user.has_usable_password()
    # The booking stays for the cinema's accounts, pointing at the anonymised user.
    assert Booking.objects.get(pk=booking.pk).user_id == user.pk
    # Every token is gone.
    assert client.get("/me").status_code == 401
    assert APIClient().post("/token/refresh", {"refresh": tokens["refresh"]}, format="json").status_code == 401
    assert not RefreshFamily.objects.filter(user=user).exists()
    # The seats it was holding are free at once.
    assert not Hold.objects.filter(user=user).exists()
    # The name is free again.
    signup = APIClient().post("/signup", {"username": old_username, "email": "again@example.com",
                                          "password": PASSWORD}, format="json")
    assert signup.status_code == 201


def test_the_admin_refuses_a_name_that_differs_only_in_case(staff_user, client):
    from django.contrib.auth.models import Permission

    staff_user.user_permissions.add(*Permission.objects.filter(codename__in=["add_user", "change_user"]))
    client.force_login(staff_user)
    existing = UserFactory(username="Alice")
    response = client.post("/admin/auth/user/add/", {"username": "ALICE", "password1": "Sup3r-secret-pass",
                                                     "password2": "Sup3r-secret-pass", "usable_password": "true"})
    assert response.status_code == 200  # the form again, with the error
    assert b"A user with that username already exists." in response.content
    assert not type(existing).objects.filter(username="ALICE").exists()
