"""Reads of vouchers for the staff API, the admin and the CSV export."""
from datetime import datetime

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from vouchers.models import Voucher, VoucherUse
from vouchers.services import normalize_code


def voucher_list(*, batch: str | None = None, code: str | None = None) -> QuerySet:
    vouchers = Voucher.objects.prefetch_related("cinemas", "movies", "shows").order_by("-created_at", "-id")
    if batch:
        vouchers = vouchers.filter(batch=batch)
    if code:
        vouchers = vouchers.filter(code__contains=normalize_code(code))
    return vouchers


def active_uses_by_voucher(voucher_ids, *, now: datetime | None = None) -> dict[int, int]:
    """{voucher id: active uses (seats)} in one query."""
    now = now or timezone.now()
    return dict(VoucherUse.objects.filter(VoucherUse.active_filter(now), voucher_id__in=list(voucher_ids))
                .values("voucher_id").annotate(n=Sum("seats")).values_list("voucher_id", "n"))


def uses_left(voucher: Voucher, uses: int) -> int | None:
    return None if voucher.max_uses is None else max(0, voucher.max_uses - uses)


def batch_codes(label: str) -> list[tuple[str, int]]:
    """The codes of a batch with their active uses, oldest first (the CSV export)."""
    vouchers = list(Voucher.objects.filter(batch=label).order_by("id"))
    uses = active_uses_by_voucher([v.pk for v in vouchers])
    return [(voucher, uses.get(voucher.pk, 0)) for voucher in vouchers]


def batch_exists(label: str) -> bool:
    return Voucher.objects.filter(~Q(batch=""), batch=label).exists()
