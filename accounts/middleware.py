"""Ends a web (Django session) login that "log out everywhere" or an account deletion revoked."""
from django.contrib.auth.models import AnonymousUser
from django.utils.functional import SimpleLazyObject

from accounts.services import tokens


class SessionRevocationMiddleware:
    """After AuthenticationMiddleware (in ADMIN_MIDDLEWARE: the admin's and the web pages' paths): a session whose
    login predates the account's last revocation is flushed and the request is anonymous.

    Lazy, as AuthenticationMiddleware's user is: the check runs when the view first asks for `request.user`, so a
    view that never does costs nothing, and a database outage met while loading the user is raised in the view,
    where the middleware that turns it into a 503 sees it. Why this way:
    docs/decisions/0020-sessions-follow-the-token-version.md."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session_user = request.user  # AuthenticationMiddleware's lazy user: nothing is loaded yet
        request.user = SimpleLazyObject(lambda: _unless_revoked(request, session_user))
        return self.get_response(request)


def _unless_revoked(request, user):
    if user.is_authenticated and tokens.session_revoked(session=request.session, user=user):
        # What django.contrib.auth.logout does to the session (it cannot be called here: it reads request.user,
        # which is what is being worked out). Nothing listens to user_logged_out.
        request.session.flush()
        return AnonymousUser()
    return user
