"""Ends a web (Django session) login that "log out everywhere" or an account deletion revoked."""
from django.contrib import auth

from accounts.services import tokens


class SessionRevocationMiddleware:
    """After AuthenticationMiddleware (in ADMIN_MIDDLEWARE: the admin's and the web pages' paths): a session whose
    login predates the account's last revocation is logged out (flushed) before the view runs, so the request is
    anonymous. Why this way: docs/decisions/0020-sessions-follow-the-token-version.md."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and tokens.session_revoked(session=request.session, user=user):
            auth.logout(request)
        return self.get_response(request)
