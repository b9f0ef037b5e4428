"""What staff and visitors do with on-sales: create one, join its line, ask for one's place (and pass)."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import redis
from django.db import transaction
from django.utils import timezone

from core.models import Show
from onsales import line
from onsales.errors import ClosesBeforeOpening, NotInQueue, OnSaleClosed, QueueUnavailable, ShowsAlreadyGated
from onsales.models import OnSale
from onsales.passes import pass_token
from onsales.rate import admission_rate


def shows_of_movie(*, movie_id: int, first_day: date, last_day: date) -> list[int]:
    """The ids of a movie's shows from `first_day` to `last_day` inclusive (e.g. its opening weekend), not
    cancelled, in the current time zone's days."""
    start = timezone.make_aware(datetime.combine(first_day, datetime.min.time()))
    end = timezone.make_aware(datetime.combine(last_day + timedelta(days=1), datetime.min.time()))
    return list(Show.objects.filter(movie_id=movie_id, date_time__gte=start, date_time__lt=end,
                                    status=Show.Status.SCHEDULED).order_by("pk").values_list("pk", flat=True))


def check_shows_free(*, show_ids, onsale_id: int | None = None) -> None:
    """A show sells through one waiting room at most: refuse shows already in another enabled on-sale. Call in
    the transaction that then enables the on-sale: the shows' rows stay locked until it commits, so two staff
    putting one show in two on-sales at once are served one after the other, and the second is refused. (FOR NO
    KEY UPDATE: it does not wait for, or stop, the bookings that refer to the show.)"""
    show_ids = list(show_ids)
    _lock_shows(show_ids)
    taken = _shows_gated(show_ids, but=onsale_id)
    if taken:
        raise ShowsAlreadyGated(taken)


def _lock_shows(show_ids: list[int]) -> None:
    list(Show.objects.select_for_update(no_key=True).filter(pk__in=show_ids).order_by("pk")
         .values_list("pk", flat=True))


def _shows_gated(show_ids: list[int], *, but: int | None) -> set[int]:
    return set(OnSale.shows.through.objects.filter(show_id__in=show_ids, onsale__enabled=True)
               .exclude(onsale_id=but).values_list("show_id", flat=True))


def onsale_create(*, shows: list[int], opens_at: datetime, admit_per_minute: int, pass_minutes: int,
                  enabled: bool = True, closes_at: datetime | None = None, name: str = "",
                  rate_from_capacity: bool = False) -> OnSale:
    with transaction.atomic():
        if enabled:
            check_shows_free(show_ids=shows)
        onsale = OnSale.objects.create(name=name, opens_at=opens_at, admit_per_minute=admit_per_minute,
                                       pass_minutes=pass_minutes, enabled=enabled, closes_at=closes_at,
                                       rate_from_capacity=rate_from_capacity)
        onsale.shows.set(shows)
    return onsale


_UNSET = object()


def onsale_update(*, onsale_id: int, enabled: bool | None = None, closes_at=_UNSET,
                  rate_from_capacity: bool | None = None) -> OnSale:
    """Staff turn the waiting room on or off (`enabled`), set when it lifts (`closes_at`, None: never by itself) or
    whether its rate follows the measured capacity (`rate_from_capacity`: any time, it moves no turn already given).
    Turning it on checks again that its shows are in no other enabled on-sale."""
    with transaction.atomic():
        onsale = OnSale.objects.select_for_update().get(pk=onsale_id)
        if enabled is not None:
            if enabled and not onsale.enabled:
                check_shows_free(show_ids=onsale.shows.values_list("pk", flat=True), onsale_id=onsale.pk)
            onsale.enabled = enabled
        if closes_at is not _UNSET:
            if closes_at is not None and closes_at <= onsale.opens_at:
                raise ClosesBeforeOpening()
            onsale.closes_at = closes_at
        if rate_from_capacity is not None:
            onsale.rate_from_capacity = rate_from_capacity
        onsale.save()
    return onsale


@dataclass(frozen=True)
class QueueStatus:
    onsale: OnSale
    status: str  # "waiting" | "admitted" | "expired"
    position: int | None
    estimated_wait_seconds: int
    queue_pass: str | None
    pass_expires_at: datetime | None
    admitted_at: datetime | None = None  # the visitor's turn, once it has come


def _status(onsale: OnSale, user, place: line.Place, now: datetime) -> QueueStatus:
    if not place.admitted:
        return QueueStatus(onsale=onsale, status="waiting", position=place.position,
                           estimated_wait_seconds=place.wait_seconds, queue_pass=None, pass_expires_at=None)
    # The pass runs from the visitor's turn, not from when they come to fetch it: an admitted visitor who comes
    # back late cannot take seats at a time of their choosing, so admissions stay spread at the configured rate.
    expires_at = place.turn_at + timedelta(minutes=onsale.pass_minutes)
    if now >= expires_at:
        return QueueStatus(onsale=onsale, status="expired", position=None, estimated_wait_seconds=0,
                           queue_pass=None, pass_expires_at=expires_at, admitted_at=place.turn_at)
    token = pass_token(onsale_id=onsale.pk, user_id=user.pk, expires_at=expires_at)
    return QueueStatus(onsale=onsale, status="admitted", position=None, estimated_wait_seconds=0,
                       queue_pass=token, pass_expires_at=expires_at, admitted_at=place.turn_at)


def queue_join(*, onsale: OnSale, user, now: datetime | None = None) -> tuple[QueueStatus, bool]:
    """Put `user` in the on-sale's line (once per account) and answer their place; True when they are new."""
    now = now or timezone.now()
    if onsale.gate_closed(now):
        raise OnSaleClosed()
    # The rate now: a visitor arriving after the opening is spaced by it; the early group by the rate at the freeze.
    per_minute = admission_rate(onsale).per_minute
    try:
        new = line.join(onsale_id=onsale.pk, user_id=user.pk, opens_at=onsale.opens_at,
                        admit_per_minute=per_minute, now=now)
        place = line.place(onsale_id=onsale.pk, user_id=user.pk, opens_at=onsale.opens_at,
                           admit_per_minute=per_minute, now=now)
    except redis.RedisError as exc:
        raise QueueUnavailable() from exc
    return _status(onsale, user, place, now), new


def queue_status(*, onsale: OnSale, user, now: datetime | None = None) -> QueueStatus:
    """`user`'s place in the on-sale's line at `now` (and their pass once admitted); NotInQueue if not in it."""
    now = now or timezone.now()
    try:
        place = line.place(onsale_id=onsale.pk, user_id=user.pk, opens_at=onsale.opens_at,
                           admit_per_minute=admission_rate(onsale).per_minute, now=now)
    except redis.RedisError as exc:
        raise QueueUnavailable() from exc
    if place is None:
        raise NotInQueue()
    return _status(onsale, user, place, now)
