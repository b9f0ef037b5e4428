"""Where the server's CPU goes per request, thread by thread: `/health/` and a booking at 8 connections, each
worker's threads counted from `/proc/<pid>/task/*/stat`. Not part of `make bench`; configured like it (every knob of
bench/run.py and the server's is read from the environment).

    .venv/bin/python bench/cost_by_thread.py

It answers whether a booking's CPU is the Django code (the one thread per worker that runs it, common.shedding) or
the serving around it (granian's Rust I/O threads, its Python threads that hand requests over). Threads are
listed by the kernel's name, which a thread takes from the thread that started it: the thread that runs Django
shows as "granian" in some workers and as "tokio-rt-worker" in others. It is each worker's busiest thread by far.
Each figure is the thread's CPU over the run divided by all the run's requests.
"""
import math
import os
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run

CONNECTIONS = int(os.environ.get("BENCH_COST_CONNECTIONS", 8))


def _thread_cpu() -> dict[tuple[int, int, str], float]:
    """(process, thread, name) -> CPU seconds so far, for every thread of the server's processes."""
    found = {}
    for pid in run._server_pids():
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                name = (task / "comm").read_text().strip()
            except OSError:
                continue  # the thread ended meanwhile
            seconds = run.stat_cpu_seconds(task / "stat")
            if seconds is not None:
                found[(pid, int(task.name), name)] = seconds
    return found


def _report(title: str, before: dict, after: dict, requests: int) -> None:
    per_process = defaultdict(list)
    per_name = defaultdict(float)
    for key, seconds in after.items():
        used = seconds - before.get(key, 0.0)
        if used > 0:
            per_process[key[0]].append((used / requests * 1000, key[2]))
            per_name[key[2]] += used / requests * 1000
    print(f"{title}: {requests} requests; ms of CPU per request")
    for pid, threads in sorted(per_process.items()):
        top = ", ".join(f"{ms:.3f} {name}" for ms, name in sorted(threads, reverse=True)[:4])
        print(f"  worker {pid}: {top}")
    print("  by thread name: " + ", ".join(f"{name} {ms:.3f}" for name, ms in sorted(per_name.items())))


def main() -> int:
    duration = run.premiere_rows.COST_DURATION
    with run.served_for_a_tool("Bench: cost by thread") as (staff, tokens, movie):
        shows = run.create_shows(staff, movie, math.ceil(run.MAX_EXPECTED_RATE * duration / run.SEATS), "threads")
        before = _thread_cpu()
        health = run.run_wrk("read.lua", CONNECTIONS, {"read_paths": ["/health/"]}, duration)["requests"]
        _report("/health/", before, _thread_cpu(), health)
        before = _thread_cpu()
        booking = run.api_level(CONNECTIONS, shows, tokens, duration=duration)
        _report(f"booking (app {booking['app_cpu_ms_per_request']:.3f} ms in all)", before, _thread_cpu(),
                booking["bookings"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
