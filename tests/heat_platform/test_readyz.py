"""`/readyz`: PostgreSQL, the shared cache and the Celery broker, each within READYZ_TIMEOUT, on the
platform's and a company's host; 503 with a JSON body naming what failed. The cache and broker are a
real Redis (tests/redis_server.py); failures are that Redis stopped, a closed database port, and a
listener that accepts and never answers (a hung dependency)."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from django.db import connections

from heat_platform.celery import app as celery_app
from tests.redis_server import start_redis, stop_redis

pytestmark = pytest.mark.django_db
REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"


@pytest.fixture
def own_redis(tmp_path, settings):
    """A Redis of this test only (it gets stopped), as cache and broker."""
    proc, url = start_redis(tmp_path)
    settings.CACHES = {"default": {**settings.CACHES["default"], "BACKEND": REDIS_CACHE, "LOCATION": f"{url}/1",
                                   "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    old_broker = celery_app.conf.broker_url
    celery_app.conf.broker_url = f"{url}/0"
    try:
        yield proc
    finally:
        celery_app.conf.broker_url = old_broker
        stop_redis(proc)


@pytest.mark.parametrize("host", ["localhost", "alpha.localhost"])
def test_ready_when_database_cache_and_broker_answer(client, own_redis, host):
    resp = client.get("/readyz", HTTP_HOST=host)
    assert resp.status_code == 200
    assert resp.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}
    assert resp.json()["failed"] == []
    assert resp["Cache-Control"] == "no-store"


def test_a_stopped_redis_makes_cache_and_broker_fail(client, own_redis, settings):
    settings.READYZ_TIMEOUT = 3.0
    stop_redis(own_redis)
    resp = client.get("/readyz", HTTP_HOST="alpha.localhost")
    assert resp.status_code == 503
    body = resp.json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["broker", "cache"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"].startswith("error: ")
    assert "127.0.0.1" not in resp.content.decode()  # the body names the failure, never where it was


def test_an_unreachable_database_fails(client, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    # Only the probe's own thread opens a new connection; this test's connection is already open.
    connections["default"].ensure_connection()
    monkeypatch.setitem(connections.settings["default"], "PORT", str(closed_port))
    monkeypatch.setitem(connections.settings["default"], "HOST", "127.0.0.1")
    resp = client.get("/readyz", HTTP_HOST="localhost")
    assert resp.status_code == 503
    assert resp.json()["failed"] == ["database"]
    assert resp.json()["checks"]["database"] == "error: OperationalError"


def test_a_hung_cache_costs_the_probe_its_deadline_and_no_more(client, settings):
    """A Redis that accepts connections and never answers: the probe answers 503 'timeout' after
    READYZ_TIMEOUT instead of hanging the request."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    settings.CACHES = {"default": {**settings.CACHES["default"], "BACKEND": REDIS_CACHE,
                                   "LOCATION": f"redis://127.0.0.1:{port}/1", "OPTIONS": {}}}
    settings.READYZ_TIMEOUT = 1.0
    try:
        started = time.monotonic()
        resp = client.get("/readyz", HTTP_HOST="localhost")
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()
    assert resp.status_code == 503
    assert resp.json()["checks"]["cache"] == "timeout"
    assert resp.json()["failed"] == ["cache"]
    assert 1.0 <= elapsed < 3.0
