"""What a ticket says: one dict per booking, shared by the API (GET /bookings/<id>/ticket/), the PDF and the
e-mails, so they can never disagree."""
from django.utils.translation import get_language

from core.errors import BookingNotFound
from core.models import Booking, ShowSeat
from core.selectors import TicketTypeNames, names_ticket_types, ticket_type_names


def ticket_status(booking: Booking, *, checked_in: bool | None = None) -> str:
    """"valid", "checked_in", or "cancelled" (cancelled or refunded: admits nobody). `checked_in` saves the look-up
    when the caller knows (otherwise select_related("checkin") saves it)."""
    if booking.status == Booking.Status.CANCELLED or booking.payment_status == Booking.PaymentStatus.REFUNDED:
        return "cancelled"
    if checked_in is None:
        checked_in = hasattr(booking, "checkin")
    return "checked_in" if checked_in else "valid"


def seat_label(booking: Booking) -> str:
    known = getattr(booking, "known_seat_label", None)  # set by core.services.booking.insert_bookings
    if known is not None:
        return known
    if booking.order_id is not None and booking.order is not None:
        for seat in booking.order.seats:
            if seat["number"] == booking.seat_number:
                return seat["label"]
    label = (ShowSeat.objects.filter(show_id=booking.show_id, number=booking.seat_number)
             .values_list("label", flat=True).first())
    return label or str(booking.seat_number)


def ticket_data(booking: Booking, *, checked_in: bool | None = None) -> dict:
    show = booking.show
    return {
        "code": booking.ticket_code,
        "booking_id": booking.pk,
        "movie": show.movie.title,
        # Null for a show created in the seed's form (a free-text screen name, no cinema).
        "cinema": show.screen.cinema.name if show.screen_id is not None else None,
        "screen": show.screen_name,
        "seat_label": seat_label(booking),
        "local_date_time": show.local_date_time().isoformat(),
        "status": ticket_status(booking, checked_in=checked_in),
        "payment_status": booking.payment_status,
        "ticket_type": booking.ticket_type,
    }


def door_ticket_type(booking: Booking) -> dict:
    """What door staff are told of the ticket's type: its code, its name in the active language, and whether to
    check proof (the cinema's TicketType says; the built-in Adult, or a seed-form show's seat, needs none)."""
    show = booking.show
    cinema_id = show.screen.cinema_id if show.screen_id is not None else None
    kind = ticket_type_names(cinema_ids=[cinema_id], language=get_language() or "").get(cinema_id, booking.ticket_type)
    return {"ticket_type": kind.code, "ticket_type_name": kind.name, "check_proof": kind.proof_required}


def booking_for_ticket(*, user, booking_id: int) -> Booking:
    booking = (Booking.objects.filter(pk=booking_id, user=user)
               .with_show().select_related("order", "checkin").first())
    if booking is None:
        raise BookingNotFound()
    return booking


def ticket_type_names_for(bookings) -> TicketTypeNames:
    """The names of the bookings' ticket types in the active language, one query (for printable_ticket's `names`)."""
    # Only the cinemas whose tickets name their type: an Adult-only show's reads nothing more.
    return ticket_type_names(cinema_ids={b.show.screen.cinema_id for b in bookings if b.show.screen_id is not None
                                         and _names_type(b)}, language=get_language() or "")


def _names_type(booking: Booking) -> bool:
    return names_ticket_types(booking.show, [booking.ticket_type])


def printable_ticket(booking: Booking, *, checked_in: bool | None = None, names: TicketTypeNames | None = None) -> dict:
    """What a printed or mailed ticket shows, beyond ticket_data: where (the cinema's address), when as a moment
    in the cinema's time zone (written in the reader's language by tickets.rendering and the mails), the price
    charged, the ticket type's name in the active language and whether the door asks proof of it (on a show that
    sells more than Adult, or a seat sold as another type: an Adult-only show's ticket reads as before) and the
    order's reference. Select show__screen__cinema and order with the booking; `names`: ticket_type_names_for the
    bookings printed together (one query for all, rather than one each)."""
    show = booking.show
    cinema = show.screen.cinema if show.screen_id is not None else None
    kind = None
    if _names_type(booking):
        names = names if names is not None else ticket_type_names_for([booking])
        kind = names.get(cinema.pk if cinema else None, booking.ticket_type)
    return {
        **ticket_data(booking, checked_in=checked_in),
        "cinema_address": ", ".join(part for part in (cinema.address, cinema.city) if part) if cinema else "",
        "starts_at": show.local_date_time(),
        "price": booking.price,
        "ticket_type": kind.name if kind else None,
        "proof_required": bool(kind and kind.proof_required),
        "order_reference": str(booking.order_id) if booking.order_id is not None else f"B{booking.pk}",
    }
