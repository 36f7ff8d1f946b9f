"""The throttles on a real Redis (started by the test set-up, tests/redis_server.py),
as in production: two separate processes share the counters exactly, every
counter expires, and the whole login path runs on it."""

import json
import os
import subprocess
import sys

import pytest
import redis
from django.conf import settings
from django.core.cache import caches

from heat_platform.kernel import throttle as kt
from tests.factories.tenants import PASSWORD


def _run_two_processes(redis_db_url: str, tmp_path, mode: str, attempts: int, **limits) -> list[dict]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "heat_platform.settings.test", "CACHE_URL": redis_db_url,
           **{f"LOGIN_THROTTLE_{k.upper()}": str(v) for k, v in limits.items()}}
    go = tmp_path / f"go-{mode}"
    procs = [subprocess.Popen([sys.executable, "-m", "tests.apps.accounts.throttle_worker", mode, str(attempts),
                               str(go)], cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        for proc in procs:  # both are set up and waiting: start them together
            line = proc.stdout.readline()
            assert line.strip() == "ready", (line, proc.stderr.read() if proc.poll() is not None else "")
        go.touch()
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()


def _keys(redis_db_url: str, scope: str) -> dict[bytes, int]:
    """Counter keys of `scope` (not their end-time twins) and their TTLs."""
    client = redis.Redis.from_url(redis_db_url)
    return {k: client.ttl(k) for k in client.scan_iter(f"*throttle:{scope}:*") if not k.endswith(b":t")}


def test_two_processes_count_every_hit(redis_cache, tmp_path):
    """No lost increments: 2 × 2000 concurrent hits on one key are 4000, and the key keeps its expiry."""
    results = _run_two_processes(redis_cache, tmp_path, "hit", 2000)
    assert [r["admitted"] for r in results] == [2000, 2000]
    with_ttl = _keys(redis_cache, "test.shared")
    assert len(with_ttl) == 1 and 0 < next(iter(with_ttl.values())) <= 600
    key = next(iter(with_ttl))
    assert int(redis.Redis.from_url(redis_cache).get(key)) == 4000


def test_two_processes_hold_the_account_ip_limit_exactly(redis_cache, tmp_path):
    """Both processes guess one account from one IP at once: together they get
    exactly MAX_PER_ACCOUNT_IP attempts, not that many each."""
    results = _run_two_processes(redis_cache, tmp_path, "account_ip", 600, max_per_account_ip=400,
                                 max_per_ip=100000, account_free=100000)
    assert sum(r["admitted"] for r in results) == 400
    assert sum(r["refused"] for r in results) == 800
    assert all(r["admitted"] > 0 for r in results), results  # they really ran side by side
    assert all(0 < ttl <= 900 for ttl in _keys(redis_cache, "login.account_ip").values())


def test_two_processes_hold_the_ip_limit_exactly(redis_cache, tmp_path):
    results = _run_two_processes(redis_cache, tmp_path, "ip", 600, max_per_ip=400)
    assert sum(r["admitted"] for r in results) == 400
    assert all(r["admitted"] > 0 for r in results), results


def test_kernel_primitives_on_redis(redis_cache):
    limit = kt.Limit("test.prims", 3, 60)
    assert [kt.hit(limit, "k") for _ in range(4)] == [1, 2, 3, 4]
    assert kt.count(limit, "k") == 4 and kt.exceeded(limit, "k") and 55 <= kt.retry_after(limit, "k") <= 60
    kt.refund(limit, "k")
    assert kt.count(limit, "k") == 3
    kt.refund(limit, "gone")  # never creates a counter (one with no expiry would block forever)
    gone = caches["default"].make_and_validate_key(limit.key("gone"))
    assert not redis.Redis.from_url(redis_cache).exists(gone)
    assert kt.admit([(limit, "k")]) == (limit, "k") and kt.count(limit, "k") == 3  # refused, taken back
    assert kt.hold(limit, "turn", 30) and not kt.hold(limit, "turn", 30)
    assert 25 <= kt.retry_after(limit, "turn") <= 30
    kt.reset(limit, "k")
    assert kt.count(limit, "k") == 0
    assert all(ttl > 0 for ttl in _keys(redis_cache, "test.prims").values())


def test_login_throttle_through_the_stack_on_redis(redis_cache, gql, alpha):
    def attempt(password, ip):
        data = gql(alpha.host, 'mutation($p: String!) { staffLogin(username: "alpha-admin", password: $p) '
                               '{ errors { code retryAfter } } }', {"p": password}, ip=ip)
        return data["data"]["staffLogin"]["errors"]

    assert attempt(PASSWORD, "10.0.0.9") == []
    for _ in range(5):
        assert attempt("wrong", "10.0.0.1")[0]["code"] == "INVALID_CREDENTIALS"
    refused = attempt(PASSWORD, "10.0.0.1")
    assert refused[0]["code"] == "TOO_MANY_ATTEMPTS" and 890 <= refused[0]["retryAfter"] <= 900
    assert attempt(PASSWORD, "10.0.0.2")[0]["code"] == "TOO_MANY_ATTEMPTS"  # the account's pause
    assert attempt(PASSWORD, "10.0.0.9") == []  # the known client
    keys = redis.Redis.from_url(redis_cache).keys("*")
    assert keys and all(k.startswith(f"{alpha.schema}:".encode()) for k in keys)  # tenant-aware keys
    assert b"alpha-admin" not in b"".join(keys)  # hashed: no usernames in the cache


@pytest.mark.parametrize("mode", ["account_ip"])
def test_worker_refuses_a_per_process_cache(mode, tmp_path):
    """The worker checks it really runs on Redis (so the two-process tests cannot pass on locmem)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "heat_platform.settings.test", "CACHE_URL": "locmemcache://x"}
    proc = subprocess.run([sys.executable, "-m", "tests.apps.accounts.throttle_worker", mode, "1",
                           str(tmp_path / "go")], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode != 0 and "AssertionError" in proc.stderr
