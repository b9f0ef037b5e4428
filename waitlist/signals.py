"""What the waiting list announces, for the layers above it to act on (docs/architecture.md, "Events").

Sent INSIDE the transaction that made the offer, so a receiver's rows (notifications: the mail's outbox row) commit
with it; the mail is sent after the commit.
"""
from django.dispatch import Signal

# `entry` was offered seats: `hold` (the customer's own hold, until `entry.offer_expires_at`) keeps them.
offer_made = Signal()
