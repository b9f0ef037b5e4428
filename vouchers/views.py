"""HTTP endpoints of vouchers: a customer checks a code on a hold; managers create, list, change and batch codes."""
import io

from drf_yasg import openapi
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import MANAGER, role_required
from common import csv_export
from common.errors import NotFound
from common.schema import STAFF, TAG_VOUCHERS, USER, api_operation
from vouchers import selectors, services
from vouchers.models import Voucher
from vouchers.serializers import (
    VoucherBatchCreatedSerializer,
    VoucherBatchSerializer,
    VoucherCheckResultSerializer,
    VoucherCheckSerializer,
    VoucherCreateSerializer,
    VoucherSerializer,
    VoucherUpdateSerializer,
)
from vouchers.throttles import VoucherCheckUserThrottle

FILTERS = [
    openapi.Parameter("batch", openapi.IN_QUERY, type=openapi.TYPE_STRING, description="Only this batch's codes."),
    openapi.Parameter("code", openapi.IN_QUERY, type=openapi.TYPE_STRING,
                      description="Only codes containing this (case-insensitive)."),
]


def _one(voucher_id: int) -> Voucher:
    voucher = selectors.voucher_list().filter(pk=voucher_id).first()
    if voucher is None:
        raise NotFound()
    return voucher


def _json(voucher: Voucher) -> dict:
    uses = selectors.active_uses_by_voucher([voucher.pk])
    return VoucherSerializer(voucher, context={"uses": uses}).data


def _terms(data: dict) -> dict:
    return {**data, "cinemas": data.get("cinemas", []), "movies": data.get("movies", []),
            "shows": data.get("shows", [])}


class VoucherListView(APIView):
    permission_classes = [role_required(MANAGER)]

    @api_operation(operation_id="vouchers_list", summary="List promo codes (manager)", tag=TAG_VOUCHERS,
                   auth=STAFF, role=MANAGER, manual_parameters=FILTERS,
                   success=(200, VoucherSerializer(many=True)), errors=[])
    def get(self, request):
        vouchers = list(selectors.voucher_list(batch=request.query_params.get("batch"),
                                               code=request.query_params.get("code"))[:1000])
        uses = selectors.active_uses_by_voucher([v.pk for v in vouchers])
        return Response(VoucherSerializer(vouchers, many=True, context={"uses": uses}).data)

    @api_operation(
        operation_id="vouchers_create", summary="Create a promo code (manager)", tag=TAG_VOUCHERS, auth=STAFF,
        role=MANAGER,
        description="A code for some or all cinemas, movies, shows and ticket types (empty lists: all), between "
                    "`valid_from` and `valid_until`, for `max_uses` seats in all and `max_uses_per_account` per "
                    "account (null: unlimited; a use is a discounted seat). Codes are case-insensitive: one that "
                    "another voucher has in any case is 400 voucher_code_taken.",
        request_body=VoucherCreateSerializer,
        example={"code": "TUESDAY5", "kind": "fixed_price", "value": "5.00", "max_uses": 10,
                 "max_uses_per_account": 4, "movies": [], "shows": [], "ticket_types": ["adult"]},
        success=(201, VoucherSerializer), errors=["voucher_code_taken"],
    )
    def post(self, request):
        serializer = VoucherCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        voucher = services.voucher_create(created_by=request.user, **_terms(serializer.validated_data))
        return Response(_json(_one(voucher.pk)), status=status.HTTP_201_CREATED)


class VoucherDetailView(APIView):
    permission_classes = [role_required(MANAGER)]

    @api_operation(operation_id="vouchers_retrieve", summary="Get a promo code with its uses (manager)",
                   tag=TAG_VOUCHERS, auth=STAFF, role=MANAGER, success=(200, VoucherSerializer), errors=[])
    def get(self, request, voucher_id):
        return Response(_json(_one(voucher_id)))

    @api_operation(
        operation_id="vouchers_update", summary="Change or deactivate a promo code (manager)", tag=TAG_VOUCHERS,
        auth=STAFF, role=MANAGER,
        description="`active: false` deactivates it (then it is refused as unknown); limits and dates may change.",
        request_body=VoucherUpdateSerializer, example={"active": True}, success=(200, VoucherSerializer),
        errors=[],
    )
    def patch(self, request, voucher_id):
        _one(voucher_id)
        serializer = VoucherUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.voucher_update(voucher_id=voucher_id, **serializer.validated_data)
        return Response(_json(_one(voucher_id)))


class VoucherBatchView(APIView):
    permission_classes = [role_required(MANAGER)]

    @api_operation(
        operation_id="vouchers_batch_create", summary="Generate a batch of single-use codes (manager)",
        tag=TAG_VOUCHERS, auth=STAFF, role=MANAGER,
        description="`count` (at most 1000) codes, each good for one seat, of `prefix` and 12 random characters "
                    "without look-alikes (no 0, O, 1, I, L). Their CSV: GET /vouchers/batch/<batch>/codes.csv.",
        request_body=VoucherBatchSerializer,
        example={"count": 3, "prefix": "GIFT-", "kind": "percent_off", "value": "50"},
        success=(201, VoucherBatchCreatedSerializer), errors=[],
    )
    def post(self, request):
        serializer = VoucherBatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        label, codes = services.voucher_batch_create(created_by=request.user,
                                                     **_terms(serializer.validated_data))
        return Response({"batch": label, "codes": codes}, status=status.HTTP_201_CREATED)


def batch_csv(label: str) -> str:
    out = io.StringIO()
    writer = csv_export.writer(out)
    writer.writerow(["code", "kind", "value", "valid_from", "valid_until", "active", "uses"])
    for voucher, uses in selectors.batch_codes(label):
        writer.writerow([voucher.code, voucher.kind, voucher.value,
                         voucher.valid_from.isoformat() if voucher.valid_from else "",
                         voucher.valid_until.isoformat() if voucher.valid_until else "", voucher.active, uses])
    return out.getvalue()


class VoucherBatchCsvView(APIView):
    """A batch's codes as CSV (manager), to print or mail them."""

    permission_classes = [role_required(MANAGER)]
    swagger_schema = None  # not JSON; documented in docs/pricing.md

    def get(self, request, label):
        if not selectors.batch_exists(label):
            raise NotFound()
        return csv_export.download(batch_csv(label), f"vouchers-{label}.csv")


class VoucherCheckView(APIView):
    throttle_classes = [VoucherCheckUserThrottle]

    @api_operation(
        operation_id="vouchers_check", summary="Preview a promo code on your hold", tag=TAG_VOUCHERS, auth=USER,
        description="Each seat's full price, discount and price with the code, and the total, without using it "
                    "(the order redeems it: POST /orders/ with `voucher`). The same errors as the order.",
        request_body=VoucherCheckSerializer, example={"code": "tuesday5", "hold_id": 1},
        success=(200, VoucherCheckResultSerializer),
        errors=[(404, "not_found"), "hold_expired", "invalid_voucher", "voucher_used_up"],
    )
    def post(self, request):
        serializer = VoucherCheckSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.voucher_check(user=request.user, **serializer.validated_data)
        return Response(VoucherCheckResultSerializer(result).data)
