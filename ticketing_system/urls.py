"""Top-level routes: the API (each app's urls), its documentation, the admin and the web pages."""
from django.contrib import admin
from django.urls import include, path
from drf_yasg import openapi
from drf_yasg.views import get_schema_view
from rest_framework import permissions

# Markdown, shown at the top of Swagger UI and ReDoc.
API_DESCRIPTION = """Book cinema seats: browse movies and shows, look at a show's seat map, hold seats while you pay,
confirm or book directly, cancel.

**How to get a token.** `POST /signup` (once), then `POST /login` with your username and password: it answers
`{"access": ..., "refresh": ...}`. Click **Authorize** and enter `Bearer <access token>` (the word Bearer, a space,
then the `access` value). The access token lasts 60 minutes; `POST /token/refresh` gives a new pair.

**Errors** are always JSON `{"detail": "<for people>", "code": "<stable, for programs>"}`; each operation lists the
codes it can answer. **Lists** are plain arrays; each has a `.../page/` twin answering
`{count, next, previous, results}`. **Retries**: booking, holding and confirming accept an optional
`Idempotency-Key` header.
"""

schema_view = get_schema_view(
    openapi.Info(
        title="Movie Ticket Booking API",
        default_version="v1",
        description=API_DESCRIPTION,
    ),
    public=True,
    permission_classes=[permissions.AllowAny],
    authentication_classes=[],
)

urlpatterns = [
    # The API first: Django tries the patterns in order, and the booking request is the hot path. No API
    # path starts like the ones below (admin/, swagger, reports/), so the order changes nothing else.
    path("", include("core.urls")),
    path("", include("accounts.urls")),
    path("", include("common.urls")),
    # The staff's sales report (an admin page, and the API's /reports/sales/); before admin/ so it is found.
    path("", include("reports.urls")),
    path("", include("onsales.urls")),
    path("admin/", admin.site.urls),
    # The format is fixed: without it drf-yasg negotiates on Accept and answers YAML to `Accept: */*` (curl).
    path("swagger.json", schema_view.without_ui(cache_timeout=0), {"format": "json"}, name="schema-json"),
    path("swagger/", schema_view.with_ui("swagger", cache_timeout=0), name="schema-swagger-ui"),
    path("redoc/", schema_view.with_ui("redoc", cache_timeout=0), name="schema-redoc"),
    path("", include("orders.urls")),
    path("", include("vouchers.urls")),
    path("", include("waitlist.urls")),
    path("", include("tickets.urls")),
    path("", include("venues.urls")),
    path("", include("moviemedia.urls")),
    # The moviegoer's pages (after the API, whose paths they never shadow).
    path("", include("web.urls")),
]

# Paths no view answers, and errors outside DRF views, get the API's JSON error shape, not Django's HTML pages.
handler400 = "common.exception_handler.json_bad_request"
handler403 = "common.exception_handler.json_permission_denied"
handler404 = "common.exception_handler.json_not_found"
handler500 = "common.exception_handler.json_server_error"
