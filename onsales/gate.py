"""The sale gate: a seat of an on-sale's show is held or booked only with a valid pass (core.signals.SaleGate).

core asks the gate before every hold and booking, so the common case, a show without an on-sale, must cost no
round trip: each process keeps the map of gated shows (show id → on-sale id, closes_at) and reads it again at most
every ONSALE_GATE_REFRESH_SECONDS (one indexed query), and at once after an on-sale is saved in this process. A
show not in the map costs one dict lookup (decision 0034 has the measurement). The pass is checked by its
signature (onsales.passes): no Redis on the booking path either.
"""
import threading
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from onsales.errors import QueueRequired
from onsales.models import OnSale
from onsales.passes import pass_valid

_lock = threading.Lock()
_snapshot: dict[int, tuple[int, datetime | None]] = {}
_read_at: float | None = None


def _gated_shows() -> dict[int, tuple[int, datetime | None]]:
    """Every show of an enabled on-sale (a show is in at most one: onsales.services) not closed for a day: whether
    it is closed at the caller's `now` is decided per call, so a `now` given by a caller is honoured."""
    global _snapshot, _read_at
    if _read_at is not None and time.monotonic() - _read_at < settings.ONSALE_GATE_REFRESH_SECONDS:
        return _snapshot
    with _lock:
        rows = (OnSale.shows.through.objects
                .filter(Q(onsale__closes_at__isnull=True) | Q(onsale__closes_at__gt=timezone.now() - timedelta(days=1)),
                        onsale__enabled=True)
                .values_list("show_id", "onsale_id", "onsale__closes_at"))
        _snapshot = {show_id: (onsale_id, closes_at) for show_id, onsale_id, closes_at in rows}
        _read_at = time.monotonic()
    return _snapshot


def invalidate(**_kwargs) -> None:
    """Forget this process's map of gated shows (an on-sale or its shows changed): now, and again once the change
    commits, since a request served meanwhile by another thread reads the map as it was before the commit and
    would keep that for ONSALE_GATE_REFRESH_SECONDS."""
    _forget()
    transaction.on_commit(_forget)


def _forget() -> None:
    global _read_at
    _read_at = None


def assume_none() -> None:
    """Take the map of gated shows as read, and empty, now: for a process that knows no on-sale exists (a test that
    starts on an empty database), so that its next booking does not read the map. A saved on-sale still
    invalidates it."""
    global _snapshot, _read_at
    _snapshot, _read_at = {}, time.monotonic()


def gating_onsale(*, show_id: int, now: datetime) -> int | None:
    """The id of the on-sale whose waiting room `show_id`'s seats are sold through at `now`, or None."""
    entry = _gated_shows().get(show_id)
    if entry is None:
        return None
    onsale_id, closes_at = entry
    if closes_at is not None and now >= closes_at:
        return None
    return onsale_id


class OnSaleGate:
    def check(self, *, user, show_id: int, queue_pass: str | None, now: datetime) -> None:
        onsale_id = gating_onsale(show_id=show_id, now=now)
        if onsale_id is None:
            return
        if not pass_valid(queue_pass, onsale_id=onsale_id, user_id=user.pk, now=now):
            raise QueueRequired(onsale_id)


ONSALE_GATE = OnSaleGate()


def connect_invalidation() -> None:
    """Changes made in this process take effect in it at once (others: within ONSALE_GATE_REFRESH_SECONDS)."""
    post_save.connect(invalidate, sender=OnSale, dispatch_uid="onsales-gate-save")
    post_delete.connect(invalidate, sender=OnSale, dispatch_uid="onsales-gate-delete")
    m2m_changed.connect(invalidate, sender=OnSale.shows.through, dispatch_uid="onsales-gate-shows")
