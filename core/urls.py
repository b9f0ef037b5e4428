"""The API's paths, exactly as the seed README documents them.

`/signup`, `/login`, `/token/refresh`, `/logout` and the account endpoints (`/me`, `/password/...`,
`/logout/all`) answer with and without a trailing slash (the seed documents them without one; clients used to
Django add it). The second spelling is hidden from the schema so Swagger lists each endpoint once.

Ids in paths use `<id:...>` (core.converters): a number beyond 64 bits is a 404, not a database error.

Lists answer a plain JSON array (the seed's shape; `?limit=` still pages it for existing clients). Each also has a
paged twin, `<list>/page/`, that always answers a page: its own operation in the API description, so every
operation has one success shape (core.schema.paged_twin).
"""
from django.urls import path

from accounts import views as account_views
from core import converters, views
from core.schema import paged_twin

converters.register()


def _with_and_without_slash(route: str, view, name: str):
    # drf-yasg leaves out views whose class says swagger_schema = None.
    unlisted = type(f"{view.__name__}WithSlash", (view,), {"swagger_schema": None})
    return [
        path(route, view.as_view(), name=name),
        path(f"{route}/", unlisted.as_view(), name=f"{name}-slash"),
    ]


def _list_with_page(route: str, view, name: str):
    return [
        path(route, view.as_view(), name=name),
        path(f"{route}page/", paged_twin(view).as_view(), name=f"{name}-page"),
    ]


urlpatterns = [
    # First: Django tries the patterns in order, and booking is the hot path (it matches nothing else).
    path("shows/<id:show_id>/book/", views.BookSeatView.as_view(), name="show-book"),
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
    *_list_with_page("movies/", views.MovieListView, "movie-list"),
    path("movies/<id:movie_id>/", views.MovieDetailView.as_view(), name="movie-detail"),
    *_list_with_page("movies/<id:movie_id>/shows/", views.MovieShowsView, "movie-shows"),
    *_list_with_page("shows/", views.ShowListView, "show-list"),
    path("shows/<id:show_id>/", views.ShowDetailView.as_view(), name="show-detail"),
    path("shows/<id:show_id>/cancel/", views.ShowCancelView.as_view(), name="show-cancel"),
    path("shows/<id:show_id>/seats/block/", views.SeatBlockView.as_view(), name="show-seats-block"),
    path("shows/<id:show_id>/seats/unblock/", views.SeatUnblockView.as_view(), name="show-seats-unblock"),
    path("shows/<id:show_id>/seats/", views.SeatMapView.as_view(), name="show-seats"),
    path("shows/<id:show_id>/bookings/", views.BookSeatsView.as_view(), name="show-bookings"),
    path("shows/<id:show_id>/hold/", views.HoldCreateView.as_view(), name="show-hold"),
    path("holds/<id:hold_id>/", views.HoldDetailView.as_view(), name="hold-detail"),
    path("holds/<id:hold_id>/confirm/", views.HoldConfirmView.as_view(), name="hold-confirm"),
    *_list_with_page("my-holds/", views.MyHoldsView, "my-holds"),
    path("bookings/<id:booking_id>/cancel/", views.CancelBookingView.as_view(), name="booking-cancel"),
    *_list_with_page("my-bookings/", views.MyBookingsView, "my-bookings"),
]
