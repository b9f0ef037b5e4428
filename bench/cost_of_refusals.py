"""What the answers that sell nothing cost, beside a sale: the server's and PostgreSQL's CPU per request of
`/health/`, a signed-in `GET /me/`, a booking refused with 400 (a seat number no show has), one refused with 409
(a seat already sold) and a booking, at 8 kept-alive connections, in interleaved rounds. On the day of an on-sale
many requests lose a race: a refusal must not cost more than the sale it lost (decision 0056). Not part of
`make bench`; configured like it (every knob of bench/run.py and the server's is read from the environment).

    BENCH_REFUSAL_ROUNDS=2 .venv/bin/python bench/cost_of_refusals.py
"""
import math
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run


def main() -> int:
    rounds = int(os.environ.get("BENCH_REFUSAL_ROUNDS", 2))
    duration = run.premiere_rows.COST_DURATION
    with run.served_for_a_tool("Bench: cost of refusals") as (staff, tokens, movie):
        per_round = math.ceil(run.MAX_EXPECTED_RATE * duration / run.SEATS)
        booking_shows = [run.create_shows(staff, movie, per_round, f"refusals, bookings {i}") for i in range(rounds)]
        [sold_out] = run.create_shows(staff, movie, 1, "refusals, seat 1 sold")
        run.run_wrk("book.lua", 1, {"shows": [sold_out], "seats": 1, "tokens": tokens}, 1)

        def cost(config: dict, script: str = "refusals.lua") -> tuple[float, float, dict]:
            statuses = {}

            def load():
                data = run.run_wrk(script, 8, {"tokens": tokens, **config}, duration)
                statuses.update(data["statuses"])
                return data["requests"]

            app_ms, db_ms = run.measure_cpu(load)
            return app_ms, db_ms, statuses

        print(f"{'round':>5} | {'request':<26} | {'app ms':>7} | {'x health':>8} | {'db ms':>6} | statuses")
        for index in range(rounds):
            rows = {
                "/health/": cost({"read_paths": ["/health/"]}, "read.lua"),
                "GET /me/": cost({"mode": "me", "path": "/me/"}),
                "booking refused, 400": cost({"mode": "book", "shows": [sold_out], "seat": run.SEATS + 1}),
                "booking refused, 409": cost({"mode": "book", "shows": [sold_out], "seat": 1}),
            }
            book = run.api_level(8, booking_shows[index], tokens, duration=duration)
            rows["booking, 201"] = (book["app_cpu_ms_per_request"], book["db_cpu_ms_per_request"],
                                    {201: book["bookings"], **book["non_2xx"]})
            floor = rows["/health/"][0]
            for name, (app_ms, db_ms, statuses) in rows.items():
                print(f"{index + 1:>5} | {name:<26} | {app_ms:>7.3f} | {app_ms / floor:>8.2f} | {db_ms:>6.3f} | "
                      f"{dict(sorted((int(k), v) for k, v in statuses.items()))}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
