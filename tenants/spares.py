"""Pool of spare tenant schemas: onboarding renames one into place.

Why: running every tenant migration per sign-up takes seconds and grows with
each app; django-tenants' clone is only ~1.7x faster. `ALTER SCHEMA … RENAME`
is a catalogue update, constant-time and transactional, so a failed sign-up
rolls the rename back and the spare returns to the pool untouched.
Spares are kept current by our `migrate`/`migrate_schemas` commands and are
only claimed when their recorded migration state equals the code's.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from functools import lru_cache

from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader

from heat_platform.kernel.locks import session_lock

from .models import SpareSchema

logger = logging.getLogger(__name__)


def _digest(nodes) -> str:
    return hashlib.sha256("\n".join(sorted(f"{a}.{n}" for a, n in nodes)).encode()).hexdigest()


@lru_cache(maxsize=1)
def _code_nodes() -> frozenset[tuple[str, str]]:
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def code_migration_state() -> str:
    """Digest of every migration on disk (what a fully migrated schema records)."""
    return _digest(_code_nodes())


def schema_migration_state(schema_name: str) -> str:
    """Digest of the schema's applied migrations that the code still has: equal to
    `code_migration_state()` exactly when every migration on disk is applied. Rows of
    migrations since deleted (squashed away) are ignored, so such a schema is not
    migrated again on every run; a missing one always shows."""
    with connection.cursor() as cur:
        cur.execute(f'SELECT app, name FROM "{schema_name}".django_migrations')
        return _digest(_code_nodes().intersection(cur.fetchall()))


def migration_state_record(schema_name: str) -> str:
    """Store the schema's state on its company or spare row (whichever holds it);
    called after migrating it. Returns the state."""
    from .models import HeatingCompany

    state = schema_migration_state(schema_name)
    HeatingCompany.objects.filter(schema_name=schema_name).exclude(schema_name="public").update(migration_state=state)
    SpareSchema.objects.filter(schema_name=schema_name).update(migration_state=state)
    return state


def _migrate_schema(schema_name: str) -> None:
    call_command("migrate_schemas", tenant=True, schema_name=schema_name, interactive=False, verbosity=0)
    connection.set_schema_to_public()


def spare_create() -> SpareSchema:
    """Create and fully migrate one spare schema (slow: seconds). Runs outside
    requests: Celery, `migrate`, `fill_spare_schemas`."""
    connection.set_schema_to_public()
    name = f"spare_{secrets.token_hex(6)}"
    with connection.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{name}"')
    try:
        _migrate_schema(name)
        return SpareSchema.objects.create(schema_name=name, migration_state=schema_migration_state(name))
    except Exception:
        with connection.cursor() as cur:
            cur.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        raise


def spare_pool_fill(*, target: int) -> int:
    """Top the pool up to `target` current spares; returns how many were made."""
    connection.set_schema_to_public()
    with session_lock("tenants.spare_pool_fill") as held:  # one filler at a time, or sign-ups overfill the pool
        if not held:
            return 0
        current = SpareSchema.objects.filter(migration_state=code_migration_state()).count()
        made = 0
        for _ in range(max(0, target - current)):
            spare_create()
            made += 1
        return made


def spare_pool_migrate(*, verbosity: int = 1, every: bool = False) -> int:
    """Apply pending migrations to every spare whose recorded state is not the
    code's (all of them with `every`) and record its new state. Spares whose
    schema vanished are forgotten. Returns how many were migrated."""
    connection.set_schema_to_public()
    spares = list(SpareSchema.objects.all())
    with connection.cursor() as cur:  # one catalogue query for the whole pool
        cur.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [[s.schema_name for s in spares]])
        present = {row[0] for row in cur.fetchall()}
    code = code_migration_state()
    done = 0
    for spare in spares:
        if spare.schema_name not in present:
            spare.delete()
            continue
        if spare.migration_state == code and not every:
            continue
        if verbosity:
            print(f"Migrating spare schema {spare.schema_name}")
        _migrate_schema(spare.schema_name)
        spare.migration_state = schema_migration_state(spare.schema_name)
        spare.save(update_fields=["migration_state"])
        done += 1
    return done


def spare_take() -> SpareSchema | None:
    """Lock one current spare for the caller's transaction, or None when the pool
    is empty. SKIP LOCKED: concurrent sign-ups each get their own spare without waiting."""
    assert transaction.get_connection().in_atomic_block, "spare_take must run inside the onboarding transaction"
    return (
        SpareSchema.objects.select_for_update(skip_locked=True)
        .filter(migration_state=code_migration_state())
        .first()
    )


def spare_rename(*, spare: SpareSchema, schema_name: str) -> None:
    """Rename a spare taken with `spare_take` into place (a catalogue update; rolls back with the caller)."""
    with connection.cursor() as cur:
        cur.execute(f'ALTER SCHEMA "{spare.schema_name}" RENAME TO "{schema_name}"')
    spare.delete()


def spare_claim(*, schema_name: str) -> bool:
    """Rename a current spare to `schema_name` inside the caller's transaction."""
    spare = spare_take()
    if spare is None:
        return False
    spare_rename(spare=spare, schema_name=schema_name)
    return True


def schema_create_migrated(*, schema_name: str) -> str:
    """Fallback when the pool is empty: create and migrate in place (slow but correct).
    Returns the schema's migration state."""
    logger.warning("spare schema pool empty: migrating %s in the request", schema_name)
    with connection.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{schema_name}"')
    _migrate_schema(schema_name)
    return schema_migration_state(schema_name)
