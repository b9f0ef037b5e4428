"""The waiting line of an on-sale, in Redis: who is in it, in which order, and when each visitor's turn comes.

Decision 0032 explains the design; in short:

- One sorted set per on-sale (`<prefix>:<id>:line`), one member per account. A visitor who arrives before the
  on-sale opens gets a random score in [-1, 0) (their random key, drawn at arrival; nobody's place is shown before
  the opening, so the key is only "revealed" then). Redis orders the set by score, so at the opening the early
  visitors are in random order, and every later visitor comes after them.
- Turns are computed from time, not handed out by a worker: visitor k of the early ones (0-based, in the set's
  order) is admitted at `opens_at + k × interval`, where interval = 60 s / the admission rate at the freeze. A
  visitor who arrives later gets the first free turn: `max(arrival, previous turn + interval)`, with the interval
  of the rate at their arrival, and that turn (milliseconds after the opening) is their score, so later arrivals
  are in arrival order and turns are at least one interval apart: at most the rate's turns fall in any minute,
  however the visitors arrive.
- The first request after the opening "freezes" the early group (stores its size, its last turn and its interval),
  atomically with the rest of the script: from then on an early key can no longer be added, and the early turns
  are computed from the stored interval, so nobody's turn moves once it could have been seen, even when the rate
  changes afterwards (a rate derived from the measured capacity changes by itself, decision 0054: it applies to
  the visitors who arrive after the change).

Everything is in Redis and computed from the clock, so the line holds when application hosts restart or are
killed: no process owns any of it. Each operation is one Lua script (atomic, one round trip).
"""
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from django.conf import settings

# Keys of one on-sale expire this long after its last arrival (a finished on-sale leaves nothing behind).
KEY_TTL_SECONDS = 30 * 24 * 3600

# Shared by both scripts: freeze the early group once the on-sale is open (now_ms >= 0), with the interval given
# (`interval_arg`, stored as sent: Lua's tostring would keep only 14 digits, and Python reads it back to compute
# the early turns exactly as the script does).
_FREEZE = """
local function freeze(line, meta, now_ms, interval, interval_arg)
    if now_ms < 0 then return end
    if redis.call('HEXISTS', meta, 'early') == 1 then return end
    local early = redis.call('ZCOUNT', line, '-inf', '(0')
    redis.call('HSET', meta, 'early', early, 'last_turn', tostring((early - 1) * interval),
               'early_interval', interval_arg)
end
"""

# KEYS: line, meta. ARGV: member, now_ms (relative to opens_at), interval_ms, random key in [-1, 0), ttl.
# Answers {score (a string), 1 if the member is new else 0}: joining twice keeps the first place (idempotent).
_JOIN = _FREEZE + """
local line, meta = KEYS[1], KEYS[2]
local now_ms, interval = tonumber(ARGV[2]), tonumber(ARGV[3])
local score = redis.call('ZSCORE', line, ARGV[1])
if score then return {score, 0} end
freeze(line, meta, now_ms, interval, ARGV[3])
if redis.call('HEXISTS', meta, 'early') == 0 then
    score = ARGV[4]
else
    local turn = math.max(now_ms, tonumber(redis.call('HGET', meta, 'last_turn')) + interval)
    score = tostring(turn)
    redis.call('HSET', meta, 'last_turn', score)
end
redis.call('ZADD', line, score, ARGV[1])
redis.call('EXPIRE', line, ARGV[5])
redis.call('EXPIRE', meta, ARGV[5])
return {score, 1}
"""

# KEYS: line, meta. ARGV: member, now_ms, interval_ms (the current one: used only if this request freezes).
# Answers false (not in line), or {score, rank, early count or -1 before the opening, admitted count, the early
# group's interval (a string; none before the opening)}. A line frozen before the interval was stored uses the
# current one for its early group, as it always did.
_STATUS = _FREEZE + """
local line, meta = KEYS[1], KEYS[2]
local now_ms, interval = tonumber(ARGV[2]), tonumber(ARGV[3])
local score = redis.call('ZSCORE', line, ARGV[1])
if not score then return false end
freeze(line, meta, now_ms, interval, ARGV[3])
local rank = redis.call('ZRANK', line, ARGV[1])
if now_ms < 0 then return {score, rank, -1, 0} end
local early = tonumber(redis.call('HGET', meta, 'early'))
local early_interval_arg = redis.call('HGET', meta, 'early_interval') or ARGV[3]
local admitted_early = math.min(early, math.floor(now_ms / tonumber(early_interval_arg)) + 1)
local admitted_late = redis.call('ZCOUNT', line, 0, now_ms)
return {score, rank, early, admitted_early + admitted_late, early_interval_arg}
"""


@dataclass(frozen=True)
class Place:
    """A visitor's place at `now`. Before the opening only `opens_in` is known (the order is not drawn yet)."""

    opened: bool
    admitted: bool
    position: int | None  # 1 = next to be admitted; None before the opening and once admitted
    turn_at: datetime | None  # when the visitor is (or was) admitted; None before the opening
    wait_seconds: int  # until the turn (before the opening: until the opening)
    rank: int  # 0-based place in the line's order (before the opening: meaningless, the order is not drawn)


_clients: dict[str, tuple[redis.Redis, object, object]] = {}


def _connection():
    """The Redis client of ONSALE_REDIS_URL and its two scripts (sent by hash: EVALSHA), one per process. Short
    time-outs: a waiting room that cannot reach Redis answers 503 at once rather than holding a worker."""
    url = settings.ONSALE_REDIS_URL
    if url not in _clients:
        r = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        _clients[url] = (r, r.register_script(_JOIN), r.register_script(_STATUS))
    return _clients[url]


def client() -> redis.Redis:
    return _connection()[0]


def _keys(onsale_id: int) -> list[str]:
    prefix = f"{settings.ONSALE_REDIS_PREFIX}:{onsale_id}"
    return [f"{prefix}:line", f"{prefix}:meta"]


def _interval_ms(admit_per_minute: int) -> str:
    """The interval between turns, as the scripts receive it (and store it for the early group): repr() is the
    shortest text that reads back as the same float, in Python and in Lua."""
    return repr(60_000 / admit_per_minute)


def _now_ms(opens_at: datetime, now: datetime) -> int:
    """Whole milliseconds since the opening: a visitor's turn may be this very value, and a whole number survives
    Lua's number-to-string conversion (14 significant digits) exactly, so "turn <= now" holds for it."""
    return math.floor((now - opens_at).total_seconds() * 1000)


def random_key() -> str:
    """A visitor's random key: uniform in [-1, 0) with 52 bits, from the OS's CSPRNG (no one can predict or steer
    their draw). Ties are practically impossible and would be broken by account id, still not by arrival."""
    return repr(-(secrets.randbits(52) + 1) / 2**52)


def join(*, onsale_id: int, user_id: int, opens_at: datetime, admit_per_minute: int, now: datetime) -> bool:
    """Put the account in the line (once: a second call changes nothing). True when it was new. A visitor who
    arrives after the opening gets a turn at least 60 / `admit_per_minute` seconds after the previous one."""
    join_script = _connection()[1]
    _score, new = join_script(keys=_keys(onsale_id), args=[str(user_id), _now_ms(opens_at, now),
                                                          _interval_ms(admit_per_minute), random_key(),
                                                          KEY_TTL_SECONDS])
    return bool(new)


def place(*, onsale_id: int, user_id: int, opens_at: datetime, admit_per_minute: int, now: datetime) -> Place | None:
    """The account's place at `now`, or None when it is not in the line. `admit_per_minute` (the current rate)
    matters only if this call freezes the early group; their turns come from the interval stored then."""
    now_ms = _now_ms(opens_at, now)
    status_script = _connection()[2]
    answer = status_script(keys=_keys(onsale_id), args=[str(user_id), now_ms, _interval_ms(admit_per_minute)])
    if answer is None:
        return None
    score, rank, early, admitted_count = float(answer[0]), int(answer[1]), int(answer[2]), int(answer[3])
    if early < 0:
        return Place(opened=False, admitted=False, position=None, turn_at=None,
                     wait_seconds=max(0, math.ceil(-now_ms / 1000)), rank=rank)
    turn_ms = rank * float(answer[4]) if rank < early else score
    admitted = rank < admitted_count
    return Place(
        opened=True, admitted=admitted, position=None if admitted else rank - admitted_count + 1,
        turn_at=opens_at + timedelta(milliseconds=turn_ms),
        wait_seconds=0 if admitted else max(0, math.ceil((turn_ms - now_ms) / 1000)), rank=rank,
    )


def forget(onsale_id: int) -> None:
    """Delete an on-sale's line (its on-sale was deleted)."""
    client().delete(*_keys(onsale_id))
