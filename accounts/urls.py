"""The account paths: signup, login, tokens, logout, /me and passwords (each with and without a trailing slash)."""
from accounts import views
from common.routing import with_and_without_slash

urlpatterns = [
    *with_and_without_slash("signup", views.SignupView, "signup"),
    *with_and_without_slash("login", views.LoginView, "login"),
    *with_and_without_slash("token/refresh", views.RefreshView, "token-refresh"),
    *with_and_without_slash("logout", views.LogoutView, "logout"),
    *with_and_without_slash("logout/all", views.LogoutAllView, "logout-all"),
    *with_and_without_slash("me", views.MeView, "me"),
    *with_and_without_slash("password/change", views.PasswordChangeView, "password-change"),
    *with_and_without_slash("password/reset", views.PasswordResetView, "password-reset"),
    *with_and_without_slash("password/reset/confirm", views.PasswordResetConfirmView, "password-reset-confirm"),
]
