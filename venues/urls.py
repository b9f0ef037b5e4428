from django.urls import path

from core import converters
from venues import views

converters.register()

urlpatterns = [
    path("cinemas/", views.CinemaListView.as_view(), name="cinema-list"),
    path("cinemas/<id:cinema_id>/", views.CinemaDetailView.as_view(), name="cinema-detail"),
    path("cinemas/<id:cinema_id>/screens/", views.CinemaScreensView.as_view(), name="cinema-screens"),
    path("screens/<id:screen_id>/", views.ScreenDetailView.as_view(), name="screen-detail"),
]
