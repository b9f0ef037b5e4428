"""The on-sales' API paths."""
from django.urls import path

from onsales import views

urlpatterns = [
    path("onsales/", views.OnSaleCreateView.as_view(), name="onsale-create"),
    path("onsales/<id:onsale_id>/", views.OnSaleDetailView.as_view(), name="onsale-detail"),
    path("onsales/<id:onsale_id>/queue/", views.QueueJoinView.as_view(), name="onsale-queue"),
    path("onsales/<id:onsale_id>/queue/me", views.QueueMeView.as_view(), name="onsale-queue-me"),
]
