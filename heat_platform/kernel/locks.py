"""PostgreSQL advisory locks, always keyed by company (schema), scope and object.

The key is a 64-bit hash of "schema:scope:object", so the same object id in two
companies, or two scopes with the same id, never share a lock. Two kinds:

- `xact_lock`: held until the current transaction ends (serialises writers);
- `session_lock`: try-lock held by this connection until released or the
  connection dies (marks a long job as being worked on right now)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

_KEY_SQL = "hashtextextended(%s, 0)"


def lock_key(scope: str, obj: object = "", *, schema: str | None = None) -> str:
    return f"{schema or connection.schema_name}:{scope}:{obj}"


def xact_lock(scope: str, obj: object = "", *, schema: str | None = None) -> None:
    """Block until this transaction holds the lock. Call inside `transaction.atomic`."""
    if not connection.in_atomic_block:
        raise RuntimeError("xact_lock needs a transaction: the lock would be released at once")
    with connection.cursor() as cur:
        cur.execute(f"SELECT pg_advisory_xact_lock({_KEY_SQL})", [lock_key(scope, obj, schema=schema)])


@contextmanager
def session_lock(scope: str, obj: object = "", *, schema: str | None = None) -> Iterator[bool]:
    """Try to take a session lock; yields whether it was taken (never waits)."""
    key = lock_key(scope, obj, schema=schema)
    with connection.cursor() as cur:
        cur.execute(f"SELECT pg_try_advisory_lock({_KEY_SQL})", [key])
        held = cur.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cur:
                cur.execute(f"SELECT pg_advisory_unlock({_KEY_SQL})", [key])
