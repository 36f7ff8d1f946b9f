"""`make bench`: 1,000 companies on one cluster (issue 18, part 2).

Companies are provisioned by cloning: a spare schema made the product way (`spare_create`: a real
`migrate`) is dumped once with pg_dump (tables, constraints, indexes and the rows of django_migrations,
content types and permissions) and the dump is replayed under each new schema name, with the company and
domain rows written in bulk and the state recorded as the template's (the clone is checked to equal it).
Measured, each with its target and a reference from this run:

- `migrate` with nothing to do at N companies (target < 30 s); reference: django-tenants' own
  migrate_schemas opening one schema, timed on a sample, x N (what the unpatched run costs);
- a new migration (a column and an index on billing_bill) applied to all N with the parallel executor:
  total and per-company median, next to the same DDL run bare on one schema; the spare pool is current
  afterwards and every schema has the column (asserted). The migration lives in a temporary folder added
  to billing's migration package for the run only;
- the operator tenant list (first and last page) and platformFigures on the public host at N (target
  <= 1 s each), next to the same requests at 100 companies;
- registerTenant at N companies (target: median <= 100 ms), next to the same at the start (2 companies),
  and each over the requestSignupCode timed just before it (public schema only: the machine's load then);
- one gunicorn worker (1 process, 1 thread) that has served a request in every company so far: its RSS and
  its PostgreSQL backend's private memory, and the catalogue (pg_class rows, pg_catalog on disk, database
  size), at 100, 500 and N companies.

BENCH_TENANTS changes N (default 1,000)."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from apps.residents.sms.sandbox import outbox
from tenants import spares
from tenants.models import Domain, HeatingCompany, SpareSchema
from tenants.spares import code_migration_state, schema_migration_state, spare_create
from tests.factories.signup import REGISTER, REQUEST_CODE
from tests.factories.tenants import OPERATOR, PASSWORD

ROOT = Path(__file__).resolve().parents[2]
N = int(os.environ.get("BENCH_TENANTS", "1000"))
STEPS = sorted({s for s in (100, 500, N) if s <= N})
SIGNUPS = 15
CLONERS = 2  # connections replaying the template dump at once
SAMPLE = 8  # schemas opened by django-tenants' own command for the reference
OPERATOR_PAGE = 50
TARGET_NOOP_S = 30
TARGET_PAGE_S = 1.0
TARGET_SIGNUP_MS = 100

TENANT_LIST = """query($o:Int!){tenants(first:50, offset:$o){totalCount items{id name slug domain status createdAt
  statusReason counts{staff houses residents} summary{houses residents collectionRate refreshedAt}}}}"""
FIGURES = """{platformFigures{tenantCount houses residents billedFen collectedFen collectionRate refreshedAt
  tenants{status count}}}"""
WORKER_QUERY = json.dumps({"query": "{houseBindingSettings{__typename}}"})

BENCH_MIGRATION = '''from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("billing", "{leaf}")]
    operations = [
        migrations.AddField("bill", "bench_scale_note", models.CharField(max_length=40, null=True, blank=True)),
        migrations.AddIndex("bill", models.Index(fields=["bench_scale_note"], name="billing_bill_bench_scale")),
    ]
'''
BARE_DDL = ('ALTER TABLE "{s}".billing_bill ADD COLUMN bench_bare varchar(40) NULL; '
            'CREATE INDEX billing_bill_bench_bare ON "{s}".billing_bill (bench_bare)')


def _progress(message: str) -> None:
    print(f"[bench_tenants_scale {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


# --- provisioning by cloning ------------------------------------------------------------------------------

def _pg_dump_bin() -> str:
    import importlib.util

    spec = importlib.util.find_spec("pgserver")
    return str(Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin" / "pg_dump")


def _conninfo() -> dict:
    s = connection.settings_dict
    return {"host": s["HOST"] or "127.0.0.1", "port": s["PORT"] or 5432, "dbname": s["NAME"], "user": s["USER"],
            "password": s["PASSWORD"] or None}


def _template_dump(schema: str) -> str:
    """The schema as SQL that creates it, with its rows, and `{schema}` where its name was."""
    info = _conninfo()
    out = subprocess.run(
        [_pg_dump_bin(), "-h", info["host"], "-p", str(info["port"]), "-U", info["user"], "-d", info["dbname"],
         "-n", schema, "--rows-per-insert=1000", "--no-owner", "--no-privileges"],
        check=True, capture_output=True, text=True).stdout
    keep = [line for line in out.splitlines() if not line.startswith("\\")]  # psql meta-commands (\restrict)
    return "\n".join(keep).replace("{", "{{").replace("}", "}}").replace(schema, "{schema}")


def _clone(sql: str, names: list[str]) -> None:
    """Replay the dump for each name, on CLONERS connections at once, 20 schemas per transaction."""
    def run(part: list[str]) -> None:
        with psycopg.connect(**_conninfo(), autocommit=False) as pg:
            for i in range(0, len(part), 20):
                with pg.cursor() as cur:
                    for name in part[i:i + 20]:
                        cur.execute(sql.format(schema=name))
                pg.commit()

    with ThreadPoolExecutor(CLONERS) as pool:
        list(pool.map(run, [names[k::CLONERS] for k in range(CLONERS)]))


def _provision(sql: str, start: int, stop: int, state: str) -> float:
    slugs = [f"bench-{i:04d}" for i in range(start, stop)]
    t0 = time.perf_counter()
    _clone(sql, [f"t_bench_{i:04d}" for i in range(start, stop)])
    companies = HeatingCompany.objects.bulk_create(
        HeatingCompany(schema_name=f"t_bench_{i:04d}", name=f"基准热力 {i}", slug=slug, contact_name="基准",
                       migration_state=state) for i, slug in zip(range(start, stop), slugs, strict=True))
    Domain.objects.bulk_create(Domain(domain=f"{c.slug}.localhost", tenant=c, is_primary=True) for c in companies)
    return time.perf_counter() - t0


def _spares_by_clone(sql: str, count: int, state: str) -> None:
    names = [f"spare_bench{i:05d}{os.getpid() % 1000:03d}" for i in range(count)]
    _clone(sql, names)
    SpareSchema.objects.bulk_create(SpareSchema(schema_name=n, migration_state=state) for n in names)


# --- catalogue and a web worker ---------------------------------------------------------------------------

def _catalog() -> dict:
    with connection.cursor() as cur:
        cur.execute("""SELECT (SELECT count(*) FROM pg_class), (SELECT count(*) FROM pg_attribute),
            (SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c
             WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = 'r'),
            pg_database_size(current_database())""")
        pg_class, pg_attribute, catalog_bytes, db_bytes = cur.fetchone()
    return {"pg_class": pg_class, "pg_attribute": pg_attribute, "catalog_mb": catalog_bytes / 2**20,
            "db_mb": db_bytes / 2**20}


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Worker:
    """gunicorn with one sync worker, on the bench's database; its connection is named so its
    PostgreSQL backend can be found."""

    def __init__(self):
        info = _conninfo()
        self.port = _free_port()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "heat_platform.settings.test", "CONN_MAX_AGE": "600",
               "DATABASE_URL": f"postgres://{info['user']}@{info['host']}:{info['port']}/{info['dbname']}"
                               "?application_name=bench_scale_worker"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "heat_platform.wsgi", "-w", "1", "--threads", "1", "-b",
             f"127.0.0.1:{self.port}", "--log-level", "warning", "--timeout", "120"],
            cwd=ROOT, env=env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.request("localhost", "/healthz")
                break
            except OSError:
                time.sleep(0.3)
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def request(self, host: str, path: str = "/graphql/") -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            return self._send(conn, host, path)
        finally:
            conn.close()

    def _send(self, conn, host: str, path: str) -> int:
        if path == "/healthz":
            conn.request("GET", path, headers={"Host": host})
        else:
            conn.request("POST", path, body=WORKER_QUERY, headers={"Host": host, "Content-Type": "application/json"})
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 200 and b"errors" not in body, body[:300]
        return resp.status

    def serve(self, slugs: list[str]) -> None:
        for slug in slugs:
            self._send(self.conn, f"{slug}.localhost", "/graphql/")

    def memory(self) -> dict:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        (worker,) = children
        with connection.cursor() as cur:
            cur.execute("SELECT pid FROM pg_stat_activity WHERE application_name = 'bench_scale_worker'")
            (backend,) = [r[0] for r in cur.fetchall()]
        return {"worker_rss_mb": _status_kb(int(worker), "VmRSS") / 1024,
                "backend_anon_mb": _status_kb(backend, "RssAnon") / 1024}

    def stop(self) -> None:
        self.conn.close()
        os.killpg(self.proc.pid, 15)
        self.proc.wait(timeout=30)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- requests on the public host --------------------------------------------------------------------------

def _post(client, query: str, variables: dict | None = None, token: str | None = None, ip: str = "10.0.0.9"):
    headers = {"HTTP_HOST": "localhost", "REMOTE_ADDR": ip}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    resp = client.post("/graphql/", data=json.dumps({"query": query, "variables": variables or {}}),
                       content_type="application/json", **headers)
    connection.set_schema_to_public()
    answer = resp.json()
    assert "errors" not in answer, answer
    return answer["data"]


def _operator_token(client) -> str:
    data = _post(client, "mutation($u:String!,$p:String!){operatorLogin(username:$u,password:$p){token errors{code}}}",
                 {"u": OPERATOR, "p": PASSWORD})
    return data["operatorLogin"]["token"]


def _best(fn, attempts: int = 3) -> float:
    times = []
    for _ in range(attempts):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _operator_figures(client, token: str, total: int) -> dict:
    last = max(0, (total - 1) // OPERATOR_PAGE * OPERATOR_PAGE)

    def page(offset):
        data = _post(client, TENANT_LIST, {"o": offset}, token=token)["tenants"]
        assert data["totalCount"] >= total and len(data["items"]) >= 1
    return {"first_page": _best(lambda: page(0)), "last_page": _best(lambda: page(last)),
            "figures": _best(lambda: _post(client, FIGURES, token=token))}


def _signups(client, tag: str, count: int) -> tuple[float, float]:
    """registerTenant `count` times (after one warm-up), each with its own phone and IP. Returns the
    median seconds of registerTenant and of the requestSignupCode just before each (public schema only,
    independent of the number of companies: it shows how loaded the shared machine was meanwhile)."""
    register, request = [], []
    for i in range(count + 1):
        phone, ip = f"13970{tag}{i:05d}", f"10.{70 + int(tag)}.{i // 200}.{i % 200 + 1}"
        t0 = time.perf_counter()
        assert _post(client, REQUEST_CODE, {"p": phone}, ip=ip)["requestSignupCode"]["errors"] == []
        asked = time.perf_counter() - t0
        code = next(m.params["code"] for m in reversed(outbox()) if m.phone == phone)
        body = {"input": {"companyName": f"注册 {tag}{i}", "slug": f"signup-{tag}-{i}", "contactName": "测试",
                          "contactPhone": phone, "smsCode": code, "adminUsername": "admin",
                          "adminPassword": "Bench-password-2026"}}
        t0 = time.perf_counter()
        result = _post(client, REGISTER, body, ip=ip)["registerTenant"]
        elapsed = time.perf_counter() - t0
        assert result["errors"] == [] and result["status"] == "READY", result
        if i:
            register.append(elapsed)
            request.append(asked)
    return statistics.median(register), statistics.median(request)


# --- migrations -------------------------------------------------------------------------------------------

def _reference_migrate(schemas: list[str]) -> float:
    """django-tenants' own migrate_schemas (no skipping) on one schema at a time: median seconds."""
    from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

    times = []
    for schema in schemas:
        t0 = time.perf_counter()
        call_command(MigrateSchemasCommand(), schema_name=schema, interactive=False, verbosity=0)
        times.append(time.perf_counter() - t0)
        connection.set_schema_to_public()
    return statistics.median(times)


PACKAGE = "bench_scale_billing_migrations"


class TemporaryMigration:
    """A new billing migration, visible to the migration loader for this run only: billing's migrations
    are read from a temporary package whose path is its own folder (the new file) plus the real one."""

    def __init__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))

    def __enter__(self):
        (leaf,) = [name for app, name in MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes("billing")]
        package = self.tmp / PACKAGE
        package.mkdir()
        (package / "__init__.py").write_text(
            "import apps.billing.migrations as _real\n\n__path__ = [__path__[0], *_real.__path__]\n")
        (package / "0999_bench_scale.py").write_text(BENCH_MIGRATION.replace("{leaf}", leaf))
        sys.path.insert(0, str(self.tmp))
        self.saved = getattr(settings, "MIGRATION_MODULES", {})
        settings.MIGRATION_MODULES = {**self.saved, "billing": PACKAGE}
        spares._code_nodes.cache_clear()
        return self

    def __exit__(self, *exc):
        settings.MIGRATION_MODULES = self.saved
        sys.path.remove(str(self.tmp))
        for name in [m for m in sys.modules if m.startswith(PACKAGE)]:
            del sys.modules[name]
        spares._code_nodes.cache_clear()
        shutil.rmtree(self.tmp, ignore_errors=True)


class MigrationTimes:
    """Per-schema migrate time, written by whichever process migrated it (the parallel executor's workers)."""

    def __init__(self):
        from django_tenants.signals import schema_migrated, schema_pre_migration

        self.path = Path(tempfile.mkstemp(prefix="bench-scale-times-")[1])
        self.signals = (schema_pre_migration, schema_migrated)

        def log(event):
            def receiver(sender, schema_name, **kwargs):
                with open(self.path, "a") as f:
                    f.write(f"{schema_name} {event} {time.time()}\n")
            return receiver

        self.receivers = [log("start"), log("end")]
        for signal, receiver in zip(self.signals, self.receivers, strict=True):
            signal.connect(receiver, weak=False)

    def per_schema(self) -> dict[str, float]:
        start, end = {}, {}
        for line in self.path.read_text().splitlines():
            schema, event, at = line.split()
            (start if event == "start" else end)[schema] = float(at)
        return {s: end[s] - start[s] for s in end if s in start}

    def close(self) -> None:
        for signal, receiver in zip(self.signals, self.receivers, strict=True):
            signal.disconnect(receiver)
        self.path.unlink(missing_ok=True)


def _schemas_with_column(column: str) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                    "WHERE c.relname = 'billing_bill' AND a.attname = %s AND NOT a.attisdropped", [column])
        return cur.fetchone()[0]


# --- the run ----------------------------------------------------------------------------------------------

@pytest.mark.bench
@pytest.mark.django_db(transaction=True)
def test_bench_tenants_scale(client, settings):
    settings.SPARE_SCHEMA_POOL_SIZE = 0  # refilling is the worker's job; the bench fills the pool itself
    settings.TENANT_MULTIPROCESSING_MAX_PROCESSES = 2
    started = time.perf_counter()
    rows: list[tuple[str, str, str, str, str]] = []  # figure, value, reference, ratio, target/verdict
    token = _operator_token(client)

    # Onboarding with a handful of companies: the reference for the same at N.
    template = spare_create()
    state = code_migration_state()
    assert template.migration_state == state
    sql = _template_dump(template.schema_name)
    # Spares for both rounds of sign-ups (the few left at the end are migrated with everyone below).
    _spares_by_clone(sql, 2 * (SIGNUPS + 1), state)
    signup_small, code_small = _signups(client, "1", SIGNUPS)

    _progress("onboarding at 2 done")
    # Provision in steps; at each, the catalogue, the operator pages and one worker's memory.
    worker = Worker()
    growth, provision_s, operator_small = [], 0.0, None
    done = 0
    try:
        for step in STEPS:
            provision_s += _provision(sql, done, step, state)
            worker.serve([f"bench-{i:04d}" for i in range(done, step)])
            done = step
            ops = _operator_figures(client, token, step)
            operator_small = operator_small or ops
            growth.append({"tenants": step, **_catalog(), **worker.memory(), **ops})
    finally:
        worker.stop()
    # Onboarding at N.
    signup_large, code_large = _signups(client, "2", SIGNUPS)
    _progress(f"registerTenant median {signup_large * 1000:.0f} ms at {N} "
              f"(requestSignupCode {code_large * 1000:.0f} ms); {signup_small * 1000:.0f} ms at 2 "
              f"(requestSignupCode {code_small * 1000:.0f} ms)")
    clone = "t_bench_0000"
    assert schema_migration_state(clone) == state  # a clone is what the template is

    _progress("provisioned")
    # migrate with nothing to do.
    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    noop_s = time.perf_counter() - t0
    per_schema_ref = _reference_migrate([f"t_bench_{i:04d}" for i in range(0, N, max(1, N // SAMPLE))][:SAMPLE])
    unpatched_est = per_schema_ref * N

    _progress("migrate no-op done")
    # A new migration for every schema.
    times = MigrationTimes()
    try:
        with connection.cursor() as cur:  # the floor: the same DDL, bare, on one schema
            t1 = time.perf_counter()
            cur.execute(BARE_DDL.format(s=clone))
            bare_s = time.perf_counter() - t1
        with TemporaryMigration():
            new_state = code_migration_state()
            assert new_state != state
            t0 = time.perf_counter()
            call_command("migrate", interactive=False, verbosity=0)
            migrate_s = time.perf_counter() - t0
            per = times.per_schema()
            stale = HeatingCompany.objects.exclude(schema_name="public").exclude(migration_state=new_state).count()
            stale_spares = SpareSchema.objects.exclude(migration_state=new_state).count()
            spare_count = SpareSchema.objects.count()
            with_column = _schemas_with_column("bench_scale_note")
            companies = HeatingCompany.objects.exclude(schema_name="public").count()
    finally:
        times.close()
    per_median = statistics.median(per[s] for s in per if s.startswith("t_bench_"))


    _progress("new migration done")
    # --- report
    big = growth[-1]
    rows.append(("migrate, nothing to do", f"{noop_s:.1f} s", f"{unpatched_est:.0f} s unpatched est.",
                 f"{unpatched_est / noop_s:.0f}x faster", f"< {TARGET_NOOP_S} s {_verdict(noop_s < TARGET_NOOP_S)}"))
    rows.append(("  unpatched, one schema", f"{per_schema_ref * 1000:.0f} ms", f"median of {SAMPLE}", "", ""))
    rows.append(("new migration, all", f"{migrate_s:.0f} s", f"{companies} companies + {spare_count} spares",
                 f"{migrate_s / companies * 1000:.0f} ms/company wall", "report"))
    rows.append(("  per company (median)", f"{per_median * 1000:.0f} ms", f"bare DDL {bare_s * 1000:.0f} ms",
                 f"{per_median / bare_s:.0f}x", "report"))
    for key, label in (("first_page", "operator list, page 1"), ("last_page", "operator list, last page"),
                       ("figures", "platformFigures")):
        rows.append((label, f"{big[key] * 1000:.0f} ms", f"{operator_small[key] * 1000:.0f} ms at {STEPS[0]}",
                     f"{big[key] / operator_small[key]:.2f}x",
                     f"<= {TARGET_PAGE_S:.0f} s {_verdict(big[key] <= TARGET_PAGE_S)}"))
    rows.append(("registerTenant median", f"{signup_large * 1000:.0f} ms", f"{signup_small * 1000:.0f} ms at 2",
                 f"{signup_large / signup_small:.2f}x",
                 f"<= {TARGET_SIGNUP_MS} ms {_verdict(signup_large * 1000 <= TARGET_SIGNUP_MS)}"))
    rows.append(("  load-adjusted", f"{signup_large / code_large:.2f}", f"{signup_small / code_small:.2f} at 2",
                 f"{signup_large / code_large / (signup_small / code_small):.2f}x",
                 f"register / requestSignupCode ({code_small * 1000:.0f}, {code_large * 1000:.0f} ms)"))
    print(f"\n\ntenants at scale: {N} companies cloned in {provision_s:.0f} s "
          f"({provision_s / N * 1000:.0f} ms each); whole bench {time.perf_counter() - started:.0f} s")
    print(f"{'figure':28} {'value':>10}  {'reference':28} {'ratio':>22}  target")
    for figure, value, ref, ratio, target in rows:
        print(f"{figure:28} {value:>10}  {ref:28} {ratio:>22}  {target}")
    print(f"\n{'companies':>9} {'pg_class':>9} {'pg_attr':>9} {'catalog MB':>10} {'db MB':>8} "
          f"{'worker RSS MB':>13} {'PG backend MB':>13} {'list p1 ms':>10}")
    for g in growth:
        print(f"{g['tenants']:>9} {g['pg_class']:>9} {g['pg_attribute']:>9} {g['catalog_mb']:>10.0f} "
              f"{g['db_mb']:>8.0f} {g['worker_rss_mb']:>13.0f} {g['backend_anon_mb']:>13.0f} "
              f"{g['first_page'] * 1000:>10.0f}")
    first = growth[0]
    if len(growth) > 1:
        span = big["tenants"] - first["tenants"]
        print(f"per company: {(big['pg_class'] - first['pg_class']) / span:.0f} pg_class rows, "
              f"{(big['catalog_mb'] - first['catalog_mb']) / span * 1024:.0f} KB of catalogue, "
              f"{(big['db_mb'] - first['db_mb']) / span * 1024:.0f} KB of database, worker "
              f"{(big['worker_rss_mb'] - first['worker_rss_mb']) / span * 1024:.0f} KB, PG backend "
              f"{(big['backend_anon_mb'] - first['backend_anon_mb']) / span * 1024:.0f} KB")

    # What must hold whatever the timings: every schema and spare has the new migration, recorded.
    assert stale == 0 and stale_spares == 0
    assert with_column == companies + spare_count
    assert noop_s < TARGET_NOOP_S
