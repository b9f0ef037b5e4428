from django.urls import path

from tickets import views

urlpatterns = [
    path("bookings/<id:booking_id>/ticket/", views.TicketView.as_view(), name="booking-ticket"),
    path("bookings/<id:booking_id>/ticket.png", views.TicketPngView.as_view(), name="booking-ticket-png"),
    path("bookings/<id:booking_id>/ticket.svg", views.TicketSvgView.as_view(), name="booking-ticket-svg"),
    path("checkin/", views.CheckinView.as_view(), name="checkin"),
    path("shows/<id:show_id>/checkins/", views.ShowCheckinsView.as_view(), name="show-checkins"),
]
