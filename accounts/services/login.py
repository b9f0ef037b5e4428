"""Logging in: the per-username delay, authentication by the normalised username, a new token family."""
from django.contrib.auth import authenticate

from accounts import identity
from accounts.errors import InvalidCredentials
from accounts.services import tokens
from accounts.throttles import LoginFailureDelay
from common.events import log_event


def login(*, username: str, password: str, client_ip: str, request=None) -> dict:
    """Check the credentials and answer a new token pair; wrong credentials are 401 no_active_account (the
    same for an unknown user, a wrong password and a deactivated account, so none of them is revealed)."""
    return tokens.token_pair_issue(user=login_check(username=username, password=password, client_ip=client_ip,
                                                    request=request))


def login_check(*, username: str, password: str, client_ip: str, request=None):
    """The user these credentials belong to, under the login limits (the growing per-username delay), or
    InvalidCredentials. Shared by the API's token login and the web pages' session login."""
    delay = LoginFailureDelay(username_key=identity.username_key(username), client_ip=client_ip)
    delay.check()
    user = authenticate(request, username=username, password=password)
    if user is None:
        delay.record_failure()
        # The username only (truncated), never the password that was tried.
        log_event("login_failed", username=username[:150], client_ip=client_ip)
        raise InvalidCredentials()
    delay.record_success()
    return user
