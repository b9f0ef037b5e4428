"""Top-level routes: the API (core.urls), its documentation, and the admin."""
from django.contrib import admin
from django.urls import include, path
from drf_yasg import openapi
from drf_yasg.views import get_schema_view
from rest_framework import permissions

schema_view = get_schema_view(
    openapi.Info(
        title="Movie Ticket Booking API",
        default_version="v1",
        description=(
            "Book cinema seats. Sign up, log in for a JWT, then click Authorize and enter `Bearer <access>`. "
            "Every error is JSON `{\"detail\": ..., \"code\": ...}`."
        ),
    ),
    public=True,
    permission_classes=[permissions.AllowAny],
    authentication_classes=[],
)

urlpatterns = [
    # The staff's sales report (an admin page, and the API's /reports/sales/); before admin/ so it is found.
    path("", include("reports.urls")),
    path("admin/", admin.site.urls),
    # The format is fixed: without it drf-yasg negotiates on Accept and answers YAML to `Accept: */*` (curl).
    path("swagger.json", schema_view.without_ui(cache_timeout=0), {"format": "json"}, name="schema-json"),
    path("swagger/", schema_view.with_ui("swagger", cache_timeout=0), name="schema-swagger-ui"),
    path("redoc/", schema_view.with_ui("redoc", cache_timeout=0), name="schema-redoc"),
    path("", include("core.urls")),
    path("", include("orders.urls")),
    path("", include("tickets.urls")),
    path("", include("venues.urls")),
    # The moviegoer's pages (after the API, whose paths they never shadow).
    path("", include("web.urls")),
]

# Paths no view answers, and errors outside DRF views, get the API's JSON error shape, not Django's HTML pages.
handler400 = "core.exception_handler.json_bad_request"
handler403 = "core.exception_handler.json_permission_denied"
handler404 = "core.exception_handler.json_not_found"
handler500 = "core.exception_handler.json_server_error"
