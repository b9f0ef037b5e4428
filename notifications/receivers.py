"""The mails the layers below cause: each announced event becomes an outbox row in the announcer's transaction,
sent after the commit (connected in NotificationsConfig.ready()).

Writing the row inside the transaction is the point of the outbox: a mail exists exactly when what it announces
was committed, and is sent (and retried) from there.
"""
from django.dispatch import receiver

from accounts.signals import password_reset_requested
from common import precomposed
from core import signals as sale
from notifications import services
from notifications.composing import reservation_dedupe_key
from notifications.dispatch import dispatch_on_commit
from notifications.models import OutboxMessage
from orders import signals as orders
from waitlist import signals as waitlist


class ReservationMailRow:
    """The reservation mail's outbox row, written by the booking fast path's own INSERT (core.signals explains
    statement extensions): `services.reservation_row`, keyed by the new booking's id, so the mail costs the booking
    no round trip of its own."""

    def wanted(self, *, user) -> bool:
        return bool(user.email)

    def cte(self, *, inserted: str, booking_id: str) -> str:
        meta = OutboxMessage._meta
        columns, _ = precomposed.insert_columns_and_values(
            services.reservation_row(to="", booking_id="", ticket_codes=[]))
        key_column = precomposed.quote(meta.get_field("dedupe_key").column)
        # The key is reservation_dedupe_key(<the new booking's id>): its prefix is bound, the id appended in SQL.
        values = ", ".join(f"CONCAT(%s::text, {inserted}.{booking_id})" if column == key_column else "%s"
                           for column in columns)
        return (f"reservation_mail AS (INSERT INTO {precomposed.quote(meta.db_table)} "  # nosec B608
                f"({', '.join(columns)}) SELECT {values} FROM {inserted})")

    def params(self, *, user, booking) -> list:
        # The key's value is its prefix: the statement appends the new booking's id.
        row = services.reservation_row(to=user.email, booking_id="", ticket_codes=[booking.ticket_code])
        _, values = precomposed.insert_columns_and_values(row)
        return values


RESERVATION_MAIL_ROW = ReservationMailRow()


@receiver(sale.bookings_reserved, dispatch_uid="notifications.reservation_mail")
def reservation_mail(sender, *, bookings, statement_rows, **kwargs):
    if not statement_rows:
        services.bookings_reserved(bookings)
    elif bookings and RESERVATION_MAIL_ROW.wanted(user=bookings[0].user):
        # The row was written by the booking's own statement: only its sending is left, after the commit.
        dispatch_on_commit(reservation_dedupe_key(bookings[0].pk))


@receiver(sale.booking_cancelled, dispatch_uid="notifications.booking_cancelled_mail")
def booking_cancelled_mail(sender, *, booking, **kwargs):
    services.booking_cancelled(booking)


@receiver(sale.reservations_reminder_due, dispatch_uid="notifications.reservations_reminder_mail")
def reservations_reminder_mail(sender, *, bookings, **kwargs):
    services.reservations_reminder(bookings)


@receiver(sale.reservations_released, dispatch_uid="notifications.reservations_released_mail")
def reservations_released_mail(sender, *, bookings, **kwargs):
    services.reservations_released(bookings)


@receiver(sale.show_cancelled, dispatch_uid="notifications.show_cancelled_mail")
def show_cancelled_mail(sender, *, show, bookings, **kwargs):
    services.show_changed(show=show, bookings=bookings, cancelled=True)


@receiver(sale.show_rescheduled, dispatch_uid="notifications.show_rescheduled_mail")
def show_rescheduled_mail(sender, *, show, bookings, **kwargs):
    services.show_changed(show=show, bookings=bookings, cancelled=False)


@receiver(orders.order_paid, dispatch_uid="notifications.order_paid_mail")
def order_paid_mail(sender, *, order, **kwargs):
    services.order_paid(order)


@receiver(orders.order_cancelled, dispatch_uid="notifications.order_cancelled_mail")
def order_cancelled_mail(sender, *, order, **kwargs):
    services.order_cancelled(order)


@receiver(orders.order_refunded_after_expiry, dispatch_uid="notifications.order_refunded_mail")
def order_refunded_mail(sender, *, order, **kwargs):
    services.order_refunded_after_expiry(order)


@receiver(orders.order_tickets_resend_requested, dispatch_uid="notifications.tickets_resent_mail")
def tickets_resent_mail(sender, *, order, **kwargs):
    services.order_tickets_resend(order)


@receiver(waitlist.offer_made, dispatch_uid="notifications.waitlist_offer_mail")
def waitlist_offer_mail(sender, *, entry, hold, **kwargs):
    services.waitlist_offer(entry=entry, hold=hold)


@receiver(password_reset_requested, dispatch_uid="notifications.password_reset_mail")
def password_reset_mail(sender, *, to, subject, text, language, dedupe_key, **kwargs):
    services.mail_send_on_commit(to=to, subject=subject, kind="password_reset", text=text, language=language,
                                 dedupe_key=dedupe_key)
