"""The on-sales' API: staff create an on-sale; visitors join its line and poll their place (and pass)."""
from drf_yasg.utils import no_body
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import PROGRAMME, role_required
from common.schema import PUBLIC, STAFF, TAG_ONSALES, USER, api_operation
from onsales import selectors, services
from onsales.serializers import (
    OnSaleCreateSerializer,
    OnSaleSerializer,
    OnSaleUpdateSerializer,
    QueueStatusSerializer,
)


class OnSaleCreateView(APIView):
    permission_classes = [role_required(PROGRAMME)]

    @api_operation(
        operation_id="onsales_create", summary="Put shows on sale behind a waiting room (programme staff)",
        tag=TAG_ONSALES, auth=STAFF, role=PROGRAMME,
        description=(
            "`shows` (ids), or a movie's shows over days (`movie`, `from`, `to`, e.g. its opening weekend), or "
            "both. Visitors who join before `opens_at` are put in random order at it, later ones behind them in "
            "arrival order; `admit_per_minute` are admitted per minute, each with a pass valid `pass_minutes` from "
            "their turn. Until `closes_at` (or until disabled) holding or booking those shows' seats needs the "
            "pass (429 queue_required). A show already in another enabled on-sale: 400 invalid (`shows`)."
        ),
        request_body=OnSaleCreateSerializer,
        # (bandit B105 reads "pass_minutes" as a password: it is a number of minutes.)
        example={"shows": [1], "opens_at": "2030-12-01T10:00:00Z", "admit_per_minute": 100,
                 "pass_minutes": 15},  # nosec B105
        success=(201, OnSaleSerializer), errors=[],
    )
    def post(self, request):
        serializer = OnSaleCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        movie_days = data.pop("movie_days")
        if movie_days is not None:
            movie, first, last = movie_days
            extra = services.shows_of_movie(movie_id=movie, first_day=first, last_day=last)
            data["shows"] = sorted(set(data["shows"]) | set(extra))
        onsale = services.onsale_create(**data)
        return Response(OnSaleSerializer(selectors.onsale_get(onsale_id=onsale.pk)).data,
                        status=status.HTTP_201_CREATED)


class OnSaleDetailView(APIView):
    def get_permissions(self):
        return [permissions.AllowAny()] if self.request.method == "GET" else [role_required(PROGRAMME)()]

    @api_operation(operation_id="onsales_retrieve", summary="Get one on-sale", tag=TAG_ONSALES, auth=PUBLIC,
                   success=(200, OnSaleSerializer), errors=[])
    def get(self, request, onsale_id):
        return Response(OnSaleSerializer(selectors.onsale_get(onsale_id=onsale_id)).data)

    @api_operation(
        operation_id="onsales_update", summary="Turn an on-sale's waiting room on or off (programme staff)",
        tag=TAG_ONSALES, auth=STAFF, role=PROGRAMME,
        description=(
            "`enabled: false` lifts the waiting room at once (the shows sell without a pass, joining answers 409 "
            "onsale_closed); `closes_at` lifts it at that time (null: not by itself). Turning it on again: 400 "
            "invalid (`shows`) if a show is now in another enabled on-sale."
        ),
        request_body=OnSaleUpdateSerializer, example={"enabled": False}, success=(200, OnSaleSerializer), errors=[],
    )
    def patch(self, request, onsale_id):
        selectors.onsale_get(onsale_id=onsale_id)  # 404 for an unknown one
        serializer = OnSaleUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.onsale_update(onsale_id=onsale_id, **serializer.validated_data)
        return Response(OnSaleSerializer(selectors.onsale_get(onsale_id=onsale_id)).data)


class QueueJoinView(APIView):
    @api_operation(
        operation_id="onsales_queue_join", summary="Join an on-sale's waiting line", tag=TAG_ONSALES, auth=USER,
        description=(
            "Once per account: 201 the first time, 200 with the same place after that (from any device). Before "
            "the opening `position` is null and `estimated_wait_seconds` counts down to it. Once admitted, `pass` "
            "is the token to send as the `Queue-Pass` header when holding or booking the on-sale's shows; it is "
            "the same token every time, until `pass_expires_at` (then `status` is `expired`)."
        ),
        request_body=no_body, success=(201, QueueStatusSerializer),
        errors=["onsale_closed", "queue_unavailable"],
    )
    def post(self, request, onsale_id):
        onsale = selectors.onsale_get(onsale_id=onsale_id)
        queue_status, new = services.queue_join(onsale=onsale, user=request.user)
        return Response(QueueStatusSerializer(queue_status).data,
                        status=status.HTTP_201_CREATED if new else status.HTTP_200_OK)


class QueueMeView(APIView):
    @api_operation(
        operation_id="onsales_queue_me", summary="Your place in an on-sale's waiting line (and your pass)",
        tag=TAG_ONSALES, auth=USER,
        description="Poll it (every few seconds). 404 not_found if you have not joined.",
        success=(200, QueueStatusSerializer), errors=["queue_unavailable"],
    )
    def get(self, request, onsale_id):
        onsale = selectors.onsale_get(onsale_id=onsale_id)
        return Response(QueueStatusSerializer(services.queue_status(onsale=onsale, user=request.user)).data)
