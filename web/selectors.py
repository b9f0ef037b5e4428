"""Reads only the pages need, each a fixed number of queries (the rest come from core.selectors)."""
from django.db.models import Q

from core.models import ShowSeat


def seat_labels_for_bookings(bookings) -> dict[tuple[int, int], str]:
    """(show id, seat number) → the seat's label ("C7") for the given bookings, in one query."""
    wanted: dict[int, set[int]] = {}
    for booking in bookings:
        wanted.setdefault(booking.show_id, set()).add(booking.seat_number)
    if not wanted:
        return {}
    condition = Q()
    for show_id, numbers in wanted.items():
        condition |= Q(show_id=show_id, number__in=sorted(numbers))
    seats = ShowSeat.objects.filter(condition).values_list("show_id", "number", "label")
    return {(show_id, number): label for show_id, number, label in seats}
