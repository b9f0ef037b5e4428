"""Usernames unique case-insensitively after NFKC, confusables refused, e-mail required and unique.

Without these rules `john@example.com` could sign up twice, and `Alice`, `alice` and a Cyrillic look-alike were
three accounts.
"""
import pytest
from rest_framework.test import APIClient

from accounts.errors import EmailTaken, UsernameTaken
from accounts.serializers import CONFUSABLE_USERNAME
from tests.concurrency_helpers import run_concurrently

PASSWORD_OK = "Sup3r-secret-pass"


def signup(username, email, client=None):
    return (client or APIClient()).post("/signup", {"username": username, "email": email, "password": PASSWORD_OK},
                                        format="json")


@pytest.mark.django_db
class TestUniqueness:
    @pytest.mark.parametrize("second", ["alice", "ALICE", " Alice ", "ａｌｉｃｅ"])
    def test_one_name_however_it_is_written(self, second):
        assert signup("Alice", "a1@example.com").status_code == 201
        response = signup(second, "a2@example.com")
        assert (response.status_code, response.json()) == (400, {"detail": UsernameTaken.message,
                                                                  "code": "username_taken"})

    def test_a_mixed_script_look_alike_is_refused(self):
        response = signup("аlice", "a2@example.com")  # a Cyrillic "а", then Latin letters
        assert response.status_code == 400
        assert response.json()["username"] == [CONFUSABLE_USERNAME]

    def test_a_name_in_one_other_script_is_fine(self):
        assert signup("алиса", "a3@example.com").status_code == 201

    def test_the_email_is_unique_in_any_case(self):
        assert signup("john_doe", "john@example.com").status_code == 201
        response = signup("john_two", "John@Example.com")
        assert (response.status_code, response.json()) == (400, {"detail": EmailTaken.message,
                                                                  "code": "email_taken"})

    def test_login_finds_the_account_however_the_name_is_written(self):
        assert signup("Alice", "a1@example.com").status_code == 201
        for typed in ("alice", " ALICE ", "ａｌｉｃｅ"):
            response = APIClient().post("/login", {"username": typed, "password": PASSWORD_OK}, format="json")
            assert response.status_code == 200, typed

    def test_the_stored_name_is_normalised_but_keeps_its_case(self):
        response = signup(" Ａlice ", "a1@example.com")
        assert (response.status_code, response.json()["username"]) == (201, "Alice")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["username", "email"])
def test_simultaneous_signups_with_one_name_or_email_exactly_one_wins(kind):
    """The database refuses the second (a unique index), not a check-then-insert that both would pass."""
    def attempt(i):
        username = f"Carol{i}" if kind == "email" else ("carol" if i % 2 else "CAROL")
        email = "carol@example.com" if kind == "email" else f"carol{i}@example.com"
        return lambda: signup(username, email).status_code

    outcome = run_concurrently([attempt(i) for i in range(6)])
    assert not outcome.errors
    assert outcome.counts == {201: 1, 400: 5}, outcome.counts


@pytest.mark.django_db
def test_the_migration_gives_existing_users_keys_and_resolves_old_collisions():
    """Accounts made before names and e-mails were unique may collide: the oldest keeps each key."""
    import importlib

    from django.apps import apps
    from django.contrib.auth import get_user_model

    from accounts.models import Account

    backfill = importlib.import_module("accounts.migrations.0002_backfill_accounts").backfill
    User = get_user_model()
    # bulk_create sends no signals: the users get no Account, as before the migration.
    User.objects.bulk_create([User(username=name, email=email) for name, email in
                              [("Alice", "a@example.com"), ("alice", "A@Example.com"), ("bob", ""), ("carol", "")]])
    old = list(User.objects.order_by("pk"))

    backfill(apps, None)

    keys = {a.user_id: (a.username_key, a.email_key) for a in Account.objects.all()}
    assert keys == {old[0].pk: ("alice", "a@example.com"), old[1].pk: (f"alice:{old[1].pk}", None),
                    old[2].pk: ("bob", None), old[3].pk: ("carol", None)}
    # Each still logs in with its exact name; other spellings find the older one.
    for user, password in ((old[0], "Older-acc0unt-pass"), (old[1], PASSWORD_OK)):
        user.set_password(password)
        user.save(update_fields=["password"])

    def login(username, password):
        return APIClient().post("/login", {"username": username, "password": password}, format="json").status_code

    assert login("alice", PASSWORD_OK) == 200
    assert login("Alice", "Older-acc0unt-pass") == 200
    assert login("ALICE", "Older-acc0unt-pass") == 200
