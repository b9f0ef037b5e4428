from django.urls import path

from common.schema import paged_twin
from venues import views

urlpatterns = [
    path("cinemas/", views.CinemaListView.as_view(), name="cinema-list"),
    # The paged form of the list is its own operation (core.urls explains).
    path("cinemas/page/", paged_twin(views.CinemaListView).as_view(), name="cinema-list-page"),
    path("cinemas/<id:cinema_id>/", views.CinemaDetailView.as_view(), name="cinema-detail"),
    path("cinemas/<id:cinema_id>/screens/", views.CinemaScreensView.as_view(), name="cinema-screens"),
    path("cinemas/<id:cinema_id>/ticket-types/", views.CinemaTicketTypesView.as_view(), name="cinema-ticket-types"),
    path("screens/<id:screen_id>/", views.ScreenDetailView.as_view(), name="screen-detail"),
]
