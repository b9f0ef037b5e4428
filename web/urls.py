"""The web pages' paths. They avoid the API's paths (`/movies/`, `/shows/`, `/holds/`...), which stay JSON."""
from django.urls import path
from django.views.i18n import set_language

from core import urls as core_urls  # noqa: F401  (registers the bounded <id:...> path converter)
from web import views

app_name = "web"

urlpatterns = [
    path("", views.whats_on, name="whats_on"),
    path("films/<id:movie_id>/", views.movie_detail, name="movie"),
    path("showings/<id:show_id>/", views.show_detail, name="show"),
    # Outside the pages' prefixes (settings.WEB_PATHS): the poll needs no session, CSRF or messages.
    path("seat-state/<id:show_id>", views.seat_state, name="seat_state"),
    path("showings/<id:show_id>/hold/", views.hold_seats, name="hold"),
    path("checkout/<id:hold_id>/", views.checkout, name="checkout"),
    path("checkout/<id:hold_id>/confirm/", views.confirm_hold, name="confirm"),
    path("checkout/<id:hold_id>/release/", views.release_hold, name="release"),
    path("my-tickets/", views.my_tickets, name="my_tickets"),
    path("my-tickets/<id:booking_id>/cancel/", views.cancel_booking, name="cancel_booking"),
    path("account/signup/", views.signup, name="signup"),
    path("account/login/", views.LoginView.as_view(), name="login"),
    path("account/logout/", views.LogoutView.as_view(), name="logout"),
    path("account/password-reset/", views.password_reset, name="password_reset"),
    # The link in the reset e-mail when PASSWORD_RESET_LINK points here (README, "Web app").
    path("account/password-reset/<str:uid>/<str:token>/", views.password_reset_confirm,
         name="password_reset_confirm"),
    # Django's language switcher: POST language=<code>, remembered in a cookie.
    path("i18n/setlang/", set_language, name="set_language"),
]
