"""The web pages' paths. They avoid the API's paths (`/movies/`, `/shows/`, `/holds/`...), which stay JSON."""
from django.urls import path

from web import staff_views, views

app_name = "web"

urlpatterns = [
    path("", views.whats_on, name="whats_on"),
    path("films/<id:movie_id>/", views.movie_detail, name="movie"),
    path("showings/<id:show_id>/", views.show_detail, name="show"),
    # Outside the pages' prefixes (settings.WEB_PATHS): the poll needs no session, CSRF or messages.
    path("seat-state/<id:show_id>", views.seat_state, name="seat_state"),
    path("showings/<id:show_id>/hold/", views.hold_seats, name="hold"),
    # An on-sale's waiting room (under /showings/ for the session) and its poll.
    path("showings/waiting-room/<id:onsale_id>/", views.waiting_room, name="waiting_room"),
    path("showings/waiting-room/<id:onsale_id>/status", views.waiting_room_status, name="waiting_room_status"),
    path("showings/<id:show_id>/waitlist/", views.waitlist_join, name="waitlist_join"),
    path("my-tickets/waitlist/<id:entry_id>/leave/", views.waitlist_leave, name="waitlist_leave"),
    path("checkout/<id:hold_id>/", views.checkout, name="checkout"),
    path("checkout/<id:hold_id>/pay/", views.pay, name="pay"),
    path("checkout/orders/<id:order_id>/", views.order_page, name="order"),
    path("checkout/orders/<id:order_id>/card/", views.pay_with_card, name="pay_with_card"),
    path("checkout/orders/<id:order_id>/check/", views.check_payment, name="check_payment"),
    path("checkout/<id:hold_id>/release/", views.release_hold, name="release"),
    path("my-tickets/", views.my_tickets, name="my_tickets"),
    path("my-tickets/<id:booking_id>/cancel/", views.cancel_booking, name="cancel_booking"),
    path("my-tickets/orders/<id:order_id>/cancel/", views.cancel_order, name="cancel_order"),
    path("my-tickets/orders/<id:order_id>/tickets.pdf", views.order_tickets_pdf, name="order_tickets_pdf"),
    path("account/signup/", views.signup, name="signup"),
    path("account/login/", views.LoginView.as_view(), name="login"),
    path("account/logout/", views.LogoutView.as_view(), name="logout"),
    path("account/password-reset/", views.password_reset, name="password_reset"),
    # The link in the reset e-mail when PASSWORD_RESET_LINK points here (docs/web.md).
    path("account/password-reset/<str:uid>/<str:token>/", views.password_reset_confirm,
         name="password_reset_confirm"),
    # The staff's pages (web.staff_views): the till and the door, and their actions under /staff/.
    path("boxoffice/", staff_views.till, name="till"),
    path("staff/till/sell/", staff_views.till_sell, name="till_sell"),
    path("staff/till/refund/", staff_views.till_refund, name="till_refund"),
    path("staff/till/orders/<id:order_id>/tickets.pdf", staff_views.till_tickets_pdf, name="till_tickets_pdf"),
    path("door/", staff_views.door, name="door"),
    path("staff/door/checkin/", staff_views.door_checkin, name="door_checkin"),
    # Django's language switcher: POST language=<code>, remembered in a cookie (and on a signed-in account).
    path("i18n/setlang/", views.set_language, name="set_language"),
    # Outside the pages' prefixes: no session or cookie for an icon.
    path("favicon.ico", views.favicon, name="favicon"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
]
