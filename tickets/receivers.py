"""What tickets do when the seat sale announces something (connected in TicketsConfig.ready())."""
from django.dispatch import receiver

from core.signals import booking_cancelled
from tickets.services import refuse_cancel_if_admitted


@receiver(booking_cancelled, dispatch_uid="tickets.refuse_cancel_of_admitted_ticket")
def refuse_cancel_of_admitted_ticket(sender, *, booking, **kwargs):
    # Inside the cancel's transaction, with the booking row locked by core: raising rolls the cancel back (409).
    refuse_cancel_if_admitted([booking])
