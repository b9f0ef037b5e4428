"""A server started the way `make run` starts one, for tests that talk to the API over real HTTP as a user would
(docs/api.md's examples, the generated client): DEBUG on, a fresh SQLite database with the sample data, Django's
development server on a free loopback port, the real settings (throttling included), nothing shared with the
test database. Also used by scripts/postman.py (make postman).
"""
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(database: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "ticketing_system.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{database}",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    env.pop("REDIS_URL", None)  # throttling counters in the server's own memory, as under make run
    return env


@contextlib.contextmanager
def make_run_server(workdir: Path, *, port: int | None = None, staff: tuple[str, str] | None = None):
    """Yield (base_url, env) of a running server; `env` runs manage.py against the same database."""
    port = port or free_port()
    env = server_environment(workdir / "db.sqlite3")
    python = sys.executable

    def manage(*args):
        subprocess.run([python, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True,
                       timeout=120)

    manage("migrate", "--noinput")
    subprocess.run([python, "seed_script.py"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=60)
    if staff:
        username, password = staff
        subprocess.run([python, "manage.py", "createsuperuser", "--noinput", "--username", username,
                        "--email", f"{username}@example.com"], cwd=ROOT, check=True, capture_output=True,
                       env={**env, "DJANGO_SUPERUSER_PASSWORD": password}, timeout=60)
    log = open(workdir / "server.log", "w")  # closed below, after the server stops
    server = subprocess.Popen([python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, server, workdir / "server.log")
        yield base_url, env
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _wait_until_up(base_url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/health/", timeout=2) as response:  # nosec B310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within 60 s: {log.read_text()[-2000:]}")
