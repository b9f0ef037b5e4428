"""The catalogue's and the seat sale's paths, exactly as the original API documents them (common.routing says how
paths are spelled)."""
from django.urls import path

from common.routing import list_with_page
from core import views

urlpatterns = [
    # First: Django tries the patterns in order, and booking is the hot path (it matches nothing else).
    path("shows/<id:show_id>/book/", views.BookSeatView.as_view(), name="show-book"),
    *list_with_page("movies/", views.MovieListView, "movie-list"),
    path("movies/<id:movie_id>/", views.MovieDetailView.as_view(), name="movie-detail"),
    *list_with_page("movies/<id:movie_id>/shows/", views.MovieShowsView, "movie-shows"),
    *list_with_page("shows/", views.ShowListView, "show-list"),
    path("shows/schedule/", views.ShowScheduleView.as_view(), name="show-schedule"),
    path("shows/<id:show_id>/", views.ShowDetailView.as_view(), name="show-detail"),
    path("shows/<id:show_id>/cancel/", views.ShowCancelView.as_view(), name="show-cancel"),
    path("shows/<id:show_id>/seats/block/", views.SeatBlockView.as_view(), name="show-seats-block"),
    path("shows/<id:show_id>/seats/unblock/", views.SeatUnblockView.as_view(), name="show-seats-unblock"),
    path("shows/<id:show_id>/seats/", views.SeatMapView.as_view(), name="show-seats"),
    path("shows/<id:show_id>/bookings/", views.BookSeatsView.as_view(), name="show-bookings"),
    path("shows/<id:show_id>/hold/", views.HoldCreateView.as_view(), name="show-hold"),
    path("holds/<id:hold_id>/", views.HoldDetailView.as_view(), name="hold-detail"),
    path("holds/<id:hold_id>/confirm/", views.HoldConfirmView.as_view(), name="hold-confirm"),
    *list_with_page("my-holds/", views.MyHoldsView, "my-holds"),
    path("bookings/<id:booking_id>/cancel/", views.CancelBookingView.as_view(), name="booking-cancel"),
    *list_with_page("my-bookings/", views.MyBookingsView, "my-bookings"),
]
