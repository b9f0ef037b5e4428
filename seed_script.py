"""Load the sample programme: two cinemas in two cities, three screens with real seat layouts, four movies with
their metadata, each cinema's ticket types (Adult, Child, Senior, Student) and a week of shows priced per seat
category and ticket type.

Idempotent: run it any number of times. Cinemas, screens and movies are created once (by name / title); a show
is created for each planned (screen, day, start) that has no show yet and has not started, so a second run adds
nothing and a run days later tops the programme up with the new days instead of duplicating the old ones.

    python seed_script.py
"""
import os
import zoneinfo
from datetime import date, datetime, time, timedelta
from datetime import timezone as datetime_timezone

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketing_system.settings")
django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.models import Movie, Show  # noqa: E402
from core.services import catalog  # noqa: E402
from moviemedia import services as media  # noqa: E402
from moviemedia.models import MovieMedia  # noqa: E402
from venues import services as venue_services  # noqa: E402
from venues.models import Cinema, Screen, TicketType  # noqa: E402

MOVIES = {
    # title: (duration, metadata)
    "Inception": (148, {"genres": ["sci-fi", "thriller"], "language": "en", "certificate": "12A",
                        "release_date": date(2010, 7, 16),
                        "synopsis": "A thief who steals secrets through dreams is asked to plant an idea instead."}),
    "Interstellar": (169, {"genres": ["sci-fi", "drama"], "language": "en", "certificate": "12A",
                           "release_date": date(2014, 11, 7),
                           "synopsis": "Explorers travel through a wormhole in search of a new home for humanity."}),
    "Amélie": (122, {"genres": ["comedy", "romance"], "language": "fr", "certificate": "15",
                     "release_date": date(2001, 4, 25),
                     "synopsis": "A shy waitress in Montmartre decides to change the lives of those around her."}),
    "Spirited Away": (125, {"genres": ["animation", "fantasy"], "language": "ja", "certificate": "PG",
                            "release_date": date(2001, 7, 20),
                            "synopsis": "A girl wanders into a world of spirits and must work to free her parents."}),
}


def _row(label: str, categories: list[str | None], **flags_by_position) -> dict:
    """A row: one entry per position (a category, or None for the aisle); seats numbered within the row."""
    seats, n = [], 0
    for position, category in enumerate(categories):
        if category is None:
            seats.append(None)
            continue
        n += 1
        seat = {"label": f"{label}{n}", "category": category}
        seat.update(flags_by_position.get(f"p{position}", {}))
        seats.append(seat)
    return {"label": label, "seats": seats}


def main_hall_layout() -> dict:
    """120 seats: rows A-J of 6 + aisle + 6; rows I-J premium; two wheelchair spaces with companion seats in A."""
    rows = []
    for label in "ABCDEFGHIJ":
        category = "premium" if label in "IJ" else "standard"
        positions = [category] * 6 + [None] + [category] * 6
        flags = {}
        if label == "A":
            positions[0], positions[1] = "wheelchair", "companion"
            positions[11], positions[12] = "companion", "wheelchair"
            flags = {"p0": {"wheelchair": True}, "p1": {"companion": True},
                     "p11": {"companion": True}, "p12": {"wheelchair": True}}
        rows.append(_row(label, positions, **flags))
    return {"rows": rows}


def studio_layout() -> dict:
    """60 seats: rows A-F of 10 standard; the outer seats of row A have a restricted view."""
    restricted = {"p0": {"restricted_view": True}, "p9": {"restricted_view": True}}
    return {"rows": [_row(label, ["standard"] * 10, **(restricted if label == "A" else {})) for label in "ABCDEF"]}


def lounge_layout() -> dict:
    """14 recliners: two rows of 7."""
    return {"rows": [_row(label, ["recliner"] * 7) for label in "AB"]}


# Each cinema's ticket types besides the built-in Adult (decision 0044): code, name, names in Spanish and Hindi,
# min age, max age, proof asked at the door. The certificate of a film rated 15 (Amélie) refuses Child (0045).
TICKET_TYPES = [
    ("child", "Child", {"es": "Niño", "hi": "बच्चा"}, None, 14, False),
    ("senior", "Senior", {"es": "Mayor de 65", "hi": "वरिष्ठ नागरिक"}, 65, None, True),
    ("student", "Student", {"es": "Estudiante", "hi": "छात्र"}, None, None, True),
]


def _prices(adult: str, child: str | None, senior: str, student: str) -> dict:
    """One category's price per ticket type (a type without a price is not sold there)."""
    return {kind: price for kind, price in (("adult", adult), ("child", child), ("senior", senior),
                                            ("student", student)) if price is not None}


CINEMAS = [
    # name, city, address, time zone, [(screen, layout, prices, [(movie, local start, format, language)])]
    ("Cineville Centre", "Paris", "12 Rue de Rivoli, 75004 Paris", "Europe/Paris", [
        ("Salle 1", main_hall_layout(),
         {"standard": _prices("12.50", "8.00", "9.50", "10.00"), "premium": _prices("18.00", "13.00", "15.00", "15.50"),
          "wheelchair": _prices("12.50", "8.00", "9.50", "10.00"), "companion": "6.00"},
         [("Inception", time(18, 0), "2D", "en"), ("Interstellar", time(21, 0), "IMAX", "en")]),
        # No child price in the lounge (a bar): Child is not offered there.
        ("Lounge", lounge_layout(), {"recliner": _prices("24.00", None, "20.00", "21.00")},
         [("Amélie", time(19, 30), "2D", "fr")]),
    ]),
    ("Northlight Cinema", "Manchester", "1 Deansgate, Manchester M3 1AZ", "Europe/London", [
        ("Screen 2", studio_layout(), {"standard": _prices("9.50", "6.50", "7.50", "8.00")},
         [("Spirited Away", time(17, 0), "2D", "ja"), ("Inception", time(20, 0), "3D", "en")]),
    ]),
]
DAYS = 7
datetime_utc = datetime_timezone.utc
# Each sample movie's poster is drawn here (two colours and the title; Pillow, no download) and its trailer linked.
POSTERS = {
    "Inception": ((24, 38, 66), (196, 120, 48), "https://www.youtube.com/watch?v=YoHD9XEInc0"),
    "Interstellar": ((8, 10, 24), (90, 120, 170), ""),
    "Amélie": ((120, 20, 30), (60, 130, 60), ""),
    "Spirited Away": ((40, 110, 140), (230, 200, 120), ""),
}


def poster_image(title: str, top: tuple, bottom: tuple) -> bytes:
    """A small generated poster: a vertical gradient, a circle, the title."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    width, height = 400, 600
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        share = y / (height - 1)
        colour = tuple(round(a + (b - a) * share) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    draw.ellipse([90, 120, 310, 340], outline=(255, 255, 255), width=6)
    try:  # a font with every letter of the titles ("Amélie") if the system has DejaVu, else Pillow's own
        font = ImageFont.truetype("DejaVuSans-Bold.ttf", 38)
    except OSError:
        font = ImageFont.load_default(size=38)
    words, lines = title.upper().split(), []
    for word in words:
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) < width - 40:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    for i, line in enumerate(lines):
        draw.text((width / 2, 430 + i * 44), line, font=font, fill=(255, 255, 255), anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def seed_posters(movies: dict) -> int:
    """Posters for the sample movies that have none yet (moviemedia.services: checked and resized like an
    upload); returns how many were added."""
    added = 0
    for title, (top, bottom, trailer) in POSTERS.items():
        movie = movies.get(title)
        if movie is None or MovieMedia.objects.filter(movie=movie).exclude(poster="").exists():
            continue
        media.poster_set(movie_id=movie.pk, data=poster_image(title, top, bottom))
        if trailer:
            media.trailer_set(movie_id=movie.pk, trailer_url=trailer)
        added += 1
    return added


def seed(now: datetime | None = None) -> tuple[int, int]:
    """Create what is missing; return (movies created, shows created)."""
    now = now or timezone.now()
    movies_created = shows_created = 0
    with transaction.atomic():
        movies = {}
        for title, (duration, metadata) in MOVIES.items():
            movies[title], created = Movie.objects.get_or_create(
                title=title, defaults={"duration_minutes": duration, **metadata})
            movies_created += created
        for name, city, address, zone_name, screens in CINEMAS:
            cinema, _ = Cinema.objects.get_or_create(name=name, defaults={"city": city, "address": address,
                                                                         "time_zone": zone_name})
            for code, type_name, names, min_age, max_age, proof in TICKET_TYPES:
                if not TicketType.objects.filter(cinema=cinema, code=code).exists():
                    venue_services.ticket_type_create(cinema_id=cinema.pk, code=code, name=type_name, names=names,
                                                      min_age=min_age, max_age=max_age, proof_required=proof)
            zone = zoneinfo.ZoneInfo(cinema.time_zone)
            # One calendar for every cinema (UTC's date), not each cinema's own: between 23:00 and 24:00 UTC Paris
            # is already a day ahead of London, and its programme would start a day later than Manchester's.
            today = now.astimezone(datetime_utc).date()
            for screen_name, layout, prices, programme in screens:
                screen, _ = Screen.objects.get_or_create(cinema=cinema, name=screen_name, defaults={"layout": layout})
                for day in range(1, DAYS + 1):
                    for title, start, show_format, language in programme:
                        starts_at = datetime.combine(today + timedelta(days=day), start, tzinfo=zone)
                        if Show.objects.filter(screen=screen, date_time=starts_at).exists():
                            continue
                        catalog.show_create(movie_id=movies[title].pk, screen_id=screen.pk, date_time=starts_at,
                                            prices=prices, language=language, format=show_format, now=now)
                        shows_created += 1
    seed_posters(movies)
    return movies_created, shows_created


if __name__ == "__main__":
    movies, shows = seed()
    print(f"Sample data: {movies} movie(s) and {shows} show(s) created "
          f"({Movie.objects.count()} movies, {Cinema.objects.count()} cinemas, {Screen.objects.count()} screens, "
          f"{Show.objects.count()} shows in the database).")
