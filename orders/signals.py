"""What orders announce, for the layers above to act on (docs/architecture.md, "Events").

Each is sent INSIDE the transaction that changed the order, so a receiver's rows (notifications: the mail's outbox
row) commit with the change; receivers must leave anything irreversible (sending the mail) to after the commit.
"""
from django.dispatch import Signal

# `order` is paid (or free) and its bookings exist: the customer gets the tickets.
order_paid = Signal()

# `order` was cancelled; `order.refunds` holds what is being refunded.
order_cancelled = Signal()

# A payment for `order` arrived after the order expired and its seats were sold: it is being refunded in full.
order_refunded_after_expiry = Signal()

# Staff asked to send a paid `order`'s tickets again (the admin's action); not sent inside a transaction.
order_tickets_resend_requested = Signal()
