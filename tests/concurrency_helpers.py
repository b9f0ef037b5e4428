"""Real-thread race helpers shared by the concurrency tests."""
import threading
from collections import Counter
from dataclasses import dataclass, field

from django.db import connections


@dataclass
class Outcome:
    statuses: list[int] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(self.statuses)


def run_concurrently(requests) -> Outcome:
    """Run the callables at the same moment, one thread each; collect their HTTP statuses."""
    outcome = Outcome()
    start = threading.Barrier(len(requests))
    lock = threading.Lock()

    def worker(request):
        try:
            start.wait(timeout=30)
            statuses = request()
            with lock:
                outcome.statuses.extend(statuses if isinstance(statuses, list) else [statuses])
        except BaseException as exc:  # a crash in a thread must fail the test, not vanish
            with lock:
                outcome.errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(r,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return outcome
