"""`make chaos`: bookings under load while PostgreSQL restarts; then prove nothing acknowledged was lost.

What it does, all on throwaway resources so no shared database is touched:
1. initdb a new PostgreSQL cluster in a temporary directory (as user postgres, trust auth), start it on
   127.0.0.1:CHAOS_PG_PORT (5499) with its unix socket inside that directory;
2. migrate, create shows and users, start the service on 127.0.0.1:CHAOS_HTTP_PORT (8107): gunicorn if it is
   installed in the virtualenv, else `runserver` (threaded), both with DEBUG off;
3. CHAOS_THREADS clients book random seats (and cancel some of their own bookings) for CHAOS_SECONDS; a third
   of the way in, PostgreSQL is restarted (`pg_ctl restart -m immediate`: a crash, not a polite shutdown);
4. checks: every booking answered 201 exists with that user and seat; every cancel answered 200 is cancelled;
   no seat has two active bookings; no response was a 500; the service answers again after the restart.
Prints the counts and exits 1 if any check fails. Everything it started is stopped and deleted on exit.
"""
import collections
import json
import os
import random
import shutil
import signal

# bandit: this script's job is to run PostgreSQL, migrations and the service as subprocesses, with argument lists
# it builds itself (never a shell, never outside input); those calls are marked `nosec` one by one.
import subprocess  # nosec B404
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg2
from json_http import call

BASE_DIR = Path(__file__).resolve().parent.parent
PY = sys.executable
PG_PORT = int(os.environ.get("CHAOS_PG_PORT", "5499"))
HTTP_PORT = int(os.environ.get("CHAOS_HTTP_PORT", "8107"))
THREADS = int(os.environ.get("CHAOS_THREADS", "12"))
SECONDS = float(os.environ.get("CHAOS_SECONDS", "24"))
RESTART_MODE = os.environ.get("CHAOS_RESTART_MODE", "immediate")
SHOWS, SEATS, USERS = 3, 1000, 20
DB_NAME = "ticketing_chaos"
DATABASE_URL = f"postgres://postgres@127.0.0.1:{PG_PORT}/{DB_NAME}"


def pg_bindir() -> Path:
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True)  # nosec B603
        return Path(bindir.stdout.strip())
    return sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]


class Cluster:
    """A PostgreSQL cluster of our own in a temporary directory."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="ticketing-chaos-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.bindir = pg_bindir()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args, check=True):
        return subprocess.run([*self.as_postgres, *args], check=check, capture_output=True, text=True)  # nosec B603

    def init_and_start(self):
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "--no-sync", "-E", "UTF8")
        self._pg_ctl("start")
        self._run(str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", DB_NAME)

    def _pg_ctl(self, action, *extra):
        options = f"-p {PG_PORT} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=on"
        return self._run(str(self.bindir / "pg_ctl"), action, "-D", str(self.data), "-l", str(self.log),
                         "-o", options, "-w", "-t", "60", *extra)

    def restart(self):
        started = time.monotonic()
        self._pg_ctl("restart", "-m", RESTART_MODE)
        return time.monotonic() - started

    def destroy(self):
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bindir / "pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def service_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "THROTTLE_", "REDIS_URL"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "ticketing_system.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "chaos-only-" + "k" * 60,
        "DJANGO_SECURE_SSL_REDIRECT": "0",  # plain http on localhost
        "DATABASE_URL": DATABASE_URL,
        "LOG_LEVEL": "WARNING",
        # The load is the point here, not the abuse limits: raise every rate.
        **{f"THROTTLE_{scope}": "1000000/min" for scope in
           ("LOGIN_IP", "LOGIN_USERNAME", "SIGNUP_IP", "BOOKING_USER", "HOLD_USER", "CANCEL_USER")},
    })
    return env


SETUP_CODE = f"""
import json
from datetime import timedelta
from django.utils import timezone
from django.contrib.auth import get_user_model
from rest_framework_simplejwt.tokens import RefreshToken
from core.models import Movie
from core.services import catalog
movie = Movie.objects.create(title="Chaos", duration_minutes=100)
# Through the service, so each show gets its seat inventory (a bare Show row has no seats to book).
shows = [catalog.show_create(movie_id=movie.pk, screen_name=f"Screen {{i}}", total_seats={SEATS},
                             date_time=timezone.now() + timedelta(days=1, hours=3 * i)) for i in range({SHOWS})]
users = [get_user_model().objects.create_user(username=f"chaos{{i}}", password=None) for i in range({USERS})]
print(json.dumps({{"shows": [s.pk for s in shows],
                  "tokens": {{u.pk: str(RefreshToken.for_user(u).access_token) for u in users}}}}))
"""


def start_service(env, log_file):
    gunicorn = Path(PY).parent / "gunicorn"
    if gunicorn.exists():
        # Threads that live as long as the worker: persistent connections (CONN_MAX_AGE) are reused, so this
        # also tests that CONN_HEALTH_CHECKS replaces the connections the restart killed.
        command = [str(gunicorn), "-w", "4", "--threads", "4", "-b", f"127.0.0.1:{HTTP_PORT}",
                   "ticketing_system.wsgi"]
    else:
        # runserver starts a thread per request, so a persistent connection would outlive its thread unused
        # until PostgreSQL runs out of connection slots (Django's docs: no persistent connections with it).
        env = {**env, "DB_CONN_MAX_AGE": "0"}
        command = [PY, "manage.py", "runserver", f"127.0.0.1:{HTTP_PORT}", "--noreload"]
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT,  # nosec B603
                               start_new_session=True)
    for _ in range(100):
        if request("GET", "/movies/")[0] == 200:
            return process, Path(command[0]).name if gunicorn.exists() else "runserver"
        time.sleep(0.1)
    raise RuntimeError("the service did not start; see its log")


def request(method, path, token=None, body=None):
    """(status, parsed JSON body or None); status 0 if the service could not be reached at all."""
    try:
        answer = call("127.0.0.1", HTTP_PORT, method, path, body, token=token)
    except OSError:
        return 0, None
    return answer.status, answer.data


class Load:
    def __init__(self, shows, tokens):
        self.shows, self.tokens = shows, tokens
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.statuses = collections.Counter()
        self.acknowledged = {}  # booking id -> (user id, show id, seat)
        self.cancelled = set()  # booking ids whose cancel was answered 200
        self.timeline = []  # (monotonic time, status)

    def worker(self, seed):
        # Which seat to try next, reproducibly per worker: load generation, not security.
        rng = random.Random(seed)  # nosec B311
        mine = []
        while not self.stop.is_set():
            user_id = rng.choice(list(self.tokens))
            token = self.tokens[user_id]
            if mine and rng.random() < 0.1:
                booking_id, token = mine.pop(rng.randrange(len(mine)))
                status, body = request("POST", f"/bookings/{booking_id}/cancel/", token)
                kind = "cancel"
            else:
                show, seat = rng.choice(self.shows), rng.randint(1, SEATS)
                status, body = request("POST", f"/shows/{show}/book/", token, {"seat_number": seat})
                kind = "book"
            code = (body or {}).get("code", "") if status >= 400 else ""
            with self.lock:
                self.statuses[(kind, status, code)] += 1
                self.timeline.append((time.monotonic(), status))
                if kind == "book" and status == 201:
                    self.acknowledged[body["id"]] = (int(user_id), show, seat)
                    mine.append((body["id"], token))
                elif kind == "cancel" and status == 200:
                    self.cancelled.add(booking_id)


def stop_service(service):
    os.killpg(service.pid, signal.SIGTERM)
    try:
        service.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(service.pid, signal.SIGKILL)


def verify(load):
    failures = []
    with psycopg2.connect(host="127.0.0.1", port=PG_PORT, user="postgres", dbname=DB_NAME) as conn:
        with conn.cursor() as cursor:
            cursor.execute("SELECT id, user_id, show_id, seat_number, status FROM core_booking")
            rows = {row[0]: row[1:] for row in cursor.fetchall()}
            cursor.execute("SELECT show_id, seat_number, count(*) FROM core_booking WHERE status = 'booked' "
                           "GROUP BY show_id, seat_number HAVING count(*) > 1")
            doubles = cursor.fetchall()
    missing = [b for b in load.acknowledged if b not in rows]
    wrong = [b for b, (user, show, seat) in load.acknowledged.items()
             if b in rows and rows[b][:3] != (user, show, seat)]
    cancel_lost = [b for b in load.cancelled if rows.get(b, (None,) * 4)[3] != "cancelled"]
    still_booked = [b for b in load.acknowledged if b not in load.cancelled and rows.get(b, ())[3:] != ("booked",)]
    unacknowledged = [b for b in rows if b not in load.acknowledged]
    server_errors = sum(n for (kind, status, code), n in load.statuses.items() if status == 500)
    print(f"bookings in database: {len(rows)} (acknowledged 201: {len(load.acknowledged)}, "
          f"written but not acknowledged: {len(unacknowledged)})")
    print(f"acknowledged bookings missing: {len(missing)}; with other user/seat: {len(wrong)}")
    print(f"acknowledged cancels: {len(load.cancelled)}; not cancelled in database: {len(cancel_lost)}; "
          f"acknowledged, never cancelled, but not active: {len(still_booked)}")
    print(f"seats with two active bookings: {len(doubles)}")
    print(f"500 responses: {server_errors}")
    for name, bad in [("missing", missing), ("wrong", wrong), ("cancel_lost", cancel_lost),
                      ("still_booked", still_booked), ("doubles", doubles)]:
        if bad:
            failures.append(f"{name}: {bad[:10]}")
    if server_errors:
        failures.append(f"{server_errors} responses were 500")
    return failures


def main() -> int:
    cluster = Cluster()
    service = None
    log_path = Path(tempfile.mkstemp(prefix="ticketing-chaos-service-", suffix=".log")[1])

    def on_signal(signum, frame):
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        print(f"PostgreSQL: new cluster in {cluster.root}, port {PG_PORT}")
        cluster.init_and_start()
        env = service_env()
        subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True)  # nosec B603
        setup = subprocess.run([PY, "manage.py", "shell", "-c", SETUP_CODE], cwd=BASE_DIR, env=env, check=True,  # nosec B603
                               capture_output=True, text=True)
        world = json.loads(setup.stdout.strip().splitlines()[-1])
        with open(log_path, "w") as log_file:
            service, server_name = start_service(env, log_file)
        print(f"service: {server_name} on 127.0.0.1:{HTTP_PORT} (log {log_path}); "
              f"{THREADS} clients for {SECONDS:.0f}s, restart ({RESTART_MODE}) at {SECONDS / 3:.0f}s")

        load = Load(world["shows"], world["tokens"])
        threads = [threading.Thread(target=load.worker, args=(i,), daemon=True) for i in range(THREADS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(SECONDS / 3)
        restart_began = time.monotonic()
        restart_took = cluster.restart()
        print(f"PostgreSQL restarted in {restart_took:.2f}s")
        time.sleep(max(0.0, SECONDS - (time.monotonic() - started)))
        load.stop.set()
        for thread in threads:
            thread.join(timeout=60)

        # The service answers again (no restart of the service), and how long after the restart it did.
        recovered = [t for t, status in load.timeline if t > restart_began + restart_took and status in (200, 201)]
        first_ok = (min(recovered) - (restart_began + restart_took)) if recovered else None
        answers_again = request("GET", f"/shows/{world['shows'][0]}/")[0] == 200

        print("responses (kind, status, code): count")
        for key, count in sorted(load.statuses.items()):
            print(f"  {key}: {count}")
        print(f"first success after PostgreSQL was back: "
              f"{'none' if first_ok is None else f'{first_ok:.2f}s'}; service answers now: {answers_again}")
        stop_service(service)  # so its connections are gone before the database is read
        service = None
        failures = verify(load)
        if not answers_again:
            failures.append("the service does not answer after the restart")
        if not load.acknowledged or first_ok is None:
            # A run in which nothing was booked (or nothing after the restart) proves nothing.
            failures.append("no booking succeeded (after the restart)")
        if failures:
            print("CHAOS FAILED:", *failures, sep="\n  ")
            return 1
        print("CHAOS PASSED: every acknowledged booking and cancel is in the database, no seat is sold twice.")
        return 0
    finally:
        if service is not None:
            stop_service(service)
        cluster.destroy()
        print(f"cleaned up: service stopped, cluster {cluster.root} stopped and deleted")


if __name__ == "__main__":
    sys.exit(main())
