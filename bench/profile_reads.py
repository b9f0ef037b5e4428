"""Where a catalogue read's CPU goes: N anonymous GETs of one path through the WSGI application, in this process.

Not part of `make bench` or `make test`; the companion of bench/profile_booking.py (same configuration, same
scratch database). It fills `BENCH_DATABASE_URL` with one movie of 12 shows of 1,000 seats (the issue's sitting),
then reads, for each of `/health/`, `/movies/`, `/movies/<id>/shows/` and `/shows/<id>/`, PROFILE_N (1000) times
with the catalogue cache off (CATALOGUE_MAX_AGE_SECONDS=0: every read runs the view) and prints the CPU per read
and its ratio to `/health/`. PROFILE=cprofile also prints cProfile's table for PROFILE_PATH (a name or a path):

    BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/ticketing_bench .venv/bin/python bench/profile_reads.py
    PROFILE=cprofile PROFILE_PATH=show PROFILE_SORT=tottime .venv/bin/python bench/profile_reads.py
    PROFILE_N=20000 PROFILE_PATH=show py-spy record -r 500 -f raw -o /tmp/spy.txt -- \
        .venv/bin/python bench/profile_reads.py

No HTTP server is involved: the figures are the application's share (the server adds the same to every path).
"""
import cProfile
import io
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
    CATALOGUE_MAX_AGE_SECONDS=os.environ.get("CATALOGUE_MAX_AGE_SECONDS", "0"),
)
# The application runs in this thread, where cProfile and py-spy see it, not in the load shedder's server thread
# (common.shedding): this measures the application's CPU, and the shedder only queues requests.
os.environ.setdefault("SHED_MAX_IN_FLIGHT", "0")
cache_url = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/14")
if cache_url:
    os.environ["REDIS_URL"] = cache_url
    os.environ["CACHE_KEY_PREFIX"] = "profile"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketing_system.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from ticketing_system.wsgi import application  # noqa: E402

N = int(os.environ.get("PROFILE_N", 1000))
WARMUP = 100
SHOWS, SEATS = 12, 1000


def setup() -> tuple[int, int]:
    from core.models import Movie
    from core.services import catalog

    call_command("migrate", verbosity=0)
    movie = Movie.objects.create(title=f"Profile {secrets.token_hex(4)}", duration_minutes=120)
    start = timezone.now() + timedelta(days=30)
    shows = [catalog.show_create(movie_id=movie.pk, screen_name=f"R{i}", date_time=start + timedelta(hours=3 * i),
                                 total_seats=SEATS) for i in range(SHOWS)]
    return movie.pk, shows[0].pk


def get(path: str) -> int:
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path.split("?")[0], "QUERY_STRING": path.partition("?")[2],
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8100", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1:8100",
        "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False, "REMOTE_ADDR": "127.0.0.1",
    }
    status = []
    result = application(environ, lambda s, h, exc_info=None: status.append(s))
    b"".join(result)
    if hasattr(result, "close"):
        result.close()
    return int(status[0].split()[0])


def cpu_per_read(path: str, n: int) -> float:
    for _ in range(WARMUP):
        get(path)
    began = time.process_time()
    for _ in range(n):
        code = get(path)
        if code != 200:
            raise SystemExit(f"{path} answered {code}")
    return (time.process_time() - began) / n * 1000


def main() -> None:
    movie, show = setup()
    paths = {"health": "/health/", "movies": "/movies/", "movie's shows": f"/movies/{movie}/shows/",
             "shows (one movie)": f"/shows/?movie={movie}", "show": f"/shows/{show}/"}
    mode = os.environ.get("PROFILE", "none")
    target = os.environ.get("PROFILE_PATH", "")
    if mode == "cprofile" or target:
        path = paths.get(target, target) or paths["show"]
        profiler = cProfile.Profile(time.process_time) if mode == "cprofile" else None
        for _ in range(WARMUP):
            get(path)
        if profiler:
            profiler.enable()
        ms = cpu_per_read(path, N)
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(
                int(os.environ.get("PROFILE_LINES", 60)))
        print(f"{path}: {ms:.3f} ms CPU per read{' (under cProfile: inflated)' if profiler else ''}")
        return
    # Interleaved rounds, the median of each path: a shared machine's noise then falls on every path alike.
    rounds = int(os.environ.get("PROFILE_ROUNDS", 5))
    samples = {name: [] for name in paths}
    for _ in range(rounds):
        for name, path in paths.items():
            samples[name].append(cpu_per_read(path, N // rounds or 1))
    median = {name: sorted(values)[len(values) // 2] for name, values in samples.items()}
    for name, path in paths.items():
        print(f"{name:<18} {path:<28} {median[name]:7.3f} ms CPU per read  {median[name] / median['health']:5.2f}x "
              f"/health/ (median of {rounds} interleaved rounds)")


if __name__ == "__main__":
    main()
