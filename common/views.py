"""Operations of the service itself rather than of a domain: the health check."""
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from common.health import database_ping
from common.schema import PUBLIC, TAG_HEALTH, api_operation
from common.serializers import HealthSerializer

HEALTH_OK = "ok"


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
