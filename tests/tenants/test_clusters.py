"""Companies on two PostgreSQL clusters (tenants/directory.py, deploy/SCALING.md).

A second, real PostgreSQL server is started for this module (the pgserver binaries devrun uses, its own port
and folder, stopped and removed afterwards). Company gamma's directory rows (company, domain) are in the main
cluster's public schema with cluster="second"; its schema is on the second server, copied there the way a
company is moved (pg_dump of one schema, restored, renamed). alpha stays on the main cluster. Requests to each
host must read and write their own cluster only, and the operator figures must cover both."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import RevokedToken
from apps.accounts.tasks import purge_revoked_tokens
from apps.payments.tasks import sweep_all_tenants
from heat_platform.devrun import Cluster
from heat_platform.models import TenantSummary
from tenants.directory import MAIN_CLUSTER, bound_cluster, cluster_register, cluster_unregister, company_context
from tenants.lifecycle import tenants_purge_due
from tenants.models import Domain, HeatingCompany, SpareSchema
from tenants.stats import platform_figures
from tenants.stats_tasks import refresh_all_tenant_stats
from tests.factories.accounts import staff
from tests.factories.properties import HouseFactory
from tests.factories.tenants import OPERATOR, tenant_info

SECOND = "second"
GAMMA_SCHEMA = "t_gamma"
CREATE = """mutation($n:String!){createSeason(name:$n,heatingStart:"2031-11-15",heatingEnd:"2032-03-15",
  paymentDue:"2031-12-31",lateFeeStart:"2032-01-01"){season{id name} errors{code}}}"""
SEASONS = "{ seasons { name } }"
FIGURES = "{ platformFigures { houses tenantCount } }"
SAVE_WECHAT = """mutation($input: WechatMerchantInput!) { saveWechatMerchant(input: $input) {
  account { channel mode mchid hasApiv3Key } errors { field code } } }"""
BRANDING = """mutation($i: BrandingInput!) { updateBranding(input: $i) { branding { displayName appId }
  errors { field code } } }"""
TENANT_LIST = "{ tenants(first: 100) { items { slug counts { staff houses residents } } } }"


# The second cluster's alias takes part in each test's transaction, like the main one: everything a test writes
# there is rolled back at its end.
pytestmark = pytest.mark.django_db(databases=[MAIN_CLUSTER, SECOND])


@pytest.fixture(scope="module")
def second_cluster(django_db_setup, django_db_blocker):
    """A second PostgreSQL server, registered as cluster "second", holding gamma's schema: a committed spare of
    the main test database dumped and restored there, renamed t_gamma (what moving a company does)."""
    home = Path(tempfile.mkdtemp(prefix="heatcloud-cluster2-"))
    server = Cluster()
    server.home, server.data, server.port_file = home, home / "data", home / "port"
    server._start()  # initdb, start on a free port, create the heatcloud database
    try:
        with django_db_blocker.unblock():
            spare = SpareSchema.objects.order_by("id").values_list("schema_name", flat=True).first()
        main = connections[MAIN_CLUSTER].settings_dict
        dump = subprocess.run(
            [str(server.bin / "pg_dump"), "-h", main["HOST"], "-p", str(main["PORT"]), "-U", main["USER"],
             "-d", main["NAME"], "-n", spare, "--no-owner", "--no-privileges"],
            check=True, capture_output=True).stdout
        url = f"postgresql://postgres@127.0.0.1:{server.port}/heatcloud"
        subprocess.run([str(server.bin / "psql"), url, "-q", "-v", "ON_ERROR_STOP=1"], input=dump, check=True,
                       capture_output=True)
        with psycopg.connect(url, autocommit=True) as pg:
            pg.execute(f'ALTER SCHEMA "{spare}" RENAME TO {GAMMA_SCHEMA}')
        cluster_register(SECOND, {"ENGINE": "django_tenants.postgresql_backend", "NAME": "heatcloud",
                                  "USER": "postgres", "HOST": "127.0.0.1", "PORT": server.port})
        yield
    finally:
        cluster_unregister(SECOND)
        server._pg("pg_ctl", "-D", str(server.data), "-m", "immediate", "-s", "stop")
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def gamma(second_cluster, db, alpha):
    """gamma in the directory (the main cluster's public schema) with its schema on the second cluster."""
    company = HeatingCompany.objects.create(schema_name=GAMMA_SCHEMA, name="gamma 热力", slug="gamma", cluster=SECOND)
    Domain.objects.create(domain="gamma.localhost", tenant=company, is_primary=True)
    with company_context(company):
        staff("gamma-admin", role="tenant_admin")
    assert bound_cluster() is None and connection.schema_name == "public"
    return company


def _second_rows(sql: str) -> list[tuple]:
    """Straight from the second server (its connection, inside this test's transaction there)."""
    with connections[SECOND].cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def test_each_host_reads_and_writes_its_own_cluster(gql, alpha, gamma):
    tokens = {info.host: gql.login(info.host, info.admin) for info in (alpha, _info(gamma))}
    for host, token in tokens.items():
        payload = gql(host, CREATE, {"n": f"season of {host}"}, token=token)["data"]["createSeason"]
        assert payload["errors"] == [], payload
    for host, token in tokens.items():
        assert gql(host, SEASONS, token=token)["data"]["seasons"] == [{"name": f"season of {host}"}]

    # gamma's row is on the second server, in its schema; nothing of alpha's is there.
    assert _second_rows(f"SELECT name FROM {GAMMA_SCHEMA}.tariffs_season") == [("season of gamma.localhost",)]
    assert _second_rows("SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%'") == [(GAMMA_SCHEMA,)]
    assert _second_rows("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]
    # The main cluster has alpha's row and no gamma schema at all.
    with schema_context(alpha.schema):
        from apps.tariffs.models import Season

        assert list(Season.objects.values_list("name", flat=True)) == ["season of alpha.localhost"]
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", [GAMMA_SCHEMA])
        assert cur.fetchone() == (0,)
    # Every request gave the thread its main-cluster connection back.
    assert bound_cluster() is None and connections[MAIN_CLUSTER].alias == MAIN_CLUSTER


def test_a_company_on_an_unknown_cluster_is_refused_not_served_from_the_main_one(gql, gamma):
    HeatingCompany.objects.filter(pk=gamma.pk).update(cluster="nowhere")
    with pytest.raises(LookupError, match="nowhere"):
        gql("gamma.localhost", SEASONS)
    assert bound_cluster() is None


def test_operator_figures_cover_both_clusters(gql, alpha, gamma, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema):
        HouseFactory.create_batch(2)
    with company_context(gamma):
        HouseFactory.create_batch(3)
    companies = list(HeatingCompany.objects.exclude(schema_name="public").exclude(status="closed"))
    from apps.properties.models import House

    houses = {}
    for company in companies:  # counted where each company lives
        with company_context(company):
            houses[company.slug] = House.objects.count()
    assert houses["gamma"] == 3 and houses["alpha"] >= 2

    with django_capture_on_commit_callbacks(execute=True):  # the beat task; eager tasks, one per company
        assert refresh_all_tenant_stats() == len(companies)
    assert dict(TenantSummary.objects.values_list("tenant__slug", "houses")) == houses
    assert platform_figures().houses == sum(houses.values())
    token = gql.login("localhost", OPERATOR)
    figures = gql("localhost", FIGURES, token=token)["data"]["platformFigures"]
    assert figures == {"houses": sum(houses.values()), "tenantCount": len(companies)}
    assert bound_cluster() is None


def test_operator_tenant_list_counts_each_company_on_its_own_cluster(gql, alpha, gamma):
    """The list's live counters: one query per cluster holding companies of the page (the old single UNION ALL
    on the main cluster failed: t_gamma is not there)."""
    with schema_context(alpha.schema):
        HouseFactory.create_batch(2)
    with company_context(gamma):
        HouseFactory.create_batch(3)
        staff("gamma-reader", role="tenant_admin")
    from apps.accounts.models import User
    from apps.properties.models import House
    from apps.residents.models import Resident

    expected = {}
    for company in (HeatingCompany.objects.get(slug="alpha"), gamma):  # counted where each company lives
        with company_context(company):
            expected[company.slug] = {"staff": User.objects.filter(is_active=True).count(),
                                      "houses": House.objects.count(),
                                      "residents": Resident.objects.filter(is_active=True).count()}
    assert expected["gamma"] == {"staff": 2, "houses": 3, "residents": 0}

    token = gql.login("localhost", OPERATOR)
    items = {t["slug"]: t["counts"] for t in gql("localhost", TENANT_LIST, token=token)["data"]["tenants"]["items"]}
    assert {slug: items[slug] for slug in expected} == expected
    assert bound_cluster() is None


def test_company_admin_on_the_second_cluster_writes_public_rows_under_lock(gql, gamma, mp_media):
    """saveWechatMerchant and updateBranding lock public-only rows (select_for_update) in a transaction: it must
    open on the main cluster, where those rows are, not on gamma's (TransactionManagementError before)."""
    from apps.payments.sandbox.wechat import sandbox_wechat_merchant
    from tenants.models import MerchantAccount, MiniProgramAccount, MiniProgramBranding

    cfg = sandbox_wechat_merchant(mchid="1900000777", appid="wxa1b2c3d4e5f60777")
    merchant = {"mode": "DIRECT", "mchid": cfg["mchid"], "appid": cfg["appid"],
                "merchantSerialNo": cfg["merchant_serial_no"], "merchantPrivateKey": cfg["merchant_private_key"],
                "apiv3Key": cfg["apiv3_key"], "wechatpayPublicKeyId": cfg["wechatpay_public_key_id"],
                "wechatpayPublicKey": cfg["wechatpay_public_key"]}
    # In production the main cluster's connection is in autocommit there, and FOR UPDATE outside a transaction
    # on it raises; here the test's own transaction hides that, so each lock is checked to run inside a
    # transaction opened on that connection beyond the test's.
    main = connections[MAIN_CLUSTER]
    outer, locks, unguarded = len(main.atomic_blocks), [], []

    def watch(execute, sql, params, many, context):
        if "FOR UPDATE" in sql:
            (locks if len(main.atomic_blocks) > outer else unguarded).append(sql)
        return execute(sql, params, many, context)

    token = gql.login("gamma.localhost", "gamma-admin")
    with main.execute_wrapper(watch):
        _save_merchant_and_branding(gql, token, merchant)
    assert unguarded == [] and any("tenants_merchantaccount" in sql for sql in locks) and \
        any("tenants_miniprogrambranding" in sql for sql in locks), (locks, unguarded)

    # The public rows are on the main cluster (this connection), each saved once and updated in place…
    account = MerchantAccount.objects.get(tenant=gamma, channel="wechat")
    assert (account.mchid, account.apiv3_key) == (cfg["mchid"], cfg["apiv3_key"])
    assert MiniProgramBranding.objects.get(tenant=gamma).display_name == "伽马热力"
    assert MiniProgramAccount.objects.get(tenant=gamma).app_id == "wx0123456789abc777"
    # …and the company's audit rows in gamma's schema on the second server.
    assert _second_rows(f"SELECT action FROM {GAMMA_SCHEMA}.audit_auditlog WHERE action IN "
                        "('merchant.save', 'branding.update') ORDER BY id") == [
        ("merchant.save",), ("merchant.save",), ("branding.update",)]
    assert bound_cluster() is None


def test_beat_loops_work_in_each_company_on_its_own_cluster(alpha, gamma):
    """Loops over companies switch to each one's cluster (company_context), not just its schema on the main one."""
    now = timezone.now()
    for context in (schema_context(alpha.schema), company_context(gamma)):
        with context:
            RevokedToken.objects.create(jti=f"old-{connection.schema_name}", expires_at=now - dt.timedelta(days=1))
            RevokedToken.objects.create(jti=f"new-{connection.schema_name}", expires_at=now + dt.timedelta(days=1))
    # accounts is in both app lists: on the main cluster "t_gamma, public" would find (and purge) public's table.
    assert purge_revoked_tokens() >= 2
    assert _second_rows(f"SELECT jti FROM {GAMMA_SCHEMA}.accounts_revokedtoken") == [(f"new-{GAMMA_SCHEMA}",)]
    with schema_context(alpha.schema):
        assert list(RevokedToken.objects.values_list("jti", flat=True)) == [f"new-{alpha.schema}"]

    swept = sweep_all_tenants()  # a company whose sweep raised would be missing (logged, the loop goes on)
    assert {"alpha", "gamma"} <= set(swept), swept
    assert bound_cluster() is None and connection.schema_name == "public"


def test_purging_a_closed_company_drops_its_schema_on_its_cluster(alpha, gamma):
    closed = timezone.now() - dt.timedelta(days=settings.TENANT_RETENTION_DAYS + 1)
    HeatingCompany.objects.filter(pk=gamma.pk).update(status=HeatingCompany.Status.CLOSED, closed_at=closed)
    with company_context(gamma):
        HouseFactory.create_batch(2)

    results = tenants_purge_due()
    assert [(r.slug, r.schema) for r in results] == [("gamma", GAMMA_SCHEMA)]
    assert results[0].tables > 20  # counted where the schema was
    assert _second_rows(f"SELECT count(*) FROM pg_namespace WHERE nspname = '{GAMMA_SCHEMA}'") == [(0,)]
    assert not HeatingCompany.objects.filter(slug="gamma").exists()
    with connection.cursor() as cur:  # alpha's schema on the main cluster is untouched
        cur.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", [alpha.schema])
        assert cur.fetchone() == (1,)
    assert bound_cluster() is None


def test_export_tenant_command_reads_the_company_on_its_cluster(gamma, tmp_path):
    with company_context(gamma):
        HouseFactory.create_batch(3)
    path = tmp_path / "gamma.tar.gz"
    call_command("export_tenant", "gamma", str(path), "--unencrypted", stdout=(out := io.StringIO()))
    assert "NOT encrypted" in out.getvalue()
    with tarfile.open(path) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["source"]["schema"] == GAMMA_SCHEMA
    tables = {t["name"]: t["rows"] for t in manifest["tables"]}
    assert tables["properties_house"] == 3
    assert manifest["migrations"]  # the schema's own django_migrations, read on the second cluster
    assert bound_cluster() is None


def _save_merchant_and_branding(gql, token: str, merchant: dict) -> None:
    for attempt in (merchant, {**merchant, "apiv3Key": None, "merchantPrivateKey": ""}):  # create, then update
        result = gql("gamma.localhost", SAVE_WECHAT, {"input": attempt}, token=token)
        assert "errors" not in result, result
        assert result["data"]["saveWechatMerchant"]["errors"] == []
    branded = gql("gamma.localhost", BRANDING, {"i": {"displayName": "伽马热力", "appId": "wx0123456789abc777",
                                                      "appSecret": "0123456789abcdef0123456789abcdef"}}, token=token)
    assert "errors" not in branded, branded
    assert branded["data"]["updateBranding"] == {"branding": {"displayName": "伽马热力",
                                                              "appId": "wx0123456789abc777"}, "errors": []}


def _info(company: HeatingCompany):
    return tenant_info(company.slug, schema=company.schema_name)


def test_migrate_schemas_migrates_a_company_on_its_own_cluster(gamma):
    """A stale company on the second cluster is migrated there (its schema does not exist on the main one) and
    its state recorded in the directory; `--all-schemas` opens it there too."""
    from tenants.spares import code_migration_state

    HeatingCompany.objects.filter(pk=gamma.pk).update(migration_state="stale")
    call_command("migrate_schemas", tenant=True, interactive=False, executor="standard", stdout=(out := io.StringIO()))
    assert "on other clusters" in out.getvalue()
    gamma.refresh_from_db()
    assert gamma.migration_state == code_migration_state()
    assert bound_cluster() is None and connection.schema_name == "public"
    call_command("migrate_schemas", tenant=True, interactive=False, all_schemas=True, executor="standard",
                 stdout=io.StringIO())
    gamma.refresh_from_db()
    assert gamma.migration_state == code_migration_state()


def test_a_task_of_a_company_on_an_unknown_cluster_fails_closed(gamma):
    """Celery only logs a prerun handler's error and runs the task anyway: it must then reach no schema at all,
    not the main cluster's public rows of apps that are both shared and per company (accounts)."""
    from types import SimpleNamespace

    from django.db import ProgrammingError, transaction

    from apps.accounts.models import User
    from heat_platform.celery import CLUSTER_NOT_CONFIGURED, _task_cluster_release, _task_cluster_use

    gamma.cluster = "nowhere"
    connection.set_tenant(gamma)  # what tenant-schemas-celery's prerun does with the task's schema header
    task = SimpleNamespace()
    with pytest.raises(LookupError, match="nowhere"):
        _task_cluster_use(task=task)
    assert connection.schema_name == CLUSTER_NOT_CONFIGURED
    with pytest.raises(ProgrammingError), transaction.atomic():
        list(User.objects.all()[:1])
    _task_cluster_release(task=task)
    connection.set_schema_to_public()
    assert bound_cluster() is None


def test_django_tenants_modes_of_migrate_schemas_respect_clusters(gamma):
    """A run that goes through django-tenants' own command (here --fake) migrates a company elsewhere inside its
    cluster with --schema, and refuses a run over every company while some live on another cluster."""
    from django.core.management.base import CommandError

    call_command("migrate_schemas", tenant=True, schema_name=GAMMA_SCHEMA, fake=True, interactive=False,
                 executor="standard", verbosity=0)
    assert bound_cluster() is None
    with pytest.raises(CommandError, match=GAMMA_SCHEMA):
        call_command("migrate_schemas", fake=True, interactive=False, executor="standard", verbosity=0)


def test_request_log_names_the_company_on_another_cluster(gql, gamma, caplog):
    """The telemetry line is written after the routing middleware gave the main connection back (in public):
    it reads the schema from the request, so gamma's requests are not logged as the platform's."""
    import logging

    with caplog.at_level(logging.INFO, logger="heat.request"):
        gql("gamma.localhost", "{ __typename }")
    line = next(r for r in caplog.records if r.name == "heat.request")
    assert (line.site, line.tenant) == ("tenant", GAMMA_SCHEMA)
