"""Failed-login throttling in the (tenant-aware) cache: per account and per
client IP. A success clears the account's counter; the IP counter only
expires, so one valid account cannot be used to keep guessing others."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(kind: str, value: str) -> str:
    return f"login-fail:{kind}:{hashlib.sha256(value.lower().encode()).hexdigest()[:32]}"


def _window() -> int:
    return settings.LOGIN_THROTTLE["WINDOW_SECONDS"]


def login_blocked(*, username: str, ip: str) -> bool:
    conf = settings.LOGIN_THROTTLE
    counts = cache.get_many([_key("acct", username), _key("ip", ip)])
    return (counts.get(_key("acct", username), 0) >= conf["MAX_PER_ACCOUNT"]
            or counts.get(_key("ip", ip), 0) >= conf["MAX_PER_IP"])


def _incr(key: str) -> None:
    if cache.add(key, 1, _window()):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, _window())


def login_failed(*, username: str, ip: str) -> None:
    _incr(_key("acct", username))
    _incr(_key("ip", ip))


def login_succeeded(*, username: str) -> None:
    cache.delete(_key("acct", username))
