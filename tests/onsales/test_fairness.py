"""Fairness of the waiting line with thousands of simulated visitors, through the service functions on a real
Redis: the early visitors are admitted in a random order, later ones in arrival order after them, and never more
than `admit_per_minute` in any minute, however the visitors arrive (decision 0032)."""
import random
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from onsales import services

RATE = 120  # per minute: one turn every 0.5 s
INTERVAL = timedelta(seconds=60 / RATE)
EARLY, STREAM, BURST = 2000, 600, 400


def _visitors(count):
    User = get_user_model()
    User.objects.bulk_create([User(username=f"visitor{i}") for i in range(count)])
    return list(User.objects.filter(username__startswith="visitor").order_by("pk"))


def _spearman(xs, ys):
    n = len(xs)
    rank_x = {v: i for i, v in enumerate(sorted(xs))}
    rank_y = {v: i for i, v in enumerate(sorted(ys))}
    d2 = sum((rank_x[x] - rank_y[y]) ** 2 for x, y in zip(xs, ys, strict=True))
    return 1 - 6 * d2 / (n * (n * n - 1))


@pytest.mark.django_db
def test_thousands_of_visitors_random_then_arrival_order_at_the_rate(onsale_redis, show, opens_at):
    onsale = services.onsale_create(shows=[show.pk], opens_at=opens_at, admit_per_minute=RATE, pass_minutes=5)
    visitors = _visitors(EARLY + STREAM + BURST)
    rng = random.Random(7)
    rng.shuffle(visitors)
    early, stream, burst = visitors[:EARLY], visitors[EARLY:EARLY + STREAM], visitors[EARLY + STREAM:]

    # Before the opening: arrivals over the hour before, in this order; nobody has a place yet.
    for i, visitor in enumerate(early):
        status, new = services.queue_join(onsale=onsale, user=visitor,
                                          now=opens_at - timedelta(seconds=3600 - i))
        assert new and status.status == "waiting" and status.position is None and status.queue_pass is None
        assert status.estimated_wait_seconds == 3600 - i
    # After it: a steady stream while the early ones are still being admitted...
    stream_times = [opens_at + timedelta(seconds=10 + i / 2) for i in range(STREAM)]
    for visitor, at in zip(stream, stream_times, strict=True):
        services.queue_join(onsale=onsale, user=visitor, now=at)
    # ...then, long after the line emptied, a burst all at one instant.
    burst_at = opens_at + timedelta(seconds=3000)
    for visitor in burst:
        services.queue_join(onsale=onsale, user=visitor, now=burst_at)

    # Joining again changes nothing, whoever and whenever.
    again, new = services.queue_join(onsale=onsale, user=early[0], now=opens_at + timedelta(seconds=5))
    assert not new

    # Every visitor's turn, read after everyone was admitted.
    end = burst_at + timedelta(seconds=BURST)
    turns = {}
    for visitor in visitors:
        status = services.queue_status(onsale=onsale, user=visitor, now=end)
        assert status.status in ("admitted", "expired")
        turns[visitor.pk] = status.admitted_at

    early_turns = sorted(turns[v.pk] for v in early)
    # The early ones come first, at the opening and then one interval apart.
    assert early_turns[0] == opens_at
    assert max(early_turns) < min(turns[v.pk] for v in stream + burst)
    # In a random order: not their arrival order, nor their account order.
    early_order = sorted(early, key=lambda v: turns[v.pk])
    arrival_index = {v.pk: i for i, v in enumerate(early)}
    assert abs(_spearman([arrival_index[v.pk] for v in early_order], list(range(EARLY)))) < 0.1
    assert abs(_spearman([v.pk for v in early_order], list(range(EARLY)))) < 0.1
    # The stream in arrival order, right behind them; the burst from its arrival on, in arrival order too.
    stream_turns = [turns[v.pk] for v in stream]
    assert stream_turns == sorted(stream_turns)
    assert stream_turns[0] == early_turns[-1] + INTERVAL
    burst_turns = [turns[v.pk] for v in burst]
    assert burst_turns == sorted(burst_turns) and burst_turns[0] == burst_at

    # Never more than RATE turns within a minute: consecutive turns are at least one interval apart.
    all_turns = sorted(turns.values())
    gaps = [b - a for a, b in zip(all_turns, all_turns[1:], strict=False)]
    assert min(gaps) >= INTERVAL - timedelta(milliseconds=1)
    for i in range(len(all_turns) - RATE):
        assert all_turns[i + RATE] - all_turns[i] >= timedelta(seconds=60) - timedelta(milliseconds=1)

    # What visitors are told at any moment agrees: the admitted are exactly the prefix of the turns, the waiting
    # are numbered 1, 2, ... in turn order, and no minute admits more than RATE.
    order = sorted(visitors, key=lambda v: turns[v.pk])
    previous_admitted = None
    for seconds in (0, 59.9, 60, 555.25, 1300, 3000, 3059.75):
        now = opens_at + timedelta(seconds=seconds)
        statuses = [services.queue_status(onsale=onsale, user=v, now=now) for v in order]
        admitted = [s.status != "waiting" for s in statuses]
        count = sum(admitted)
        assert admitted == [True] * count + [False] * (len(order) - count)
        assert count == sum(1 for t in all_turns if t <= now)
        assert [s.position for s in statuses[count:]] == list(range(1, len(order) - count + 1))
        for s, visitor in zip(statuses[count:count + 50], order[count:count + 50], strict=True):
            assert abs(s.estimated_wait_seconds - (turns[visitor.pk] - now).total_seconds()) < 1
        if seconds == 60:
            assert count - previous_admitted <= RATE  # from 0 s to 60 s: the window includes both ends
            assert count == RATE + 1
        previous_admitted = count


@pytest.mark.django_db
def test_an_arrival_stamped_before_the_opening_but_counted_after_the_freeze_goes_behind(onsale_redis, show,
                                                                                         opens_at):
    """A request that read the clock before the opening but reached Redis after the first request of the opened
    sale cannot slip into the random group, whose turns may already have been shown."""
    onsale = services.onsale_create(shows=[show.pk], opens_at=opens_at, admit_per_minute=60, pass_minutes=5)
    first, late, slow = _visitors(3)
    services.queue_join(onsale=onsale, user=first, now=opens_at - timedelta(seconds=30))
    services.queue_join(onsale=onsale, user=late, now=opens_at + timedelta(seconds=1))
    services.queue_join(onsale=onsale, user=slow, now=opens_at - timedelta(milliseconds=5))
    at = opens_at + timedelta(seconds=0.5)
    assert services.queue_status(onsale=onsale, user=first, now=at).status == "admitted"
    assert services.queue_status(onsale=onsale, user=late, now=at).position == 1
    assert services.queue_status(onsale=onsale, user=slow, now=at).position == 2
