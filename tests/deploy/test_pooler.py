"""A pooler that cannot mix tenants (issue #13.5, deploy/README.md "Connection pooler").

django-tenants sets `search_path` on the database connection (once per schema change:
TENANT_LIMIT_SET_CALLS). Behind PgBouncer in transaction mode the next statement may run on another
server connection, whose search_path another tenant set: its rows land in that tenant's schema
(django-tenants issue #732). Session mode ties a server connection to one client connection until the
client disconnects (the app closes it after each request: CONN_MAX_AGE=0) and PgBouncer then resets it
(DISCARD ALL).

The test runs the app for real: gunicorn (2 processes × 4 threads) whose database is a real PgBouncer with
2 server connections in front of the test database, and 12 client threads sending interleaved requests
for 3 companies, each one a write (createSeason, tagged with its company) followed by a read (seasons).
Then it looks into every company's schema. Session mode: every write landed in its own company's schema
and every read saw only its own company's rows. Transaction mode, the same load: rows land in the wrong
schema — the test asserts that it does, so we know it can see the failure it guards against."""

from __future__ import annotations

import itertools
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from heat_platform.stack import PgBouncer, free_port, server_argv, start_process, stop, wait_port
from tenants.models import HeatingCompany
from tenants.services import tenant_register
from tenants.spares import spare_pool_fill
from tests.factories.tenants import registration, tenant_info

pytestmark = pytest.mark.django_db  # the test database (the companies are committed by the module fixture)

SERVER_CONNECTIONS = 2  # PgBouncer's pool for the test database
WEB_PROCESSES, WEB_THREADS = 2, 4  # 8 app threads, each with its own database connection per request
CLIENTS = 12
REQUESTS_PER_CLIENT = 6
PREFIX = "pool"


@dataclass
class Company:
    index: int
    slug: str
    host: str
    schema: str
    token: str


@dataclass
class Outcome:
    writes_ok: int = 0
    errors: list[str] = field(default_factory=list)
    foreign_reads: list[str] = field(default_factory=list)  # a company's read showed another's season
    lock: threading.Lock = field(default_factory=threading.Lock)


def _staff_token(schema: str, username: str) -> str:
    from apps.accounts.models import User
    from apps.accounts.tokens import token_issue, token_stamp

    with schema_context(schema):
        user = User.objects.get(username=username)
        return token_issue(schema=schema, subject=str(user.pk), kind="staff", role=user.role,
                           stamp=token_stamp(user, schema=schema))[0]


@pytest.fixture(scope="module")
def companies(django_db_setup, django_db_blocker):
    """alpha and beta (committed by the session set-up) and a third company registered here, committed,
    dropped afterwards."""
    slug = f"pool{os.getpid() % 100000}"
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        third = tenant_register(registration=registration(slug))
        infos = [tenant_info("alpha"), tenant_info("beta"), tenant_info(slug, schema=third.schema_name)]
        found = [Company(i, info.slug, info.host, info.schema, _staff_token(info.schema, info.admin))
                 for i, info in enumerate(infos)]
        connection.set_schema_to_public()
        try:
            yield found
        finally:
            connection.set_schema_to_public()
            _delete_tagged(found)
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{third.schema_name}" CASCADE')
            HeatingCompany.objects.filter(pk=third.pk).delete()
            spare_pool_fill(target=settings.SPARE_SCHEMA_POOL_SIZE)


def _direct() -> psycopg.Connection:
    """A connection straight to the test database (not through PgBouncer), to look into every schema."""
    s = connection.settings_dict
    return psycopg.connect(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"] or "postgres",
                           password=s["PASSWORD"] or None, dbname=s["NAME"], autocommit=True)


def _delete_tagged(companies: list[Company]) -> None:
    with _direct() as conn:
        for c in companies:
            conn.execute(f'DELETE FROM "{c.schema}".audit_auditlog WHERE action = %s AND detail->>%s LIKE %s',
                         ("season.create", "name", f"{PREFIX}%"))
            conn.execute(f'DELETE FROM "{c.schema}".tariffs_season WHERE name LIKE %s', (f"{PREFIX}%",))


def _rows_by_schema(companies: list[Company]) -> dict[int, list[str]]:
    with _direct() as conn:
        return {c.index: [row[0] for row in conn.execute(
            f'SELECT name FROM "{c.schema}".tariffs_season WHERE name LIKE %s', (f"{PREFIX}%",))]
            for c in companies}


def _owner(name: str) -> int:
    return int(name[len(PREFIX)])  # pool<company>-c<client>-r<request>


CREATE = """mutation($n:String!,$s:Date!,$e:Date!,$d:Date!,$l:Date!){createSeason(name:$n,heatingStart:$s,
  heatingEnd:$e,paymentDue:$d,lateFeeStart:$l){season{id name} errors{code}}}"""


def _client(base: str, companies: list[Company], client: int, years: itertools.count, outcome: Outcome) -> None:
    """Interleaved: request r of client c goes to company (c + r) % 3."""
    session = requests.Session()
    for r in range(REQUESTS_PER_CLIENT):
        company = companies[(client + r) % len(companies)]
        headers = {"Host": company.host, "Authorization": f"Bearer {company.token}"}
        year = next(years)  # seasons may not overlap within a company: every write gets its own year
        name = f"{PREFIX}{company.index}-c{client:02d}-r{r:02d}"
        variables = {"n": name, "s": f"{year}-01-01", "e": f"{year}-03-01", "d": f"{year}-02-01",
                     "l": f"{year}-02-02"}
        try:
            resp = session.post(f"{base}/graphql/", json={"query": CREATE, "variables": variables}, headers=headers,
                                timeout=60)
            body = resp.json()
            payload = (body.get("data") or {}).get("createSeason")
            if resp.status_code != 200 or not payload or payload["errors"]:
                with outcome.lock:
                    outcome.errors.append(f"{company.slug} write {resp.status_code}: {str(body)[:200]}")
            else:
                with outcome.lock:
                    outcome.writes_ok += 1
            resp = session.post(f"{base}/graphql/", json={"query": "{seasons{name}}"}, headers=headers, timeout=60)
            seasons = ((resp.json().get("data") or {}).get("seasons")) or []
            foreign = [s["name"] for s in seasons
                       if s["name"].startswith(PREFIX) and _owner(s["name"]) != company.index]
            with outcome.lock:
                outcome.foreign_reads += [f"{company.slug} saw {n}" for n in foreign]
        except (requests.RequestException, ValueError) as exc:
            with outcome.lock:
                outcome.errors.append(f"{company.slug}: {type(exc).__name__}: {exc}")


@dataclass
class Result:
    outcome: Outcome
    misplaced: list[str]  # rows found in another company's schema
    placed: int
    server_connections_max: int


def _run_load(companies: list[Company], pool_mode: str, folder: Path) -> Result:
    _delete_tagged(companies)
    bouncer = PgBouncer(upstream_port=int(connection.settings_dict["PORT"] or 5432),
                        upstream_host=connection.settings_dict["HOST"] or "127.0.0.1",
                        pool_mode=pool_mode, pool_size=SERVER_CONNECTIONS, max_client_conn=100)
    web = None
    peak = [0]
    stop_watch = threading.Event()
    try:
        bouncer.start()
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        env.update(DJANGO_SETTINGS_MODULE="heat_platform.settings.test", CONN_MAX_AGE="0",
                   DATABASE_URL=bouncer.url(connection.settings_dict["NAME"], connection.settings_dict["USER"]
                                            or "postgres"),
                   WEB_CONCURRENCY=str(WEB_PROCESSES), WEB_THREADS=str(WEB_THREADS), PYTHONUNBUFFERED="1")
        web = start_process(server_argv("gunicorn", port), env, folder / f"web-{pool_mode}.log")
        wait_port(port, web, "gunicorn", timeout=60, log=folder / f"web-{pool_mode}.log")

        # Connections to the test database that were there before any client came (this test's own, and any
        # an earlier test left open, e.g. a live server's) are not PgBouncer's.
        with connection.cursor() as cursor:
            cursor.execute("SELECT array_agg(pid) FROM pg_stat_activity WHERE datname = %s",
                           (connection.settings_dict["NAME"],))
            before = list(cursor.fetchone()[0] or [])

        def watch() -> None:  # PostgreSQL's view: how many server connections PgBouncer holds to the test DB
            with _direct() as conn:
                while not stop_watch.wait(0.05):
                    n = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                                     "AND pid <> pg_backend_pid() AND NOT (pid = ANY(%s))",
                                     (connection.settings_dict["NAME"], before)).fetchone()[0]
                    peak[0] = max(peak[0], n)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        outcome = Outcome()
        years = itertools.count(2100)
        clients = [threading.Thread(target=_client, args=(f"http://127.0.0.1:{port}", companies, c, years, outcome))
                   for c in range(CLIENTS)]
        for t in clients:
            t.start()
        for t in clients:
            t.join(timeout=240)
        stop_watch.set()
        watcher.join()
        rows = _rows_by_schema(companies)
        misplaced = [f"{name} in {companies[index].slug}" for index, names in rows.items() for name in names
                     if _owner(name) != index]
        placed = sum(len(names) for names in rows.values())
        return Result(outcome, misplaced, placed, peak[0])
    finally:
        stop_watch.set()
        stop(web)
        bouncer.stop()
        _delete_tagged(companies)


def test_session_pooling_keeps_every_row_in_its_own_schema(pgbouncer_required, companies, tmp_path):
    result = _run_load(companies, "session", tmp_path)
    total = CLIENTS * REQUESTS_PER_CLIENT
    assert result.outcome.errors == []
    assert result.outcome.writes_ok == total
    assert result.placed == total
    assert result.misplaced == []
    assert result.outcome.foreign_reads == []
    # More app connections than server connections: the pool was the limit, and it held.
    assert 1 <= result.server_connections_max <= SERVER_CONNECTIONS < WEB_PROCESSES * WEB_THREADS


def test_transaction_pooling_mixes_tenants(pgbouncer_required, companies, tmp_path):
    """The unsafe mode, same app, same load: rows land in another company's schema."""
    result = _run_load(companies, "transaction", tmp_path)
    print(f"transaction mode: {len(result.misplaced)} of {result.placed} rows in the wrong schema, "
          f"{len(result.outcome.foreign_reads)} foreign rows read, {len(result.outcome.errors)} failed requests; "
          f"e.g. {result.misplaced[:2]}, {result.outcome.foreign_reads[:2]}, {result.outcome.errors[:2]}")
    assert result.misplaced, "transaction pooling did not mix tenants: the test cannot see the failure it guards"
