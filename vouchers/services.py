"""Vouchers: finding a code, pricing seats with it, redeeming it under a lock, giving uses back, and the staff's
codes and batches. orders.services calls these inside its own locked transaction (decision 0046).

A use is one discounted seat. Redeeming locks the voucher row (after the order's seat rows: core.locks' order,
seats first), counts the active uses under that lock, decides, and records the use, so two orders can never both
take the last use.
"""
import logging
import re
import secrets
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from common.events import log_event_on_commit
from core.errors import HoldExpired, HoldNotFound
from core.models import Hold, Show, ShowSeat
from core.prices import seat_price
from core.services.holds import hold_seat_types
from vouchers.errors import InvalidVoucher, VoucherCodeTaken, VoucherUsedUp
from vouchers.models import Voucher, VoucherUse
from vouchers.pricing import ZERO, discounted_price, seat_in_scope, voucher_scopes

logger = logging.getLogger(__name__)

# Generated codes: no look-alike characters (0/O, 1/I/L), so a code read aloud or off paper is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_RANDOM_LENGTH = 12  # 31^12 ≈ 7.9e17: unguessable, and throttled besides
MAX_BATCH = 1000
PREFIX_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")


def normalize_code(code: str) -> str:
    """Codes are case-insensitive: stored and compared upper-case, without surrounding spaces."""
    return (code or "").strip().upper()


def value_error(kind: str, value: Decimal) -> str | None:
    """Why `value` is not a valid value for a voucher of `kind` (None: it is). The serializers and the admin ask."""
    if value is None:
        return "A value is required."
    if kind == Voucher.Kind.AMOUNT_OFF and value <= 0:
        return "An amount off must be more than 0."
    if kind == Voucher.Kind.PERCENT_OFF and not (0 < value <= 100):
        return "A percentage must be more than 0 and at most 100."
    if kind == Voucher.Kind.FIXED_PRICE and value < 0:
        return "A fixed price cannot be negative."
    return None


# --- Using a code -------------------------------------------------------------------------------------------
def voucher_find(*, code: str, now: datetime) -> Voucher:
    """The active voucher of `code` valid at `now`, else InvalidVoucher (unknown, not_yet_valid, expired)."""
    voucher = Voucher.objects.filter(code=normalize_code(code), active=True).first()
    if voucher is None:
        raise InvalidVoucher(InvalidVoucher.UNKNOWN)
    if voucher.valid_from and now < voucher.valid_from:
        raise InvalidVoucher(InvalidVoucher.NOT_YET_VALID)
    if voucher.valid_until and now >= voucher.valid_until:
        raise InvalidVoucher(InvalidVoucher.EXPIRED)
    return voucher


def voucher_price_seats(*, voucher: Voucher, show: Show, seats: list[dict]) -> list[dict]:
    """`seats` ({"number", "label", "ticket_type", "price"}, price a Decimal: the full price) with `full_price`,
    `discount` and `price` (what is charged) as the voucher makes them. None in scope: InvalidVoucher."""
    scopes = voucher_scopes(voucher)
    priced, in_scope = [], 0
    for seat in seats:
        full = Decimal(seat["price"])
        if seat_in_scope(voucher, show=show, ticket_type=seat["ticket_type"], scopes=scopes):
            in_scope += 1
            price = discounted_price(kind=voucher.kind, value=voucher.value, price=full)
            priced.append({**seat, "full_price": full, "discount": full - price, "price": price, "voucher": True})
        else:
            priced.append({**seat, "full_price": full, "discount": ZERO, "price": full, "voucher": False})
    if not in_scope:
        raise InvalidVoucher(InvalidVoucher.NOT_VALID_FOR_THESE_SEATS)
    return priced


def _active_uses(voucher_id: int, now: datetime, user=None) -> int:
    uses = VoucherUse.objects.filter(VoucherUse.active_filter(now), voucher_id=voucher_id)
    if user is not None:
        uses = uses.filter(user=user)
    return uses.aggregate(n=Sum("seats"))["n"] or 0


def _refuse_if_used_up(*, voucher: Voucher, user, needed: int, now: datetime) -> None:
    """VoucherUsedUp when fewer uses are left than `needed` (overall or for this account)."""
    if voucher.max_uses is not None:
        left = max(0, voucher.max_uses - _active_uses(voucher.pk, now))
        if left < needed:
            raise VoucherUsedUp(uses_left=left, limit=VoucherUsedUp.OVERALL)
    if voucher.max_uses_per_account is not None:
        left = max(0, voucher.max_uses_per_account - _active_uses(voucher.pk, now, user=user))
        if left < needed:
            raise VoucherUsedUp(uses_left=left, limit=VoucherUsedUp.PER_ACCOUNT)


def _lock_voucher(voucher_id: int) -> Voucher:
    """The voucher row, locked until the transaction ends: every redeemer of it queues here (the race tests
    replace this to show what happens without it)."""
    return Voucher.objects.select_for_update().get(pk=voucher_id)


def voucher_redeem(*, user, code: str, show: Show, seats: list[dict], expires_at: datetime | None,
                   now: datetime) -> tuple[VoucherUse, list[dict]]:
    """Redeem `code` for `seats` of `show` (see voucher_price_seats): one use per discounted seat, kept until
    `expires_at` (the pending order's; None: for good). Call inside the order's locked transaction, after its seat
    rows are locked. Returns the use and the priced seats."""
    found = voucher_find(code=code, now=now)
    voucher = _lock_voucher(found.pk)
    if not voucher.active:  # deactivated while we waited for the lock
        raise InvalidVoucher(InvalidVoucher.UNKNOWN)
    priced = voucher_price_seats(voucher=voucher, show=show, seats=seats)
    needed = sum(1 for seat in priced if seat["voucher"])
    _refuse_if_used_up(voucher=voucher, user=user, needed=needed, now=now)
    use = VoucherUse.objects.create(voucher=voucher, user=user, seats=needed, created_at=now, expires_at=expires_at)
    log_event_on_commit("voucher_redeemed", voucher_id=voucher.pk, use_id=use.pk, user_id=user.pk, seats=needed,
                        show_id=show.pk)
    return use, priced


def voucher_use_paid(*, use_id: int, late: bool = False) -> None:
    """The order was paid: its uses are kept for good. `late`: it was paid after it had expired (the money arrived
    and the seats were still free); its uses had lapsed and count again, which may take the voucher past
    max_uses by this one order, logged."""
    VoucherUse.objects.filter(pk=use_id).update(expires_at=None, released_at=None)
    if late:
        logger.warning("Voucher use %s: its order was paid after it expired; the use counts again (the voucher "
                       "may now be past its max_uses).", use_id)


def voucher_use_release(*, use_id: int, now: datetime) -> None:
    """The order was cancelled (or undone): its uses are given back."""
    VoucherUse.objects.filter(pk=use_id, released_at__isnull=True).update(released_at=now)


def voucher_check(*, user, code: str, hold_id: int, now: datetime | None = None) -> dict:
    """Preview `code` on the user's hold without redeeming it: each seat's full price, discount and price, the
    discount and the total; the same errors an order would meet (none is locked: the order decides)."""
    now = now or timezone.now()
    hold = Hold.objects.filter(pk=hold_id, user=user, order__isnull=True).select_related(
        "show__screen", "show__movie").first()
    if hold is None:
        raise HoldNotFound()
    if hold.expires_at <= now:
        raise HoldExpired()
    types = hold_seat_types(hold.pk)
    show = hold.show
    rows = ShowSeat.objects.filter(show_id=show.pk, number__in=list(types)).order_by("number")
    seats = [{"number": seat.number, "label": seat.label, "ticket_type": types[seat.number],
              "price": seat_price(seat, types[seat.number], show.prices)} for seat in rows]
    if not seats:
        raise HoldExpired()
    voucher = voucher_find(code=code, now=now)
    priced = voucher_price_seats(voucher=voucher, show=show, seats=seats)
    _refuse_if_used_up(voucher=voucher, user=user, needed=sum(1 for s in priced if s["voucher"]), now=now)
    return {"code": voucher.code, "seats": priced,
            "discount": sum((s["discount"] for s in priced), ZERO),
            "total": sum((s["price"] for s in priced), ZERO)}


# --- Staff ----------------------------------------------------------------------------------------------------
def voucher_create(*, created_by, code: str, kind: str, value: Decimal, max_uses: int | None = None,
                   max_uses_per_account: int | None = None, valid_from: datetime | None = None,
                   valid_until: datetime | None = None, cinemas=(), movies=(), shows=(), ticket_types=(),
                   batch: str = "", now: datetime | None = None) -> Voucher:
    """A voucher with `code` (case-insensitive: a code another voucher has, in any case, is VoucherCodeTaken)."""
    code = normalize_code(code)
    try:
        with transaction.atomic():
            voucher = Voucher.objects.create(
                code=code, kind=kind, value=value, max_uses=max_uses, max_uses_per_account=max_uses_per_account,
                valid_from=valid_from, valid_until=valid_until, ticket_types=list(ticket_types), batch=batch,
                created_at=now or timezone.now(), created_by=created_by)
    except IntegrityError as exc:
        if Voucher.objects.filter(code=code).exists():
            raise VoucherCodeTaken() from exc
        raise
    voucher.cinemas.set(cinemas)
    voucher.movies.set(movies)
    voucher.shows.set(shows)
    log_event_on_commit("voucher_created", voucher_id=voucher.pk, staff_user_id=getattr(created_by, "pk", None),
                        batch=batch)
    return voucher


UPDATABLE = ("active", "max_uses", "max_uses_per_account", "valid_from", "valid_until")


def voucher_update(*, voucher_id: int, **changes) -> Voucher:
    """Change what may change after codes were handed out: active (deactivate), limits and dates."""
    with transaction.atomic():
        voucher = Voucher.objects.select_for_update().get(pk=voucher_id)
        for field, value in changes.items():
            if field not in UPDATABLE:
                raise ValueError(f"{field} cannot be changed")
            setattr(voucher, field, value)
        voucher.save(update_fields=list(changes) or None)
    return voucher


def generate_code(prefix: str = "") -> str:
    random_part = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_RANDOM_LENGTH))
    return f"{normalize_code(prefix)}{random_part}"


def voucher_batch_create(*, created_by, count: int, prefix: str = "", batch: str = "", kind: str,
                         value: Decimal, now: datetime | None = None, **scopes) -> tuple[str, list[str]]:
    """`count` single-use codes (max_uses 1) at once, under one batch label; returns (label, codes)."""
    now = now or timezone.now()
    if not 1 <= count <= MAX_BATCH:
        raise ValueError(f"count must be 1..{MAX_BATCH}")
    prefix = normalize_code(prefix)
    label = batch or f"{prefix or 'BATCH'}-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2).upper()}"
    codes = []
    with transaction.atomic():
        taken = set()
        while len(codes) < count:
            code = generate_code(prefix)
            if code in taken or Voucher.objects.filter(code=code).exists():
                continue  # astronomically rare; never hand out a code twice
            taken.add(code)
            codes.append(code)
        for code in codes:
            voucher_create(created_by=created_by, code=code, kind=kind, value=value, max_uses=1, batch=label,
                           now=now, **scopes)
    return label, codes
