"""A booking's and `/health/`'s CPU per request at several connection counts, on one server: whether the cost row's
figures (8 connections) carry a share that comes from concurrency rather than from the request. Not part of
`make bench`; configured like it (every knob of bench/run.py and the server's is read from the environment).

    BENCH_CONNECTIONS_LIST=1,2,4,8 .venv/bin/python bench/cost_by_connections.py
"""
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


def main() -> int:
    levels = [int(c) for c in os.environ.get("BENCH_CONNECTIONS_LIST", "1,2,4,8").split(",")]
    duration = run.premiere_rows.COST_DURATION
    with run.served_for_a_tool("Bench: cost by connections") as (staff, tokens, movie):
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
