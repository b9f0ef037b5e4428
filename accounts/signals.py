"""What accounts announce, for the layers above to act on (docs/architecture.md, "Events").

Accounts sit below the seat sale and the mail: they do not know that a deleted account may hold seats, or how a
mail is delivered. They announce; `core` and `notifications` listen (their AppConfig.ready()).
"""
from django.dispatch import Signal

# The account `user` was deleted (anonymised and deactivated). Sent AFTER its transaction committed, so receivers
# may take locks of their own (core releases the account's holds, each hold in a transaction of its own).
account_deleted = Signal()

# A password reset was asked for `user`: `to`, `subject`, `text`, `language` and `dedupe_key` are the mail, written
# by accounts in the account's language. Sent in the caller's transaction (if any); the receiver records the mail
# and sends it after the commit (notifications: the outbox). Nobody listening means no mail is sent.
password_reset_requested = Signal()
