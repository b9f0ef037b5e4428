"""Only the overload row of `make bench` (bench/rows.py), for tuning load shedding: the same database, server, data
and client as the full run, without the other steps. Not part of `make bench`.

    BENCH_OVERLOAD_FACTORS=1,10 BENCH_SATURATION=8 SERVE_THREADS=16 .venv/bin/python bench/overload_only.py

Every knob of bench/run.py and the server's (SHED_*, SERVE_THREADS, WEB_CONCURRENCY) is read from the environment.
"""
import math
import sys

import run  # bench/run.py: its plumbing (database, server, data, wrk)


def main() -> int:
    with run.served_for_a_tool("Bench: overload") as (staff, tokens, movie):
        per_level = math.ceil(run.MAX_EXPECTED_RATE * run.premiere_rows.OVERLOAD_DURATION
                              * run.premiere_rows.OVERLOAD_ROUNDS / run.SEATS)
        shows = {f: run.create_shows(staff, movie, per_level, f"overload {f}x")
                 for f in run.premiere_rows.OVERLOAD_FACTORS}
        row = run.premiere_rows.overload_row(run.premiere_rows.SATURATION, lambda f: shows[f], tokens,
                                             host=run.HOST, port=run.PORT, seats=run.SEATS, log=run.log)
        print()
        run.premiere_rows.print_overload(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
