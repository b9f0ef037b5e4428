"""Real-thread race helpers shared by the concurrency tests."""
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock

from django.db import connection, connections, transaction


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


@contextmanager
def row_locked_elsewhere(queryset, *, no_key: bool = False):
    """Hold `SELECT ... FOR UPDATE` (or FOR NO KEY UPDATE) on the queryset's row from another thread (its own
    connection) for the duration of the block, as a concurrent transaction would."""
    holding, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                queryset.select_for_update(no_key=no_key).get()
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(timeout=10), "could not take the lock"
        yield
    finally:
        release.set()
        holder.join()


def calls_meet(target, attribute: str, parties: int, *, timeout: float = 2.0):
    """Patch `target.attribute` so that `parties` concurrent calls of it wait for each other before going on: the
    reads a lock should serialise then happen at the same moment, and a control without the lock sees the race
    whatever the machine's scheduling. Under the lock only one call is ever there: it waits out `timeout` and goes
    on alone (the barrier breaks, and every later call passes straight through)."""
    barrier = threading.Barrier(parties)
    real = getattr(target, attribute)

    def meet_then_call(*args, **kwargs):
        try:
            barrier.wait(timeout=timeout)
        except threading.BrokenBarrierError:
            pass
        return real(*args, **kwargs)

    return mock.patch.object(target, attribute, meet_then_call)
