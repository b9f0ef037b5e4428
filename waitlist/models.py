"""Waiting lists of sold-out shows: who waits for how many seats, in which order, and the offers made to them.

The rules (who may join, who is offered what, when an offer lapses) live in `waitlist.services`; see
docs/decisions/0041-waiting-list-offers-are-holds.md.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q


class WaitingList(models.Model):
    """One show's waiting list. Its row is the list's lock: joining, leaving, offering and closing all lock it
    first (`waitlist.services`), so they happen one at a time per show, in a single order everyone sees."""

    show = models.OneToOneField("core.Show", on_delete=models.CASCADE, related_name="waiting_list")
    created_at = models.DateTimeField()
    # Set when staff closed it (or the show was cancelled): nobody joins and nobody waiting is offered seats.
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["show_id"]

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def __str__(self):
        return f"Waiting list of show {self.show_id}" + (" (closed)" if self.is_closed else "")


class Entry(models.Model):
    """One customer waiting for `seats` seats (of `category`, or any), first come first served by `id`."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Offered seats"
        ACCEPTED = "accepted", "Took the offer"
        EXPIRED = "expired", "Offer not taken"
        LEFT = "left", "Left the list"
        CLOSED = "closed", "List closed"

    ACTIVE = (Status.WAITING, Status.OFFERED)

    waiting_list = models.ForeignKey(WaitingList, on_delete=models.CASCADE, related_name="entries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist_entries")
    seats = models.PositiveSmallIntegerField()
    # A seat category of the show ("premium"), or "" for any seat.
    category = models.CharField(max_length=20, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField()
    # The offer: the hold made for the customer (not a foreign key: hold rows are deleted once paid, released or
    # tidied, and the entry stays as history; core.HoldRecord keeps what became of it).
    hold_id = models.BigIntegerField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "entries"
        constraints = [
            # One place in line per customer and show: a second join is refused (409 already_on_waitlist).
            models.UniqueConstraint(fields=["waiting_list", "user"], condition=Q(status__in=["waiting", "offered"]),
                                    name="waitlist_entry_one_active_per_user"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="waitlist_entry_seats_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["waiting", "offered", "accepted", "expired", "left", "closed"]),
                name="waitlist_entry_status_valid"),
            # An offer names its hold and when it ends; a waiting entry names neither.
            models.CheckConstraint(
                condition=Q(status="waiting", hold_id__isnull=True, offer_expires_at__isnull=True)
                | Q(status="offered", hold_id__isnull=False, offer_expires_at__isnull=False)
                | Q(status__in=["accepted", "expired", "left", "closed"]),
                name="waitlist_entry_offer_fields_match_status"),
        ]
        indexes = [
            models.Index(fields=["waiting_list", "status", "id"], name="waitlist_entry_line_idx"),
            models.Index(fields=["user", "-id"], name="waitlist_entry_user_idx"),
        ]

    def __str__(self):
        return f"Entry #{self.pk}: {self.seats} seat(s) for user {self.user_id} ({self.status})"
