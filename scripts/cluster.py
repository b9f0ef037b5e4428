"""`make cluster`: a rehearsal of running on several hosts, on this machine, with existing engines only.

Topology (docs/operations.md, "Deployment", describes the production one it stands for):

    clients ──> HAProxy 127.0.0.1:CLUSTER_PORT ──┬──> app host 1 (network namespace tk13-app1, 10.213.1.2)
                                                  └──> app host 2 (network namespace tk13-app2, 10.213.2.2)
    each app host ──> PgBouncer (transaction mode) on its veth peer 10.213.N.1 ──> PostgreSQL 127.0.0.1:5432
                  ──> HAProxy's TCP relay to the shared Redis on 10.213.N.1 ──> Redis 127.0.0.1:6379

Each application host is a network namespace of its own (iproute2) joined to this machine by a veth pair with
private addresses: no route leaves the machine, every packet stays in this kernel. HAProxy and PgBouncer are the
Debian packages (installed with apt if missing). The run:
1. starts everything (a throwaway database ticketing_cluster on the machine's PostgreSQL, the two hosts serving
   the same code with DATABASE_POOL_MODE=transaction), and creates shows and users through the proxy;
2. checks that PgBouncer in transaction mode dropped the lock_timeout connection option (so the service must, and
   does, SET LOCAL it in every seat transaction);
3. books under load from CLUSTER_CLIENTS threads through the proxy, every request with an Idempotency-Key, retried
   with the same key after a connection error or a proxy 5xx, and some successes re-sent on purpose; a third of
   the way in, app host 1 is killed (SIGKILL: a crash), and brought back a third later;
4. checks: every acknowledged booking is in the database (user, show, seat, active); no seat is sold twice; every
   Idempotency-Key made at most one booking and a re-sent key got the same booking back; no 5xx came from an
   application (the proxy's own answers, which carry no X-Request-ID, are counted apart and must fall in the
   window a host was down); a per-user throttle (5 holds/min) held across both hosts (Redis is shared).
Prints its counts and exits 1 if a check fails. Everything it started is stopped and removed on exit. Needs
root (namespaces, apt); not part of `make test`.
"""
import collections
import json
import os
import random
import shutil
import signal

# bandit: this script's job is to run ip, apt, HAProxy, PgBouncer and the service as subprocesses, with argument
# lists it builds itself (never a shell, never outside input); those calls are marked `nosec` one by one.
import subprocess  # nosec B404
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import json_http
import psycopg2

BASE_DIR = Path(__file__).resolve().parent.parent
PY = sys.executable
PROXY_PORT = int(os.environ.get("CLUSTER_PORT", "8750"))
APP_PORT = int(os.environ.get("CLUSTER_APP_PORT", "8751"))
PGBOUNCER_PORT = int(os.environ.get("CLUSTER_PGBOUNCER_PORT", "8752"))
REDIS_RELAY_PORT = int(os.environ.get("CLUSTER_REDIS_RELAY_PORT", "8753"))
REDIS_DB = int(os.environ.get("CLUSTER_REDIS_DB", "13"))
CLIENTS = int(os.environ.get("CLUSTER_CLIENTS", "8"))
SECONDS = float(os.environ.get("CLUSTER_SECONDS", "24"))
WORKERS = os.environ.get("CLUSTER_WORKERS", "2")  # per app host
# Load shedding at the proxy: requests HAProxy lets each host have at once (its workers x 4: each worker's one Django
# thread and a short queue behind it, docs/decisions/0053), and how long an excess request may wait in its queue.
HOST_MAXCONN = int(os.environ.get("CLUSTER_HOST_MAXCONN", str(int(WORKERS) * 4)))
SHED_QUEUE_MS = int(os.environ.get("CLUSTER_SHED_QUEUE_MS", "100"))
# The on-sale's admissions: about a third of the users are admitted by the time app1 is killed.
ONSALE_RATE = int(os.environ.get("CLUSTER_ONSALE_RATE", "0")) or max(1, round(60 * 16 / 3 / (SECONDS / 3)))
DB_NAME = "ticketing_cluster"
PG_HOST, PG_PORT = "127.0.0.1", 5432
SHOWS, SEATS, USERS = 6, 1000, 16
HOLD_RATE = 5  # per user and minute: the throttle checked across hosts
HOSTS = [
    {"name": "app1", "ns": "tk13-app1", "host_if": "tk13h1", "ns_if": "tk13n1", "host_ip": "10.213.1.1",
     "ns_ip": "10.213.1.2"},
    {"name": "app2", "ns": "tk13-app2", "host_if": "tk13h2", "ns_if": "tk13n2", "host_ip": "10.213.2.1",
     "ns_ip": "10.213.2.2"},
]
SECRET_KEY = "cluster-rehearsal-" + uuid.uuid4().hex + uuid.uuid4().hex  # throwaway, this run only
HOSTNAME = "tickets.cluster.test"


def log(message: str) -> None:
    print(f"[cluster {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(*args, check=True, **kwargs):
    return subprocess.run(list(args), check=check, capture_output=True, text=True, **kwargs)  # nosec B603


# --- Installation -----------------------------------------------------------------------------------------
def ensure_packages() -> None:
    missing = [pkg for pkg, binary in (("haproxy", "haproxy"), ("pgbouncer", "pgbouncer"), ("iproute2", "ip"))
               if not shutil.which(binary) and not Path(f"/usr/sbin/{binary}").exists()]
    if not missing:
        return
    log(f"installing {', '.join(missing)} (apt)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if run("apt-get", "install", "-y", "--no-install-recommends", *missing, check=False, env=env).returncode:
        run("apt-get", "update", env=env)
        run("apt-get", "install", "-y", "--no-install-recommends", *missing, env=env)
    # The packages start their own system services; this rehearsal runs its own instances only.
    for service in ("haproxy", "pgbouncer"):
        run("service", service, "stop", check=False)


def binary(name: str) -> str:
    return shutil.which(name) or f"/usr/sbin/{name}"


# --- Network namespaces -----------------------------------------------------------------------------------
def create_namespaces() -> None:
    for h in HOSTS:
        delete_namespace(h)
        run("ip", "netns", "add", h["ns"])
        run("ip", "link", "add", h["host_if"], "type", "veth", "peer", "name", h["ns_if"])
        run("ip", "link", "set", h["ns_if"], "netns", h["ns"])
        run("ip", "addr", "add", f"{h['host_ip']}/24", "dev", h["host_if"])
        run("ip", "link", "set", h["host_if"], "up")
        run("ip", "netns", "exec", h["ns"], "ip", "addr", "add", f"{h['ns_ip']}/24", "dev", h["ns_if"])
        run("ip", "netns", "exec", h["ns"], "ip", "link", "set", h["ns_if"], "up")
        run("ip", "netns", "exec", h["ns"], "ip", "link", "set", "lo", "up")
        # No default route inside: the host can reach its veth peer and nothing else.


def delete_namespace(h: dict) -> None:
    run("ip", "link", "del", h["host_if"], check=False)
    run("ip", "netns", "del", h["ns"], check=False)


# --- Daemons ----------------------------------------------------------------------------------------------
class Daemons:
    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="ticketing-cluster-"))
        self.root.chmod(0o755)  # PgBouncer runs as user postgres and reads its files here
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, args: list[str], env=None) -> subprocess.Popen:
        out = open(self.root / f"{name}.log", "ab")
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env,  # nosec B603
                                start_new_session=True, cwd=BASE_DIR)
        self.procs[name] = proc
        return proc

    def kill(self, name: str, sig=signal.SIGTERM, timeout=15) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)
        except ProcessLookupError:
            pass

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name)

    def tail(self, name: str, lines=20) -> str:
        path = self.root / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def start_pgbouncer(d: Daemons) -> None:
    (d.root / "userlist.txt").write_text('"root" ""\n')
    (d.root / "pgbouncer.ini").write_text(f"""\
[databases]
{DB_NAME} = host={PG_HOST} port={PG_PORT} dbname={DB_NAME} user=root

[pgbouncer]
listen_addr = {",".join(h["host_ip"] for h in HOSTS)}
listen_port = {PGBOUNCER_PORT}
unix_socket_dir =
auth_type = trust
auth_file = {d.root}/userlist.txt
pool_mode = transaction
; Server connections per database/user pair: what PostgreSQL sees, however many app workers connect.
default_pool_size = 8
max_client_conn = 200
; psycopg2 sends `options` when Django has connection options; PgBouncer cannot pass them on (its server
; connections are shared), and here drops them instead of refusing the client. This is the trap the service
; handles with DATABASE_POOL_MODE=transaction (lock_timeout by SET LOCAL per transaction).
ignore_startup_parameters = extra_float_digits,options
server_reset_query =
""")
    for path in d.root.iterdir():
        path.chmod(0o644)
    d.start("pgbouncer", ["runuser", "-u", "postgres", "--", binary("pgbouncer"), str(d.root / "pgbouncer.ini")])


def start_haproxy(d: Daemons) -> None:
    servers = "\n".join(
        f"    server {h['name']} {h['ns_ip']}:{APP_PORT} check inter 300ms fall 2 rise 2 maxconn {HOST_MAXCONN}"
        for h in HOSTS)
    # HAProxy's own answer when a request timed out in its queue: the service's 503 `overloaded`, byte for byte
    # in shape (common/shedding.py), so a client handles both alike.
    body = '{"detail": "The service is busy; retry after Retry-After seconds.", "code": "overloaded"}'
    (d.root / "overloaded.http").write_text(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
        f"Cache-Control: no-store\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}")
    relays = "\n".join(f"    bind {h['host_ip']}:{REDIS_RELAY_PORT}" for h in HOSTS)
    (d.root / "haproxy.cfg").write_text(f"""\
global
    maxconn 4000

defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    # Load shedding at the proxy (docs/decisions/0038-load-shedding.md): each host takes at most `maxconn`
    # requests at once (below); the rest wait in the backend's queue, and one that waited `timeout queue` is
    # answered 503 `overloaded` (JSON, Retry-After) instead of growing the queue without bound.
    timeout queue {SHED_QUEUE_MS}ms
    errorfile 503 {d.root / "overloaded.http"}
    # A request whose connection to a host failed was never sent: retried on the other host (redispatch).
    retries 2
    option redispatch

# The public catalogue reads, kept by the proxy for their own max-age (Cache-Control: public, max-age=5 from the
# service, decision 0039). HAProxy 2.6 stores nothing whose Vary it cannot process (it processes Accept-Encoding,
# Referer and Origin only), so the service's Vary (Accept, Accept-Language, Authorization) is taken off the copy it
# stores and put back on what it forwards. That is sound only because of what is stored: anonymous GETs (no
# Authorization, no Cookie) of the catalogue, whose JSON is the same in every language (nothing in it is
# translated) and is only ever JSON (an unacceptable Accept is a 406, never stored: only 200s are).
cache catalogue
    total-max-size 16
    max-object-size 262144
    max-age 5

frontend api
    bind 127.0.0.1:{PROXY_PORT}
    default_backend apps

backend apps
    balance roundrobin
    option forwardfor
    # When the proxy received the request: the hosts refuse one that already waited longer than their deadline
    # (SHED_QUEUE_DEADLINE_MS, with SHED_TRUST_REQUEST_START on: only this proxy can reach them).
    http-request set-header X-Request-Start t=%[date(0,ms)]
    http-reuse safe
    acl catalogue path_beg /movies/ /shows/
    acl credentials req.hdr(authorization) -m found
    acl credentials req.hdr(cookie) -m found
    http-request set-var(txn.public_read) bool(true) if METH_GET catalogue !credentials
    http-request cache-use catalogue if {{ var(txn.public_read) -m bool }}
    http-response del-header Vary if {{ var(txn.public_read) -m bool }}
    http-response cache-store catalogue if {{ var(txn.public_read) -m bool }}
    http-response set-header Vary "Accept, Accept-Language, Authorization" if {{ var(txn.public_read) -m bool }}
    option httpchk
    http-check send meth GET uri /health/ ver HTTP/1.1 hdr Host {HOSTNAME}
    http-check expect status 200
    # Which host answered: lets the rehearsal show that both served (and the throttle held across them).
    http-response set-header X-Served-By %s
{servers}

# The shared Redis, reachable from the app hosts' namespaces on their veth peers (Redis itself listens on
# loopback only).
listen redis
    mode tcp
    timeout client 1h
    timeout server 1h
{relays}
    server redis 127.0.0.1:6379
""")
    d.start("haproxy", [binary("haproxy"), "-db", "-f", str(d.root / "haproxy.cfg")])


def app_env(h: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "THROTTLE_", "DATABASE_"))}
    env.update(
        DATABASE_URL=f"postgres://root@{h['host_ip']}:{PGBOUNCER_PORT}/{DB_NAME}",
        DATABASE_POOL_MODE="transaction",
        REDIS_URL=f"redis://{h['host_ip']}:{REDIS_RELAY_PORT}/{REDIS_DB}",
        CACHE_KEY_PREFIX=f"cluster-{SECRET_KEY[-8:]}",
        # The waiting lines of this run only: the database (and so the on-sale's id) is new each run, Redis is not.
        ONSALE_REDIS_PREFIX=f"cluster-onsale-{SECRET_KEY[-8:]}",
        # The capacity reports of this run's processes only (common/capacity.py).
        CAPACITY_REDIS_PREFIX=f"cluster-capacity-{SECRET_KEY[-8:]}",
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY=SECRET_KEY, DJANGO_ALLOWED_HOSTS=f"{HOSTNAME},127.0.0.1,{h['ns_ip']}",
        DJANGO_SECURE_SSL_REDIRECT="0", NUM_PROXIES="1", LOG_LEVEL="WARNING",
        BIND_HOST=h["ns_ip"], PORT=str(APP_PORT), WEB_CONCURRENCY=WORKERS,
        THROTTLE_BOOKING_USER="unlimited", THROTTLE_SIGNUP_IP="unlimited", THROTTLE_LOGIN_IP="unlimited",
        THROTTLE_LOGIN_USERNAME="unlimited", THROTTLE_HOLD_USER=f"{HOLD_RATE}/min",
        SERVE_THREADS=os.environ.get("CLUSTER_THREADS", "6"),
        SHED_TRUST_REQUEST_START="1",
    )
    return env


def serve_command() -> list[str]:
    # The same server as `make serve`: the launcher when there is one, else gunicorn with gunicorn.conf.py.
    if (BASE_DIR / "ticketing_system" / "serve.py").exists():
        return [PY, "-m", "ticketing_system.serve"]
    return [str(Path(PY).parent / "gunicorn"), "--config", "gunicorn.conf.py", "ticketing_system.wsgi"]


def start_app(d: Daemons, h: dict) -> None:
    d.start(h["name"], ["ip", "netns", "exec", h["ns"], *serve_command()], env=app_env(h))


def wait_healthy(h: dict, d: Daemons, timeout=60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        for name in ("pgbouncer", "haproxy", h["name"]):
            if d.procs[name].poll() is not None:
                raise RuntimeError(f"{name} exited with {d.procs[name].returncode}")
        result = run("ip", "netns", "exec", h["ns"], PY, "-c",
                     "import http.client,sys;c=http.client.HTTPConnection(sys.argv[1],int(sys.argv[2]),timeout=2);"
                     "c.request('GET','/health/',headers={'Host':sys.argv[3]});sys.exit(c.getresponse().status!=200)",
                     h["ns_ip"], str(APP_PORT), HOSTNAME, check=False)
        if result.returncode == 0:
            return
        time.sleep(0.5)
    raise RuntimeError(f"{h['name']} did not become healthy")


# --- HTTP through the proxy -------------------------------------------------------------------------------
def call(method, path, body=None, token=None, key=None, timeout=15, extra=None):
    """One request through the proxy: (status, json or None, headers) or raises OSError."""
    headers = {"Host": HOSTNAME, **({"Idempotency-Key": key} if key else {}), **(extra or {})}
    answer = json_http.call("127.0.0.1", PROXY_PORT, method, path, body, token=token, headers=headers, timeout=timeout)
    return answer.status, answer.data, answer.headers


def setup_call(method, path, body=None, token=None):
    """`call` for the rehearsal's own setup: a 503 `overloaded` (a host's or the proxy's shedding: signups hash a
    password for a third of a second each) did nothing, so it is retried after a moment, as a client would."""
    for _attempt in range(30):
        result = call(method, path, body, token)
        if not (result[0] == 503 and isinstance(result[1], dict) and result[1].get("code") == "overloaded"):
            return result
        time.sleep(0.3)
    return result


def expect(result, status, what):
    if result[0] != status:
        raise RuntimeError(f"{what}: expected {status}, got {result[0]}: {result[1]}")
    return result[1]


def create_data(d: Daemons) -> tuple[list[int], list[str], int, int, str]:
    env = {**app_env(HOSTS[0]), "DATABASE_URL": f"postgres://root@{PG_HOST}:{PG_PORT}/{DB_NAME}",
           "DATABASE_POOL_MODE": "session"}
    password = uuid.uuid4().hex
    run(PY, "manage.py", "createsuperuser", "--noinput", "--username", "cluster-staff", "--email", "s@example.com",
        cwd=BASE_DIR, env={**env, "DJANGO_SUPERUSER_PASSWORD": password})
    staff = expect(setup_call("POST", "/login", {"username": "cluster-staff", "password": password}), 200,
                   "login")["access"]
    movie = expect(setup_call("POST", "/movies/", {"title": "Cluster night", "duration_minutes": 100}, staff), 201,
                   "movie")
    start = time.time() + 30 * 86400
    shows = []
    for i in range(SHOWS):
        body = {"screen_name": f"Cluster #{i + 1}", "total_seats": SEATS,
                "date_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + i * 3 * 3600))}
        shows.append(expect(setup_call("POST", f"/movies/{movie['id']}/shows/", body, staff), 201, "show")["id"])
    body = {"screen_name": "Cluster on-sale", "total_seats": SEATS,
            "date_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + SHOWS * 3 * 3600))}
    gated = expect(setup_call("POST", f"/movies/{movie['id']}/shows/", body, staff), 201, "show")["id"]
    body = {"screen_name": "Cluster capacity", "total_seats": SEATS,
            "date_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + (SHOWS + 1) * 3 * 3600))}
    paced = expect(setup_call("POST", f"/movies/{movie['id']}/shows/", body, staff), 201, "show")["id"]
    tokens = []
    for i in range(USERS):
        user = {"username": f"cluster-user-{i}", "password": "Cluster-" + uuid.uuid4().hex[:12]}
        expect(setup_call("POST", "/signup", {**user, "email": f"cluster-user-{i}@example.com"}), 201, "signup")
        tokens.append(expect(setup_call("POST", "/login", user), 200, "login")["access"])
    return shows, tokens, gated, paced, staff


# --- Checks -----------------------------------------------------------------------------------------------
LOCK_CHECK = """
import django, json
django.setup()
from django.db import connection
from common.db import locked_transaction
def show():
    with connection.cursor() as c:
        c.execute("SHOW lock_timeout")
        return c.fetchone()[0]
outside = show()
with locked_transaction():
    inside = show()
print(json.dumps({"outside": outside, "inside": inside}))
"""


def check_lock_timeout_through_pgbouncer(h: dict) -> dict:
    """The connection option is lost in transaction mode; the service's SET LOCAL is not."""
    base = app_env(h)
    # As the service would be misconfigured: the lock_timeout sent as a connection option (session mode).
    naive = run("ip", "netns", "exec", h["ns"], PY, "-c", LOCK_CHECK, cwd=BASE_DIR,
                env={**base, "DATABASE_POOL_MODE": "session", "DJANGO_SETTINGS_MODULE": "ticketing_system.settings"})
    configured = run("ip", "netns", "exec", h["ns"], PY, "-c", LOCK_CHECK, cwd=BASE_DIR,
                     env={**base, "DJANGO_SETTINGS_MODULE": "ticketing_system.settings"})
    naive, configured = json.loads(naive.stdout), json.loads(configured.stdout)
    expected = f"{int(os.environ.get('BOOKING_LOCK_TIMEOUT_MS', 3000)) // 1000}s"
    return {
        "option_as_connection_parameter": naive,
        "option_dropped_by_pgbouncer": naive["outside"] == "0",
        "transaction_mode_setting": configured,
        "ok": configured["inside"] == expected and configured["outside"] == "0",
    }


class Load:
    def __init__(self, shows, tokens):
        self.shows, self.tokens = shows, tokens
        self.lock = threading.Lock()
        self.acked = {}  # idempotency key -> (booking id, user index, show, seat)
        self.replays = []  # (key, first booking id, replayed booking id, replayed header)
        self.statuses = collections.Counter()
        self.app_5xx = []
        self.proxy_5xx = []  # (time, status)
        self.connection_errors = []  # times
        self.shed = 0  # 503 overloaded, from the service or the proxy
        self.retries = 0
        self.served_by = collections.Counter()
        self.stop = threading.Event()

    def client(self, index: int) -> None:
        rng = random.Random(index)  # nosec B311 (load generation, not security)
        while not self.stop.is_set():
            user = rng.randrange(len(self.tokens))
            show, seat = rng.choice(self.shows), rng.randint(1, SEATS)
            key = uuid.uuid4().hex
            body = {"seat_number": seat}
            first_id = None
            for _attempt in range(8):
                try:
                    status, data, headers = call("POST", f"/shows/{show}/book/", body, self.tokens[user], key)
                except OSError:
                    with self.lock:
                        self.connection_errors.append(time.time())
                        self.retries += 1
                    time.sleep(0.2)
                    continue
                with self.lock:
                    self.statuses[status] += 1
                    if "x-served-by" in headers:
                        self.served_by[headers["x-served-by"]] += 1
                    shed = status == 503 and isinstance(data, dict) and data.get("code") == "overloaded"
                    if shed:
                        # Load shedding (the service's or the proxy's): nothing was done; retried with the same key.
                        self.shed += 1
                    elif status >= 500:
                        if "x-request-id" in headers:
                            self.app_5xx.append((status, data))
                        else:
                            self.proxy_5xx.append((time.time(), status))
                if shed or (status >= 500 and "x-request-id" not in headers):
                    with self.lock:
                        self.retries += 1
                    time.sleep(0.2)
                    continue  # the proxy's answer: the same key again
                if status == 201:
                    first_id = data["id"]
                    with self.lock:
                        self.acked[key] = (first_id, user, show, seat)
                break
            # Now and then, re-send an acknowledged request with its key, as a client that lost the answer would.
            if first_id is not None and rng.random() < 0.1:
                for _attempt in range(8):
                    try:
                        status, data, headers = call("POST", f"/shows/{show}/book/", body, self.tokens[user], key)
                    except OSError:
                        time.sleep(0.2)
                        continue
                    # Refused before anything ran (shed by a host or the proxy, or the proxy's own 5xx while a host
                    # is down): a client retries these with the same key, so the rehearsal does too. Counting such a
                    # refusal as "another answer" failed the first run of the shedding settings.
                    if status >= 500 and ("x-request-id" not in headers
                                          or (isinstance(data, dict) and data.get("code") == "overloaded")):
                        with self.lock:
                            self.shed += status == 503
                        time.sleep(0.2)
                        continue
                    with self.lock:
                        self.replays.append((key, first_id, data.get("id") if status == 201 and data else status,
                                             headers.get("idempotent-replayed")))
                    break


def throttle_across_hosts(shows, tokens) -> dict:
    """One user, 2 x HOLD_RATE hold requests in a row, alternating hosts: exactly HOLD_RATE may pass."""
    token, show = tokens[-1], shows[-1]
    results, hosts = collections.Counter(), collections.Counter()
    for i in range(2 * HOLD_RATE):
        status, _, headers = call("POST", f"/shows/{show}/hold/", {"seat_numbers": [SEATS - i]}, token)
        results[status] += 1
        hosts[headers.get("x-served-by")] += 1
    passed = sum(n for s, n in results.items() if s != 429)
    return {"statuses": dict(results), "served_by": dict(hosts), "passed": passed,
            "ok": passed == HOLD_RATE and results[429] == HOLD_RATE and len(hosts) == 2}


def check_proxy_cache(show: int, token: str) -> dict:
    """A public read twice: the second answered by the proxy's cache (HAProxy adds `Age`; no host named it); the
    same read with a token always reaches a host and is private."""
    path = f"/shows/{show}/"
    first = call("GET", path)
    second = call("GET", path)
    signed_in = call("GET", path, token=token)
    result = {
        "first": {"status": first[0], "served_by": first[2].get("x-served-by"), "vary": first[2].get("vary")},
        "second": {"status": second[0], "age": second[2].get("age"), "served_by": second[2].get("x-served-by"),
                   "vary": second[2].get("vary")},
        "with_token": {"status": signed_in[0], "age": signed_in[2].get("age"),
                       "cache_control": signed_in[2].get("cache-control")},
        "same_body": first[1] == second[1] == signed_in[1],
    }
    result["ok"] = (first[0] == second[0] == signed_in[0] == 200 and second[2].get("age") is not None
                    and signed_in[2].get("age") is None and "private" in (signed_in[2].get("cache-control") or "")
                    and result["same_body"])
    return result


def call_retrying(method, path, body=None, token=None, extra=None, tries=20):
    """`call`, tried again after the proxy's own answer while a host is down, a shed request or a lost connection
    (in each, nothing was done): (status, data) of the first answer of an application."""
    for _ in range(tries):
        try:
            status, data, headers = call(method, path, body, token, extra=extra)
        except OSError:
            time.sleep(0.2)
            continue
        if status >= 500 and ("x-request-id" not in headers
                              or (isinstance(data, dict) and data.get("code") == "overloaded")):
            time.sleep(0.2)
            continue
        return status, data
    raise RuntimeError(f"{method} {path}: no answer after {tries} tries")


class OnSaleRehearsal:
    """The waiting room during the crash: every user in an on-sale's line for a show of its own, admitted at
    ONSALE_RATE per minute from the start of the load, so that when app1 is killed some hold a pass and the rest are
    still waiting. The line lives in the shared Redis, and a pass is signed (no server state): both must survive
    the host. Checked: nobody's place is lost, a waiting place does not move back, an admitted visitor's pass is
    the same token after the crash as before, admitted visitors book the gated show with their pass through the
    surviving host (and those bookings are in the database), and a booking without a pass is still refused."""

    def __init__(self, staff: str, show: int, tokens: list[str]):
        self.staff, self.show, self.tokens = staff, show, tokens
        self.onsale = None
        self.acked = []  # (booking id, user index, seat)
        self.errors = []

    def open_and_join(self) -> dict:
        opens_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
        # (bandit B105 reads "pass_minutes" as a password: it is a number of minutes.)
        body = {"shows": [self.show], "opens_at": opens_at, "admit_per_minute": ONSALE_RATE,
                "pass_minutes": 15}  # nosec B105
        status, data = call_retrying("POST", "/onsales/", body, self.staff)
        if status != 201:
            raise RuntimeError(f"on-sale: {status} {data}")
        self.onsale = data["id"]
        joined = collections.Counter()
        for token in self.tokens:
            joined[call_retrying("POST", f"/onsales/{self.onsale}/queue/", None, token)[0]] += 1
        return dict(joined)

    def snapshot(self) -> list:
        places = []
        for token in self.tokens:
            status, data = call_retrying("GET", f"/onsales/{self.onsale}/queue/me", None, token)
            places.append((status, data.get("status"), data.get("position"), data.get("pass"))
                          if isinstance(data, dict) else (status, None, None, None))
        return places

    def book_with_passes(self, places) -> collections.Counter:
        results = collections.Counter()
        for user, (_, state, _, queue_pass) in enumerate(places):
            if state != "admitted":
                continue
            seat = user + 1
            status, data = call_retrying("POST", f"/shows/{self.show}/book/", {"seat_number": seat},
                                          self.tokens[user], extra={"Queue-Pass": queue_pass})
            results[status] += 1
            if status == 201:
                self.acked.append((data["id"], user, seat))
        return results

    def check(self, before, after, booked, refused_status) -> dict:
        lost = [i for i, place in enumerate(after) if place[0] != 200]
        moved_back = [i for i, (b, a) in enumerate(zip(before, after, strict=True))
                      if b[1] == "waiting" and a[1] == "waiting" and a[2] > b[2]]
        pass_changed = [i for i, (b, a) in enumerate(zip(before, after, strict=True))
                        if b[1] == "admitted" and (a[1] != "admitted" or a[3] != b[3])]
        admitted_before = sum(1 for p in before if p[1] == "admitted")
        waiting_before = sum(1 for p in before if p[1] == "waiting")
        admitted_after = sum(1 for p in after if p[1] == "admitted")
        return {"admitted_before_kill": admitted_before, "waiting_before_kill": waiting_before,
                "admitted_while_down": admitted_after, "places_lost": len(lost), "moved_back": len(moved_back),
                "passes_changed": len(pass_changed), "bookings_with_pass": dict(booked),
                "booking_without_pass": refused_status,
                "ok": (not lost and not moved_back and not pass_changed and admitted_before > 0
                       and waiting_before > 0 and booked.get(201, 0) == admitted_after
                       and refused_status == 429)}

    def in_database(self) -> dict:
        conn = psycopg2.connect(host=PG_HOST, port=PG_PORT, user="root", dbname=DB_NAME)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT b.id, u.username, b.seat_number, b.status FROM core_booking b JOIN auth_user u "
                            "ON u.id = b.user_id WHERE b.show_id = %s", [self.show])
                rows = {r[0]: r[1:] for r in cur.fetchall()}
        finally:
            conn.close()
        missing = [bid for bid, user, seat in self.acked if rows.get(bid) != (f"cluster-user-{user}", seat, "booked")]
        return {"acknowledged": len(self.acked), "missing": len(missing), "ok": not missing}


class CapacityPacedOnSale:
    """An on-sale whose admission rate follows the measured capacity (decision 0054), on a show of its own that nobody
    books, with a ceiling far above it: its `admit_per_minute_now` is the rate the service derives from the capacity
    its live processes report. Read with both hosts up, while app1 is down (its reports expire within their TTL) and
    after app1 is back: the rate must fall with the host and come back with it."""

    def __init__(self, staff: str, show: int):
        self.staff, self.show = staff, show
        self.onsale = None
        self.readings = {}

    def open(self) -> None:
        body = {"shows": [self.show], "opens_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600)),
                "admit_per_minute": 100_000, "pass_minutes": 15, "rate_from_capacity": True}  # nosec B105
        self.onsale = expect(setup_call("POST", "/onsales/", body, self.staff), 201, "capacity on-sale")["id"]

    def read(self, moment: str) -> dict:
        data = expect(call_retrying("GET", f"/onsales/{self.onsale}/", None, self.staff), 200, "capacity on-sale")
        self.readings[moment] = {"admit_per_minute_now": data["admit_per_minute_now"],
                                 "rate_source": data["rate_source"]}
        return self.readings[moment]

    def check(self) -> dict:
        before, down, back = (self.readings.get(k, {}) for k in ("both_hosts", "app1_down", "app1_back"))
        rates = [r.get("admit_per_minute_now") or 0 for r in (before, down, back)]
        return {**self.readings,
                "ok": (all(r.get("rate_source") == "capacity" for r in (before, down, back))
                       and rates[1] < rates[0] and rates[2] > rates[1])}


def verify(load: Load, *, leave_out_show: int) -> dict:
    conn = psycopg2.connect(host=PG_HOST, port=PG_PORT, user="root", dbname=DB_NAME)
    try:
        with conn.cursor() as cur:
            # The on-sale's show is OnSaleRehearsal's to check (its bookings are not the load's).
            cur.execute("SELECT id, user_id, show_id, seat_number, status FROM core_booking WHERE show_id <> %s",
                        [leave_out_show])
            rows = {r[0]: r[1:] for r in cur.fetchall()}
            cur.execute("SELECT id, username FROM auth_user WHERE username LIKE 'cluster-user-%%'")
            user_ids = {int(name.rsplit("-", 1)[1]): pk for pk, name in cur.fetchall()}
            cur.execute("SELECT count(*) FROM (SELECT 1 FROM core_booking WHERE status = 'booked' "
                        "GROUP BY show_id, seat_number HAVING count(*) > 1) d")
            doubles = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM core_showseat s WHERE s.state = 'booked' AND NOT EXISTS (SELECT 1 FROM "
                        "core_booking b WHERE b.show_id = s.show_id AND b.seat_number = s.number AND b.status = "
                        "'booked')")
            seat_rows_without_booking = cur.fetchone()[0]
    finally:
        conn.close()
    missing = [k for k, (bid, user, show, seat) in load.acked.items()
               if rows.get(bid) != (user_ids[user], show, seat, "booked")]
    acked_ids = [bid for bid, *_ in load.acked.values()]
    bad_replays = [r for r in load.replays if r[1] != r[2] or r[3] != "true"]
    if bad_replays:
        print(f"re-sent keys answered otherwise (key, booking, answer, Idempotent-Replayed): {bad_replays[:5]}")
    return {
        "acknowledged": len(load.acked), "acknowledged_missing_or_wrong": len(missing),
        "bookings_in_db": len(rows), "seats_sold_twice": doubles,
        "booked_seat_rows_without_booking": seat_rows_without_booking,
        "one_booking_per_key": len(acked_ids) == len(set(acked_ids)),
        "replays": len(load.replays), "replays_with_another_answer": len(bad_replays),
        # Bookings nobody was told about can only come from requests whose answer was lost (a killed host, or
        # an abandoned retry): each of those keys got at most one booking, which the client would have
        # found by retrying; they are counted, not failures.
        "unacknowledged_bookings": len(set(rows) - set(acked_ids)),
        "ok": not missing and not doubles and not seat_rows_without_booking and len(acked_ids) == len(set(acked_ids))
        and not bad_replays,
    }


# --- Main -------------------------------------------------------------------------------------------------
def main() -> int:
    if os.geteuid() != 0:
        sys.exit("make cluster needs root (network namespaces, apt)")
    ensure_packages()
    d = Daemons()
    failed = True
    try:
        log(f"recreating database {DB_NAME}")
        run("dropdb", "-h", PG_HOST, "-p", str(PG_PORT), "-U", "root", "--if-exists", "--force", DB_NAME)
        run("createdb", "-h", PG_HOST, "-p", str(PG_PORT), "-U", "root", DB_NAME)
        migrate_env = {**app_env(HOSTS[0]), "DATABASE_URL": f"postgres://root@{PG_HOST}:{PG_PORT}/{DB_NAME}",
                       "DATABASE_POOL_MODE": "session"}
        run(PY, "manage.py", "migrate", "--noinput", cwd=BASE_DIR, env=migrate_env)
        log("network namespaces tk13-app1, tk13-app2 (veth, private addresses, no route out)")
        create_namespaces()
        log(f"PgBouncer (transaction mode) on :{PGBOUNCER_PORT}, HAProxy on 127.0.0.1:{PROXY_PORT}")
        start_pgbouncer(d)
        start_haproxy(d)
        for h in HOSTS:
            start_app(d, h)
        for h in HOSTS:
            wait_healthy(h, d)
        time.sleep(1.5)  # HAProxy's health checks see both hosts up
        log("app hosts up; creating data through the proxy")
        shows, tokens, gated, paced_show, staff = create_data(d)
        proxy_cache = check_proxy_cache(shows[0], tokens[0])
        log(f"HAProxy's cache of the public catalogue: {json.dumps(proxy_cache)}")
        onsale = OnSaleRehearsal(staff, gated, tokens)
        paced = CapacityPacedOnSale(staff, paced_show)
        paced.open()

        lock_check = check_lock_timeout_through_pgbouncer(HOSTS[0])
        log(f"lock_timeout through PgBouncer: {json.dumps(lock_check)}")

        load = Load(shows, tokens)
        threads = [threading.Thread(target=load.client, args=(i,)) for i in range(CLIENTS)]
        log(f"booking from {CLIENTS} clients for {SECONDS:.0f} s; app1 is killed at {SECONDS / 3:.0f} s and "
            f"restarted at {2 * SECONDS / 3:.0f} s")
        joined = onsale.open_and_join()
        log(f"on-sale {onsale.onsale} for show {gated}: {len(tokens)} users joined its line {joined}, admitted at "
            f"{ONSALE_RATE}/min")
        began = time.time()
        for t in threads:
            t.start()
        time.sleep(max(0.0, began + SECONDS / 3 - 1 - time.time()))
        line_before = onsale.snapshot()
        log(f"admission rate from the measured capacity, both hosts up: {paced.read('both_hosts')}")
        down_at = time.time()
        log("killing app1 (SIGKILL)")
        d.kill("app1", signal.SIGKILL)
        time.sleep(1.0)  # the proxy's checks (inter 300ms, fall 2) take app1 out
        line_after = onsale.snapshot()
        booked_with_pass = onsale.book_with_passes(line_after)
        refused = call_retrying("POST", f"/shows/{gated}/book/", {"seat_number": SEATS}, tokens[0])[0]
        line_check = onsale.check(line_before, line_after, booked_with_pass, refused)
        log(f"waiting room across the crash: {json.dumps(line_check)}")
        # app1's reports expire within their TTL (5 s), and a reader keeps a sum for 1 s.
        time.sleep(max(0.0, down_at + min(SECONDS / 3 - 0.5, 6.5) - time.time()))
        log(f"admission rate from the measured capacity, app1 down: {paced.read('app1_down')}")
        time.sleep(max(0.0, down_at + SECONDS / 3 - time.time()))
        log("restarting app1")
        start_app(d, HOSTS[0])
        wait_healthy(HOSTS[0], d)
        time.sleep(1.0)  # the proxy's checks need rise x inter to take it back
        up_at = time.time()
        time.sleep(max(0.0, began + SECONDS - 0.5 - time.time()))
        log(f"admission rate from the measured capacity, app1 back: {paced.read('app1_back')}")
        time.sleep(max(0.0, began + SECONDS - time.time()))
        load.stop.set()
        for t in threads:
            t.join(timeout=60)

        throttle = throttle_across_hosts(shows, tokens)
        checks = verify(load, leave_out_show=gated)
        onsale_db = onsale.in_database()
        proxy_outside = [s for t, s in load.proxy_5xx if not down_at - 0.5 <= t <= up_at + 2]

        print()
        print(f"requests by status: {dict(sorted(load.statuses.items()))}; answered by: {dict(load.served_by)}")
        print(f"retries with the same Idempotency-Key: {load.retries} (connection errors: "
              f"{len(load.connection_errors)}, proxy 5xx: {len(load.proxy_5xx)}, of which outside the window app1 "
              f"was down: {len(proxy_outside)})")
        print(f"5xx from an application: {len(load.app_5xx)} {load.app_5xx[:3]}; 503 overloaded (shed, retried): "
              f"{load.shed}")
        print(f"acknowledged bookings: {checks['acknowledged']}, in the database as acknowledged: "
              f"{checks['acknowledged'] - checks['acknowledged_missing_or_wrong']}; bookings in the database: "
              f"{checks['bookings_in_db']} ({checks['unacknowledged_bookings']} whose answer was lost with the host)")
        print(f"seats sold twice: {checks['seats_sold_twice']}; booked seat rows without a booking: "
              f"{checks['booked_seat_rows_without_booking']}; one booking per key: {checks['one_booking_per_key']}; "
              f"re-sent keys: {checks['replays']}, answered with another booking: "
              f"{checks['replays_with_another_answer']}")
        print(f"throttle across hosts ({HOLD_RATE}/min per user): {throttle}")
        print(f"lock_timeout: as a connection option through PgBouncer -> "
              f"{lock_check['option_as_connection_parameter']} (dropped: {lock_check['option_dropped_by_pgbouncer']}); "
              f"with DATABASE_POOL_MODE=transaction -> "
              f"{lock_check['transaction_mode_setting']}")
        print(f"HAProxy's cache of the public catalogue: {proxy_cache}")
        print(f"waiting room across the crash: {line_check}; its bookings in the database: {onsale_db}")
        paced_check = paced.check()
        print(f"admission rate from the measured capacity across the crash: {paced_check}")
        ok = {
            "database": checks["ok"], "proxy_cache": proxy_cache["ok"], "waiting_room": line_check["ok"],
            "waiting_room_bookings": onsale_db["ok"], "rate_follows_capacity": paced_check["ok"],
            "no_app_5xx": not load.app_5xx, "proxy_5xx_only_while_down": not proxy_outside,
            "throttle": throttle["ok"], "lock_timeout": lock_check["ok"],
            "both_hosts_served": len(load.served_by) == 2, "bookings_made": checks["acknowledged"] > 0,
        }
        print("checks:", json.dumps(ok))
        failed = not all(ok.values())
        print("make cluster:", "FAILED" if failed else "OK")
    except Exception:
        for name in ("app1", "app2", "haproxy", "pgbouncer"):
            tail = d.tail(name)
            if tail:
                print(f"--- {name} log ---\n{tail}", file=sys.stderr)
        raise
    finally:
        d.stop_all()
        for h in HOSTS:
            delete_namespace(h)
        shutil.rmtree(d.root, ignore_errors=True)
        run("dropdb", "-h", PG_HOST, "-p", str(PG_PORT), "-U", "root", "--if-exists", "--force", DB_NAME, check=False)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
