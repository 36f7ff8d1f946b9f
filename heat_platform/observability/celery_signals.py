"""One log line (logger `heat.task`) and the task metrics per Celery task, and the request id of the
request that queued a task carried into the task's own log lines. Connected once, from
HeatPlatformConfig.ready(), in every process that loads Django (web, worker, beat)."""

from __future__ import annotations

import logging
import os
import sys
import time

from celery import signals
from django.db import connection

from heat_platform.logging import request_id_var

from . import metrics

logger = logging.getLogger("heat.task")
HEADER = "heat_request_id"

class _Run:
    """A task being run: a task runs in one thread of one process, prerun then postrun."""

    __slots__ = ("schema", "start", "token")

    def __init__(self, start: float, token, schema: str):
        self.start, self.token, self.schema = start, token, schema


_running: dict[str, _Run] = {}


def _header(task, name: str) -> str | None:
    request = task.request
    return (getattr(request, "headers", None) or {}).get(name) or request.get(name)


@signals.before_task_publish.connect(dispatch_uid="heat_request_id_out")
def _stamp_request_id(headers=None, **_kwargs) -> None:
    rid = request_id_var.get()
    if headers is not None and rid != "-":
        headers.setdefault(HEADER, rid)


@signals.task_prerun.connect(dispatch_uid="heat_task_started")
def _task_started(task_id=None, task=None, **_kwargs) -> None:
    rid = _header(task, HEADER)
    token = request_id_var.set(rid) if rid else None
    # tenant-schemas-celery's receivers run before ours: the task's schema is set now, and is switched
    # back before our postrun receiver runs.
    _running[task_id] = _Run(time.perf_counter(), token, connection.schema_name)


@signals.task_postrun.connect(dispatch_uid="heat_task_finished")
def _task_finished(task_id=None, task=None, state=None, **_kwargs) -> None:
    run = _running.pop(task_id, None)
    elapsed = time.perf_counter() - run.start if run is not None else 0.0
    schema = run.schema if run is not None else "-"
    if state:
        outcome = state.lower()
    else:  # an eager task propagating its exception: postrun runs in Celery's `finally`, with no state
        outcome = "failure" if sys.exc_info()[0] is not None else "unknown"
    metrics.CELERY_TASKS.labels(task.name, outcome).inc()
    metrics.CELERY_TASK_LATENCY.labels(task.name).observe(elapsed)
    level = logging.ERROR if outcome == "failure" else logging.INFO
    logger.log(level, "task %s %s %.1fms", task.name, outcome, elapsed * 1000, extra={
        "event": "task", "task": task.name, "task_id": task_id, "outcome": outcome,
        "duration_ms": round(elapsed * 1000, 1), "retries": task.request.retries or 0,
        "tenant": schema, "site": "platform" if schema == "public" else "tenant"})
    if run is not None and run.token is not None:
        request_id_var.reset(run.token)


@signals.worker_init.connect(dispatch_uid="heat_worker_metrics")
def _worker_metrics(**_kwargs) -> None:
    """CELERY_METRICS_PORT: serve this worker's metrics (all pool processes) on that port."""
    port = os.environ.get("CELERY_METRICS_PORT")
    if port:
        metrics.serve_worker_metrics(int(port))
