"""`make failover`: the database's primary dies during a sale; prove no acknowledged booking or payment is lost.

Topology (docs/operations.md, "A database that fails over", describes the production one it stands for):

    clients ──> the service (granian, 127.0.0.1:FAILOVER_APP_PORT)
                  DATABASE_URL=postgres://postgres@127.0.0.1:P1,127.0.0.1:P2/ticketing?target_session_attrs=read-write
                  ──> whichever of node1 (127.0.0.1:P1) and node2 (127.0.0.1:P2) is the primary now
    node1, node2: PostgreSQL 15, each run by its own `pg_autoctl` (pg_auto_failover, the Debian package
                  postgresql-15-auto-failover), the secondary replicating synchronously;
    monitor:      pg_auto_failover's monitor (127.0.0.1:FAILOVER_MONITOR_PORT) decides which node is primary.

Everything runs on loopback, with its own ports and data directories in a temporary directory, as user postgres
(the pg_ctl pg_autoctl runs refuses root); the machine's own PostgreSQL (5432) is never touched. The run:
1. creates the monitor and the two nodes (pg_autoctl create monitor / postgres), tunes the monitor's health checks
   so that a dead primary is noticed within seconds, migrates the database through the multi-host URL, starts the
   service and creates shows (free ones, and a priced one sold through orders) and users;
2. books under load from FAILOVER_CLIENTS threads: direct bookings and paid orders (hold → order → staff marks it
   paid), every POST with an Idempotency-Key, retried with the same key after a 503 or a connection error, and
   some acknowledged ones re-sent on purpose;
3. kills the primary's postmaster (kill -9), waits until the formation is whole again (its pg_autoctl restarts it,
   or the monitor promotes the secondary: either is reported), then kills the whole primary node (its pg_autoctl
   and PostgreSQL, kill -9), waits for the secondary's promotion and for the service to book again, and brings the
   dead node back (pg_autoctl run): it rejoins as the secondary (pg_rewind);
4. checks on the new primary: every acknowledged booking and paid order is there as acknowledged; no seat is sold
   twice; each Idempotency-Key made at most one booking or order and a re-sent key got the same answer back; every
   answer the clients saw was a success, a 4xx of the sale (a seat taken) or a 503 `unavailable`: no 500, no other
   5xx, no connection error; the window of failed requests after each kill (seconds); and the old primary
   replicated everything once it is back as the secondary.
Prints a summary, ends with "make failover: OK" or exits 1. Everything it started is stopped and removed on exit.
Subprocesses (pg_autoctl, apt, the service) are started through scripts/cluster.py's `run` and `Daemons`, with
argument lists built here, never a shell. Needs root (it runs the nodes as user postgres, and installs the package
with apt if missing); not part of `make test`.
"""
import collections
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import json_http
import psycopg2
from cluster import Daemons, run, serve_command

BASE_DIR = Path(__file__).resolve().parent.parent
PY = sys.executable
MONITOR_PORT = int(os.environ.get("FAILOVER_MONITOR_PORT", "5511"))
NODE_PORTS = [int(p) for p in os.environ.get("FAILOVER_NODE_PORTS", "5512,5513").split(",")]
APP_PORT = int(os.environ.get("FAILOVER_APP_PORT", "8760"))
REDIS_DB = int(os.environ.get("FAILOVER_REDIS_DB", "12"))
CLIENTS = int(os.environ.get("FAILOVER_CLIENTS", "6"))
WORKERS = os.environ.get("FAILOVER_WORKERS", "2")
# Load before, between and after the kills (seconds).
SETTLE_SECONDS = float(os.environ.get("FAILOVER_SETTLE_SECONDS", "4"))
# How long the formation may take to be whole again after a kill before the run fails.
RECOVERY_TIMEOUT = float(os.environ.get("FAILOVER_RECOVERY_TIMEOUT", "90"))
DB_NAME, DB_USER, HOST = "ticketing", "postgres", "127.0.0.1"
FREE_SHOWS, FREE_SEATS, USERS = 4, 1000, 12
PAID_ROWS, PAID_SEATS_PER_ROW = 10, 50
ORDER_SHARE = 0.25  # of the clients' sales, the share sold as paid orders (the rest: direct bookings)
PG_BINDIR = Path("/usr/lib/postgresql/15/bin")
SECRET_KEY = "failover-rehearsal-" + uuid.uuid4().hex + uuid.uuid4().hex  # throwaway, this run only
# The monitor's health checks (pg_auto_failover's GUCs, milliseconds): a check every second, a node unhealthy
# after 4 s without a good one. The defaults (5 s checks, 20 s) suit a network of real hosts, where a slow
# answer is not yet a dead node; here they would only lengthen the window the rehearsal measures.
MONITOR_SETTINGS = {
    "pgautofailover.health_check_period": 1000, "pgautofailover.health_check_timeout": 1000,
    "pgautofailover.health_check_max_retries": 1, "pgautofailover.health_check_retry_delay": 500,
    "pgautofailover.node_considered_unhealthy_timeout": 4000,
    # A primary that loses the monitor and its secondary demotes itself after its pg_autoctl's
    # network_partition_timeout (NODE_SETTINGS); the monitor promotes the secondary only after waiting longer than
    # that (primary_demote_timeout), so two primaries never take writes at once. The defaults (20 s, 30 s) make a
    # lost host a half-minute outage; the same order, scaled down, makes it seconds.
    "pgautofailover.primary_demote_timeout": 8000,
}
NODE_SETTINGS = {"timeout.network_partition_timeout": 4}


def log(message: str) -> None:
    print(f"[failover {time.strftime('%H:%M:%S')}] {message}", flush=True)


def database_url() -> str:
    """The URL the service uses: every node, and libpq keeps the one that accepts writes (the primary)."""
    hosts = ",".join(f"{HOST}:{port}" for port in NODE_PORTS)
    return f"postgres://{DB_USER}@{hosts}/{DB_NAME}?target_session_attrs=read-write&connect_timeout=2"


def ensure_package() -> None:
    if shutil.which("pg_autoctl"):
        return
    log("installing postgresql-15-auto-failover (apt)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if run("apt-get", "install", "-y", "postgresql-15-auto-failover", check=False, env=env).returncode:
        run("apt-get", "update", env=env)
        run("apt-get", "install", "-y", "postgresql-15-auto-failover", env=env)


# --- The formation: a monitor and two nodes run by pg_autoctl ----------------------------------------------
class Formation:
    def __init__(self, daemons: Daemons):
        self.d = daemons
        self.root = daemons.root
        shutil.chown(self.root, "postgres", "postgres")
        # pg_autoctl keeps its configuration and state under the XDG directories: this run's own, so nothing
        # of another formation on this machine is read or changed.
        self.env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(self.root),
            "XDG_CONFIG_HOME": str(self.root / "config"),
            "XDG_DATA_HOME": str(self.root / "share"), "XDG_RUNTIME_DIR": str(self.root / "run"),
            "PG_CONFIG": str(PG_BINDIR / "pg_config"),
            # Debian's initdb puts the sockets there; pg_autoctl talks to its local PostgreSQL through them.
            "PGHOST": "/var/run/postgresql",
        }
        self.names = {port: f"node{i + 1}" for i, port in enumerate(NODE_PORTS)}

    def pgdata(self, name: str) -> Path:
        return self.root / name

    def autoctl(self, *args):
        env_args = [f"{k}={v}" for k, v in self.env.items()]
        result = run("runuser", "-u", "postgres", "--", "env", "-i", *env_args, "pg_autoctl", *args, check=False)
        if result.returncode:
            errors = [line for line in (result.stdout + result.stderr).splitlines()
                      if "ERROR" in line or "FATAL" in line]
            raise RuntimeError(f"pg_autoctl {' '.join(args[:2])} failed ({result.returncode}): {errors[-5:]}")
        return result

    def start(self, name: str) -> None:
        env_args = [f"{k}={v}" for k, v in self.env.items()]
        self.d.start(name, ["runuser", "-u", "postgres", "--", "env", "-i", *env_args, "pg_autoctl", "run",
                            "--pgdata", str(self.pgdata(name))])

    def monitor_uri(self) -> str:
        return f"postgres://autoctl_node@{HOST}:{MONITOR_PORT}/pg_auto_failover?sslmode=disable"

    def create(self) -> None:
        common = ["--hostname", HOST, "--auth", "trust", "--no-ssl", "--pgctl", str(PG_BINDIR / "pg_ctl")]
        self.autoctl("create", "monitor", "--pgdata", str(self.pgdata("monitor")), "--pgport", str(MONITOR_PORT),
                     *common)
        # `create monitor` has no --listen: set it before the first run, so it never listens beyond loopback.
        self.autoctl("config", "set", "--pgdata", str(self.pgdata("monitor")), "postgresql.listen_addresses", HOST)
        self.start("monitor")
        self.wait(lambda: self.monitor_query("SELECT 1"), "the monitor to accept connections", 30)
        for setting, value in MONITOR_SETTINGS.items():
            self.monitor_query(f"ALTER SYSTEM SET {setting} = {int(value)}")
        self.monitor_query("SELECT pg_reload_conf()")
        for port, name in self.names.items():
            # The first node created becomes the primary, the second its synchronous secondary (pg_basebackup).
            self.autoctl("create", "postgres", "--pgdata", str(self.pgdata(name)), "--pgport", str(port),
                         "--listen", HOST, "--name", name, "--dbname", DB_NAME, "--username", DB_USER,
                         "--monitor", self.monitor_uri(), *common)
            for setting, value in NODE_SETTINGS.items():
                self.autoctl("config", "set", "--pgdata", str(self.pgdata(name)), setting, str(value))
            self.start(name)
            self.wait(lambda name=name: self.state_of(name) in (("single", "single"), ("secondary", "secondary")),
                      f"{name} to join", 60)
        self.wait(self.whole, "a primary and a synchronous secondary", 60)

    def monitor_query(self, sql: str):
        try:
            conn = psycopg2.connect(host=HOST, port=MONITOR_PORT, user="postgres", dbname="pg_auto_failover",
                                    connect_timeout=2)
        except psycopg2.OperationalError:
            return None
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall() if cur.description else True
        finally:
            conn.close()

    def states(self) -> dict:
        rows = self.monitor_query("SELECT nodename, reportedstate::text, goalstate::text, health, nodeport "
                                  "FROM pgautofailover.node ORDER BY nodeid") or []
        return {name: {"reported": rep, "goal": goal, "healthy": health == 1, "port": port}
                for name, rep, goal, health, port in rows}

    def state_of(self, name: str):
        state = self.states().get(name)
        return (state["reported"], state["goal"]) if state else None

    def primary(self) -> str | None:
        for name, state in self.states().items():
            if state["reported"] in ("primary", "wait_primary", "single") and state["goal"] == state["reported"]:
                return name
        return None

    def whole(self) -> bool:
        """One primary and one secondary, each where the monitor wants it and healthy."""
        states = self.states()
        settled = {s["reported"] for s in states.values() if s["reported"] == s["goal"] and s["healthy"]}
        return len(states) == 2 and settled == {"primary", "secondary"}

    def port(self, name: str) -> int:
        return next(port for port, n in self.names.items() if n == name)

    def postmaster_pid(self, name: str) -> int:
        return int((self.pgdata(name) / "postmaster.pid").read_text().split()[0])

    @staticmethod
    def wait(condition, what: str, timeout: float, required=True) -> float | None:
        began = time.time()
        while time.time() - began < timeout:
            if condition():
                return time.time()
            time.sleep(0.2)
        if required:
            raise RuntimeError(f"timed out waiting for {what}")
        return None

    def describe(self) -> str:
        return ", ".join(f"{name} {s['reported']}" + ("" if s["reported"] == s["goal"] else f"→{s['goal']}")
                         for name, s in self.states().items())


# --- The service ------------------------------------------------------------------------------------------
def app_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "THROTTLE_", "DATABASE_"))}
    env.update(
        DATABASE_URL=database_url(),
        REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}", CACHE_KEY_PREFIX=f"failover-{SECRET_KEY[-8:]}",
        # The confirmation mails wait in a queue of this run's own (no worker renders them here: their cost is
        # the worker's, not the sale's), deleted at the end.
        CELERY_QUEUE=f"failover-{SECRET_KEY[-8:]}",
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY=SECRET_KEY, DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_SECURE_SSL_REDIRECT="0", LOG_LEVEL="WARNING",
        BIND_HOST=HOST, PORT=str(APP_PORT), WEB_CONCURRENCY=WORKERS, SERVE_THREADS="1",
        THROTTLE_BOOKING_USER="unlimited", THROTTLE_HOLD_USER="unlimited", THROTTLE_SIGNUP_IP="unlimited",
        THROTTLE_LOGIN_IP="unlimited", THROTTLE_LOGIN_USERNAME="unlimited",
    )
    return env


def call(method, path, body=None, token=None, key=None, timeout=15):
    headers = {"Idempotency-Key": key} if key else {}
    answer = json_http.call(HOST, APP_PORT, method, path, body, token=token, headers=headers, timeout=timeout)
    return answer.status, answer.data, answer.headers


def expect(result, status, what):
    if result[0] != status:
        raise RuntimeError(f"{what}: expected {status}, got {result[0]}: {result[1]}")
    return result[1]


def wait_healthy(d: Daemons, timeout=60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if d.procs["app"].poll() is not None:
            raise RuntimeError(f"the service exited with {d.procs['app'].returncode}")
        try:
            if call("GET", "/health/", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the service did not become healthy")


def create_data() -> dict:
    password = uuid.uuid4().hex
    run(PY, "manage.py", "createsuperuser", "--noinput", "--username", "failover-staff", "--email", "s@example.com",
        cwd=BASE_DIR, env={**app_env(), "DJANGO_SUPERUSER_PASSWORD": password})
    staff = expect(call("POST", "/login", {"username": "failover-staff", "password": password}), 200, "login")["access"]
    movie = expect(call("POST", "/movies/", {"title": "Failover night", "duration_minutes": 100}, staff), 201, "movie")
    start = time.time() + 30 * 86400

    def at(i):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + i * 3 * 3600))

    free = [expect(call("POST", f"/movies/{movie['id']}/shows/",
                        {"screen_name": f"Free #{i + 1}", "total_seats": FREE_SEATS, "date_time": at(i)}, staff),
                   201, "show")["id"] for i in range(FREE_SHOWS)]
    cinema = expect(call("POST", "/cinemas/", {"name": "Failover", "city": "Madrid", "address": "Gran Vía 1",
                                               "time_zone": "Europe/Madrid"}, staff), 201, "cinema")
    layout = {"rows": [{"label": chr(65 + r), "seats": [{"label": f"{chr(65 + r)}{s + 1}", "category": "standard"}
                                                         for s in range(PAID_SEATS_PER_ROW)]}
                       for r in range(PAID_ROWS)]}
    screen = expect(call("POST", f"/cinemas/{cinema['id']}/screens/", {"name": "Paid", "layout": layout}, staff),
                    201, "screen")
    paid = expect(call("POST", f"/movies/{movie['id']}/shows/",
                       {"screen": screen["id"], "date_time": at(FREE_SHOWS), "prices": {"standard": "9.50"}}, staff),
                  201, "priced show")["id"]
    tokens = []
    for i in range(USERS):
        user = {"username": f"failover-user-{i}", "password": "Failover-" + uuid.uuid4().hex[:12]}
        expect(call("POST", "/signup", {**user, "email": f"failover-user-{i}@example.com"}), 201, "signup")
        tokens.append(expect(call("POST", "/login", user), 200, "login")["access"])
    return {"free": free, "paid": paid, "tokens": tokens, "staff": staff}


# --- The load ---------------------------------------------------------------------------------------------
class Load:
    """Clients that book and pay as fast as they are answered, retrying with the same Idempotency-Key."""

    RETRIES = 200  # a client keeps retrying for the whole failover (0.2 s apart): it never gives up a sale

    def __init__(self, data: dict):
        self.data = data
        self.lock = threading.Lock()
        self.acked_bookings = {}  # key -> (booking id, user index, show, seat)
        self.acked_orders = {}  # order id -> (user index, seat, booking ids)
        self.order_keys = collections.defaultdict(set)  # key -> order ids it was answered with
        self.replays = []  # (key, first id, replayed id or status, Idempotent-Replayed header)
        self.statuses = collections.Counter()
        self.unexpected = []  # (time, method, path, status, body): a 5xx other than 503 `unavailable`
        self.failures = []  # times of 503s and connection errors
        self.successes = []  # times of 2xx answers
        self.connection_errors = 0
        self.retries = 0
        self.stop = threading.Event()

    def _send(self, method, path, body, token, key=None):
        """(status, data, headers) once the request got an answer that is not a 503; None if the load stopped."""
        for _attempt in range(self.RETRIES):
            try:
                status, data, headers = call(method, path, body, token, key)
            except OSError:
                with self.lock:
                    self.connection_errors += 1
                    self.failures.append(time.time())
                    self.retries += 1
                time.sleep(0.2)
                continue
            now = time.time()
            with self.lock:
                self.statuses[status] += 1
                if status == 503 and isinstance(data, dict) and data.get("code") == "unavailable":
                    self.failures.append(now)
                    self.retries += 1
                elif status >= 500:
                    self.unexpected.append((now, method, path, status, data))
                elif status < 300:
                    self.successes.append(now)
            if status == 503:
                time.sleep(0.2)
                continue  # the same request again, with the same key
            return status, data, headers
        return None

    def book(self, rng, index):
        user = rng.randrange(len(self.data["tokens"]))
        show, seat = rng.choice(self.data["free"]), rng.randint(1, FREE_SEATS)
        key = uuid.uuid4().hex
        body = {"seat_number": seat}
        answer = self._send("POST", f"/shows/{show}/book/", body, self.data["tokens"][user], key)
        if answer is None or answer[0] != 201:
            return
        booking_id = answer[1]["id"]
        with self.lock:
            self.acked_bookings[key] = (booking_id, user, show, seat)
        if rng.random() < 0.1:  # a client that lost the answer sends the request again, with its key
            again = self._send("POST", f"/shows/{show}/book/", body, self.data["tokens"][user], key)
            if again is not None:
                with self.lock:
                    self.replays.append((key, booking_id, again[1].get("id") if again[0] == 201 else again[0],
                                         again[2].get("idempotent-replayed")))

    def order(self, rng, index):
        user = rng.randrange(len(self.data["tokens"]))
        token, show = self.data["tokens"][user], self.data["paid"]
        seat = rng.randint(1, PAID_ROWS * PAID_SEATS_PER_ROW)
        hold = self._send("POST", f"/shows/{show}/hold/", {"seat_numbers": [seat]}, token, uuid.uuid4().hex)
        if hold is None or hold[0] != 201:
            return
        key = uuid.uuid4().hex
        body = {"hold_id": hold[1]["id"], "payment_method": "box_office"}
        order = self._send("POST", "/orders/", body, token, key)
        if order is None or order[0] != 201:
            return
        order_id = order[1]["id"]
        with self.lock:
            self.order_keys[key].add(order_id)
        if rng.random() < 0.1:
            again = self._send("POST", "/orders/", body, token, key)
            if again is not None:
                with self.lock:
                    self.order_keys[key].add(again[1].get("id") if again[0] == 201 else again[0])
        # The box office takes the money; a retry after a lost answer finds the order paid already (409).
        paid = self._send("POST", f"/orders/{order_id}/mark-paid/", None, self.data["staff"])
        if paid is not None and paid[0] != 200:
            paid = self._send("GET", f"/orders/{order_id}/", None, token)
        if paid is not None and paid[0] == 200 and paid[1].get("status") == "paid":
            with self.lock:
                self.acked_orders[order_id] = (user, seat, tuple(paid[1]["booking_ids"]))

    def client(self, index: int) -> None:
        rng = random.Random(index)  # nosec B311 (load generation, not security)
        while not self.stop.is_set():
            (self.order if rng.random() < ORDER_SHARE else self.book)(rng, index)


def failure_window(load: Load, since: float, until: float) -> dict:
    """The failed requests after a kill: from the first to the last, and from the kill to the next success."""
    with load.lock:
        failed = [t for t in load.failures if since <= t < until]
        next_success = min((t for t in load.successes if t >= (failed[-1] if failed else since)), default=None)
    return {
        "failed_requests": len(failed),
        "first_to_last_failure_s": round(failed[-1] - failed[0], 2) if failed else 0.0,
        "kill_to_next_success_s": round(next_success - since, 2) if next_success else None,
    }


# --- Checks -----------------------------------------------------------------------------------------------
def verify(load: Load, port: int) -> dict:
    conn = psycopg2.connect(host=HOST, port=port, user=DB_USER, dbname=DB_NAME)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_is_in_recovery()")
            in_recovery = cur.fetchone()[0]
            cur.execute("SELECT id, user_id, show_id, seat_number, status, order_id FROM core_booking")
            bookings = {r[0]: r[1:] for r in cur.fetchall()}
            cur.execute("SELECT id, username FROM auth_user WHERE username LIKE 'failover-user-%%'")
            user_ids = {int(name.rsplit("-", 1)[1]): pk for pk, name in cur.fetchall()}
            cur.execute("SELECT count(*) FROM core_booking WHERE order_id IS NULL")
            direct = cur.fetchone()[0]
            cur.execute("SELECT id, user_id, status FROM orders_order")
            orders = {r[0]: r[1:] for r in cur.fetchall()}
            cur.execute("SELECT count(*) FROM (SELECT 1 FROM core_booking WHERE status = 'booked' "
                        "GROUP BY show_id, seat_number HAVING count(*) > 1) d")
            doubles = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM (SELECT 1 FROM orders_order GROUP BY hold_id "
                        "HAVING hold_id IS NOT NULL AND count(*) > 1) d")
            orders_per_hold = cur.fetchone()[0]
    finally:
        conn.close()
    missing_bookings = [k for k, (bid, user, show, seat) in load.acked_bookings.items()
                        if bookings.get(bid, ())[:4] != (user_ids[user], show, seat, "booked")]
    missing_orders = [oid for oid, (user, seat, booking_ids) in load.acked_orders.items()
                      if orders.get(oid) != (user_ids[user], "paid") or not booking_ids
                      or any(bookings.get(b, ())[3:] != ("booked", oid) for b in booking_ids)]
    acked_ids = [bid for bid, *_ in load.acked_bookings.values()]
    bad_replays = [r for r in load.replays if r[1] != r[2] or r[3] != "true"]
    keys_with_two_orders = [k for k, ids in load.order_keys.items() if len(ids) > 1]
    return {
        "in_recovery": in_recovery, "bookings_in_db": len(bookings), "direct_bookings_in_db": direct,
        "orders_in_db": len(orders),
        "acknowledged_bookings": len(load.acked_bookings), "acknowledged_bookings_missing": len(missing_bookings),
        "paid_orders": len(load.acked_orders), "paid_orders_missing": len(missing_orders),
        "seats_sold_twice": doubles, "holds_with_two_orders": orders_per_hold,
        "one_booking_per_key": len(acked_ids) == len(set(acked_ids)),
        "replays": len(load.replays), "replays_with_another_answer": len(bad_replays),
        "order_keys_with_two_orders": len(keys_with_two_orders),
        "ok": not in_recovery and not missing_bookings and not missing_orders and not doubles and not orders_per_hold
        and len(acked_ids) == len(set(acked_ids)) and not bad_replays and not keys_with_two_orders,
    }


def replicated(port: int, primary_port: int) -> dict:
    """The secondary has what the primary has (synchronous replication: once it has caught up, exactly)."""
    counts = {}
    for p in (primary_port, port):
        conn = psycopg2.connect(host=HOST, port=p, user=DB_USER, dbname=DB_NAME)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT (SELECT count(*) FROM core_booking), (SELECT count(*) FROM orders_order "
                            "WHERE status = 'paid'), pg_is_in_recovery()")
                counts[p] = cur.fetchone()
        finally:
            conn.close()
    return {"primary": counts[primary_port], "secondary": counts[port],
            "ok": counts[port][:2] == counts[primary_port][:2] and counts[port][2] and not counts[primary_port][2]}


def kill_node(f: Formation, d: Daemons, name: str) -> None:
    """The whole node at once: its pg_autoctl and every PostgreSQL process it started (one process group)."""
    postmaster = f.postmaster_pid(name)
    d.kill(name, signal.SIGKILL)
    try:
        os.kill(postmaster, signal.SIGKILL)  # in case it was not in the group (it is: pg_autoctl forks it)
    except ProcessLookupError:
        pass


# --- Main -------------------------------------------------------------------------------------------------
def main() -> int:
    if os.geteuid() != 0:
        sys.exit("make failover needs root (it runs the nodes as user postgres, and apt)")
    ensure_package()
    d = Daemons()
    shutil.rmtree(d.root, ignore_errors=True)  # its own name; this run's directory is named for it
    d.root = Path(tempfile.mkdtemp(prefix="ticketing-failover-"))
    d.root.chmod(0o755)  # user postgres works in it
    failed = True
    load = None
    try:
        log(f"pg_auto_failover in {d.root}: monitor on {HOST}:{MONITOR_PORT}, nodes on "
            f"{', '.join(f'{HOST}:{p}' for p in NODE_PORTS)}")
        f = Formation(d)
        f.create()
        log(f"formation: {f.describe()}")
        log(f"DATABASE_URL={database_url()}")
        run(PY, "manage.py", "migrate", "--noinput", cwd=BASE_DIR, env=app_env())
        d.start("app", serve_command(), env=app_env())
        wait_healthy(d)
        data = create_data()
        log(f"service up on {HOST}:{APP_PORT} ({WORKERS} workers); {FREE_SHOWS} free shows, a priced one, "
            f"{USERS} users")

        load = Load(data)
        threads = [threading.Thread(target=load.client, args=(i,), daemon=True) for i in range(CLIENTS)]
        log(f"booking and paying from {CLIENTS} clients")
        for t in threads:
            t.start()
        time.sleep(SETTLE_SECONDS)

        events = {}
        # 1. The primary's postmaster dies (a crash of PostgreSQL alone; its pg_autoctl lives on).
        first = f.primary()
        killed = time.time()
        log(f"kill -9 of {first}'s postmaster (pid {f.postmaster_pid(first)})")
        os.kill(f.postmaster_pid(first), signal.SIGKILL)
        # The monitor may notice (and start a failover), or pg_autoctl may restart PostgreSQL before it does.
        f.wait(lambda: not f.whole(), "the monitor to notice", 8, required=False)
        whole = f.wait(f.whole, "the formation to be whole again", RECOVERY_TIMEOUT)
        after_first = f.primary()
        outcome = ("restarted in place by its pg_autoctl" if after_first == first
                   else f"{after_first} promoted by the monitor, {first} rejoined as secondary")
        log(f"formation whole again after {whole - killed:.1f} s: {outcome} ({f.describe()})")
        time.sleep(SETTLE_SECONDS)
        events["postmaster_kill"] = {"killed": killed, "whole": whole, "outcome": outcome}

        # 2. The whole primary node dies (host lost: pg_autoctl and PostgreSQL).
        victim = f.primary()
        survivor = next(n for n in f.names.values() if n != victim)
        killed = time.time()
        log(f"kill -9 of the whole node {victim} (pg_autoctl and PostgreSQL)")
        kill_node(f, d, victim)
        promoted = f.wait(lambda: f.primary() == survivor, f"{survivor}'s promotion", RECOVERY_TIMEOUT)
        log(f"{survivor} promoted after {promoted - killed:.1f} s ({f.describe()})")
        f.wait(lambda: any(t > promoted for t in load.successes), "the service to sell again", 30)
        # The first sale after the last 503 (the monitor's view of the promotion is polled, so it comes later).
        reconnected = killed + failure_window(load, killed, time.time())["kill_to_next_success_s"]
        log(f"the service sells again {reconnected - killed:.1f} s after the kill")
        time.sleep(SETTLE_SECONDS)
        log(f"bringing {victim} back (pg_autoctl run)")
        back = time.time()
        f.start(victim)
        rejoined = f.wait(lambda: f.whole() and f.primary() == survivor, f"{victim} to rejoin", RECOVERY_TIMEOUT)
        log(f"{victim} rejoined as secondary after {rejoined - back:.1f} s ({f.describe()})")
        events["node_kill"] = {"killed": killed, "promoted": promoted, "reconnected": reconnected,
                               "rejoined": rejoined}
        time.sleep(SETTLE_SECONDS)
        load.stop.set()
        for t in threads:
            t.join(timeout=60)

        new_primary = f.primary()
        checks = verify(load, f.port(new_primary))
        copy = {}
        for _ in range(50):  # the secondary replays what it has received: a moment at most
            copy = replicated(f.port(victim), f.port(new_primary))
            if copy["ok"]:
                break
            time.sleep(0.2)
        windows = {
            "postmaster_kill": failure_window(load, events["postmaster_kill"]["killed"],
                                              events["node_kill"]["killed"]),
            "node_kill": failure_window(load, events["node_kill"]["killed"], time.time()),
        }

        print()
        print(f"requests by status: {dict(sorted(load.statuses.items()))}; retries with the same key: "
              f"{load.retries}; connection errors: {load.connection_errors}")
        print(f"answers other than 2xx, 4xx and 503 `unavailable`: {len(load.unexpected)} {load.unexpected[:3]}")
        for name, w in windows.items():
            print(f"{name}: {w['failed_requests']} requests answered 503 over {w['first_to_last_failure_s']} s; "
                  f"kill to the next sale: {w['kill_to_next_success_s']} s")
        print(f"postmaster kill: {events['postmaster_kill']['outcome']}, whole again after "
              f"{events['postmaster_kill']['whole'] - events['postmaster_kill']['killed']:.1f} s")
        ev = events["node_kill"]
        print(f"node kill: {survivor} promoted after {ev['promoted'] - ev['killed']:.1f} s, the service sold again "
              f"after {ev['reconnected'] - ev['killed']:.1f} s, {victim} back as secondary "
              f"{ev['rejoined'] - ev['killed']:.1f} s after the kill")
        print(f"on the new primary {new_primary}: acknowledged bookings {checks['acknowledged_bookings']}, missing "
              f"{checks['acknowledged_bookings_missing']}; paid orders {checks['paid_orders']}, missing "
              f"{checks['paid_orders_missing']}; bookings in the database {checks['bookings_in_db']} "
              f"({checks['direct_bookings_in_db']} direct, the rest of orders), orders {checks['orders_in_db']}")
        print(f"seats sold twice: {checks['seats_sold_twice']}; one booking per key: {checks['one_booking_per_key']}; "
              f"order keys with two orders: {checks['order_keys_with_two_orders']}; holds with two orders: "
              f"{checks['holds_with_two_orders']}; re-sent keys: {checks['replays']}, answered with another booking: "
              f"{checks['replays_with_another_answer']}")
        print(f"the old primary {victim} as secondary: (bookings, paid orders, in recovery) {copy['secondary']} vs "
              f"the primary's {copy['primary']}")
        ok = {
            "database": checks["ok"], "only_503_while_failing": not load.unexpected,
            "no_connection_errors": not load.connection_errors, "secondary_has_everything": copy["ok"],
            "failed_over": new_primary == survivor, "sales_made": checks["acknowledged_bookings"] > 0
            and checks["paid_orders"] > 0,
        }
        print("checks:", json.dumps(ok))
        failed = not all(ok.values())
        print("make failover:", "FAILED" if failed else "OK")
    except Exception:
        for name in ("app", "monitor", *f_names()):
            tail = d.tail(name)
            if tail:
                print(f"--- {name} log ---\n{tail}", file=sys.stderr)
        raise
    finally:
        if load is not None:
            load.stop.set()
        d.stop_all()
        drop_queue()
        shutil.rmtree(d.root, ignore_errors=True)
    return 1 if failed else 0


def f_names() -> list[str]:
    return [f"node{i + 1}" for i in range(len(NODE_PORTS))]


def drop_queue() -> None:
    try:
        import redis

        redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}").delete(app_env()["CELERY_QUEUE"])
    except Exception as exc:  # cleanup of a throwaway queue: report it, never fail the run for it
        log(f"could not delete the mail queue: {exc}")


if __name__ == "__main__":
    sys.exit(main())
