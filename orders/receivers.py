"""What orders do when the seat sale announces something (connected in OrdersConfig.ready()).

Both run inside the seat sale's transaction, under the locks it took, so the refund rows and order states they
write commit with the cancel itself; the provider is called only after the commit (orders.services).
"""
from django.dispatch import receiver

from core.signals import booking_cancelled, show_cancelling
from orders import services


@receiver(booking_cancelled, dispatch_uid="orders.refund_cancelled_booking")
def refund_cancelled_booking(sender, *, booking, now, **kwargs):
    # A seat of a paid order: its price goes back through the provider that took it.
    booking.refund = services.booking_cancelled_refund(booking=booking, now=now)


@receiver(show_cancelling, dispatch_uid="orders.cancel_show_orders")
def cancel_show_orders(sender, *, show, now, **kwargs):
    services.show_cancel_orders(show=show, now=now)
