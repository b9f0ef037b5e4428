"""Reads of on-sales."""
from common.errors import NotFound
from onsales.models import OnSale


def onsale_get(*, onsale_id: int) -> OnSale:
    try:
        return OnSale.objects.prefetch_related("shows").get(pk=onsale_id)
    except OnSale.DoesNotExist:
        raise NotFound() from None
