"""Check-ins at the door. A ticket is a booking's `ticket_code` (core.models.Booking, made by core.ticket_codes)."""
from django.conf import settings
from django.db import models

from core.models import Booking


class Checkin(models.Model):
    # One check-in per ticket: the database's last line of defence behind the row lock of tickets.services.
    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="checkin")
    # No foreign key to the show: inserting a row that references the show takes a key-share lock on the show's
    # row, which a cancel (show locked FOR UPDATE, then this booking) would wait on in the opposite order: a
    # deadlock. The show is the booking's (`booking__show_id`).
    checked_in_at = models.DateTimeField()
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                      related_name="+")

    class Meta:
        ordering = ["checked_in_at", "id"]

    def __str__(self):
        return f"Check-in of booking {self.booking_id} at {self.checked_in_at:%H:%M:%S}"
