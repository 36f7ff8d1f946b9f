"""kernel.jobs: the session holding a job's advisory lock is found by its key
(whatever the sign of the 64-bit key), so a dead worker's lingering session
can be ended. The takeover rules themselves are tested where jobs run:
tests/apps/imports/test_graphql.py and tests/apps/billing/test_bill_run.py."""

import psycopg
import pytest
from django.db import connection

from heat_platform.kernel.jobs import _HOLDERS_SQL


@pytest.mark.django_db
def test_the_holder_of_an_advisory_lock_is_found_by_its_key():
    keys = [f"t_alpha:imports.job:{n}" for n in range(40)]
    with connection.cursor() as cur:
        cur.execute("SELECT k, hashtextextended(k, 0) < 0 FROM unnest(%s::text[]) k", [keys])
        signs = dict(cur.fetchall())
    assert set(signs.values()) == {True, False}, "both halves of the key space are covered"
    params = {k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}
    with psycopg.connect(**params, autocommit=True) as other:
        pid = other.execute("SELECT pg_backend_pid()").fetchone()[0]
        held = keys[:30]
        for key in held:
            other.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [key])
        with connection.cursor() as cur:
            for key in keys:
                cur.execute(_HOLDERS_SQL, [key])
                assert [r[0] for r in cur.fetchall()] == ([pid] if key in held else []), key
