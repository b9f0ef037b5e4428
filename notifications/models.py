"""The outbox: one row per e-mail to send, written in the transaction of the event it tells about.

A Celery task sends it after the commit and marks it sent under a row lock, so a retried or duplicated task never
sends it twice; work that rolls back leaves no row and sends nothing (pretix's mail task works the same way).
"""
from django.db import models
from django.db.models import Q


class OutboxMessage(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"  # gave up after MAIL_MAX_RETRIES; `send_pending_mail --failed` tries again

    # "order_paid:12", "booking_cancelled:40": one message per event, even if the event's code runs twice.
    dedupe_key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=50)
    to = models.EmailField()
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True, default="")
    # Ticket codes whose QR codes go inline into the HTML (cid:qr-<code>), rendered when the mail is sent.
    ticket_codes = models.JSONField(default=list, blank=True)
    # An order whose tickets go along as a PDF attachment.
    attach_order_pdf = models.ForeignKey("orders.Order", on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="+")
    # The recipient's language (settings.LANGUAGES) the subject and bodies were written in; the sender renders
    # anything it adds (the PDF attachment) under it too. "": LANGUAGE_CODE.
    language = models.CharField(max_length=10, blank=True, default="")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["pending", "sent", "failed"]), name="outbox_state_valid"),
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="outbox_state_created_idx")]

    def __str__(self):
        return f"{self.kind} to {self.to} ({self.state})"
