"""Queueing Celery tasks from services: always after commit (the worker must
see the rows the task is about) and always in the caller's company schema."""

from __future__ import annotations

from django.db import connection, transaction


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Queue `task(*args, **kwargs)` once the current transaction commits (at once
    outside one), in the current schema. The schema is read now: the callback may
    run after the request has left it (tenant-schemas-celery reads this header)."""
    headers = {"_schema_name": connection.schema_name}
    transaction.on_commit(lambda: task.apply_async(args, kwargs, headers=headers))
