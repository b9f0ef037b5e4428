from django.urls import path

from common.routing import list_with_page
from waitlist import views

urlpatterns = [
    path("shows/<id:show_id>/waitlist/", views.ShowWaitlistView.as_view(), name="show-waitlist"),
    path("shows/<id:show_id>/waitlist/close/", views.ShowWaitlistCloseView.as_view(), name="show-waitlist-close"),
    path("waitlist/<id:entry_id>/", views.WaitlistEntryView.as_view(), name="waitlist-entry"),
    *list_with_page("my-waitlist/", views.MyWaitlistView, "my-waitlist"),
]
