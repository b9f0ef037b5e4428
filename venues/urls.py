from django.urls import path

from venues import views

urlpatterns = [
    path("cinemas/", views.CinemaListView.as_view(), name="cinema-list"),
    path("cinemas/<int:cinema_id>/", views.CinemaDetailView.as_view(), name="cinema-detail"),
    path("cinemas/<int:cinema_id>/screens/", views.CinemaScreensView.as_view(), name="cinema-screens"),
    path("screens/<int:screen_id>/", views.ScreenDetailView.as_view(), name="screen-detail"),
]
