"""`make slowloris`: can slow clients stall the service? 100 connections trickle their headers, one byte a
second, while /health/ and a booking must each answer in under a second.

What it does, on throwaway resources (a SQLite file in a temporary directory, port SLOWLORIS_PORT, 8300):
1. starts the service exactly as `make serve` does (DEBUG off, a throwaway secret key);
2. creates a staff user, a movie, a show and a customer through the API;
3. opens SLOWLORIS_CLIENTS (100) connections that each send a request's headers one byte per second and never
   finish them;
4. after SLOWLORIS_WARMUP seconds (5) of that, and for SLOWLORIS_SECONDS (15), asks GET /health/ and books a
   seat (POST /shows/<id>/book/) on fresh connections, once a second each, and times every answer;
5. prints the figures (how many slow connections were still open, the answers' statuses, the slowest and the
   median times) and exits 1 unless every answer was a success within SLOWLORIS_LIMIT_SECONDS (1.0);
6. sends requests the HTTP server itself refuses (a URL too long, headers too large, an invalid
   Content-Length, garbage) and prints what it answers: never an HTML page (JSON from Django, or granian's
   empty-bodied status line; see docs/operations.md, "Errors the serving layer answers").
"""
import json
import os
import secrets
import signal
import socket

# bandit: this script runs `make serve` and `manage.py createsuperuser` as subprocesses, with argument lists it
# builds itself (never a shell, never outside input); those calls are marked `nosec` one by one.
import subprocess  # nosec B404
import sys
import tempfile
import threading
import time
from pathlib import Path
from statistics import median

from json_http import call

BASE_DIR = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST = "127.0.0.1"
PORT = int(os.environ.get("SLOWLORIS_PORT", "8300"))
CLIENTS = int(os.environ.get("SLOWLORIS_CLIENTS", "100"))
WARMUP = float(os.environ.get("SLOWLORIS_WARMUP", "5"))
SECONDS = float(os.environ.get("SLOWLORIS_SECONDS", "15"))
LIMIT = float(os.environ.get("SLOWLORIS_LIMIT_SECONDS", "1.0"))


def api(method: str, path: str, body=None, token: str | None = None, timeout: float = 30):
    answer = call(HOST, PORT, method, path, body, token=token, timeout=timeout)
    return answer.status, answer.raw


def expect(result, status: int, what: str) -> dict:
    got, raw = result
    if got != status:
        raise RuntimeError(f"{what}: expected {status}, got {got}: {raw[:300]!r}")
    return json.loads(raw)


class SlowClients:
    """Connections that send a request's headers one byte a second, never the end of them. One the server
    closes (a header timeout) is replaced at once, as an attacker would: CLIENTS stay connected throughout."""

    REQUEST = b"GET /health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\n" + b"X-a: b\r\n" * 200

    def __init__(self, count: int):
        self.count = count
        self.sockets: list[socket.socket] = []
        self.reconnects = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)

    def start(self):
        for _ in range(self.count):
            self.sockets.append(socket.create_connection((HOST, PORT), timeout=5))
        self.thread.start()

    def _trickle(self):
        position = 0
        while not self.stop.wait(1.0):
            for sock in list(self.sockets):
                try:
                    sock.send(self.REQUEST[position:position + 1])
                except OSError:
                    self.sockets.remove(sock)  # closed by the server
                    sock.close()
                    try:
                        self.sockets.append(socket.create_connection((HOST, PORT), timeout=5))
                        self.reconnects += 1
                    except OSError:
                        pass
            position = (position + 1) % len(self.REQUEST)

    def open_count(self) -> int:
        return len(self.sockets)

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


MALFORMED = {
    "URL too long": b"GET /health/?" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    "headers too large": b"GET /health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 1_000_000 + b"\r\n\r\n",
    "invalid Content-Length": b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n"
                              b"Connection: close\r\n\r\n",
    "not HTTP": b"HELLO\r\n\r\n",
    "unknown Host": b"GET /health/ HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n",
}


def raw_answer(request: bytes) -> tuple[str, str, bytes]:
    """Status line, Content-Type and body of the server's answer to a raw request (or why there was none)."""
    with socket.create_connection((HOST, PORT), timeout=10) as sock:
        try:
            sock.sendall(request)
        except OSError:
            pass  # the server may answer and close before it has read everything
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except OSError as exc:
            if not data:
                return type(exc).__name__, "", b""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    content_type = next((line.split(":", 1)[1].strip() for line in lines[1:]
                         if line.lower().startswith("content-type:")), "")
    return lines[0], content_type, body


def stop(server: subprocess.Popen) -> None:
    """Stop make and everything it started (its own process group)."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def timed(call):
    started = time.monotonic()
    try:
        status = call()[0]
    except OSError as exc:
        status = type(exc).__name__
    return status, time.monotonic() - started


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="ticketing-slowloris-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "PORT": str(PORT),
        "BIND_HOST": HOST,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    log_path = workdir / "server.log"
    print(f"starting the service like `make serve` on {HOST}:{PORT} (log: {log_path})", flush=True)
    with open(log_path, "w") as log_file:
        server = subprocess.Popen(["make", "--no-print-directory", "serve"], cwd=BASE_DIR, env=env,  # nosec B603 B607
                                  stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    slow = None
    try:
        deadline = time.time() + 120
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the server exited with {server.returncode}; see {log_path}")
            try:
                if api("GET", "/health/", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError("the server did not become healthy within 120 s")
            time.sleep(0.5)

        password = secrets.token_urlsafe(16)
        subprocess.run([PY, "manage.py", "createsuperuser", "--noinput", "--username", "slow-staff",  # nosec B603
                        "--email", "staff@example.com"], cwd=BASE_DIR, check=True, stdout=subprocess.DEVNULL,
                       env={**env, "DJANGO_SUPERUSER_PASSWORD": password})
        staff = expect(api("POST", "/login", {"username": "slow-staff", "password": password}), 200, "login")["access"]
        movie = expect(api("POST", "/movies/", {"title": "Slow", "duration_minutes": 90}, staff), 201, "movie")["id"]
        show = expect(api("POST", f"/movies/{movie}/shows/", {"screen_name": "1", "date_time": "2099-01-01T20:00:00Z",
                                                               "total_seats": 1000}, staff), 201, "show")["id"]
        customer = {"username": "slow-customer", "email": "customer@example.com",
                    "password": secrets.token_urlsafe(16)}
        expect(api("POST", "/signup", customer), 201, "signup")
        credentials = {k: customer[k] for k in ("username", "password")}
        token = expect(api("POST", "/login", credentials), 200, "login")["access"]

        slow = SlowClients(CLIENTS)
        slow.start()
        print(f"{CLIENTS} slow clients connected, each sending one header byte per second", flush=True)
        time.sleep(WARMUP)

        health, booking = [], []
        seat = 0
        end = time.monotonic() + SECONDS
        while time.monotonic() < end:
            seat += 1
            health.append(timed(lambda: api("GET", "/health/", timeout=30)))
            booking.append(timed(lambda s=seat: api("POST", f"/shows/{show}/book/", {"seat_number": s}, token,
                                                    timeout=30)))
            time.sleep(max(0.0, 1.0 - health[-1][1] - booking[-1][1]))
        still_open, reconnects = slow.open_count(), slow.reconnects
        slow.close()
        slow = None
        malformed = {name: raw_answer(request) for name, request in MALFORMED.items()}
    finally:
        if slow is not None:
            slow.close()
        stop(server)

    ok = True
    print(f"slow connections open at the end: {still_open} of {CLIENTS} "
          f"({reconnects} reconnections after the server closed one)")
    for name, results, wanted in (("GET /health/", health, 200), ("POST book", booking, 201)):
        times = [t for _, t in results]
        statuses = sorted({str(s) for s, _ in results})
        good = all(s == wanted and t < LIMIT for s, t in results)
        ok &= good
        print(f"{name:13}: {len(results)} requests, statuses {statuses}, median {median(times) * 1000:.1f} ms, "
              f"slowest {max(times) * 1000:.1f} ms -> {'OK' if good else 'FAIL'} (each {wanted} within {LIMIT} s)")
    print("answers of the serving layer to malformed requests:")
    for name, (status_line, content_type, body) in malformed.items():
        html = b"<html" in body.lower() or "html" in content_type
        ok &= not html
        print(f"  {name:22}: {status_line} | Content-Type: {content_type or '-'} | body: {body[:60]!r}"
              f"{' -> FAIL (HTML)' if html else ''}")
    print("slowloris: OK" if ok else "slowloris: FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
