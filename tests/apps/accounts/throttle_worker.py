"""One process of the two-process throttle test (test_throttle_redis.py):
Django set up against the shared Redis from CACHE_URL, waits for the go file,
then makes attempts through the login throttle and prints what it got (JSON)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main() -> None:
    import django

    django.setup()
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    from apps.accounts import throttle
    from heat_platform.kernel import throttle as kt

    assert isinstance(caches["default"], RedisCache), caches["default"]
    mode, attempts, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.001)
    admitted = refused = 0
    pid = os.getpid()
    for i in range(attempts):
        if mode == "hit":
            kt.hit(kt.Limit("test.shared", 10**9, 600), "one-key")
            admitted += 1
            continue
        username = "alpha-admin" if mode == "account_ip" else f"user-{pid}-{i}"
        try:
            attempt = throttle.attempt_begin(username=username, ip="198.51.100.1")
        except throttle.LoginThrottledError:
            refused += 1
        else:
            throttle.attempt_failed(attempt)
            admitted += 1
    print(json.dumps({"admitted": admitted, "refused": refused}), flush=True)


if __name__ == "__main__":
    main()
