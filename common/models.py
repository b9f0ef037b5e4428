"""The one table of the API plumbing: the responses kept for idempotent retries."""
from django.conf import settings
from django.db import models
from django.db.models import Q


class IdempotencyKey(models.Model):
    """A client's `Idempotency-Key` and the response first given for it, so a retry gets the same answer.

    Stored in the database (not process memory) so a retry that lands on another worker, or after a restart,
    still finds it. The unique (user, key) constraint is what makes two identical requests at the same moment
    safe: only one of them can insert the row and run; the other sees it.
    """

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys")
    key = models.CharField(max_length=255)
    # sha256 of method, path and canonical JSON body: the same key with another request is a client bug.
    request_fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=11, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # The rendered JSON bytes as first sent, as text: a JSONField (jsonb) would reorder the keys, and a replay is meant
    # to be the same response, byte for byte.
    response_body = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        # The table keeps the name it had when the seat-sale app owned this model (no data moves).
        db_table = "core_idempotencykey"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user"),
            models.CheckConstraint(condition=Q(state__in=["in_progress", "done"]), name="idempotency_state_valid"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self):
        return f"Idempotency key {self.key!r} of user {self.user_id} ({self.state})"
