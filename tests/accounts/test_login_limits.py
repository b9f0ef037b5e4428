"""Fair login limits: keyed on the username as authentication compares it, and a third party at another address
cannot lock the owner out; and the limits of the other account endpoints.

Attacks these tests reproduce, each of which once worked:
- padding the username with spaces (or changing its case) bypassed the per-username limit
  (test_padding_case_and_width_share_one_budget);
- five wrong guesses from anywhere locked the owner out of login for a minute
  (test_guesses_from_another_address_do_not_lock_the_owner_out).
"""
import pytest

from tests.conftest import client_for
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username, password="wrong-password", address="10.0.0.1"):
    return client.post("/login", {"username": username, "password": password}, format="json", REMOTE_ADDR=address)


def test_padding_case_and_width_share_one_budget(api_client, user, rates, clock):
    rates("login_username", "3/min")
    name = user.username
    spellings = [f"  {name}  ", name.upper(), "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in name)]
    assert [login(api_client, s).status_code for s in spellings] == [401, 401, 401]
    response = login(api_client, f"{name} ")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


def test_guesses_from_another_address_do_not_lock_the_owner_out(api_client, user, rates, clock):
    rates("login_username", "5/min")
    for _ in range(5):
        assert login(api_client, user.username, address="203.0.113.66").status_code == 401
    assert login(api_client, user.username, address="203.0.113.66").status_code == 429
    # The owner, elsewhere, logs in at once.
    assert login(api_client, user.username, PASSWORD, address="198.51.100.7").status_code == 200


def test_many_addresses_meet_a_growing_delay_per_username(api_client, user, settings, clock):
    settings.LOGIN_FAILURES_BEFORE_DELAY = 3
    settings.LOGIN_DELAY_MAX_SECONDS = 8
    addresses = (f"198.18.0.{i}" for i in range(1, 100))
    for _ in range(3):  # free guesses, each from a fresh address
        assert login(api_client, user.username, address=next(addresses)).status_code == 401

    waits = []
    for _ in range(5):
        # The 4th, 5th, ... failure each double the wait before the next attempt (1, 2, 4, 8, 8 s).
        assert login(api_client, user.username, address=next(addresses)).status_code == 401
        refused = login(api_client, f" {user.username.upper()}", address=next(addresses))
        assert refused.status_code == 429
        waits.append(int(refused["Retry-After"]))
        clock.now += waits[-1]
    assert waits == [1, 2, 4, 8, 8]


def test_an_address_the_owner_logged_in_from_is_not_delayed(api_client, user, settings, clock):
    settings.LOGIN_FAILURES_BEFORE_DELAY = 1
    assert login(api_client, user.username, PASSWORD, address="192.0.2.10").status_code == 200  # home
    for i in range(5):
        login(api_client, user.username, address=f"198.18.1.{i}")
    assert login(api_client, user.username, address="198.18.2.1").status_code == 429
    assert login(api_client, user.username, PASSWORD, address="192.0.2.10").status_code == 200


class TestAccountEndpointsAreThrottled:
    def test_refresh_per_address(self, api_client, rates, clock):
        rates("refresh_ip", "2/min")
        statuses = [api_client.post("/token/refresh", {"refresh": "x"}, format="json").status_code
                    for _ in range(3)]
        assert statuses == [401, 401, 429]

    @pytest.mark.parametrize("method, path, body", [
        ("get", "/me", None),
        ("post", "/logout", {"refresh": "x"}),
    ])
    def test_me_and_logout_per_user(self, user, rates, clock, method, path, body):
        rates("account_user", "1/min")
        client = client_for(user)
        first = getattr(client, method)(path, body, format="json")
        assert first.status_code != 429
        second = getattr(client_for(user), method)(path, body, format="json")
        assert second.status_code == 429

    def test_logout_everywhere_per_user(self, api_client, user, rates, clock):
        rates("account_user", "1/min")
        assert client_for(user).post("/logout/all").status_code == 200
        # That revoked every token issued so far; the next call needs a fresh login, or a 401 would stand where
        # the limit's 429 is expected.
        fresh = login(api_client, user.username, PASSWORD)
        assert fresh.status_code == 200
        client = client_for(None)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {fresh.json()['access']}")

        second = client.post("/logout/all")
        assert second.status_code == 429, second.json()
        assert second.json()["code"] == "throttled"
        # A minute later the same token is let through: the 429 was the limit's, not the token's.
        clock.now += 60
        assert client.post("/logout/all").status_code == 200

    def test_password_change_per_user(self, user, rates, clock):
        rates("password_change_user", "2/min")
        client = client_for(user)
        body = {"old_password": "guess", "new_password": "An0ther-strong-pass"}
        assert [client.post("/password/change", body, format="json").status_code for _ in range(3)] == [400, 400, 429]

    @pytest.mark.parametrize("path, body", [
        ("/password/reset", {"email": "someone@example.com"}),
        ("/password/reset/confirm", {"uid": "MQ", "token": "x", "new_password": "An0ther-strong-pass"}),
    ])
    def test_password_reset_per_address(self, api_client, rates, clock, path, body):
        rates("password_reset_ip", "1/min")
        assert api_client.post(path, body, format="json").status_code in (202, 400)
        assert api_client.post(path, body, format="json").status_code == 429


def test_thirty_padded_guesses_from_thirty_addresses_meet_a_limit(api_client, user, rates, clock):
    """A botnet's attack, at the default settings: 30 guesses, 30 addresses, the name padded differently each
    time. With a per-username key that the padding dodged, all 30 were 401; now they meet the delay."""
    rates("login_username", "5/min")
    statuses = [login(api_client, " " * i + user.username + " " * (i % 3), address=f"198.19.0.{i}").status_code
                for i in range(1, 31)]
    # LOGIN_FAILURES_BEFORE_DELAY (10) failures are free; the 11th makes the next attempt wait, and the clock
    # does not move here.
    assert statuses.count(401) == 11
    assert statuses.count(429) == 19
