"""Idempotency keys: a retried POST (same user, same `Idempotency-Key`, same request) gets the first answer again.

The flow, as Stripe and the IETF draft "The Idempotency-Key HTTP Header Field" describe it:
1. `idempotency_key_claim` inserts the key as "in progress" in a short transaction of its own, committed before
   the request's work starts, so a concurrent duplicate already sees it. The unique (user, key) constraint
   decides which of two simultaneous requests runs; the other is told 409 request_in_progress.
2. The request runs; `idempotency_key_store` saves its status and body, or `idempotency_key_release` deletes the
   key when the request failed unexpectedly, so a retry can run it again.
3. A later request with the key gets the stored response replayed (the same key with a different request: 422).
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from common.errors import IdempotencyKeyReused, RequestInProgress
from common.models import IdempotencyKey

MAX_KEY_LENGTH = 255


def request_fingerprint(*, method: str, path: str, body) -> str:
    """sha256 of the request: method, path and the body as canonical JSON (key order and spacing don't matter)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{method.upper()}\n{path}\n{canonical}".encode()).hexdigest()


@dataclass(frozen=True)
class Claim:
    """The outcome of a claim: either this request now owns the key (`record`), or a stored response to replay."""

    record: IdempotencyKey
    replay: bool

    @property
    def response_status(self) -> int:
        return self.record.response_status

    @property
    def response_body(self):
        return self.record.response_body


def idempotency_key_claim(*, user, key: str, fingerprint: str, now: datetime | None = None) -> Claim:
    """Claim `key` for this request, or return the finished first request's response to replay.

    Raises `IdempotencyKeyReused` (another request used the key) or `RequestInProgress` (the first request with
    the key has not finished). Must not run inside an outer transaction: the claim has to commit on its own.
    """
    now = now or timezone.now()
    for _ in range(3):  # the row may vanish between our failed insert and our read (its request failed): retry
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(user=user, key=key, request_fingerprint=fingerprint,
                                                       created_at=now)
            return Claim(record=record, replay=False)
        except IntegrityError:
            pass
        with transaction.atomic():
            # Locked so two retries deciding to take over the same stale key do it one after the other: the second
            # re-reads the row the first just renewed and is told "in progress".
            record = IdempotencyKey.objects.select_for_update().filter(user=user, key=key).first()
            if record is None:
                continue
            if record.created_at <= now - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS):
                return Claim(record=_take_over(record, fingerprint=fingerprint, now=now), replay=False)
            if record.request_fingerprint != fingerprint:
                raise IdempotencyKeyReused()
            if record.state == IdempotencyKey.State.IN_PROGRESS:
                abandoned_before = now - timedelta(seconds=settings.IDEMPOTENCY_IN_PROGRESS_TIMEOUT_SECONDS)
                if record.created_at <= abandoned_before:
                    return Claim(record=_take_over(record, fingerprint=fingerprint, now=now), replay=False)
                raise RequestInProgress()
            return Claim(record=record, replay=True)
    raise RequestInProgress()


def idempotency_key_store(*, record: IdempotencyKey, status: int, body) -> None:
    """Save the response of the request that claimed `record`, for replay.

    Matched on `created_at` too: if this request was so slow that a retry took the key over, the retry's outcome
    is the one kept.
    """
    IdempotencyKey.objects.filter(pk=record.pk, created_at=record.created_at).update(
        state=IdempotencyKey.State.DONE, response_status=status, response_body=body
    )


def idempotency_key_release(*, record: IdempotencyKey) -> None:
    """Forget the key of a request that failed unexpectedly (5xx, busy), so the client's retry runs afresh."""
    IdempotencyKey.objects.filter(pk=record.pk, created_at=record.created_at).delete()


def idempotency_keys_purge(*, now: datetime | None = None) -> int:
    """Delete keys older than IDEMPOTENCY_KEY_TTL_HOURS (they would be taken over anyway); returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lte=cutoff).delete()
    return deleted


def _take_over(record: IdempotencyKey, *, fingerprint: str, now: datetime) -> IdempotencyKey:
    record.request_fingerprint = fingerprint
    record.state = IdempotencyKey.State.IN_PROGRESS
    record.response_status = None
    record.response_body = None
    record.created_at = now
    record.save(update_fields=["request_fingerprint", "state", "response_status", "response_body", "created_at"])
    return record
