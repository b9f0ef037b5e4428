"""`make serve`: run the service with the configured HTTP server (granian by default; gunicorn on request).

Why granian (docs/decisions/0004-granian-http-server.md): its connections are handled by Rust I/O (tokio), and a request
reaches a Python worker thread only once its headers and body are complete. A client that trickles its headers
holds a few bytes of memory, not a worker: with 100 such clients /health/ and a booking still answer in a few
milliseconds (`make slowloris`), where gunicorn's sync workers (one connection each) answered after 30 s and
timed out. It also keeps connections alive, which gunicorn's sync workers cannot.

Every knob is an environment variable; the defaults are the ones measured with `make bench` and
`make slowloris`. SERVER=gunicorn runs gunicorn.conf.py as before (sync workers: vulnerable to slow clients).
"""
import os
import shutil
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def granian_args() -> list[str]:
    cpus = os.cpu_count() or 1
    args = [
        str(BIN / "granian"), "--interface", "wsgi",
        "--host", os.environ.get("BIND_HOST", "127.0.0.1"), "--port", os.environ.get("PORT", "8000"),
        # Processes for parallelism (the GIL lets one thread of a process run Python at a time): one per CPU and one
        # more, which runs while another waits for PostgreSQL. Each runs Django in SHED_MAX_IN_FLIGHT threads
        # (common/shedding.py), so more processes would only share the CPUs between more requests in hand, slowing
        # every one of them and /health/ (make bench's overload row, docs/decisions/0053).
        "--workers", str(_int("WEB_CONCURRENCY", cpus + 1)),
        # Python threads per worker that take requests; I/O and slow clients never occupy them. Far more of them
        # than the threads that run Django (SHED_MAX_IN_FLIGHT, 1; common/shedding.py): every request waiting for
        # this process must reach Python to be judged, and refused at once if its wait would be too long, rather
        # than wait unseen in granian's queue for a thread (docs/decisions/0053). They hold no database connection.
        "--blocking-threads", str(_int("SERVE_THREADS", 64)),
        "--runtime-threads", "1",
        "--http", "1", "--no-ws",
        # A client still sending its headers after this long is disconnected (slow-client attacks hold
        # nothing but a socket meanwhile).
        "--http1-header-read-timeout", str(_int("SERVE_HEADER_TIMEOUT_MS", 10_000)),
        "--backlog", str(_int("SERVE_BACKLOG", 1024)),
        # On SIGTERM, workers get this long to finish the requests they are serving.
        "--workers-kill-timeout", str(_int("SERVE_GRACEFUL_TIMEOUT", 30)),
        "--respawn-failed-workers",
        "--log-level", os.environ.get("SERVE_LOG_LEVEL", "info"),
    ]
    # Off unless asked for (SERVE_ACCESS_LOG=1): formatting a line per request is CPU spent on the hot path
    # (gunicorn's cost 105 us a request, measured with `make bench`), and the proxy in front logs every request anyway.
    if os.environ.get("SERVE_ACCESS_LOG", "0") != "0":
        log_format = '%(addr)s "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).1fms'
        args += ["--access-log", "--access-log-fmt", log_format]
    return [*args, "ticketing_system.wsgi:application"]


def gunicorn_args() -> list[str]:
    return [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "ticketing_system.wsgi"]


def main() -> None:
    server = os.environ.get("SERVER", "granian")
    if server not in ("granian", "gunicorn"):
        sys.exit(f"SERVER must be granian or gunicorn, not {server!r}")
    if not os.environ.get("REDIS_URL"):
        workers = _int("WEB_CONCURRENCY", (os.cpu_count() or 1) + 1)
        print(
            f"WARNING: REDIS_URL is not set, so each of the {workers} worker processes counts the abuse limits "
            "(login, signup, booking, ...) on its own: a client gets up to that many times the configured rates. "
            "Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to share the limits.",
            file=sys.stderr, flush=True,
        )
    args = granian_args() if server == "granian" else gunicorn_args()
    if not shutil.which(args[0]):
        sys.exit(f"{args[0]} is not installed (make install)")
    os.execv(args[0], args)  # nosec B606 (fixed program, arguments built above)


if __name__ == "__main__":
    main()
