"""`make bench`: load-test the booking API on PostgreSQL and compare it with the database's own limit.

What it does, in order (see docs/performance.md for how to read the output):
1. drops and recreates the benchmark database (BENCH_DATABASE_URL, loopback only);
2. starts the service exactly as `make serve` does (DEBUG off, the server of ticketing_system/serve.py, migrations), on
   127.0.0.1:8100, with a throwaway secret key; the server is stopped however this script ends;
3. creates its data through the API: a staff user (manage.py) logs in and creates the movies and shows, users
   sign up and log in, so the load itself is nothing but bookings with ready tokens;
4. per concurrency level (1, 2, 4, 8, 16, 32 connections): wrk books fresh seats for BENCH_DURATION seconds,
   then pgbench runs the same booking transaction in raw SQL for as long, on scratch tables, same clients;
5. a read mix (movies, a movie's shows, a show, the seat map when the API has one) and a hot-seat race
   (hundreds of clients, one seat, all at once: exactly one 201);
6. checks the database: active bookings == 201 responses, no seat booked twice;
7. prints the table, writes bench/results/latest.json and latest.png. Exit status 1 if a correctness check
   failed (the performance targets are reported, not enforced: they depend on the machine).
"""
import contextlib
import functools
import http.client
import json
import math
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from statistics import median
from urllib.parse import urlparse

import psycopg2

# BENCH_QUICK=1: every step, briefly (a check that the bench works, e.g. on a busy machine; its figures are not
# results). Set before the knobs below and bench/rows.py read the environment; an explicit knob still wins.
QUICK = os.environ.get("BENCH_QUICK", "0") != "0"
if QUICK:
    for _knob, _value in {"BENCH_LEVELS": "8", "BENCH_DURATION": "2", "BENCH_VIEWERS": "0", "BENCH_ROUNDS": "1",
                          "BENCH_HOT_LEVELS": "8", "BENCH_RACE_CLIENTS": "40", "BENCH_RAW_SHOWS": "20",
                          "BENCH_COST_DURATION": "2", "BENCH_COST_ROUNDS": "2", "BENCH_OVERLOAD_DURATION": "3",
                          "BENCH_OVERLOAD_FACTORS": "1,10", "BENCH_MAIL_SAMPLES": "20"}.items():
        os.environ.setdefault(_knob, _value)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
# bench/rows.py reads its knobs when imported: after BENCH_QUICK above has set them.
import rows as premiere_rows  # noqa: E402
from json_http import call  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"
PYTHON = sys.executable

HOST = "127.0.0.1"
PORT = int(os.environ.get("BENCH_PORT", 8100))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://root@127.0.0.1:5432/ticketing_bench")
LEVELS = [int(c) for c in os.environ.get("BENCH_LEVELS", "1,2,4,8,16,32").split(",")]
DURATION = int(os.environ.get("BENCH_DURATION", 8))  # seconds per wrk / pgbench run
USERS = 32  # tokens the bookings rotate through (signing up costs a password hash each, ~0.3 s)
SEATS = 1000  # per show: the model's maximum
RACE_CLIENTS = int(os.environ.get("BENCH_RACE_CLIENTS", 300))
# Bookings/s the shows of one level must be able to absorb: more shows than that would need cost nothing.
MAX_EXPECTED_RATE = int(os.environ.get("BENCH_MAX_RATE", 1500))
SEAT_MAP_PATH = os.environ.get("BENCH_SEAT_MAP_PATH", "/shows/{show}/seats/")
# Idle viewers of the web page's live seat map (web/live.py), polling the show being booked once a second.
VIEWERS = int(os.environ.get("BENCH_VIEWERS", 200))
SEAT_STATE_PATH = os.environ.get("BENCH_SEAT_STATE_PATH", "/seat-state/{show}")
VIEWERS_LEVEL = 8
# Rounds of bookings without and with the viewers (interleaved, the order alternating); their medians are compared.
VIEWER_ROUNDS = int(os.environ.get("BENCH_VIEWER_ROUNDS", 3))
# The targets of the lean booking path (docs/performance.md): at 8 connections, bookings/s >= 0.5 of the show-lock
# raw-SQL ceiling (stretch 0.6), app CPU per booking <= 1 ms, p99 < 25 ms; one hot show >= 0.9 of the spread load;
# the read mix >= 2x the figure before.
TARGET_RATIO, STRETCH_RATIO, TARGET_P99_MS, TARGET_LEVEL = 0.5, 0.6, 25, 8
TARGET_APP_CPU_MS, TARGET_HOT_RATIO, TARGET_READ_FACTOR = 1.0, 0.9, 2.0
# The read mix's req/s before the lean booking path (bench/results/latest.json of main at 0c004e0, a loaded machine).
READ_BASELINE = float(os.environ.get("BENCH_READ_BASELINE", 84.4))
# Interleaved rounds at TARGET_LEVEL connections (API per server, show-lock ceiling, seat-UPDATE ceiling), whose
# medians are the headline figures: the machine is shared, and interleaving spreads the noise over all variants.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
# Which serving stacks the rounds compare ("default": whatever `make serve` runs; else values of SERVER=).
SERVERS = os.environ.get("BENCH_SERVERS", "default").split(",")
# Scratch shows for the raw-SQL runs: each run spreads its transactions over them (1000 seats each), reset between.
RAW_SHOWS = int(os.environ.get("BENCH_RAW_SHOWS", 300))
# The one-hot-show run: all bookings on the seats of a single show (at most SEATS of them, so a short run). One
# second (wrk's smallest duration): at the ~560 bookings/s of a quiet run, 2 s sold the show out before the clock
# stopped, and the last requests' 400s (sold out) counted against the hot show's rate.
HOT_CONNECTIONS = [int(c) for c in os.environ.get("BENCH_HOT_LEVELS", "8,32").split(",")]
HOT_DURATION = int(os.environ.get("BENCH_HOT_DURATION", 1))

_server: subprocess.Popen | None = None


# --- Plumbing ---------------------------------------------------------------------------------------------
def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def check_loopback() -> None:
    db_host = urlparse(DATABASE_URL).hostname
    if db_host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit(f"BENCH_DATABASE_URL must point at a loopback host, not {db_host!r}")


def db_admin_args() -> list[str]:
    url = urlparse(DATABASE_URL)
    args = ["-h", url.hostname, "-p", str(url.port or 5432)]
    if url.username:
        args += ["-U", url.username]
    return args


def db_name() -> str:
    return urlparse(DATABASE_URL).path.lstrip("/")


# How long the setup's requests are retried while the service sheds them (503 `overloaded`).
SETUP_RETRY_SECONDS = 60


def api(method: str, path: str, body=None, token: str | None = None, timeout: float = 30) -> tuple[int, dict]:
    give_up_at = time.monotonic() + SETUP_RETRY_SECONDS
    while True:
        answer = call(HOST, PORT, method, path, body, token=token, timeout=timeout)
        # Load shedding (docs/decisions/0053): the setup's signups hash passwords for ~0.3 s each, and a process
        # whose queue would take longer than its budget refuses the rest; nothing was done, so retry as a client
        # would, after Retry-After. On a busy machine a burst of them was once refused for more than 4 s.
        overloaded = answer.status == 503 and isinstance(answer.data, dict) and answer.data.get("code") == "overloaded"
        if not overloaded or time.monotonic() >= give_up_at:
            break
        time.sleep(min(float(answer.headers.get("retry-after") or 0.2), 1.0))
    if answer.data is None and answer.raw:
        return answer.status, {"raw": answer.raw[:200].decode(errors="replace")}
    return answer.status, answer.data


def expect(status: int, data, wanted: int, what: str):
    if status != wanted:
        raise RuntimeError(f"{what}: expected {wanted}, got {status}: {data}")
    return data


BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
CACHE_URL = os.environ.get("BENCH_CACHE_URL", BROKER_URL)


def server_env() -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=DATABASE_URL,
        PORT=str(PORT),
        BIND_HOST=HOST,
        DJANGO_DEBUG="0",
        # A throwaway key for this run only: the server must run with DEBUG off, which requires one, and
        # nothing signed with it outlives the run (the database is dropped by the next run).
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain http on loopback, as `make serve` (which defaults this off too): no redirect to https.
        DJANGO_SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",  # 409s are expected by the thousand; django.request would log each one
    )
    # All the load comes from one address and 32 users, thousands of requests a second: at their production
    # rates the throttles would turn this into a test of the throttles. They are raised, not removed, so their
    # cost per request is still measured. (An operator's own THROTTLE_* values are overridden for the run.)
    # "unlimited" (core.throttles): no counting at all, as an operator lifting a limit would get.
    for scope in ("LOGIN_IP", "LOGIN_USERNAME", "SIGNUP_IP", "BOOKING_USER", "HOLD_USER", "CANCEL_USER",
                  "REFRESH_IP", "ACCOUNT_USER", "PASSWORD_CHANGE_USER", "PASSWORD_RESET_IP"):
        env[f"THROTTLE_{scope}"] = "unlimited"
    # No access log on the hot path (gunicorn.conf.py's default; the granian launcher's knob).
    env.setdefault("SERVE_ACCESS_LOG", "0")
    # Every booking mails its ticket. In production the web process only hands the mail to the worker
    # through the broker; without one it renders the QR codes and the PDF and sends the mail itself, inside the
    # request (make run's mode), which measured ~6 ms of CPU per booking. So the bench gives the service a broker
    # of its own (a scratch Redis database, emptied before and after; no worker runs: the mail's own cost is the
    # worker's, not the booking's) unless BENCH_BROKER_URL is set empty.
    if BROKER_URL:
        env["CELERY_BROKER_URL"] = BROKER_URL
        # `make serve` starts a Celery worker beside the server when there is a broker: not here. It would render
        # and "send" every booking's ticket mail during the runs, competing for the CPUs, and as a process of the
        # server's group its CPU time would be counted as the bookings' (and the viewers') own.
        env["SERVE_MAIL_WORKER"] = "0"
    # The cache on Redis, as production has it (shared by the workers): the catalogue's cached answers, the live seat
    # map's state. BENCH_CACHE_URL="" leaves each worker its own local-memory cache.
    if CACHE_URL:
        env["REDIS_URL"] = CACHE_URL
        env["CACHE_KEY_PREFIX"] = "bench"
    return env


def flush_broker() -> None:
    """Empty the bench's scratch broker database (its queued mails are never sent)."""
    if BROKER_URL:
        subprocess.run(["redis-cli", "-u", BROKER_URL, "flushdb"], check=False, capture_output=True)


def server_kind() -> str:
    """Which HTTP server is actually running (from the command lines of the server's processes)."""
    for pid in _server_pids():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        for kind in ("granian", "gunicorn"):
            if kind in cmdline:
                return kind
    return "unknown"


def restart_server(env: dict, server: str, log_path: Path) -> str:
    stop_server()
    env = dict(env)
    if server != "default":
        env["SERVER"] = server
    start_server(env, log_path)
    return server_kind()


def port_in_use() -> bool:
    try:
        with socket.create_connection((HOST, PORT), timeout=1):
            return True
    except OSError:
        return False


def start_server(env: dict, log_path: Path) -> None:
    global _server
    if port_in_use():
        # Something else (another bench?) answers there: measuring it instead of our own server would be wrong.
        raise RuntimeError(f"{HOST}:{PORT} is already in use; stop whatever listens there or set BENCH_PORT")
    log(f"starting the service like `make serve` on {HOST}:{PORT} (log: {log_path.relative_to(ROOT)})")
    log_file = open(log_path, "w")
    # Its own process group, so stopping it stops make, the server's main process and every worker.
    _server = subprocess.Popen(
        ["make", "--no-print-directory", "serve"], cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        if _server.poll() is not None:
            raise RuntimeError(f"the server exited with {_server.returncode}; see {log_path}")
        try:
            if api("GET", "/health/", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the server did not become healthy within 120 s")


def stop_server() -> None:
    global _server
    if _server is None or _server.poll() is not None:
        _server = None
        return
    log("stopping the server")
    try:
        os.killpg(_server.pid, signal.SIGTERM)
        _server.wait(timeout=40)  # the server gives workers 30 s to finish
    except subprocess.TimeoutExpired:
        os.killpg(_server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    _server = None


def _on_signal(signum, frame):
    stop_server()
    sys.exit(128 + signum)


# --- Data, through the API --------------------------------------------------------------------------------
def create_database() -> None:
    log(f"recreating database {db_name()}")
    subprocess.run(["dropdb", *db_admin_args(), "--if-exists", "--force", db_name()], check=True)
    subprocess.run(["createdb", *db_admin_args(), db_name()], check=True)


def staff_token(env: dict) -> str:
    password = secrets.token_urlsafe(16)
    subprocess.run(
        [PYTHON, "manage.py", "createsuperuser", "--noinput", "--username", "bench-staff", "--email", "s@example.com"],
        cwd=ROOT, env={**env, "DJANGO_SUPERUSER_PASSWORD": password}, check=True, stdout=subprocess.DEVNULL,
    )
    data = expect(*api("POST", "/login", {"username": "bench-staff", "password": password}), 200, "staff login")
    return data["access"]


def user_tokens(count: int) -> list[str]:
    # Hex digits after a fixed "Zq": too few of its characters can appear in "bench-user-<i>" or its e-mail for
    # Django's similarity validator to refuse it. "Bench-" and token_urlsafe once made a signup fail with "too
    # similar to the username", and with it the run.
    password = "Zq" + secrets.token_hex(12)

    def one(i: int) -> str:
        username = f"bench-user-{i}"
        expect(*api("POST", "/signup", {"username": username, "email": f"{username}@example.com",
                                        "password": password}), 201, "signup")
        return expect(*api("POST", "/login", {"username": username, "password": password}), 200, "login")["access"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, range(count)))


def create_movie(token: str, title: str) -> int:
    return expect(*api("POST", "/movies/", {"title": title, "duration_minutes": 120}, token), 201, "movie")["id"]


def create_shows(token: str, movie_id: int, count: int, label: str) -> list[int]:
    start = datetime.now(timezone.utc) + timedelta(days=30)
    ids = []
    for i in range(count):
        body = {"screen_name": f"{label} #{i + 1}", "date_time": (start + timedelta(hours=i)).isoformat(),
                "total_seats": SEATS}
        ids.append(expect(*api("POST", f"/movies/{movie_id}/shows/", body, token), 201, "show")["id"])
    return ids


# --- Load -------------------------------------------------------------------------------------------------
def lua_table(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {lua_table(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "{" + ", ".join(lua_table(v) for v in value) + "}"
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string literal is a valid Lua string literal for these characters
    return str(value)


def run_wrk(script: str, connections: int, config: dict, duration: int = DURATION) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".tmp", dir=RESULTS, delete=False) as f:
        f.write("return " + lua_table(config) + "\n")
        config_path = f.name
    ids_path = config_path + ".ids"
    out_path = config_path + ".out"
    try:
        # One wrk thread: wrk is not the bottleneck at these rates and it shares the 2 CPUs with the server
        # and PostgreSQL; one thread also lets book.lua number every request without gaps or overlap.
        with open(out_path, "w+") as out:
            wrk = subprocess.Popen(
                ["wrk", "-t", "1", "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s",
                 "-s", str(BENCH_DIR / script), f"http://{HOST}:{PORT}"],
                env={**os.environ, "BENCH_WRK_CONFIG": config_path, "BENCH_DIR": str(BENCH_DIR),
                     "BENCH_IDS_OUT": ids_path},
                stdout=out, stderr=subprocess.STDOUT,
            )
            watchdog = threading.Timer(duration + 60, wrk.kill)
            watchdog.start()
            try:
                # wait4, not wait: it also gives the CPU time wrk itself used (the load generator shares the CPUs).
                _, status, usage = os.wait4(wrk.pid, 0)
            finally:
                watchdog.cancel()
            wrk.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            stdout = out.read()
        booked_ids = [int(line) for line in Path(ids_path).read_text().split()] if Path(ids_path).exists() else []
    finally:
        for path in (config_path, ids_path, out_path):
            if os.path.exists(path):
                os.unlink(path)
    match = re.search(r"^BENCH_RESULT (.*)$", stdout, re.M)
    if wrk.returncode != 0 or not match:
        raise RuntimeError(f"wrk failed ({wrk.returncode}): {stdout}")
    data = json.loads(match.group(1))
    data["wrk_cpu_s"] = usage.ru_utime + usage.ru_stime
    data["statuses"] = {int(k): v for k, v in data["statuses"].items()}
    data["booked_ids"] = booked_ids
    # wrk stops on the clock: the requests still in flight then are served (and may book) but never read.
    data["unanswered"] = data["sent"] - data["requests"]
    return data


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def stat_cpu_seconds(stat: Path) -> float | None:
    """utime + stime from a `/proc/<pid>/stat` or `/proc/<pid>/task/<tid>/stat` file; None once it has ended."""
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def _cpu_seconds(pids) -> dict[int, float]:
    """utime + stime of each process still alive (a noisy machine skews throughput, much less CPU per request)."""
    result = {}
    for pid in pids:
        seconds = stat_cpu_seconds(Path(f"/proc/{pid}/stat"))
        if seconds is not None:
            result[pid] = seconds
    return result


def _server_pids() -> list[int]:
    """The server's processes: its process group (make, the server's main process and workers)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if _server is not None and int(fields[2]) == _server.pid:
            pids.append(int(stat.parent.name))
    return pids


def _backend_pids() -> list[int]:
    """PostgreSQL backends serving the benchmark database, except the one asking."""
    with psycopg2.connect(DATABASE_URL) as conn, conn.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return [row[0] for row in cur.fetchall()]


def _cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


def measure_cpu(load) -> tuple[float, float]:
    """Runs `load()` (which returns how many requests it made); the server's and its database backends' CPU time
    per request, in ms."""
    app_before, db_before = _cpu_seconds(_server_pids()), _cpu_seconds(_backend_pids())
    requests = load()
    app_cpu = _cpu_used(app_before, _cpu_seconds(app_before))
    db_cpu = _cpu_used(db_before, _cpu_seconds(set(db_before) | set(_backend_pids())))
    return app_cpu * 1000 / max(requests, 1), db_cpu * 1000 / max(requests, 1)


def api_level(connections: int, shows: list[int], tokens: list[str], *, mode: str = "spread",
              duration: int = DURATION) -> dict:
    app_before, db_before = _cpu_seconds(_server_pids()), _cpu_seconds(_backend_pids())
    data = run_wrk("book.lua", connections, {"shows": shows, "seats": SEATS, "tokens": tokens, "mode": mode},
                   duration)
    app_cpu = _cpu_used(app_before, _cpu_seconds(app_before))
    db_cpu = _cpu_used(db_before, _cpu_seconds(set(db_before) | set(_backend_pids())))
    seconds = data["duration_us"] / 1e6
    statuses = data["statuses"]
    return {
        "booked_ids": data["booked_ids"],
        "unanswered": data["unanswered"],
        "bookings": statuses.get(201, 0),
        "bookings_per_s": statuses.get(201, 0) / seconds,
        "requests_per_s": data["requests"] / seconds,
        "p50_ms": data["latency_us"]["p50"] / 1000,
        "p99_ms": data["latency_us"]["p99"] / 1000,
        "max_ms": data["latency_us"]["max"] / 1000,
        "non_2xx": {str(s): n for s, n in sorted(statuses.items()) if not 200 <= s < 300},
        "socket_errors": {k: v for k, v in data["socket_errors"].items() if v},
        # CPU time per request handled, of the server processes and of their PostgreSQL backends.
        "app_cpu_ms_per_request": app_cpu * 1000 / max(data["requests"], 1),
        "db_cpu_ms_per_request": db_cpu * 1000 / max(data["requests"], 1),
    }


def _viewer(path: str, interval: float, stop_at: float, statuses: Counter, latencies: list):
    """One idle viewer against a server that closes every connection (gunicorn's sync workers), as a browser polls
    it: every `interval` a fresh connection, one GET with the last ETag, read the answer, close.

    Not wrk there: wrk reconnects as soon as the server closes and then waits out its delay on the open socket, so
    200 "idle" wrk connections would each pin a sync worker for a second, which no browser does."""
    import asyncio

    async def viewer():
        etag = None
        await asyncio.sleep(interval * secrets.randbelow(1000) / 1000)  # viewers arrive spread over a second
        while time.monotonic() < stop_at:
            began = time.monotonic()
            try:
                reader, writer = await asyncio.open_connection(HOST, PORT)
                header = f"If-None-Match: {etag}\r\n" if etag else ""
                writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n{header}Connection: close\r\n\r\n".encode())
                await writer.drain()
                response = await reader.read()
                writer.close()
                status_line, _, rest = response.partition(b"\r\n")
                status = int(status_line.split()[1])
                match = re.search(rb"(?im)^etag: *(.+?)\r$", rest)
                if status == 200 and match:
                    etag = match.group(1).decode()
                statuses[status] += 1
            except (OSError, IndexError, ValueError):
                statuses["error"] += 1
            latencies.append(time.monotonic() - began)
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - began)))

    return viewer()


def run_viewers(path: str, count: int, seconds: float, result: dict) -> None:
    """`count` idle viewers polling `path` once a second for `seconds`. Against granian (kept-alive connections,
    as browsers keep them) they are wrk's connections (bench/viewers.lua): one thread of C, whose CPU time is
    measured, where a Python client would itself take a good share of the 2 CPUs from the server it measures.
    Against gunicorn's sync workers, which close every connection, an asyncio client opens one per poll."""
    if server_kind() != "gunicorn":
        data = run_wrk("viewers.lua", count, {"path": path, "interval_ms": 1000}, math.ceil(seconds))
        result.update(client="wrk, kept-alive connections", requests=data["requests"],
                      seconds=data["duration_us"] / 1e6, statuses=data["statuses"],
                      errors={k: v for k, v in data["socket_errors"].items() if v},
                      p50_ms=data["latency_us"]["p50"] / 1000, p99_ms=data["latency_us"]["p99"] / 1000,
                      client_cpu_s=data["wrk_cpu_s"])
        return
    import asyncio

    statuses, latencies = Counter(), []

    async def all_viewers():
        stop_at = time.monotonic() + seconds
        await asyncio.gather(*(_viewer(path, 1.0, stop_at, statuses, latencies) for _ in range(count)))

    began, cpu_before = time.monotonic(), time.process_time()
    asyncio.run(all_viewers())
    latencies.sort()
    result.update(client="asyncio, a connection per poll", requests=sum(statuses.values()),
                  seconds=time.monotonic() - began, statuses=dict(statuses), errors={},
                  p50_ms=percentile(latencies, 50) * 1000, p99_ms=percentile(latencies, 99) * 1000,
                  client_cpu_s=time.process_time() - cpu_before)


def _bookings_with_viewers(shows: list[int], tokens: list[str]) -> tuple[dict, dict]:
    """Bookings at VIEWERS_LEVEL connections on `shows` while VIEWERS viewers watch the first of them (its state
    changes with every few bookings: the worst case for the state's caching)."""
    polls: dict = {}
    # The viewers start first and run a little longer, so the whole booking run has them all watching, spread out.
    viewers = threading.Thread(target=run_viewers,
                               args=(SEAT_STATE_PATH.format(show=shows[0]), VIEWERS, DURATION + 4, polls))
    viewers.start()
    time.sleep(2)
    bookings = api_level(VIEWERS_LEVEL, shows, tokens)
    viewers.join()
    return bookings, polls


def viewers_row(rounds_shows: list[dict], quiet_show: int, tokens: list[str]) -> dict:
    """Bookings at VIEWERS_LEVEL connections with nobody watching and with VIEWERS idle viewers, in interleaved
    rounds (the order alternating), whose medians are compared: on a shared machine one pair of runs cannot tell
    noise from effect. Then the viewers alone on a show nobody books: the server's, the database's and the
    viewers' own CPU time per poll (robust where throughput is not)."""
    rounds = []
    for i, shows in enumerate(rounds_shows):
        round_ = {}
        for side in (("without", "with") if i % 2 == 0 else ("with", "without")):
            log(f"idle viewers, round {i + 1}/{len(rounds_shows)}: bookings {side} {VIEWERS} viewers watching")
            if side == "without":
                round_["without"] = api_level(VIEWERS_LEVEL, shows["without"], tokens)
            else:
                round_["with"], round_["polls"] = _bookings_with_viewers(shows["with"], tokens)
        round_["change"] = round_["with"]["bookings_per_s"] / round_["without"]["bookings_per_s"] - 1
        rounds.append(round_)
    log(f"idle viewers alone on a show nobody books, {DURATION} s: CPU time per poll")
    quiet: dict = {}
    app_before, db_before = _cpu_seconds(_server_pids()), _cpu_seconds(_backend_pids())
    run_viewers(SEAT_STATE_PATH.format(show=quiet_show), VIEWERS, DURATION, quiet)
    app_cpu = _cpu_used(app_before, _cpu_seconds(app_before))
    db_cpu = _cpu_used(db_before, _cpu_seconds(set(db_before) | set(_backend_pids())))
    quiet_polls = max(quiet["requests"], 1)
    polls = [r["polls"] for r in rounds]
    all_statuses = Counter()
    for p in polls:
        all_statuses.update(p["statuses"])
    total_polls = max(sum(p["requests"] for p in polls), 1)
    without = median([r["without"]["bookings_per_s"] for r in rounds])
    with_viewers = median([r["with"]["bookings_per_s"] for r in rounds])
    return {
        "viewers": VIEWERS, "connections": VIEWERS_LEVEL, "rounds": rounds, "client": quiet["client"],
        "without_bookings_per_s": without, "with_bookings_per_s": with_viewers,
        "change": with_viewers / without - 1,
        "round_changes": [r["change"] for r in rounds],
        "without_p99_ms": median([r["without"]["p99_ms"] for r in rounds]),
        "with_p99_ms": median([r["with"]["p99_ms"] for r in rounds]),
        "without_app_cpu_ms": median([r["without"]["app_cpu_ms_per_request"] for r in rounds]),
        "with_app_cpu_ms": median([r["with"]["app_cpu_ms_per_request"] for r in rounds]),
        "polls_per_s": median([p["requests"] / p["seconds"] for p in polls]),
        "polls_304_share": all_statuses.get(304, 0) / total_polls,
        "poll_p50_ms": median([p["p50_ms"] for p in polls]), "poll_p99_ms": median([p["p99_ms"] for p in polls]),
        "poll_non_2xx_3xx": {str(s): n for s, n in sorted(all_statuses.items(), key=str)
                             if not (isinstance(s, int) and 200 <= s < 400)},
        "poll_socket_errors": [p["errors"] for p in polls if p["errors"]],
        "quiet_polls_per_s": quiet["requests"] / quiet["seconds"],
        "quiet_304_share": quiet["statuses"].get(304, 0) / quiet_polls,
        "server_cpu_ms_per_poll": app_cpu * 1000 / quiet_polls,
        "db_cpu_ms_per_poll": db_cpu * 1000 / quiet_polls,
        "viewers_cpu_ms_per_poll": quiet["client_cpu_s"] * 1000 / quiet_polls,
        # All the viewers' polls together, as a share of one CPU: server and database, and the viewers' client.
        "server_cpu_share_of_one_core": (app_cpu + db_cpu) / quiet["seconds"],
        "viewers_cpu_share_of_one_core": quiet["client_cpu_s"] / quiet["seconds"],
    }


def prepare_raw_sql(movie_id: int) -> None:
    with psycopg2.connect(DATABASE_URL) as conn, conn.cursor() as cur:
        cur.execute("""
            DROP TABLE IF EXISTS bench_booking, bench_showseat, bench_show;
            CREATE TABLE bench_show (LIKE core_show INCLUDING ALL);
            CREATE TABLE bench_showseat (LIKE core_showseat INCLUDING ALL);
            CREATE TABLE bench_booking (LIKE core_booking INCLUDING ALL);
            -- LIKE copies columns, identity, checks and indexes (the partial unique one too), not foreign keys:
            -- add them as Django declares them (deferred, checked at commit) and with its indexes on them.
            ALTER TABLE bench_booking
              ADD FOREIGN KEY (show_id) REFERENCES bench_show (id) DEFERRABLE INITIALLY DEFERRED,
              ADD FOREIGN KEY (user_id) REFERENCES auth_user (id) DEFERRABLE INITIALLY DEFERRED;
            ALTER TABLE bench_showseat
              ADD FOREIGN KEY (show_id) REFERENCES bench_show (id) DEFERRABLE INITIALLY DEFERRED;
            CREATE INDEX ON bench_booking (show_id);
            CREATE INDEX ON bench_booking (user_id);
            CREATE INDEX ON bench_showseat (show_id);
        """)
        cur.execute(
            "INSERT INTO bench_show (movie_id, screen_name, date_time, total_seats, prices, language, format, status) "
            "SELECT %s, 'raw ' || i, now() + interval '30 days', %s, '{\"standard\": \"0.00\"}', '', '', "
            "'scheduled' FROM generate_series(1, %s) i",
            [movie_id, SEATS, RAW_SHOWS],
        )
        # The seat inventory, as a seed-form show of SEATS seats has it.
        cur.execute(
            "INSERT INTO bench_showseat (show_id, number, label, row_label, row_index, \"column\", category, price, "
            "state, wheelchair, companion, restricted_view) "
            "SELECT s.id, n, n::text, '1', 0, n - 1, 'standard', 0, 'free', false, false, false "
            "FROM bench_show s CROSS JOIN generate_series(1, %s) n",
            [SEATS],
        )


def reset_raw_sql() -> None:
    """Every scratch seat free and no scratch booking again, so each raw-SQL run starts from the same state."""
    conn = psycopg2.connect(DATABASE_URL)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("TRUNCATE bench_booking")
            cur.execute("UPDATE bench_showseat SET state = 'free' WHERE state <> 'free'")
            cur.execute("VACUUM (ANALYZE) bench_showseat")
            cur.execute("VACUUM (ANALYZE) bench_booking")
    finally:
        conn.close()


def raw_level(connections: int, script: str = "booking.pgbench.sql") -> dict:
    reset_raw_sql()
    with tempfile.TemporaryDirectory(dir=RESULTS, suffix=".tmp") as logdir:
        url = urlparse(DATABASE_URL)
        env = {**os.environ, "PGOPTIONS": f"-c lock_timeout={os.environ.get('BOOKING_LOCK_TIMEOUT_MS', 3000)}"}
        # -M simple: the protocol psycopg2 (and so Django) uses; -n: no vacuum of pgbench's own tables.
        result = subprocess.run(
            ["pgbench", *db_admin_args(), "-n", "-M", "simple", "-c", str(connections),
             "-j", str(min(connections, 2)), "-T", str(DURATION), "-f", str(BENCH_DIR / script),
             "-D", f"first={_raw_first_show()}", "-D", f"nshows={RAW_SHOWS}", "-D", f"nclients={connections}",
             "-D", "n=0", "-l", "--log-prefix", f"{logdir}/tx", url.path.lstrip("/")],
            env=env, capture_output=True, text=True, timeout=DURATION + 60,
        )
        tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", result.stdout)
        failed = re.search(r"number of failed transactions: (\d+)", result.stdout)
        if result.returncode != 0 or not tps:
            raise RuntimeError(f"pgbench failed ({result.returncode}): {result.stdout}\n{result.stderr}")
        latencies = sorted(
            int(line.split()[2]) for path in Path(logdir).iterdir() for line in path.read_text().splitlines()
        )
    return {
        "script": script,
        "bookings_per_s": float(tps.group(1)),
        "failed": int(failed.group(1)) if failed else 0,
        "p50_ms": percentile(latencies, 50) / 1000,
        "p99_ms": percentile(latencies, 99) / 1000,
    }


@functools.cache
def _raw_first_show() -> int:
    with psycopg2.connect(DATABASE_URL) as conn, conn.cursor() as cur:
        cur.execute("SELECT min(id) FROM bench_show")
        return cur.fetchone()[0]


def percentile(sorted_values: list[int], p: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, math.ceil(p / 100 * len(sorted_values)) - 1)]


def hot_seat_race(show_id: int, tokens: list[str]) -> dict:
    """RACE_CLIENTS clients, each with its own connection, press "book" for the same seat at the same moment."""
    start = threading.Barrier(RACE_CLIENTS)
    statuses: list = []
    booked_ids: list[int] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
        try:
            conn.connect()
            start.wait(timeout=60)
            conn.request("POST", f"/shows/{show_id}/book/", body=json.dumps({"seat_number": 1}),
                         headers={"Content-Type": "application/json",
                                  "Authorization": f"Bearer {tokens[i % len(tokens)]}"})
            response = conn.getresponse()
            status = response.status
            if status == 201:
                booked_ids.append(json.loads(response.read())["id"])
        except Exception as exc:  # counted, never lost: a client that got no answer is a failure too
            status = f"error: {type(exc).__name__}"
        finally:
            conn.close()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(RACE_CLIENTS)]
    began = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    counts = Counter(statuses)
    return {"clients": RACE_CLIENTS, "seconds": round(time.time() - began, 2), "booked_ids": booked_ids,
            "statuses": {str(k): v for k, v in sorted(counts.items(), key=str)},
            # Exactly one 201; everyone else a 409, or a 503 from load shedding (refused before anything ran:
            # hundreds of requests arriving at once are the burst it is there for, docs/decisions/0038).
            "ok": counts.get(201) == 1 and set(counts) <= {201, 409, 503}}


def verify(booked_ids: list[int], unanswered: int) -> dict:
    """Every 201 is its own active booking, no seat is booked twice, and the only active bookings without a 201
    are those of requests wrk abandoned in flight when its clock ran out (at most one per connection and run).
    """
    with psycopg2.connect(DATABASE_URL) as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM core_booking WHERE status = 'booked'")
        active = {row[0] for row in cur.fetchall()}
        cur.execute("SELECT count(*) FROM (SELECT 1 FROM core_booking WHERE status = 'booked' "
                    "GROUP BY show_id, seat_number HAVING count(*) > 1) d")
        doubles = cur.fetchone()[0]
    answered = set(booked_ids)
    result = {
        "responses_201": len(booked_ids),
        "active_bookings": len(active),
        "responses_201_not_active": len(answered - active),
        "duplicate_201_ids": len(booked_ids) - len(answered),
        "active_without_201": len(active - answered),
        "requests_abandoned_in_flight": unanswered,
        "seats_booked_twice": doubles,
    }
    result["ok"] = (
        not result["responses_201_not_active"] and not result["duplicate_201_ids"] and not doubles
        and result["active_without_201"] <= unanswered
    )
    return result


# --- Output -----------------------------------------------------------------------------------------------
def _non2xx(api_: dict) -> str:
    text = ", ".join(f"{s}: {n}" for s, n in api_["non_2xx"].items()) or "none"
    if api_["socket_errors"]:
        text += " sock " + ",".join(f"{k}:{v}" for k, v in api_["socket_errors"].items())
    return text


def print_table(rows: list[dict]) -> None:
    header = (f"{'conns':>5} | {'API book/s':>10} | {'p50 ms':>7} | {'p99 ms':>7} | {'non-2xx by status':<18} | "
              f"{'same tx SQL/s':>13} | {'show-lock SQL/s':>15} | {'API/show-lock':>13} | {'CPU ms/req app+db':>17}")
    print(header)
    print("-" * len(header))
    for r in rows:
        api_ = r["api"]
        print(f"{r['connections']:>5} | {api_['bookings_per_s']:>10.1f} | {api_['p50_ms']:>7.1f} | "
              f"{api_['p99_ms']:>7.1f} | {_non2xx(api_):<18} | {r['raw']['bookings_per_s']:>13.1f} | "
              f"{r['showlock']['bookings_per_s']:>15.1f} | {r['ratio']:>13.3f} | "
              f"{api_['app_cpu_ms_per_request']:>8.2f}+{api_['db_cpu_ms_per_request']:<8.2f}")


def server_errors(statuses: dict) -> int:
    """Answers 5xx other than 503 (the load shedder's `overloaded`, which the overload row judges)."""
    return sum(n for s, n in statuses.items() if str(s).startswith("5") and str(s) != "503")


def summarize_rounds(rounds: list[dict]) -> dict:
    """Medians of the interleaved rounds, per server, with the ceilings of the same rounds."""
    showlock = median([r["showlock"]["bookings_per_s"] for r in rounds])
    seat_update = median([r["seat_update"]["bookings_per_s"] for r in rounds])
    servers = {}
    for name in rounds[0]["api"]:
        runs = [r["api"][name] for r in rounds]
        rate = median([a["bookings_per_s"] for a in runs])
        app_cpu = median([a["app_cpu_ms_per_request"] for a in runs])
        servers[name] = {
            "kind": runs[0]["server"], "bookings_per_s": rate, "p99_ms": median([a["p99_ms"] for a in runs]),
            "app_cpu_ms": app_cpu, "db_cpu_ms": median([a["db_cpu_ms_per_request"] for a in runs]),
            "ratio_to_showlock": rate / showlock, "ratio_to_seat_update": rate / seat_update,
            "non_2xx": sum(sum(a["non_2xx"].values()) for a in runs),
            "five_xx": sum(server_errors(a["non_2xx"]) for a in runs),
            # Application cores it takes to book at the per-seat ceiling: the capacity arithmetic of a deployment.
            "app_cores_for_seat_ceiling": seat_update * app_cpu / 1000,
        }
    return {"rounds": len(rounds), "connections": TARGET_LEVEL, "showlock_per_s": showlock,
            "seat_update_per_s": seat_update, "samedb_tx_per_s": median([r["raw"]["bookings_per_s"] for r in rounds]),
            "servers": servers}


def print_rounds(summary: dict) -> None:
    print(f"{summary['connections']} connections, medians of {summary['rounds']} interleaved rounds: raw-SQL ceilings "
          f"show-lock {summary['showlock_per_s']:.0f}/s, the service's transaction {summary['samedb_tx_per_s']:.0f}/s, "
          f"per-seat single UPDATE {summary['seat_update_per_s']:.0f}/s")
    header = (f"{'server':>10} | {'API book/s':>10} | {'p99 ms':>7} | {'API/show-lock':>13} | "
              f"{'API/seat-UPDATE':>15} | {'app CPU ms':>10} | {'db CPU ms':>9} | "
              f"{'app cores for the per-seat ceiling':>34}")
    print(header)
    print("-" * len(header))
    for name, r in summary["servers"].items():
        label = r["kind"] if name == "default" else name
        print(f"{label:>10} | {r['bookings_per_s']:>10.1f} | {r['p99_ms']:>7.1f} | {r['ratio_to_showlock']:>13.3f} | "
              f"{r['ratio_to_seat_update']:>15.3f} | {r['app_cpu_ms']:>10.2f} | {r['db_cpu_ms']:>9.2f} | "
              f"{r['app_cores_for_seat_ceiling']:>34.1f}")


def print_hot_table(rows: list[dict]) -> None:
    """The one-hot-show runs beside the spread load of the same connection count."""
    header = (f"{'one hot show':>12} | {'API book/s':>10} | {'p50 ms':>7} | {'p99 ms':>7} | "
              f"{'non-2xx by status':<18} | {'spread book/s':>13} | {'hot/spread':>10} | {'CPU ms/req app+db':>17}")
    print(header)
    print("-" * len(header))
    for r in rows:
        api_ = r["api"]
        spread = f"{r['spread_bookings_per_s']:.1f}" if r["spread_bookings_per_s"] else "-"
        ratio = f"{r['hot_to_spread']:.2f}" if r["hot_to_spread"] is not None else "-"
        print(f"{str(r['connections']) + ' conns':>12} | {api_['bookings_per_s']:>10.1f} | {api_['p50_ms']:>7.1f} | "
              f"{api_['p99_ms']:>7.1f} | {_non2xx(api_):<18} | {spread:>13} | {ratio:>10} | "
              f"{api_['app_cpu_ms_per_request']:>8.2f}+{api_['db_cpu_ms_per_request']:<8.2f}")


def print_viewers(v: dict) -> None:
    """The idle viewers' row: bookings without and with them (medians of interleaved rounds, each round's change
    beside, so noise can be told from effect), what the polls saw, and the CPU time a poll costs."""
    print(f"{v['viewers']} idle viewers of the live seat map ({v['client']}), polling once a second the show being "
          f"booked; bookings at {v['connections']} connections, medians of {len(v['rounds'])} interleaved rounds:")
    print(f"  bookings/s {v['without_bookings_per_s']:.1f} without, {v['with_bookings_per_s']:.1f} with "
          f"({v['change']:+.1%}; the rounds: {', '.join(f'{c:+.1%}' for c in v['round_changes'])}); "
          f"p99 {v['without_p99_ms']:.1f} -> {v['with_p99_ms']:.1f} ms; app CPU per booking "
          f"{v['without_app_cpu_ms']:.2f} -> {v['with_app_cpu_ms']:.2f} ms")
    print(f"  polls {v['polls_per_s']:.1f}/s, {v['polls_304_share']:.0%} answered 304, "
          f"poll p50 {v['poll_p50_ms']:.1f} ms p99 {v['poll_p99_ms']:.1f} ms, errors: {v['poll_non_2xx_3xx'] or 'none'}"
          + (f", socket errors {v['poll_socket_errors']}" if v["poll_socket_errors"] else ""))
    print(f"  watching a show nobody books: {v['quiet_polls_per_s']:.1f} polls/s, {v['quiet_304_share']:.0%} answered "
          f"304; CPU per poll: server {v['server_cpu_ms_per_poll']:.3f} ms + database {v['db_cpu_ms_per_poll']:.3f} ms "
          f"= {v['server_cpu_share_of_one_core']:.1%} of one CPU for all {v['viewers']} viewers; the viewers' own "
          f"client {v['viewers_cpu_ms_per_poll']:.3f} ms ({v['viewers_cpu_share_of_one_core']:.1%} of one CPU)")


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    conns = [r["connections"] for r in rows]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    ax1.plot(conns, [r["api"]["bookings_per_s"] for r in rows], "o-", label="API (wrk → server → Django)")
    ax1.plot(conns, [r["raw"]["bookings_per_s"] for r in rows], "s--", label="raw SQL, the same transaction")
    ax1.plot(conns, [r["showlock"]["bookings_per_s"] for r in rows], "^:", label="raw SQL, show lock (seed)")
    ax1.set(title="Bookings per second", xlabel="concurrent connections", ylabel="bookings/s", xscale="log")
    ax1.set_ylim(bottom=0)
    ax2.plot(conns, [r["api"]["p99_ms"] for r in rows], "o-", label="API p99")
    ax2.plot(conns, [r["raw"]["p99_ms"] for r in rows], "s--", label="raw SQL p99")
    ax2.axhline(TARGET_P99_MS, color="grey", lw=0.8, ls=":", label=f"target {TARGET_P99_MS} ms")
    ax2.set(title="p99 latency", xlabel="concurrent connections", ylabel="ms", xscale="log", yscale="log")
    for ax in (ax1, ax2):
        ax.set_xticks(conns, [str(c) for c in conns])
        ax.minorticks_off()
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"Booking a fresh seat — {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


@contextlib.contextmanager
def served_for_a_tool(title: str):
    """For the tools that run one row of the bench alone (overload_only.py, cost_by_connections.py): the bench's
    database, server and users, a movie titled `title` and a warm-up; yields (staff token, user tokens, movie id) and
    stops the server afterwards."""
    check_loopback()
    create_database()
    env = server_env()
    flush_broker()
    start_server(env, RESULTS / "server.log.tmp")
    try:
        staff = staff_token(env)
        tokens = user_tokens(USERS)
        movie = create_movie(staff, title)
        warm = create_shows(staff, movie, 2, "warm-up")
        run_wrk("book.lua", 8, {"shows": warm, "seats": SEATS, "tokens": tokens}, 3)
        yield staff, tokens, movie
    finally:
        stop_server()
        flush_broker()


def git_revision() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return result.stdout.strip() or "unknown"


# --- Main -------------------------------------------------------------------------------------------------
def main() -> int:
    check_loopback()
    RESULTS.mkdir(exist_ok=True)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    began = time.time()
    create_database()
    env = server_env()
    flush_broker()
    start_server(env, RESULTS / "server.log.tmp")

    log("creating data through the API")
    staff = staff_token(env)
    tokens = user_tokens(USERS)
    load_movie = create_movie(staff, "Bench: opening night")
    shows_per_level = math.ceil(MAX_EXPECTED_RATE * DURATION / SEATS)
    level_shows = {c: create_shows(staff, load_movie, shows_per_level, f"load c={c}") for c in LEVELS}
    warmup_show = create_shows(staff, load_movie, 2, "warm-up")
    race_show = create_shows(staff, load_movie, 1, "race")[0]
    viewer_shows = [{k: create_shows(staff, load_movie, shows_per_level, f"viewers {i} {k}")
                     for k in ("without", "with")} for i in range(VIEWER_ROUNDS if VIEWERS else 0)]
    quiet_show = create_shows(staff, load_movie, 1, "watched, never booked")[0]
    hot_shows = {c: create_shows(staff, load_movie, 1, f"hot c={c}") for c in HOT_CONNECTIONS}
    hot_spread_shows = {c: create_shows(staff, load_movie, math.ceil(MAX_EXPECTED_RATE * HOT_DURATION / SEATS),
                                        f"hot spread c={c}") for c in HOT_CONNECTIONS}
    round_shows = [{server: create_shows(staff, load_movie, shows_per_level, f"round {i} {server}")
                    for server in SERVERS} for i in range(ROUNDS)]
    read_movie = create_movie(staff, "Bench: read mix")
    read_shows = create_shows(staff, read_movie, 10, "read")
    cost_shows = {side: [create_shows(staff, load_movie, math.ceil(MAX_EXPECTED_RATE * premiere_rows.COST_DURATION
                                                                   / SEATS), f"cost {side} {i}")
                         for i in range(premiere_rows.COST_ROUNDS)] for side in ("hit", "miss")}
    overload_per_level = math.ceil(MAX_EXPECTED_RATE * premiere_rows.OVERLOAD_DURATION
                                   * premiere_rows.OVERLOAD_ROUNDS / SEATS)
    overload_shows = {f: create_shows(staff, load_movie, overload_per_level, f"overload {f}x")
                      for f in premiere_rows.OVERLOAD_FACTORS}
    prepare_raw_sql(load_movie)

    booked_ids: list[int] = []
    unanswered = 0
    log("warm-up (not counted in the table): 3 s of bookings at 8 connections")
    warmup = run_wrk("book.lua", 8, {"shows": warmup_show, "seats": SEATS, "tokens": tokens}, 3)
    booked_ids += warmup["booked_ids"]
    unanswered += warmup["unanswered"]

    log_path = RESULTS / "server.log.tmp"
    main_server = server_kind()
    rows = []
    for c in LEVELS:
        log(f"{c} connection(s): API for {DURATION} s, then the same transaction and the show-lock one in raw SQL")
        api_result = api_level(c, level_shows[c], tokens)
        booked_ids += api_result.pop("booked_ids")
        unanswered += api_result["unanswered"]
        raw_result = raw_level(c)
        showlock = raw_level(c, "booking_showlock.pgbench.sql")
        rows.append({"connections": c, "api": api_result, "raw": raw_result, "showlock": showlock,
                     "ratio": api_result["bookings_per_s"] / showlock["bookings_per_s"],
                     "ratio_same_tx": api_result["bookings_per_s"] / raw_result["bookings_per_s"]})

    viewers = None
    if viewer_shows and api("GET", SEAT_STATE_PATH.format(show=quiet_show))[0] == 200:
        log(f"{VIEWERS} idle viewers: bookings at {VIEWERS_LEVEL} connections without and with them watching, "
            f"{VIEWER_ROUNDS} interleaved rounds")
        viewers = viewers_row(viewer_shows, quiet_show, tokens)
        for round_ in viewers["rounds"]:
            for side in ("without", "with"):
                booked_ids += round_[side].pop("booked_ids")
                unanswered += round_[side]["unanswered"]
    hot_rows = []
    for c in HOT_CONNECTIONS:
        log(f"one hot show, {c} connection(s): every booking on one {SEATS}-seat show for {HOT_DURATION} s")
        hot = api_level(c, hot_shows[c], tokens, mode="hot", duration=HOT_DURATION)
        booked_ids += hot.pop("booked_ids")
        unanswered += hot["unanswered"]
        # The spread load for comparison, run right after for as long (same noise, same duration).
        spread = api_level(c, hot_spread_shows[c], tokens, duration=HOT_DURATION)
        booked_ids += spread.pop("booked_ids")
        unanswered += hot["unanswered"] + spread["unanswered"]
        hot_rows.append({"connections": c, "api": hot, "spread": spread,
                         "spread_bookings_per_s": spread["bookings_per_s"],
                         "hot_to_spread": hot["bookings_per_s"] / spread["bookings_per_s"]
                         if spread["bookings_per_s"] else None})

    rounds = []
    for i in range(ROUNDS):
        round_ = {"api": {}}
        for server in SERVERS:
            if len(SERVERS) > 1 or server != "default":
                kind = restart_server(env, server, log_path)
            else:
                kind = main_server
            log(f"round {i + 1}/{ROUNDS}: API ({kind}) at {TARGET_LEVEL} connections for {DURATION} s")
            result = api_level(TARGET_LEVEL, round_shows[i][server], tokens)
            booked_ids += result.pop("booked_ids")
            unanswered += result["unanswered"]
            result["server"] = kind
            round_["api"][server] = result
        log(f"round {i + 1}/{ROUNDS}: raw SQL (service's transaction, show-lock, single UPDATE) for {DURATION} s each")
        round_["raw"] = raw_level(TARGET_LEVEL)
        round_["showlock"] = raw_level(TARGET_LEVEL, "booking_showlock.pgbench.sql")
        round_["seat_update"] = raw_level(TARGET_LEVEL, "seat_update.pgbench.sql")
        rounds.append(round_)
    summary = summarize_rounds(rounds) if rounds else None
    if len(SERVERS) > 1 or SERVERS != ["default"]:
        restart_server(env, SERVERS[0], log_path)

    read_paths = ["/movies/", f"/movies/{read_movie}/shows/", f"/shows/{read_shows[0]}/",
                  f"/shows/{level_shows[LEVELS[0]][0]}/"]
    seat_map = SEAT_MAP_PATH.format(show=read_shows[0])
    if api("GET", seat_map)[0] == 200:
        read_paths.append(seat_map)
    else:
        log(f"no seat map at {seat_map}: the read mix leaves it out (set BENCH_SEAT_MAP_PATH)")
    log(f"read mix at 8 connections for {DURATION} s: {', '.join(read_paths)}")
    read = run_wrk("read.lua", 8, {"read_paths": read_paths})
    read_seconds = read["duration_us"] / 1e6
    read_result = {
        "connections": 8, "paths": read_paths, "requests_per_s": read["requests"] / read_seconds,
        "p50_ms": read["latency_us"]["p50"] / 1000, "p99_ms": read["latency_us"]["p99"] / 1000,
        "non_2xx": {str(s): n for s, n in sorted(read["statuses"].items()) if not 200 <= s < 300},
    }

    log(f"hot-seat race: {RACE_CLIENTS} clients, one seat")
    race = hot_seat_race(race_show, tokens)
    booked_ids += race.pop("booked_ids")

    # The premiere's rows (bench/rows.py): CPU per request with the catalogue cache answering, the overload row on
    # the same server, then the same costs with the cache off (a restart with CATALOGUE_MAX_AGE_SECONDS=0), and the
    # mail worker's cost on the bookings made meanwhile.
    cost_paths = {"health": "/health/", "movies": "/movies/", "shows (one movie)": f"/shows/?movie={read_movie}",
                  "movie's shows": f"/movies/{read_movie}/shows/", "show": f"/shows/{read_shows[0]}/"}

    def cost_pass(side: str) -> dict:
        log(f"CPU per request, catalogue cache {'answering' if side == 'hit' else 'off'}: "
            f"{premiere_rows.COST_ROUNDS} interleaved rounds of {premiere_rows.COST_DURATION} s per path")
        table = premiere_rows.cost_table(
            cost_paths, lambda index: api_level(premiere_rows.COST_CONNECTIONS, cost_shows[side][index], tokens,
                                                duration=premiere_rows.COST_DURATION),
            run_wrk=run_wrk, measure_cpu=measure_cpu)
        extra_ids.extend(table["booking"].pop("booked_ids"))
        extra_unanswered.append(table["booking"]["unanswered"])
        return table

    extra_ids: list[int] = []
    extra_unanswered: list[int] = []
    cost_hit = cost_pass("hit")
    saturation = premiere_rows.SATURATION
    overload = premiere_rows.overload_row(saturation, lambda f: overload_shows[f], tokens, host=HOST, port=PORT,
                                          seats=SEATS, log=log)
    for level in overload["levels"]:
        extra_ids.extend(level.pop("booked_ids"))
    restart_server({**env, "CATALOGUE_MAX_AGE_SECONDS": "0"}, SERVERS[0], log_path)
    cost_miss = cost_pass("miss")
    booked_ids += extra_ids
    unanswered += sum(extra_unanswered)
    best_rate = max([r["api"]["bookings_per_s"] for r in rows] + [overload["best_bookings_per_s"]])
    log("mail worker's CPU per confirmation mail (bench/mail_cost.py)")
    mail = premiere_rows.mail_row(env, best_rate, int(os.environ.get("BENCH_MAIL_SAMPLES", 200)))
    checks = verify(booked_ids, unanswered)
    stop_server()

    print()
    print_table(rows)
    print()
    if summary:
        print_rounds(summary)
        print()
    print_hot_table(hot_rows)
    print()
    read_factor = read_result["requests_per_s"] / READ_BASELINE
    print(f"read mix, 8 connections: {read_result['requests_per_s']:.1f} req/s ({read_factor:.2f}x the {READ_BASELINE} "
          f"before the lean booking path), p50 {read_result['p50_ms']:.1f} ms, p99 {read_result['p99_ms']:.1f} ms, "
          f"non-2xx: {read_result['non_2xx'] or 'none'}")
    if viewers:
        print_viewers(viewers)
    print()
    premiere_rows.print_cost(cost_hit, cost_miss)
    print()
    premiere_rows.print_overload(overload)
    print()
    premiere_rows.print_mail(mail)
    print()
    print(f"hot-seat race: {race['clients']} clients, one seat: {race['statuses']} "
          f"-> {'OK, exactly one 201' if race['ok'] else 'FAILED'}")
    print(f"database check: {checks['responses_201']} responses 201 = {checks['responses_201']} distinct active "
          f"bookings (201s not active: {checks['responses_201_not_active']}, repeated: "
          f"{checks['duplicate_201_ids']}); {checks['seats_booked_twice']} seats booked twice; "
          f"{checks['active_bookings']} active bookings in all, {checks['active_without_201']} of them booked by "
          f"requests wrk abandoned in flight when its clock stopped ({checks['requests_abandoned_in_flight']} "
          f"abandoned) -> {'OK' if checks['ok'] else 'FAILED'}")

    # 5xx other than 503: with load shedding a 503 `overloaded` is the answer the overload row asks for (the level
    # table's wrk clients and the hot-seat race's 300 clients get some); the overload row judges those itself.
    statuses = [r["api"]["non_2xx"] for r in rows] + [read_result["non_2xx"]]
    if viewers:
        statuses += [r[side]["non_2xx"] for r in viewers["rounds"] for side in ("with", "without")]
        statuses.append(viewers["poll_non_2xx_3xx"])
    statuses += [a["non_2xx"] for r in hot_rows for a in (r["api"], r["spread"])]
    statuses += [r["statuses"] for table in (cost_hit, cost_miss) for r in table.values()]
    five_xx = sum(server_errors(counts) for counts in statuses)
    if summary:
        five_xx += sum(r["five_xx"] for r in summary["servers"].values())
    targets = {"zero_5xx": five_xx == 0, "race_one_201": race["ok"],
               "cost": premiere_rows.cost_targets(cost_hit, cost_miss), "overload_met": overload["targets_met"],
               "read_factor": round(read_factor, 2), "read_target_met": read_factor >= TARGET_READ_FACTOR}
    hot_ratios = [r["hot_to_spread"] for r in hot_rows if r["hot_to_spread"] is not None]
    if hot_ratios:
        targets.update(hot_to_spread=[round(x, 2) for x in hot_ratios],
                       hot_target_met=min(hot_ratios) >= TARGET_HOT_RATIO)
    if summary:
        best_name, best = max(summary["servers"].items(), key=lambda kv: kv[1]["bookings_per_s"])
        targets.update(
            server=best["kind"], ratio_at_8=round(best["ratio_to_showlock"], 3),
            ratio_target_met=best["ratio_to_showlock"] >= TARGET_RATIO,
            ratio_stretch_met=best["ratio_to_showlock"] >= STRETCH_RATIO,
            app_cpu_ms_at_8=round(best["app_cpu_ms"], 2), app_cpu_target_met=best["app_cpu_ms"] <= TARGET_APP_CPU_MS,
            p99_at_8_ms=round(best["p99_ms"], 1), p99_target_met=best["p99_ms"] < TARGET_P99_MS,
        )
    print("targets:", json.dumps(targets))

    results = {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "git_revision": git_revision(),
        "cpus": os.cpu_count(), "duration_s_per_run": DURATION, "seats_per_show": SEATS, "users": USERS,
        "server": main_server, "servers_compared": SERVERS,
        "workers": os.environ.get("WEB_CONCURRENCY", f"default ({os.cpu_count()} CPUs + 1)"),
        "levels": rows, "rounds_at_8": summary, "rounds": rounds, "one_hot_show": hot_rows, "viewers": viewers,
        "read_mix": read_result, "race": race, "verification": checks,
        "cost_per_request": {"cache_hit": cost_hit, "cache_off": cost_miss}, "overload": overload, "mail": mail,
        "targets": targets,
        "wall_time_s": round(time.time() - began, 1),
    }
    if QUICK:
        # A quick check is not a result: it must not replace the latest run (bench/results/*.tmp is not tracked).
        (RESULTS / "quick.json.tmp").write_text(json.dumps(results, indent=2) + "\n")
        log("BENCH_QUICK: wrote bench/results/quick.json.tmp (not a result; latest.json is left alone)")
        flush_broker()
        return 0 if checks["ok"] and race["ok"] else 1
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(rows, RESULTS / "latest.png")
    flush_broker()
    log(f"wrote bench/results/latest.json and latest.png in {results['wall_time_s']} s")
    return 0 if checks["ok"] and race["ok"] else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        stop_server()
