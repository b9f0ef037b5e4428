"""Joins at the same moment from real threads: the Lua scripts are atomic, so every visitor gets a turn of their
own at least one interval after the previous one, and an account joining from several tabs at once gets one
place. The control does the same read-then-write without a script and sees turns collide."""
import threading
from datetime import timedelta

from django.utils import timezone

from onsales import line

RATE = 60  # one turn a second
THREADS = 40


def _at_once(targets):
    barrier = threading.Barrier(len(targets))
    errors = []

    def run(target):
        try:
            barrier.wait(timeout=30)
            target()
        except BaseException as exc:  # a crash in a thread must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def _turns(onsale_id, opens_at, user_ids, now):
    places = [line.place(onsale_id=onsale_id, user_id=u, opens_at=opens_at, admit_per_minute=RATE, now=now)
              for u in user_ids]
    return sorted(p.turn_at for p in places)


def test_simultaneous_joins_get_distinct_turns_at_the_rate(onsale_redis):
    opens_at = timezone.now().replace(microsecond=0)
    now = opens_at + timedelta(seconds=10)
    users = list(range(1, THREADS + 1))
    _at_once([lambda u=u: line.join(onsale_id=1, user_id=u, opens_at=opens_at, admit_per_minute=RATE, now=now)
              for u in users])
    turns = _turns(1, opens_at, users, now + timedelta(hours=1))
    assert turns == [now + timedelta(seconds=i) for i in range(THREADS)]


def test_one_account_joining_from_many_tabs_at_once_gets_one_place(onsale_redis):
    opens_at = timezone.now().replace(microsecond=0)
    results = []
    _at_once([lambda: results.append(line.join(onsale_id=2, user_id=7, opens_at=opens_at, admit_per_minute=RATE,
                                               now=opens_at + timedelta(seconds=1))) for _ in range(THREADS)])
    assert results.count(True) == 1
    assert line.client().zcard(f"{onsale_redis}:2:line") == 1


def test_control_a_read_then_write_without_the_script_gives_colliding_turns(onsale_redis):
    """What the script prevents: each thread reads the last turn, then writes its own; with the reads all before
    the writes (a barrier between them, so the interleaving is certain), the turns collide."""
    r = line.client()
    meta = f"{onsale_redis}:3:meta"
    r.hset(meta, mapping={"early": 0, "last_turn": -1000})
    turns = []
    read_all = threading.Barrier(THREADS)

    def naive_join():
        last = float(r.hget(meta, "last_turn"))
        read_all.wait(timeout=30)
        turn = max(10_000, last + 1000)
        r.hset(meta, "last_turn", turn)
        turns.append(turn)

    _at_once([naive_join] * THREADS)
    assert len(set(turns)) < THREADS
