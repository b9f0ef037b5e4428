"""`make bench`'s rows for a day of premieres (bench/run.py calls them; docs/performance.md explains them):

- **cost**: CPU of the server's processes per request of `/health/`, `/movies/`, `/shows/`, a movie's shows, a show
  and a booking, side by side in one run, with the catalogue cache answering (hits) and with it off (every read runs
  the view), against the targets (reads at most 1.5x `/health/` without a hit and 0.3x with one; a booking 2.5x).
- **overload**: bookings at 1x, 2x, 4x and 10x the connections that saturate the service: successful bookings per
  second against the best, the p99 of the successful ones, the share of fast 503s, time-outs and other 5xx, and the
  latency of `/health/` throughout (targets: >= 90% of the best, p99 < 250 ms, nothing but fast 503s, `/health/`
  within 100 ms). The client is Python (asyncio, kept-alive connections): wrk cannot tell the latency of successes
  from that of refusals. Its own CPU time is reported, as it shares the machine.
- **mail**: the worker's CPU per confirmation mail (bench/mail_cost.py) and the worker cores a sale rate needs.

Plain functions over the plumbing run.py passes in, so this file has no state of its own.
"""
import asyncio
import json
import math
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from statistics import median

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent

COST_DURATION = int(os.environ.get("BENCH_COST_DURATION", 5))
COST_CONNECTIONS = int(os.environ.get("BENCH_COST_CONNECTIONS", 8))
# Interleaved rounds over the paths (cost_table): each round's figures against that round's /health/, the median kept.
COST_ROUNDS = int(os.environ.get("BENCH_COST_ROUNDS", 3))
TARGET_READ_MISS, TARGET_READ_HIT, TARGET_BOOKING = 1.5, 0.3, 2.5

OVERLOAD_FACTORS = [int(f) for f in os.environ.get("BENCH_OVERLOAD_FACTORS", "1,2,4,10").split(",")]
OVERLOAD_DURATION = float(os.environ.get("BENCH_OVERLOAD_DURATION", 8))
# Rounds over the factors, in mirrored order (overload_row); a factor's figures are taken over all its rounds.
OVERLOAD_ROUNDS = int(os.environ.get("BENCH_OVERLOAD_ROUNDS", 2))
# Clients wait the Retry-After of a 503 before their next request, as a well-behaved client (a browser's page, the
# app) does; BENCH_OVERLOAD_RETRY_AFTER=0 retries at once (the worst case: every refusal is at once another request).
OVERLOAD_HONOUR_RETRY_AFTER = os.environ.get("BENCH_OVERLOAD_RETRY_AFTER", "1") != "0"
CLIENT_TIMEOUT = 10.0
# A refusal is "fast" under this; a success must be under TARGET_OVERLOAD_P99_MS at the 99th percentile.
FAST_503_MS, TARGET_OVERLOAD_P99_MS, TARGET_OVERLOAD_RATIO, TARGET_HEALTH_MS = 50, 250, 0.9, 100
HEALTH_INTERVAL = 0.1
# The connections that saturate the service: the overload row's 1x. 8 on the project's 2-CPU VM, where the level
# table's bookings/s is flat from 4 connections up while its p99 grows. Picking the level table's knee or best level
# automatically followed the machine's noise (one run's knee was 2 connections, an earlier one's best was 32).
SATURATION = int(os.environ.get("BENCH_SATURATION", 8))


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, math.ceil(p / 100 * len(sorted_values)) - 1)]


# --- Cost per request ---------------------------------------------------------------------------------------
def read_cost(path: str, *, run_wrk, measure_cpu) -> dict:
    """`path` alone from COST_CONNECTIONS kept-alive connections: server and database CPU per request."""
    result = {}

    def load():
        data = run_wrk("read.lua", COST_CONNECTIONS, {"read_paths": [path]}, COST_DURATION)
        result.update(requests=data["requests"], statuses=data["statuses"],
                      p99_ms=data["latency_us"]["p99"] / 1000)
        return data["requests"]

    app_ms, db_ms = measure_cpu(load)
    return {"path": path, "app_cpu_ms": app_ms, "db_cpu_ms": db_ms, **result}


def cost_table(paths: dict[str, str], booking, *, run_wrk, measure_cpu, rounds: int = COST_ROUNDS) -> dict:
    """`rounds` interleaved passes over the paths (name -> path) and a booking run (`booking(round)` -> api_level's
    result; each round books shows of its own). Each round's figures are divided by that round's `/health/`, and a
    path's row keeps the median of its rounds: the machine's speed drifts over the minute a pass takes (a pass once
    measured `/health/` at twice the other pass's CPU on the same code), and measured once at the start, `/health/`
    carried that drift into every ratio. Interleaved, the drift falls on the paths and their floor alike."""
    runs = []
    for index in range(rounds):
        run = {name: read_cost(path, run_wrk=run_wrk, measure_cpu=measure_cpu) for name, path in paths.items()}
        book = booking(index)
        run["booking"] = {"path": "POST /shows/<id>/book/", "app_cpu_ms": book["app_cpu_ms_per_request"],
                          "db_cpu_ms": book["db_cpu_ms_per_request"], "requests": book["bookings"],
                          "statuses": dict(book["non_2xx"]), "p99_ms": book["p99_ms"],
                          "booked_ids": book["booked_ids"], "unanswered": book["unanswered"]}
        floor = run["health"]["app_cpu_ms"] or float("nan")
        for row in run.values():
            row["x_health"] = row["app_cpu_ms"] / floor
        runs.append(run)
    rows = {}
    for name in runs[0]:
        these = [run[name] for run in runs]
        statuses = Counter()
        for row in these:
            statuses.update({str(s): n for s, n in row["statuses"].items()})
        rows[name] = {
            "path": these[0]["path"], "app_cpu_ms": median([r["app_cpu_ms"] for r in these]),
            "db_cpu_ms": median([r["db_cpu_ms"] for r in these]),
            "x_health": median([r["x_health"] for r in these]),
            "requests": sum(r["requests"] for r in these), "statuses": dict(statuses),
            "p99_ms": median([r["p99_ms"] for r in these]),
            "rounds": [{"app_cpu_ms": r["app_cpu_ms"], "x_health": r["x_health"]} for r in these],
        }
    rows["booking"]["booked_ids"] = [i for run in runs for i in run["booking"]["booked_ids"]]
    rows["booking"]["unanswered"] = sum(run["booking"]["unanswered"] for run in runs)
    return rows


def _non_2xx(row: dict) -> dict:
    """Answers other than 2xx/304 (a shed request costs far less than a served one: it would flatter the figure)."""
    return {str(s): n for s, n in row["statuses"].items() if not (200 <= int(s) < 300 or int(s) == 304)}


def cost_targets(hit: dict, miss: dict) -> dict:
    reads = [name for name in hit if name not in ("health", "booking")]
    worst_miss = max(miss[name]["x_health"] for name in reads)
    worst_hit = max(hit[name]["x_health"] for name in reads)
    # A booking is never cached, so both passes measure it, each against its own pass's /health/. The worse of the
    # two counts: a noisy /health/ in one pass (it once read twice the other's on the same code) must not flatter it.
    booking = max(hit["booking"]["x_health"], miss["booking"]["x_health"])
    return {"reads_miss_worst_x": round(worst_miss, 2), "reads_miss_met": worst_miss <= TARGET_READ_MISS,
            "reads_hit_worst_x": round(worst_hit, 2), "reads_hit_met": worst_hit <= TARGET_READ_HIT,
            "booking_x": round(booking, 2), "booking_met": booking <= TARGET_BOOKING}


def print_cost(hit: dict, miss: dict) -> None:
    header = (f"{'CPU per request':<18} | {'path':<24} | {'app ms (hit)':>12} | {'x health':>8} | "
              f"{'app ms (no cache)':>17} | {'x health':>8} | {'db ms (no cache)':>16} | non-2xx (hit; no cache)")
    print(header)
    print("-" * len(header))
    for name in hit:
        h, m = hit[name], miss[name]
        print(f"{name:<18} | {h['path'][:24]:<24} | {h['app_cpu_ms']:>12.3f} | {h['x_health']:>8.2f} | "
              f"{m['app_cpu_ms']:>17.3f} | {m['x_health']:>8.2f} | {m['db_cpu_ms']:>16.3f} | "
              f"{_non_2xx(h) or '-'}; {_non_2xx(m) or '-'}")
    rounds = len(next(iter(hit.values())).get("rounds", [None]))
    print(f"  medians of {rounds} interleaved rounds (x health: of each round's ratio to its own /health/); "
          f"each round's x health (hit; no cache):")
    for name in hit:
        if name != "health" and "rounds" in hit[name]:
            print(f"    {name:<18} " + " ".join(f"{r['x_health']:.2f}" for r in hit[name]["rounds"]) + "; "
                  + " ".join(f"{r['x_health']:.2f}" for r in miss[name]["rounds"]))
    print(f"  targets: catalogue reads <= {TARGET_READ_MISS}x /health/ without a cache hit, <= {TARGET_READ_HIT}x "
          f"with one; a booking <= {TARGET_BOOKING}x")


# --- Overload -----------------------------------------------------------------------------------------------
class _Client:
    """One kept-alive HTTP/1.1 connection booking fresh seats in turn, recording each answer's status and latency."""

    def __init__(self, host, port, next_request, record, stop_at):
        self.host, self.port = host, port
        self.next_request, self.record, self.stop_at = next_request, record, stop_at
        self.reader = self.writer = None

    async def _connect(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def _exchange(self, raw: bytes):
        self.writer.write(raw)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        match = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        body = await self.reader.readexactly(int(match.group(1))) if match else b""
        closing = re.search(rb"(?i)\r\nconnection: *close", head) is not None
        retry_after = re.search(rb"(?i)\r\nretry-after: *(\d+)", head)
        return status, body, closing, float(retry_after.group(1)) if retry_after else 0.0

    async def run(self):
        while time.monotonic() < self.stop_at:
            raw = self.next_request()
            began = time.monotonic()
            try:
                if self.writer is None:
                    await self._connect()
                status, body, closing, retry_after = await asyncio.wait_for(self._exchange(raw), CLIENT_TIMEOUT)
            except asyncio.TimeoutError:
                self.record("timeout", time.monotonic() - began, b"")
                await self._close()
                continue
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                self.record("error", time.monotonic() - began, b"")
                await self._close()
                await asyncio.sleep(0.05)
                continue
            self.record(status, time.monotonic() - began, body)
            if closing:
                await self._close()
            if status == 503 and OVERLOAD_HONOUR_RETRY_AFTER and retry_after:
                await asyncio.sleep(min(retry_after, max(0.0, self.stop_at - time.monotonic())))
        await self._close()

    async def _close(self):
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None


def _health_probe(host, port, stop: threading.Event, latencies: list, statuses: Counter) -> None:
    import http.client

    connection = None
    while not stop.is_set():
        began = time.monotonic()
        try:
            if connection is None:
                connection = http.client.HTTPConnection(host, port, timeout=CLIENT_TIMEOUT)
            connection.request("GET", "/health/")
            response = connection.getresponse()
            response.read()
            statuses[response.status] += 1
        except OSError:
            statuses["error"] += 1
            connection = None
        latencies.append(time.monotonic() - began)
        stop.wait(HEALTH_INTERVAL)


def _overload_run(connections: int, shows: list[int], tokens: list[str], first_request: int, *, host, port,
                  seats) -> dict:
    """One run of the booking load at `connections`: the raw answers. Request i books seat i div shows + 1 of show
    i mod shows; `first_request` continues a factor's numbering in its second round, so no seat is asked for twice."""
    counter = iter(range(first_request, 10**9))
    sent = [first_request]
    statuses, latencies = Counter(), {"201": [], "503": [], "other": []}
    booked_ids: list[int] = []

    def next_request() -> bytes:
        i = next(counter)
        sent[0] = i + 1
        show, seat = shows[i % len(shows)], i // len(shows) + 1
        if seat > seats:
            show, seat = shows[-1], seats + 1
        body = json.dumps({"seat_number": seat}).encode()
        token = tokens[i % len(tokens)]
        return (f"POST /shows/{show}/book/ HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body

    def record(status, seconds, body):
        statuses[status] += 1
        key = "201" if status == 201 else "503" if status == 503 else "other"
        latencies[key].append(seconds)
        if status == 201:
            booked_ids.append(int(re.match(rb'\{"id": *(\d+)', body).group(1)))

    stop = threading.Event()
    health_latencies, health_statuses = [], Counter()
    probe = threading.Thread(target=_health_probe, args=(host, port, stop, health_latencies, health_statuses))

    async def all_clients():
        stop_at = time.monotonic() + OVERLOAD_DURATION
        clients = [_Client(host, port, next_request, record, stop_at) for _ in range(connections)]
        await asyncio.gather(*(c.run() for c in clients))

    cpu_before, began = time.process_time(), time.monotonic()
    probe.start()
    asyncio.run(all_clients())
    seconds = time.monotonic() - began
    stop.set()
    probe.join()
    return {"statuses": statuses, "latencies": latencies, "booked_ids": booked_ids, "seconds": seconds,
            "client_cpu": time.process_time() - cpu_before, "health_latencies": health_latencies,
            "health_statuses": health_statuses, "sent": sent[0]}


def _overload_summary(connections: int, runs: list[dict]) -> dict:
    """A factor's runs taken together: rates over their total time, percentiles over all their answers."""
    statuses, health_statuses = Counter(), Counter()
    latencies = {"201": [], "503": [], "other": []}
    health_latencies, booked_ids = [], []
    for run in runs:
        statuses.update(run["statuses"])
        health_statuses.update(run["health_statuses"])
        for key, values in run["latencies"].items():
            latencies[key].extend(values)
        health_latencies.extend(run["health_latencies"])
        booked_ids.extend(run["booked_ids"])
    seconds = sum(run["seconds"] for run in runs)
    for values in (*latencies.values(), health_latencies):
        values.sort()
    answered = sum(n for s, n in statuses.items() if isinstance(s, int))
    refusals = latencies["503"]
    fast = sum(1 for v in refusals if v * 1000 < FAST_503_MS)
    five_xx_other = sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500 and s != 503)
    return {
        "connections": connections, "seconds": seconds, "runs": len(runs), "booked_ids": booked_ids,
        "bookings_per_s_per_run": [run["statuses"].get(201, 0) / run["seconds"] for run in runs],
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
        "bookings_per_s": statuses.get(201, 0) / seconds,
        "p99_success_ms": percentile(latencies["201"], 99) * 1000,
        "p50_success_ms": percentile(latencies["201"], 50) * 1000,
        "share_503": len(refusals) / max(answered, 1),
        "share_fast_503": fast / max(answered, 1),
        "p99_503_ms": percentile(refusals, 99) * 1000,
        "timeouts": statuses.get("timeout", 0), "socket_errors": statuses.get("error", 0),
        "other_5xx": five_xx_other,
        "health_p99_ms": percentile(health_latencies, 99) * 1000,
        "health_max_ms": (health_latencies[-1] * 1000) if health_latencies else float("nan"),
        "health_statuses": {str(k): v for k, v in health_statuses.items()},
        "client_cpu_share_of_one_core": sum(run["client_cpu"] for run in runs) / seconds,
    }


def overload_row(saturation: int, shows_for, tokens, *, host, port, seats, log) -> dict:
    """OVERLOAD_ROUNDS rounds over the factors, every other one in reverse order (1, 2, 4, 10, then 10, 4, 2, 1):
    on this machine the rate drifts within a run (the first level measured was the fastest whichever it was), and
    the mirrored order gives every factor the same mean position, so the drift does not pass for the load's effect."""
    runs: dict[int, list[dict]] = {factor: [] for factor in OVERLOAD_FACTORS}
    for round_index in range(OVERLOAD_ROUNDS):
        order = OVERLOAD_FACTORS if round_index % 2 == 0 else list(reversed(OVERLOAD_FACTORS))
        for factor in order:
            connections = saturation * factor
            log(f"overload, round {round_index + 1}/{OVERLOAD_ROUNDS}: {factor}x the saturating {saturation} "
                f"connections = {connections}, {OVERLOAD_DURATION:.0f} s")
            first = runs[factor][-1]["sent"] if runs[factor] else 0
            runs[factor].append(_overload_run(connections, shows_for(factor), tokens, first, host=host, port=port,
                                              seats=seats))
    levels = []
    for factor in OVERLOAD_FACTORS:
        level = _overload_summary(saturation * factor, runs[factor])
        level["factor"] = factor
        levels.append(level)
    best = max(level["bookings_per_s"] for level in levels) or float("nan")
    for level in levels:
        level["ratio_to_best"] = level["bookings_per_s"] / best
    met = all(
        level["ratio_to_best"] >= TARGET_OVERLOAD_RATIO and level["p99_success_ms"] < TARGET_OVERLOAD_P99_MS
        and level["timeouts"] == 0 and level["other_5xx"] == 0 and level["socket_errors"] == 0
        and level["health_max_ms"] < TARGET_HEALTH_MS
        and level["share_fast_503"] >= level["share_503"] * 0.99
        for level in levels)
    return {"saturation_connections": saturation, "honour_retry_after": OVERLOAD_HONOUR_RETRY_AFTER,
            "rounds": OVERLOAD_ROUNDS, "levels": levels, "best_bookings_per_s": best, "targets_met": met}


def print_overload(row: dict) -> None:
    print(f"overload: saturation at {row['saturation_connections']} connections; {row['rounds']} mirrored rounds; "
          f"clients {'wait Retry-After after a 503' if row['honour_retry_after'] else 'retry a 503 at once'}")
    header = (f"{'load':>5} | {'conns':>5} | {'book/s':>7} | {'vs best':>7} | {'p99 201 ms':>10} | "
              f"{'503 share':>9} | {'fast 503':>8} | {'p99 503 ms':>10} | {'timeouts':>8} | {'other 5xx':>9} | "
              f"{'health p99/max ms':>17} | {'client CPU':>10}")
    print(header)
    print("-" * len(header))
    for level in row["levels"]:
        print(f"{str(level['factor']) + 'x':>5} | {level['connections']:>5} | {level['bookings_per_s']:>7.1f} | "
              f"{level['ratio_to_best']:>7.0%} | {level['p99_success_ms']:>10.1f} | {level['share_503']:>9.0%} | "
              f"{level['share_fast_503']:>8.0%} | {level['p99_503_ms']:>10.1f} | {level['timeouts']:>8} | "
              f"{level['other_5xx']:>9} | {level['health_p99_ms']:>8.1f}/{level['health_max_ms']:<8.1f} | "
              f"{level['client_cpu_share_of_one_core']:>10.0%}")
    print(f"  targets: >= {TARGET_OVERLOAD_RATIO:.0%} of the best bookings/s, p99 of successes < "
          f"{TARGET_OVERLOAD_P99_MS} ms, every other answer a 503 under {FAST_503_MS} ms, /health/ under "
          f"{TARGET_HEALTH_MS} ms -> {'met' if row['targets_met'] else 'NOT met'}")


# --- Mail ---------------------------------------------------------------------------------------------------
def mail_row(env: dict, bookings_per_s: float, samples: int) -> dict:
    """bench/mail_cost.py on the bench's database, in a process of its own (the worker's work, not the server's)."""
    result = subprocess.run([sys.executable, str(BENCH_DIR / "mail_cost.py"), str(samples)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    match = re.search(r"^MAIL_COST (.*)$", result.stdout, re.M)
    if not match:
        raise RuntimeError(f"mail_cost.py failed: {result.stderr[-2000:]}")
    data = json.loads(match.group(1))
    if data.get("samples"):
        data["bookings_per_s"] = bookings_per_s
        data["worker_cores_at_rate"] = data["reservation_mail_ms"] / 1000 * bookings_per_s
        data["worker_cores_per_100_bookings_per_s"] = data["reservation_mail_ms"] / 1000 * 100
        data["worker_cores_per_100_with_pdf"] = data["with_pdf_ms"] / 1000 * 100
    return data


def print_mail(data: dict) -> None:
    if not data.get("samples"):
        print("mail: no reservation mail in the outbox to measure")
        return
    print(f"mail worker, CPU per confirmation mail ({data['samples']} mails, {data['tickets']} tickets): compose "
          f"{data['compose_ms']:.2f} ms + QR and MIME {data['qr_and_mime_ms']:.2f} ms = "
          f"{data['reservation_mail_ms']:.2f} ms; a paid order's PDF adds {data['pdf_ms']:.2f} ms "
          f"({data['with_pdf_ms']:.2f} ms in all); a QR drawn again (cached) {data['qr_again_ms']:.3f} ms")
    print(f"  worker cores: {data['worker_cores_per_100_bookings_per_s']:.2f} per 100 bookings/s "
          f"({data['worker_cores_per_100_with_pdf']:.2f} with the PDF); at this run's best "
          f"{data['bookings_per_s']:.0f} bookings/s: {data['worker_cores_at_rate']:.2f} cores")
