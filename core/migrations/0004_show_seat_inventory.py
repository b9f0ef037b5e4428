"""Give every existing show its seat inventory, as a show created in the seed's form gets one now.

One row of `total_seats` standard seats labelled "1".."N" at price 0 (the seed had no prices), each seat's state
taken from the show's active bookings and unexpired holds; and the movies' search columns filled in.
"""
import unicodedata
from decimal import Decimal

from django.db import migrations
from django.utils import timezone


def _search_text(value):
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def forwards(apps, schema_editor):
    Movie = apps.get_model("core", "Movie")
    Show = apps.get_model("core", "Show")
    ShowSeat = apps.get_model("core", "ShowSeat")
    Booking = apps.get_model("core", "Booking")
    HoldSeat = apps.get_model("core", "HoldSeat")
    now = timezone.now()
    for movie in Movie.objects.all():
        movie.search_title = _search_text(movie.title)
        movie.save(update_fields=["search_title"])
    for show in Show.objects.filter(seats__isnull=True).iterator():
        booked = set(Booking.objects.filter(show=show, status="booked").values_list("seat_number", flat=True))
        held = {hs.seat_number: hs.hold for hs in
                HoldSeat.objects.filter(show=show, hold__expires_at__gt=now).select_related("hold")}
        seats = []
        for number in range(1, show.total_seats + 1):
            hold = held.get(number)
            state = "booked" if number in booked else "held" if hold else "free"
            seats.append(ShowSeat(show=show, number=number, label=str(number), row_label="1", row_index=0,
                                  column=number - 1, category="standard", price=Decimal("0.00"), state=state,
                                  hold=hold if state == "held" else None,
                                  held_until=hold.expires_at if state == "held" else None))
        ShowSeat.objects.bulk_create(seats, batch_size=500)
        show.prices = {"standard": "0.00"}
        show.save(update_fields=["prices"])


class Migration(migrations.Migration):
    dependencies = [("core", "0003_auditoriums")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
