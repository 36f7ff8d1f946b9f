"""Probes: `/healthz` (liveness) and `/readyz` (readiness), on the platform's and every company's host."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.http import JsonResponse

logger = logging.getLogger(__name__)


def health(request):
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"status": "ok", "tenant": getattr(request, "tenant", None) and request.tenant.slug})


def _check_database() -> None:
    try:
        with connections["default"].cursor() as cur:
            cur.execute("SELECT 1")
    finally:
        connections.close_all()  # this thread's own connection: give the pooler its server connection back


def _check_cache() -> None:
    key = "readyz"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return what was just stored")


def _check_broker() -> None:
    from heat_platform.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=_timeout())


CHECKS: dict[str, Callable[[], None]] = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


def _timeout() -> float:
    return getattr(settings, "READYZ_TIMEOUT", 2.0)  # production.py reads it from the environment


def ready(request):
    """200 when PostgreSQL (through the pooler), the shared cache and the Celery broker all answer within
    READYZ_TIMEOUT seconds, else 503 naming each one that failed or timed out. The checks run side by side
    on their own threads, so a hung dependency costs the probe its deadline and no more; the answer names
    only the exception class (no host names or credentials)."""
    started = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="readyz")
    futures = {name: pool.submit(check) for name, check in CHECKS.items()}
    wait(futures.values(), timeout=_timeout())
    pool.shutdown(wait=False, cancel_futures=True)  # a hung check finishes (or times out) on its own
    checks: dict[str, str] = {}
    for name, future in futures.items():
        if not future.done():
            checks[name] = "timeout"
        elif future.exception() is not None:
            exc = future.exception()
            logger.warning("readyz: %s failed: %s: %s", name, type(exc).__name__, exc)
            checks[name] = f"error: {type(exc).__name__}"
        else:
            checks[name] = "ok"
    failed = sorted(name for name, state in checks.items() if state != "ok")
    body = {"status": "unavailable" if failed else "ok", "failed": failed, "checks": checks,
            "ms": round((time.monotonic() - started) * 1000)}
    return JsonResponse(body, status=503 if failed else 200, headers={"Cache-Control": "no-store"})
