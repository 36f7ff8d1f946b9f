"""Long jobs run by Celery workers (ledger imports, bill runs): one worker at a
time, and a job whose worker died is taken over by its redelivered task,
never left "running" forever.

A worker running a job holds three marks: the job row's status (running) with
its `worker` token, a session advisory lock (`locks.session_lock` key) held
by its database connection for the whole run, and a heartbeat: it stamps
`heartbeat_at` (database clock) when it claims the job and at least once per
batch. A (re)delivered task calls `job_lease`:

- it takes the lock: no worker runs the job (a worker's lock lives exactly as
  long as its session), so it claims it: queued, or running whose worker died;
- the lock is held and the heartbeat is fresh: a live worker runs the job, or
  one died a moment ago and PostgreSQL has not yet ended its session. Either
  way `JobBusyError` is raised and the task retries once the heartbeat would be
  stale (it is not dropped: a dead worker's job is picked up by the retry);
- the lock is held but the heartbeat is older than STALE_AFTER: the holder is
  a dead worker's lingering session (a crashed host's half-open connection,
  which the server may keep for hours). That session is terminated, which
  rolls back its transaction and frees the lock, and the job is claimed.

The lock is exclusive, so two workers never run one job at once, and what
decides is the heartbeat, not how quickly the server notices a dead client.
Every batch must stamp the heartbeat well within STALE_AFTER."""

from __future__ import annotations

import math
import os
import socket
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta

from django.db import DatabaseError, connection, transaction
from django.db.models import DurationField, ExpressionWrapper, F, Model
from django.db.models.functions import Now

from .locks import lock_key

STALE_AFTER = timedelta(minutes=5)  # a running job whose heartbeat is older has a dead worker
RETRY_SOON = 10  # seconds: a queued job whose lock is held is being claimed right now
TERMINATE_WAIT_MS = 10_000  # how long to wait for a dead worker's session to end

_KEY_SQL = "hashtextextended(%s, 0)"
# Backends holding the advisory lock `key` in this database (a bigint key is
# classid = high 32 bits, objid = low 32 bits, objsubid = 1 in pg_locks).
_HOLDERS_SQL = f"""
SELECT pid FROM pg_locks
WHERE locktype = 'advisory' AND granted AND objsubid = 1
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND ((classid::bigint << 32) | objid::bigint) = {_KEY_SQL}
  AND pid <> pg_backend_pid()"""


class JobBusyError(Exception):
    """A live worker runs the job (or one died so recently that its heartbeat
    is still fresh): try again in `retry_in` seconds."""

    def __init__(self, retry_in: int):
        super().__init__(f"the job is held by another worker; retry in {retry_in} s")
        self.retry_in = retry_in


def worker_token() -> str:
    """Names one run of one job: host, process and a random part."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _try_lock(key: str) -> bool:
    with connection.cursor() as cur:
        cur.execute(f"SELECT pg_try_advisory_lock({_KEY_SQL})", [key])
        return cur.fetchone()[0]


def _unlock(key: str) -> None:
    with connection.cursor() as cur:
        cur.execute(f"SELECT pg_advisory_unlock({_KEY_SQL})", [key])


def _terminate_holders(key: str) -> bool:
    """End the sessions holding `key` and wait for them to be gone; False
    when that is not allowed (another database role) or does not finish."""
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"SELECT pg_terminate_backend(pid, %s) FROM ({_HOLDERS_SQL}) holders",
                        [TERMINATE_WAIT_MS, key])
            return all(ended for (ended,) in cur.fetchall())
    except DatabaseError:  # insufficient privilege
        return False


def _seconds(age: timedelta | None) -> float:
    return math.inf if age is None else age.total_seconds()


@contextmanager
def job_lease(model: type[Model], pk, *, scope: str, claimable: Sequence[str], running: str,
              stale_after: timedelta = STALE_AFTER, **claim_fields) -> Iterator[str | None]:
    """Claim job `pk` of `model` (fields `status`, `worker`, `heartbeat_at`)
    for this worker, holding its session lock until the block ends.

    Yields this run's worker token, or None when there is nothing to run (no
    such job, or its status is neither `running` nor in `claimable`). Claiming
    sets status=`running`, `worker`, `heartbeat_at` and `claim_fields`.
    Raises JobBusyError when a live worker holds the job (see the module docstring).
    """
    key = lock_key(scope, pk)
    jobs = model.objects.filter(pk=pk)
    held = _try_lock(key)
    try:
        if not held:
            job = (jobs.annotate(age=ExpressionWrapper(Now() - F("heartbeat_at"), output_field=DurationField()))
                   .values("status", "age").first())
            if job is None or job["status"] not in (running, *claimable):
                yield None
                return
            age = _seconds(job["age"])
            if job["status"] != running:
                raise JobBusyError(RETRY_SOON)
            if age < stale_after.total_seconds():
                raise JobBusyError(max(1, math.ceil(stale_after.total_seconds() - age)))
            if not (_terminate_holders(key) and (held := _try_lock(key))):
                raise JobBusyError(RETRY_SOON)
        token = worker_token()
        claimed = jobs.filter(status__in=[running, *claimable]).update(
            status=running, worker=token, heartbeat_at=Now(), **claim_fields)
        yield token if claimed else None
    finally:
        if held:
            _unlock(key)


def heartbeat(model: type[Model], pk, token: str, **fields) -> bool:
    """Stamp the heartbeat (and `fields`, e.g. progress) of job `pk` run by
    `token`, on the default connection. False when the job is no longer
    this worker's."""
    return bool(model.objects.filter(pk=pk, worker=token).update(heartbeat_at=Now(), **fields))
