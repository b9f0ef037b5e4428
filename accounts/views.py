"""Account endpoints: /me, /password/change, /password/reset, /password/reset/confirm, /logout/all.

Each view validates its input, calls one service (accounts.services), and answers; errors are the domain
errors of core.errors, answered by common.exception_handler.
"""
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _
from drf_yasg import openapi
from drf_yasg.utils import no_body
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.languages import account_language
from accounts.serializers import (
    LoginSerializer,
    LogoutSerializer,
    MeSerializer,
    MeUpdateSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    RefreshSerializer,
    SignupSerializer,
    TokenPairSerializer,
    UserSerializer,
)
from accounts.services import login as login_service
from accounts.services import passwords, tokens, users
from accounts.throttles import (
    AccountUserThrottle,
    LoginIPThrottle,
    LoginUsernameIPThrottle,
    PasswordChangeUserThrottle,
    PasswordResetIPThrottle,
    RefreshIPThrottle,
    SignupIPThrottle,
)
from common.schema import PUBLIC, TAG_ACCOUNTS, USER, api_operation
from common.serializers import DetailSerializer

RESET_REQUESTED_DETAIL = _("If an account with this e-mail address exists, a link to reset its password has been sent.")
RESET_DONE_DETAIL = _("Your password has been reset. Log in with the new one.")
ACCOUNT_DELETED_DETAIL = _("Your account has been deleted.")
LOGGED_OUT_EVERYWHERE_DETAIL = _("Logged out everywhere: every token issued before has been revoked.")


def _me_data(user) -> dict:
    return MeSerializer({"id": user.pk, "username": user.username, "email": user.email,
                         "date_joined": user.date_joined, "language": account_language(user)}).data


class MeView(APIView):
    throttle_classes = [AccountUserThrottle]

    @api_operation(operation_id="me_retrieve", summary="Get your account", tag=TAG_ACCOUNTS, auth=USER,
                   success=(200, MeSerializer), errors=[])
    def get(self, request):
        """Your account."""
        return Response(_me_data(request.user))

    @api_operation(operation_id="me_update", summary="Change your e-mail address or your mails' language",
                   tag=TAG_ACCOUNTS, auth=USER, request_body=MeUpdateSerializer,
                   example={"email": "john.doe@example.com", "language": "es"},
                   success=(200, MeSerializer), errors=["email_taken"])
    def patch(self, request):
        """Change your e-mail address (unique, case-insensitive: 400 email_taken) and/or the language your
        e-mails are written in (`en`, `es`, `hi`). Give at least one."""
        serializer = MeUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = users.me_update(user=request.user, **serializer.validated_data)
        return Response(_me_data(user))

    @api_operation(operation_id="me_delete", summary="Delete your account", tag=TAG_ACCOUNTS, auth=USER,
                   description="Your personal data and every token go; your bookings stay, anonymised, for the "
                               "cinema's accounts.",
                   success=(200, DetailSerializer), errors=[])
    def delete(self, request):
        """Delete your account: your personal data and every token. Your bookings stay, anonymised, for the
        cinema's accounts."""
        users.me_delete(user=request.user)
        return Response({"detail": gettext(ACCOUNT_DELETED_DETAIL)})


class PasswordChangeView(APIView):
    throttle_classes = [PasswordChangeUserThrottle]

    @api_operation(
        operation_id="password_change", summary="Change your password", tag=TAG_ACCOUNTS, auth=USER,
        request_body=PasswordChangeSerializer,
        # The documented example account's passwords (docs/api.md, POST /signup's example), not credentials.
        example={"old_password": "securepass123", "new_password": "evenmoresecure456"},  # nosec B105
        success=(200, openapi.Response("A new token pair; every token issued before is revoked",
                                       TokenPairSerializer)),
        errors=["wrong_password"],
    )
    def post(self, request):
        """Change your password (400 wrong_password if `old_password` is wrong; the password rules as at
        signup). Every token issued before, on every device, stops working; the answer holds new ones."""
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = passwords.password_change(user=request.user, **serializer.validated_data)
        return Response(pair)


class PasswordResetView(APIView):
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [PasswordResetIPThrottle]

    @api_operation(operation_id="password_reset", summary="Ask for a password reset link by e-mail",
                   tag=TAG_ACCOUNTS, auth=PUBLIC, request_body=PasswordResetSerializer,
                   example={"email": "john@example.com"}, success=(202, DetailSerializer), errors=[])
    def post(self, request):
        """Mail a one-time password reset link to the address, if an account has it. The answer is the same
        whether or not one does."""
        serializer = PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        passwords.password_reset_request(email=serializer.validated_data["email"])
        return Response({"detail": gettext(RESET_REQUESTED_DETAIL)}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(APIView):
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [PasswordResetIPThrottle]

    @api_operation(
        operation_id="password_reset_confirm", summary="Set a new password with a reset mail's uid and token",
        tag=TAG_ACCOUNTS, auth=PUBLIC, request_body=PasswordResetConfirmSerializer,
        # Cannot succeed as is: uid and token come from the mail. Placeholders, not credentials.
        example={"uid": "<uid from the mail>", "token": "<token from the mail>",
                 "new_password": "evenmoresecure456"},  # nosec B105
        success=(200, DetailSerializer), errors=["invalid_reset_token"],
    )
    def post(self, request):
        """Set a new password with the `uid` and `token` of a reset mail (400 invalid_reset_token if they are
        wrong, used or expired). Every token issued before stops working."""
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        passwords.password_reset_confirm(**serializer.validated_data)
        return Response({"detail": gettext(RESET_DONE_DETAIL)})


class LogoutAllView(APIView):
    throttle_classes = [AccountUserThrottle]

    @api_operation(operation_id="logout_all", summary="Log out everywhere: revoke every token of your account",
                   tag=TAG_ACCOUNTS, auth=USER, request_body=no_body, success=(200, DetailSerializer), errors=[])
    def post(self, request):
        """Log out everywhere: every access and refresh token of your account stops working at once."""
        tokens.logout_all(user=request.user)
        return Response({"detail": gettext(LOGGED_OUT_EVERYWHERE_DETAIL)})


LOGGED_OUT_DETAIL = _("Logged out.")


# The request examples of the API description succeed, in this order, against a fresh `make run` (sample data:
# movies 1-2, shows 1-4, no users): sign up, log in, book seat 15 of show 1, seats 3 and 4 together, hold 20 and 21.
# The example password is the docs' (docs/api.md), for a demo account that the example itself creates: not a credential.
EXAMPLE_USER = {"username": "john_doe", "email": "john@example.com", "password": "securepass123"}  # nosec B105


# --- Accounts ---------------------------------------------------------------------------------------------
class SignupView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = [SignupIPThrottle]

    @api_operation(operation_id="signup", summary="Create a customer account", tag=TAG_ACCOUNTS, auth=PUBLIC,
                   request_body=SignupSerializer, example=EXAMPLE_USER, success=(201, UserSerializer),
                   errors=["username_taken", "email_taken"])
    def post(self, request):
        serializer = SignupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The language LocaleMiddleware chose (Accept-Language, the switcher's cookie): the account's mails'.
        user = users.user_create(**serializer.validated_data, language=request.LANGUAGE_CODE)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginView(APIView):
    """Exchange username and password for an access token (60 min) and a refresh token (1 day from this login)."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    # Per client address and per (username, address); a growing per-username delay across addresses is applied
    # by the login service (accounts.throttles explains the scheme).
    throttle_classes = [LoginIPThrottle, LoginUsernameIPThrottle]

    @api_operation(
        operation_id="login", summary="Log in: get an access and a refresh token", tag=TAG_ACCOUNTS, auth=PUBLIC,
        description="Send the access token as `Authorization: Bearer <access token>` (in Swagger UI: Authorize). "
                    "It lasts 60 minutes; the refresh token gets a new pair from `POST /token/refresh`.",
        request_body=LoginSerializer,
        example={"username": EXAMPLE_USER["username"], "password": EXAMPLE_USER["password"]},
        success=(200, TokenPairSerializer), errors=["no_active_account"],
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = login_service.login(**serializer.validated_data, client_ip=LoginIPThrottle().get_ident(request),
                                   request=request)
        return Response(pair)


class RefreshView(APIView):
    """Exchange a refresh token for a new access token and a new refresh token. The one given can never be
    exchanged again: presenting it again revokes every token of its login (401 token_reused)."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [RefreshIPThrottle]

    @api_operation(
        operation_id="token_refresh", summary="Get a new token pair for a refresh token", tag=TAG_ACCOUNTS,
        auth=PUBLIC, description="The refresh token rotates: the one sent can never be exchanged again (presenting "
                                 "it again revokes every token of its login: 401 token_reused).",
        request_body=RefreshSerializer, example={"refresh": "<the refresh token from POST /login>"},
        success=(200, TokenPairSerializer),
        errors=[(401, "token_not_valid"), "no_active_account", "token_revoked", "token_reused"],
    )
    def post(self, request):
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(tokens.token_refresh(refresh=serializer.validated_data["refresh"]))


class LogoutView(APIView):
    throttle_classes = [AccountUserThrottle]

    @api_operation(operation_id="logout", summary="Log out: revoke a refresh token", tag=TAG_ACCOUNTS, auth=USER,
                   description="Access tokens already issued last until they expire (JWT_ACCESS_MINUTES); "
                               "`POST /logout/all` revokes those too.",
                   request_body=LogoutSerializer, example={"refresh": "<the refresh token from POST /login>"},
                   success=(200, DetailSerializer), errors=[(400, "token_not_valid")])
    def post(self, request):
        """Revoke this refresh token. Access tokens already issued last until they expire (JWT_ACCESS_MINUTES);
        /logout/all revokes those too."""
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tokens.logout(user=request.user, refresh=serializer.validated_data["refresh"])
        return Response({"detail": gettext(LOGGED_OUT_DETAIL)})
