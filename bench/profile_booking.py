"""Where a booking request's CPU goes: N bookings through the WSGI application, in this process, profiled.

Not part of `make bench` or `make test`. Run it against a scratch PostgreSQL database (it is migrated and filled):

    BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/ticketing_bench .venv/bin/python bench/profile_booking.py

The service is configured as `make bench` configures it (DEBUG off, throttles unlimited, the scratch broker
BENCH_BROKER_URL when set), and the requests are the bench's: `POST /shows/<id>/book/` with `{"seat_number": n}`
and a bearer token, each booking a fresh seat. No HTTP server is involved, so what is printed is the
application's CPU per booking (process CPU time / bookings, after a warm-up) without the server's own share.

PROFILE=cprofile (default) prints the functions by cumulative time; PROFILE=none only times; PROFILE_N bookings
(default 2000); PROFILE_SORT (cumulative|tottime). PROFILE_SCREEN=1 books shows on a screen of a cinema (a layout of
1,000 seats in 25 rows, priced, so each seat is reserved unpaid as at a real cinema's box office) instead of the
seed's shows without a screen (`screen_name`, free seats), which the bench books.
"""
import cProfile
import io
import json
import os
import pstats
import secrets
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.update(
    DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", "postgres://root@127.0.0.1:5432/ticketing_bench"),
    DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
    DJANGO_SECURE_SSL_REDIRECT="0", LOG_LEVEL="WARNING",
)
# The application runs in this thread, where cProfile and py-spy see it, not in the load shedder's server thread
# (common.shedding): this measures the application's CPU, and the shedder only queues requests.
os.environ.setdefault("SHED_MAX_IN_FLIGHT", "0")
for scope in ("LOGIN_IP", "LOGIN_USERNAME", "SIGNUP_IP", "BOOKING_USER", "HOLD_USER", "CANCEL_USER",
              "REFRESH_IP", "ACCOUNT_USER", "PASSWORD_CHANGE_USER", "PASSWORD_RESET_IP"):
    os.environ[f"THROTTLE_{scope}"] = "unlimited"
broker = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
if broker:
    os.environ["CELERY_BROKER_URL"] = broker
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketing_system.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from ticketing_system.wsgi import application  # noqa: E402

N = int(os.environ.get("PROFILE_N", 2000))
WARMUP = 200
SEATS = 1000


def setup() -> tuple[list[str], list[int]]:
    from django.contrib.auth import get_user_model

    from core.models import Movie
    from core.services import catalog

    call_command("migrate", verbosity=0)
    User = get_user_model()
    users, run = [], secrets.token_hex(4)
    # On a screen each seat is an unpaid reservation, which core.limits counts: enough accounts that none reaches
    # the default limits (MAX_UNPAID_RESERVATIONS_PER_ACCOUNT, MAX_SEATS_PER_CUSTOMER_PER_SHOW), as customers.
    accounts = (N + WARMUP) // 15 + 1 if os.environ.get("PROFILE_SCREEN") == "1" else 8
    for i in range(accounts):
        # Accounts of their own on a screen: an earlier run's unpaid reservations would count against the limits.
        name = f"profile-user-{i}" if accounts == 8 else f"profile-{run}-{i}"
        user, _ = User.objects.get_or_create(username=name, defaults={"email": f"{name}@example.com"})
        users.append(user)
    # Tokens as /login issues them (accounts.services.tokens), so authentication checks what it checks in production.
    from accounts.services import tokens as token_service

    access = [token_service.token_pair_issue(user=user)["access"] for user in users]
    movie = Movie.objects.create(title=f"Profile {secrets.token_hex(4)}", duration_minutes=120)
    shows_needed = (N + WARMUP) // SEATS + 1
    start = timezone.now() + timedelta(days=30)
    on_screen = {}
    if os.environ.get("PROFILE_SCREEN") == "1":
        from venues.models import Cinema
        from venues.services import screen_create

        cinema = Cinema.objects.create(name=f"Profile {secrets.token_hex(4)}", city="Profile")
        per_row = SEATS // 25
        layout = {"rows": [{"label": f"R{r}", "seats": [{"label": f"R{r}-{n + 1}", "category": "standard"}
                                                         for n in range(per_row)]} for r in range(25)]}
        screen = screen_create(cinema_id=cinema.pk, name="Profile hall", layout=layout)
        on_screen = {"screen_id": screen.pk, "prices": {"standard": "9.50"}}
    show_ids = []
    for i in range(shows_needed):
        # Three hours apart: a screen is not double-booked by the movie's 120 minutes and the cleaning time.
        when = start + timedelta(hours=3 * i)
        show = (catalog.show_create(movie_id=movie.pk, date_time=when, **on_screen) if on_screen else
                catalog.show_create(movie_id=movie.pk, screen_name=f"P{i}", date_time=when, total_seats=SEATS))
        show_ids.append(show.pk)
    return access, show_ids


def book(token: str, show_id: int, seat: int) -> int:
    body = json.dumps({"seat_number": seat}).encode()
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": f"/shows/{show_id}/book/", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8100", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1:8100",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
        "HTTP_AUTHORIZATION": f"Bearer {token}", "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "REMOTE_ADDR": "127.0.0.1",
    }
    status = []
    result = application(environ, lambda s, h, exc_info=None: status.append(s))
    b"".join(result)
    if hasattr(result, "close"):
        result.close()
    return int(status[0].split()[0])


def _wal_position() -> int:
    """The database's current WAL position in bytes (nothing else writes to the scratch database meanwhile)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
        return int(cursor.fetchone()[0])


def main() -> None:
    tokens, shows = setup()
    seq = iter(range(10**9))

    def one():
        i = next(seq)
        code = book(tokens[i % len(tokens)], shows[i // SEATS], i % SEATS + 1)
        if code != 201:
            raise SystemExit(f"booking {i} answered {code}")

    for _ in range(WARMUP):
        one()
    mode = os.environ.get("PROFILE", "cprofile")
    profiler = cProfile.Profile(time.process_time) if mode == "cprofile" else None
    wal0 = _wal_position()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    for _ in range(N):
        one()
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    wal = _wal_position() - wal0
    print(f"{N} bookings: {cpu / N * 1000:.3f} ms CPU and {wall / N * 1000:.3f} ms wall per booking"
          f"{' (under cProfile: inflated)' if profiler else ''}; {wal / N:.0f} bytes of WAL per booking "
          f"(what a synchronous standby receives and flushes before the booking is acknowledged)")
    if profiler:
        stats = pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
        stats.print_stats(int(os.environ.get("PROFILE_LINES", 70)))


if __name__ == "__main__":
    main()
