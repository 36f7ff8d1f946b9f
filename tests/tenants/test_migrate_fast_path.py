"""`migrate` / `migrate_schemas` skip a company whose recorded migration state is the code's without
opening its schema, migrate the others (in parallel when many) and record their new state; onboarding
records the state of the schema it hands out.

A schema is "damaged" here as the spare test in test_onboarding does it: one migration's table dropped and
its django_migrations row deleted, as if that migration were new. A run that opens the schema puts the
table back; a run that skips it leaves it missing."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_exists

from tenants.management.commands import migrate_schemas as command
from tenants.models import HeatingCompany, SpareSchema
from tenants.services import tenant_register
from tenants.spares import code_migration_state, schema_migration_state
from tests.factories.tenants import registration


def _damage(schema: str) -> None:
    with connection.cursor() as cur:
        cur.execute(f'DROP TABLE "{schema}".django_session')
        cur.execute(f"DELETE FROM \"{schema}\".django_migrations WHERE app = 'sessions'")


def _has_sessions(schema: str) -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [f"{schema}.django_session"])
        return cur.fetchone()[0] is not None


def _state(schema: str) -> str:
    return HeatingCompany.objects.get(schema_name=schema).migration_state


@pytest.mark.django_db
def test_onboarding_records_the_claimed_spare_state():
    tenant = tenant_register(registration=registration("state-spare"))
    assert tenant.migration_state == code_migration_state()
    assert _state(tenant.schema_name) == code_migration_state()


@pytest.mark.django_db
def test_onboarding_with_an_empty_pool_records_the_migrated_state(settings):
    settings.SPARE_SCHEMA_POOL_SIZE = 0  # no refill: the next sign-up must migrate in place
    SpareSchema.objects.update(migration_state="from-an-older-release")  # none claimable
    tenant = tenant_register(registration=registration("state-inplace"))
    assert _state(tenant.schema_name) == code_migration_state() == schema_migration_state(tenant.schema_name)


@pytest.mark.django_db
def test_current_company_is_skipped_and_stale_one_migrated(alpha, beta):
    assert _state(alpha.schema) == _state(beta.schema) == code_migration_state()  # recorded at sign-up
    _damage(alpha.schema)
    _damage(beta.schema)
    HeatingCompany.objects.filter(schema_name=beta.schema).update(migration_state="stale")

    call_command("migrate", interactive=False, verbosity=0)

    assert not _has_sessions(alpha.schema)  # recorded as current: never opened
    assert _has_sessions(beta.schema)  # stale: migrated…
    assert _state(beta.schema) == code_migration_state()  # …and recorded


@pytest.mark.django_db
def test_unknown_state_is_migrated(alpha):
    _damage(alpha.schema)
    HeatingCompany.objects.filter(schema_name=alpha.schema).update(migration_state="")
    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
    assert _has_sessions(alpha.schema)
    assert _state(alpha.schema) == code_migration_state()


@pytest.mark.django_db
def test_schema_option_opens_the_schema_and_records_its_state(alpha):
    _damage(alpha.schema)  # its record still says current
    call_command("migrate_schemas", schema_name=alpha.schema, interactive=False, verbosity=0)
    assert _has_sessions(alpha.schema)
    assert _state(alpha.schema) == code_migration_state()


@pytest.mark.django_db
def test_all_schemas_option_opens_current_ones(alpha):
    _damage(alpha.schema)
    call_command("migrate", all_schemas=True, interactive=False, verbosity=0)
    assert _has_sessions(alpha.schema)


@pytest.mark.django_db
def test_damaged_schema_records_a_state_that_is_not_current(alpha):
    _damage(alpha.schema)
    HeatingCompany.objects.filter(schema_name=alpha.schema).update(migration_state="")
    call_command("migrate_schemas", schema_name=alpha.schema, interactive=False, verbosity=0, fake=True)
    # --fake records sessions.0001 without its table: the digest follows django_migrations, as Django does
    assert _state(alpha.schema) == code_migration_state()
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM \"{alpha.schema}\".django_migrations WHERE app = 'sessions'")
    assert schema_migration_state(alpha.schema) != code_migration_state()


@pytest.mark.django_db
def test_rows_of_deleted_migrations_do_not_make_a_schema_stale(alpha):
    with connection.cursor() as cur:  # e.g. migrations squashed and the originals deleted
        cur.execute(f"INSERT INTO \"{alpha.schema}\".django_migrations (app, name, applied) "
                    "VALUES ('billing', '0001_squashed_away', now())")
    assert schema_migration_state(alpha.schema) == code_migration_state()


@pytest.mark.django_db
def test_stale_spare_is_migrated_and_current_spares_are_not_opened():
    current, stale = SpareSchema.objects.order_by("id")[:2]
    _damage(current.schema_name)
    _damage(stale.schema_name)
    SpareSchema.objects.filter(pk=stale.pk).update(migration_state="stale")
    call_command("migrate", interactive=False, verbosity=0)
    assert not _has_sessions(current.schema_name)
    assert _has_sessions(stale.schema_name)
    stale.refresh_from_db()
    assert stale.migration_state == code_migration_state()


def test_many_stale_companies_go_to_the_parallel_executor_which_records_their_state(
        django_db_setup, django_db_blocker, monkeypatch):
    """Committed (the executor forks workers with their own connections): alpha and beta marked unknown,
    then put back by the run itself."""
    monkeypatch.setattr(command, "PARALLEL_FROM", 2)
    monkeypatch.delenv("EXECUTOR", raising=False)
    used = []
    real = command.GET_EXECUTOR_FUNCTION
    monkeypatch.setattr(command, "GET_EXECUTOR_FUNCTION", lambda codename: used.append(codename) or real(codename))
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        schemas = list(HeatingCompany.objects.filter(slug__in=["alpha", "beta"]).values_list("schema_name", flat=True))
        try:
            HeatingCompany.objects.filter(schema_name__in=schemas).update(migration_state="")
            call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
            assert "multiprocessing" in used
            assert {_state(s) for s in schemas} == {code_migration_state()}  # written by the workers
            assert all(schema_exists(s) for s in schemas)
        finally:
            connection.set_schema_to_public()
            HeatingCompany.objects.filter(schema_name__in=schemas).update(migration_state=code_migration_state())
