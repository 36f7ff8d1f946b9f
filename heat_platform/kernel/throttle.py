"""Rate limits as fixed-window counters in the shared cache.

One primitive for every throttle (logins, binding, SMS, sign-up, …): a `Limit`
names a scope, a maximum and a window; `hit` counts one event for a key and
`exceeded` asks whether the key is over its maximum. Keys are hashed (no phone
number or username in the cache) and, through django-tenants' `make_key`,
carry the company's schema. Increments are atomic in Redis (INCR keeps the
key's expiry), which production requires so that every process shares the
counters; the local-memory cache of dev and tests is per process."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    scope: str  # e.g. "login.ip"
    max: int  # events allowed per window; the next one is over
    window: int  # seconds

    def key(self, value: object) -> str:
        digest = hashlib.sha256(str(value).lower().encode()).hexdigest()[:32]
        return f"throttle:{self.scope}:{self.window}:{digest}"


def hit(limit: Limit, value: object, *, amount: int = 1) -> int:
    """Count `amount` events for `value`; returns the count in the current window."""
    key = limit.key(value)
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
