"""The waiting list's endpoints: they parse, call one service or selector, and serialize (waitlist.services)."""
from drf_yasg.utils import no_body
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import BOX_OFFICE, MANAGER, role_required
from common.schema import STAFF, TAG_WAITLIST, USER, api_operation
from common.views import OwnListView
from core.throttles import HoldUserThrottle
from waitlist import selectors, services
from waitlist.serializers import EntrySerializer, JoinSerializer, ShowWaitlistSerializer

TAG = TAG_WAITLIST


class ShowWaitlistView(APIView):
    def get_permissions(self):
        # Staff at the counter answer "how long is the list?": the box office (and managers) see it.
        if self.request.method == "GET":
            return [role_required(BOX_OFFICE)()]
        return [permissions.IsAuthenticated()]

    def get_throttles(self):
        return [HoldUserThrottle()] if self.request.method == "POST" else super().get_throttles()

    @api_operation(
        operation_id="waitlist_join", summary="Join a sold-out show's waiting list", tag=TAG, auth=USER,
        description="Only when the show (or the seat `category` asked for) has fewer than `seats` seats on sale; "
                    "else 409 seats_available: book them. When seats come back, the first in line they can serve "
                    "is offered them: they are held for you (your hold, in /my-holds/) for WAITLIST_OFFER_MINUTES "
                    "and you get an e-mail with a link to checkout; the entry shows `status: offered`, `hold_id` "
                    "and `offer_expires_at`, and POST /orders/ with the hold buys them.",
        request_body=JoinSerializer, example={"seats": 2}, success=(201, EntrySerializer),
        errors=["invalid", "invalid_category", "show_started", "show_cancelled", "seats_available",
                "waitlist_closed", "already_on_waitlist", "busy"],
    )
    def post(self, request, show_id):
        serializer = JoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.join(user=request.user, show_id=show_id, **serializer.validated_data)
        return Response(EntrySerializer(selectors.entry_get(entry_id=entry.pk)).data, status=status.HTTP_201_CREATED)

    @api_operation(
        operation_id="show_waitlist_retrieve", summary="See a show's waiting list (box office)", tag=TAG,
        auth=STAFF, role=BOX_OFFICE,
        description="Role box_office. The waiting and offered entries in line order, the seats they "
                                "wait for, and the revenue that represents at the standard price.",
        success=(200, ShowWaitlistSerializer), errors=[])
    def get(self, request, show_id):
        return Response(ShowWaitlistSerializer(selectors.show_waitlist(show_id=show_id)).data)


class ShowWaitlistCloseView(APIView):
    permission_classes = [role_required(MANAGER)]

    @api_operation(
        operation_id="show_waitlist_close", summary="Close a show's waiting list (manager)", tag=TAG, auth=STAFF,
        role=MANAGER,
        description="Role manager. Nobody may join any more and those waiting get `status: closed`; offers "
                    "already made stay valid until they lapse. Closing twice is harmless.",
        request_body=no_body, success=(200, ShowWaitlistSerializer), errors=[])
    def post(self, request, show_id):
        services.close(show_id=show_id)
        return Response(ShowWaitlistSerializer(selectors.show_waitlist(show_id=show_id)).data)


class WaitlistEntryView(APIView):
    @api_operation(operation_id="waitlist_leave", summary="Leave a waiting list", tag=TAG, auth=USER,
                   description="An offer not yet taken is declined: its hold is released and the seats pass to "
                               "the next in line. Someone else's entry is 404.",
                   success=(204, "Left the list"), errors=["busy"])
    def delete(self, request, entry_id):
        services.leave(user=request.user, entry_id=entry_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyWaitlistView(OwnListView):
    serializer_class = EntrySerializer
    list_for_user = staticmethod(selectors.entry_list_for_user)

    @api_operation(operation_id="my_waitlist_list", summary="List your waiting-list entries, newest first",
                   tag=TAG, auth=USER, description="With your place in line while waiting; an offered entry has "
                                                   "its `hold_id` and `offer_expires_at`.",
                   success=(200, EntrySerializer(many=True)), errors=[])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
