"""A booking's and `/health/`'s CPU per request at several connection counts, on one server: whether the cost row's
figures (8 connections) carry a share that comes from concurrency rather than from the request. Not part of
`make bench`; configured like it (every knob of bench/run.py and the server's is read from the environment).

    BENCH_CONNECTIONS_LIST=1,2,4,8 .venv/bin/python bench/cost_by_connections.py

BENCH_PIN_DATABASE=1 runs PostgreSQL's processes on the machine's last CPU and this tool, with the server and wrk it
starts, on the others (their affinity is restored afterwards; it needs the right to set the affinity of
PostgreSQL's processes, e.g. root): what a request costs the application when the database does not share its CPUs,
so that a share that comes from the database's work on the same cores (cache and scheduling) is told apart from
the request's own code.
"""
import contextlib
import math
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run


def _wal_position() -> int:
    """The database's WAL position in bytes: across a booking run, what its bookings wrote (nothing else writes)."""
    with run.psycopg2.connect(run.DATABASE_URL) as conn, conn.cursor() as cur:
        cur.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
        return int(cur.fetchone()[0])


def _database_pids() -> list[int]:
    """Every PostgreSQL process of the machine (the postmaster and its children, whose command is `postgres`)."""
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if comm.read_text().strip() == "postgres":
                pids.append(int(comm.parent.name))
    return pids


@contextlib.contextmanager
def _database_on_its_own_cpu():
    """PostgreSQL on the last CPU, this process (and what it starts from now on) on the others; restored after.
    New backends are forked by the postmaster and inherit its affinity."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        sys.exit("BENCH_PIN_DATABASE needs at least two CPUs")
    database, rest = {cpus[-1]}, set(cpus[:-1])
    before = {pid: os.sched_getaffinity(pid) for pid in _database_pids()}
    for pid in before:
        os.sched_setaffinity(pid, database)
    os.sched_setaffinity(0, rest)
    print(f"PostgreSQL on CPU {cpus[-1]}, the server and wrk on {', '.join(map(str, sorted(rest)))}", flush=True)
    try:
        yield
    finally:
        # Backends started meanwhile get what PostgreSQL's processes had before (they all had the same).
        usual = next(iter(before.values()), set(cpus))
        for pid in _database_pids():
            with contextlib.suppress(OSError):  # a backend that ended meanwhile
                os.sched_setaffinity(pid, before.get(pid, usual))
        os.sched_setaffinity(0, set(cpus))


def main() -> int:
    levels = [int(c) for c in os.environ.get("BENCH_CONNECTIONS_LIST", "1,2,4,8").split(",")]
    duration = run.premiere_rows.COST_DURATION
    pinned = _database_on_its_own_cpu() if os.environ.get("BENCH_PIN_DATABASE") == "1" else contextlib.nullcontext()
    with pinned, run.served_for_a_tool("Bench: cost by connections") as (staff, tokens, movie):
        per_level = math.ceil(run.MAX_EXPECTED_RATE * duration / run.SEATS)
        # Shows of its own for each entry: a level listed twice (a repeat, to see the noise) must book fresh seats.
        shows = [run.create_shows(staff, movie, per_level, f"connections {c} ({i})") for i, c in enumerate(levels)]
        print(f"{'conns':>5} | {'health app ms':>13} | {'booking app ms':>14} | {'x health':>8} | {'book/s':>7} | "
              f"{'booking db ms':>13} | {'WAL B/booking':>13}")
        for index, connections in enumerate(levels):
            health_ms, _ = run.measure_cpu(lambda c=connections: run.run_wrk(
                "read.lua", c, {"read_paths": ["/health/"]}, duration)["requests"])
            wal = _wal_position()
            book = run.api_level(connections, shows[index], tokens, duration=duration)
            wal = (_wal_position() - wal) / max(book["bookings"], 1)
            print(f"{connections:>5} | {health_ms:>13.3f} | {book['app_cpu_ms_per_request']:>14.3f} | "
                  f"{book['app_cpu_ms_per_request'] / health_ms:>8.2f} | {book['bookings_per_s']:>7.1f} | "
                  f"{book['db_cpu_ms_per_request']:>13.3f} | {wal:>13.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
