"""Rate limits as fixed-window counters in the shared cache.

One primitive for every throttle (logins, binding, SMS, sign-up, …): a `Limit`
names a scope, a maximum and a window; `hit` counts one event for a key and
`exceeded` asks whether the key is over its maximum. Keys are hashed (no phone
number or username in the cache) and, through django-tenants' `make_key`,
carry the company's schema. Production requires Redis so that every process
shares the counters; there each change is one Lua script, atomic on the server
(Django's own `incr`/`decr` check EXISTS and then INCRBY in two round trips, so
a window ending in between left a counter with no expiry: a permanent block).
The local-memory cache of dev and tests is per process and locked per call."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils.translation import gettext


@dataclass(frozen=True)
class Limit:
    scope: str  # e.g. "login.ip"
    max: int  # events allowed per window; the next one is over
    window: int  # seconds

    def key(self, value: object) -> str:
        digest = hashlib.sha256(str(value).lower().encode()).hexdigest()[:32]
        return f"throttle:{self.scope}:{self.window}:{digest}"


# KEYS: counter, its end-time key. ARGV: amount, window, end time. A new counter
# gets the window's expiry; an existing one keeps its own.
_HIT = """
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[2])
end
return n
"""
# KEYS: counter. ARGV: amount. Never creates the counter.
_REFUND = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECRBY', KEYS[1], ARGV[1]) end
return false
"""
# KEYS: slot, its end-time key. ARGV: seconds, end time.
_HOLD = """
if redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[1], 'NX') then
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[1])
  return 1
end
return 0
"""


def _redis_eval(script: str, keys: list[str], args: list) -> object:
    """Run `script` atomically on the Redis server behind the default cache; raise
    LookupError when that cache is not Redis."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        raise LookupError("not a Redis cache")
    full = [backend.make_and_validate_key(k) for k in keys]
    return backend._cache.get_client(full[0], write=True).eval(script, len(full), *full, *args)


def hit(limit: Limit, value: object, *, amount: int = 1) -> int:
    """Count `amount` events for `value`; returns the count in the current window."""
    key = limit.key(value)
    try:
        return int(_redis_eval(_HIT, [key, f"{key}:t"], [amount, limit.window, int(time.time()) + limit.window]))
    except LookupError:
        pass
    for _ in range(3):
        if cache.add(key, amount, limit.window):
            cache.set(f"{key}:t", int(time.time()) + limit.window, limit.window)
            return amount
        try:
            return cache.incr(key, amount)
        except ValueError:  # expired between add and incr: start a new window
            continue
    return amount


def count(limit: Limit, value: object) -> int:
    return int(cache.get(limit.key(value)) or 0)


def counts(limits_and_values: list[tuple[Limit, object]]) -> list[int]:
    """Several counters in one cache round trip."""
    keys = [limit.key(value) for limit, value in limits_and_values]
    found = cache.get_many(keys)
    return [int(found.get(k) or 0) for k in keys]


def exceeded(limit: Limit, value: object) -> bool:
    return count(limit, value) >= limit.max


def retry_after(limit: Limit, value: object) -> int:
    """Seconds until the key's window ends (0 when it has no events)."""
    ends = cache.get(f"{limit.key(value)}:t")
    return max(0, int(ends) - int(time.time())) if ends else 0


def reset(limit: Limit, value: object) -> None:
    key = limit.key(value)
    cache.delete_many([key, f"{key}:t"])


def refund(limit: Limit, value: object, *, amount: int = 1) -> None:
    """Take back `amount` events counted by `hit` (an attempt that turned out not
    to count). Atomic; never creates a key, so a window that ended stays ended."""
    try:
        _redis_eval(_REFUND, [limit.key(value)], [amount])
        return
    except LookupError:
        pass
    try:
        cache.decr(limit.key(value), amount)
    except ValueError:  # no such key: the window is over, nothing to take back
        pass


def admit(limits_and_values: list[tuple[Limit, object]]) -> tuple[Limit, object] | None:
    """Count one attempt against every (limit, value) pair, increment first so
    that concurrent attempts see each other (no check-then-act gap). When any
    pair is now over its maximum the attempt is refused: every count it made is
    taken back and the first pair over its limit is returned (ask `retry_after`
    when it frees up). None: admitted, and counted everywhere."""
    counted = []
    over = None
    for limit, value in limits_and_values:
        n = hit(limit, value)
        counted.append((limit, value))
        if n > limit.max:
            over = (limit, value)
            break
    if over is not None:
        for limit, value in counted:
            refund(limit, value)
    return over


def hold(limit: Limit, value: object, seconds: int) -> bool:
    """Take `value`'s single slot in `limit`'s scope for `seconds` (rather than the
    limit's window): True for the one caller that gets it, False while it is held
    (ask `retry_after` when it frees up). Atomic (SET NX), so concurrent callers
    never both get it. For "one attempt, then wait" schedules."""
    key = limit.key(value)
    seconds = max(1, int(seconds))
    ends = int(time.time()) + seconds
    try:
        return bool(_redis_eval(_HOLD, [key, f"{key}:t"], [seconds, ends]))
    except LookupError:
        pass
    if not cache.add(key, ends, seconds):
        return False
    cache.set(f"{key}:t", ends, seconds)
    return True


def wait_text(seconds: int) -> str:
    """A retry hint for people, rounded up: "45 秒", "15 分钟", "2 小时"."""
    seconds = max(1, int(seconds))
    if seconds < 60:
        return gettext("%(n)d 秒") % {"n": seconds}
    if seconds < 3600:
        return gettext("%(n)d 分钟") % {"n": -(-seconds // 60)}
    return gettext("%(n)d 小时") % {"n": -(-seconds // 3600)}
