"""Operations of the service itself rather than of a domain (the health check), and the shape every "your own
things" list shares."""
from rest_framework import generics, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from common.health import database_ping
from common.pagination import OptionalLimitOffsetPagination
from common.schema import PUBLIC, TAG_HEALTH, api_operation
from common.serializers import HealthSerializer

HEALTH_OK = "ok"


class OwnListView(generics.ListAPIView):
    """The signed-in user's own bookings, holds, orders or waiting-list entries: a plain JSON array, paged on
    request (`?limit=`), with a `page/` twin. A subclass names its app's selector, `list_for_user(user=...)`, and
    documents its `get`."""

    pagination_class = OptionalLimitOffsetPagination
    list_for_user = None

    def get_queryset(self):
        return type(self).list_for_user(user=self.request.user)


# --- Operations -------------------------------------------------------------------------------------------
# Each method's @api_operation is its entry in the API description (common.schema explains what goes in it).
class HealthView(APIView):
    """For load balancers and orchestrators: 200 when the database answers, 503 when it does not."""

    # No authentication (a probe has no token, and it must not cost a user look-up) and no throttling.
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = []

    @api_operation(operation_id="health_check", summary="Check that the service and its database answer",
                   tag=TAG_HEALTH, auth=PUBLIC, success=(200, HealthSerializer), errors=[])
    def get(self, request):
        database_ping()
        return Response({"status": HEALTH_OK})
