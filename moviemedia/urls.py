from django.conf import settings
from django.urls import path

from moviemedia import views

urlpatterns = [
    path("movies/<id:movie_id>/media/", views.MovieMediaView.as_view(), name="movie-media"),
    # The poster files on this server (settings.MEDIA_URL, "/media/" by default).
    path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", views.media_file, name="media-file"),
]
