"""Log in by username as people type it: " Alice ", "alice" and "ＡＬＩＣＥ" find the same account."""
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from accounts import identity

User = get_user_model()


class UsernameKeyBackend(ModelBackend):
    """Django's ModelBackend (permissions, the is_active rule, timing equalisation) with the user found by the
    normalised username key (accounts.identity) rather than the exact stored spelling."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        # The exact stored spelling first: it also finds the accounts whose key had to be suffixed because they
        # collided with an older one before names were unique (accounts/migrations/0002).
        user = User._default_manager.filter(username=identity.normalize_username(username)).first()
        if user is None:
            user = User._default_manager.filter(account__username_key=identity.username_key(username)).first()
        if user is None:
            # As ModelBackend: hash anyway, so an unknown username takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        # The session user with its account in the same query: the session revocation check reads its token
        # version (accounts.middleware).
        user = User._default_manager.select_related("account").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
