"""The API's paths, exactly as the seed README documents them.

`/signup`, `/login`, `/token/refresh`, `/logout` and the account endpoints (`/me`, `/password/...`) answer with and without a trailing slash (the seed
documents them without one; clients used to Django add it). The second spelling is hidden from the schema so
Swagger lists each endpoint once.
"""
from django.urls import path

from accounts import views as account_views
from core import views


def _with_and_without_slash(route: str, view, name: str):
    # drf-yasg leaves out views whose class says swagger_schema = None.
    unlisted = type(f"{view.__name__}WithSlash", (view,), {"swagger_schema": None})
    return [
        path(route, view.as_view(), name=name),
        path(f"{route}/", unlisted.as_view(), name=f"{name}-slash"),
    ]


urlpatterns = [
    *_with_and_without_slash("signup", views.SignupView, "signup"),
    *_with_and_without_slash("login", views.LoginView, "login"),
    *_with_and_without_slash("token/refresh", views.RefreshView, "token-refresh"),
    *_with_and_without_slash("logout", views.LogoutView, "logout"),
    *_with_and_without_slash("logout/all", account_views.LogoutAllView, "logout-all"),
    *_with_and_without_slash("me", account_views.MeView, "me"),
    *_with_and_without_slash("password/change", account_views.PasswordChangeView, "password-change"),
    *_with_and_without_slash("password/reset", account_views.PasswordResetView, "password-reset"),
    *_with_and_without_slash("password/reset/confirm", account_views.PasswordResetConfirmView,
                             "password-reset-confirm"),
    path("health/", views.HealthView.as_view(), name="health"),
    path("movies/", views.MovieListView.as_view(), name="movie-list"),
    path("movies/<int:movie_id>/shows/", views.MovieShowsView.as_view(), name="movie-shows"),
    path("shows/<int:show_id>/", views.ShowDetailView.as_view(), name="show-detail"),
    path("shows/<int:show_id>/seats/", views.SeatMapView.as_view(), name="show-seats"),
    path("shows/<int:show_id>/book/", views.BookSeatView.as_view(), name="show-book"),
    path("shows/<int:show_id>/hold/", views.HoldCreateView.as_view(), name="show-hold"),
    path("holds/<int:hold_id>/", views.HoldDetailView.as_view(), name="hold-detail"),
    path("holds/<int:hold_id>/confirm/", views.HoldConfirmView.as_view(), name="hold-confirm"),
    path("my-holds/", views.MyHoldsView.as_view(), name="my-holds"),
    path("bookings/<int:booking_id>/cancel/", views.CancelBookingView.as_view(), name="booking-cancel"),
    path("my-bookings/", views.MyBookingsView.as_view(), name="my-bookings"),
]
