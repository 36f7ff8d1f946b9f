import pytest
from django.core.management import call_command
from django.db import connection
from django.dispatch import receiver
from django_tenants.utils import schema_context, schema_exists

from apps.accounts.models import User
from tenants.models import Domain, HeatingCompany, Signup, SignupCode, SpareSchema
from tenants.signals import tenant_provisioned
from tenants.spares import code_migration_state
from tests.factories.signup import REGISTER, register, request_code, signup_input


def _nothing_left(slug: str, schema: str) -> None:
    connection.set_schema_to_public()
    assert not HeatingCompany.objects.filter(slug=slug).exists()
    assert not Domain.objects.filter(domain__startswith=f"{slug}.").exists()
    assert not schema_exists(schema)


def test_register_tenant_gives_working_isolated_tenant(gql):
    spares_before = SpareSchema.objects.count()
    data = register(gql)
    assert data == {"status": "READY", "signupToken": None, "errors": [],  # nothing to wait for
                    "tenant": {"slug": "hebei-heat", "domain": "hebei-heat.localhost", "status": "ACTIVE"}}
    assert schema_exists("t_hebei_heat")
    assert SpareSchema.objects.count() == spares_before - 1  # a spare was renamed into place
    with schema_context("t_hebei_heat"):
        admin = User.objects.get()
        assert (admin.username, admin.role, admin.is_superuser) == ("boss", "tenant_admin", True)
    # the new admin can log in at the new domain, and only there
    token = gql.login("hebei-heat.localhost", "boss", "Warm-winter-2026")
    me = gql("hebei-heat.localhost", "{ me { username role } }", token=token)
    assert me["data"]["me"] == {"username": "boss", "role": "TENANT_ADMIN"}


def test_contact_phone_is_encrypted_at_rest(gql):
    register(gql)
    with connection.cursor() as cur:
        cur.execute("SELECT contact_phone FROM tenants_heatingcompany WHERE slug = 'hebei-heat'")
        stored = cur.fetchone()[0]
    assert "13912345678" not in stored
    assert HeatingCompany.objects.get(slug="hebei-heat").contact_phone == "13912345678"


@pytest.mark.parametrize(
    ("over", "field", "code"),
    [
        ({"slug": "ab"}, "slug", "INVALID_SLUG"),
        ({"slug": "a" * 31}, "slug", "INVALID_SLUG"),
        ({"slug": "-heat"}, "slug", "INVALID_SLUG"),
        ({"slug": "heat-"}, "slug", "INVALID_SLUG"),
        ({"slug": "Heat"}, "slug", "INVALID_SLUG"),
        ({"slug": "heat_co"}, "slug", "INVALID_SLUG"),
        ({"slug": "www"}, "slug", "RESERVED_SLUG"),
        ({"slug": "admin"}, "slug", "RESERVED_SLUG"),
        ({"slug": "public"}, "slug", "RESERVED_SLUG"),
        ({"slug": "alpha"}, "slug", "DUPLICATE_SLUG"),
        ({"adminPassword": "12345678"}, "adminPassword", "WEAK_PASSWORD"),
        ({"adminPassword": "password123"}, "adminPassword", "WEAK_PASSWORD"),
        ({"contactPhone": "12345"}, "contactPhone", "INVALID_PHONE"),
        ({"contactPhone": "+1 555 0100"}, "contactPhone", "INVALID_PHONE"),
        ({"contactPhone": "010-12345678"}, "contactPhone", "INVALID_PHONE"),  # a landline takes no text
        ({"companyName": " "}, "companyName", "REQUIRED"),
    ],
)
def test_register_tenant_rejects_bad_input_and_leaves_nothing(gql, alpha, over, field, code):
    spares_before = SpareSchema.objects.count()
    tenants_before = HeatingCompany.objects.count()
    sms_code = request_code(gql)
    data = gql("localhost", REGISTER,
               {"input": signup_input(**{"smsCode": sms_code, **over})})["data"]["registerTenant"]
    assert data["tenant"] is None and data["status"] is None and data["signupToken"] is None
    assert {(e["field"], e["code"]) for e in data["errors"]} == {(field, code)}
    assert HeatingCompany.objects.count() == tenants_before
    assert SpareSchema.objects.count() == spares_before
    if over.get("slug") not in ("alpha",):
        _nothing_left(signup_input(**over)["slug"], "t_" + signup_input(**over)["slug"].replace("-", "_"))
    assert not Signup.objects.exists()
    # the code was not used up by the refused input: the corrected sign-up goes through with it
    assert SignupCode.objects.get().status == SignupCode.Status.LIVE
    fixed = gql("localhost", REGISTER, {"input": signup_input(smsCode=sms_code)})["data"]["registerTenant"]
    assert fixed["errors"] == [] and fixed["status"] == "READY"


def test_failure_after_schema_claimed_rolls_everything_back(gql):
    """A provisioning hook that fails after the spare was renamed undoes the
    rename, the tenant row and the domain; the spare is back in the pool."""
    spares = set(SpareSchema.objects.values_list("schema_name", flat=True))

    @receiver(tenant_provisioned, dispatch_uid="test.boom")
    def boom(sender, tenant, registration, **kw):
        assert connection.schema_name == "t_hebei_heat"
        raise RuntimeError("provisioning failed")

    sms_code = request_code(gql)
    try:
        result = gql("localhost", REGISTER, {"input": signup_input(smsCode=sms_code)})
        assert result["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
        assert "provisioning failed" not in str(result)  # internals are logged, not shown
    finally:
        tenant_provisioned.disconnect(dispatch_uid="test.boom")
    _nothing_left("hebei-heat", "t_hebei_heat")
    assert set(SpareSchema.objects.values_list("schema_name", flat=True)) == spares
    assert all(schema_exists(s) for s in spares)
    assert not Signup.objects.exists()
    # the code rolled back with the rest: once the fault is gone, the same code signs up
    again = gql("localhost", REGISTER, {"input": signup_input(smsCode=sms_code)})["data"]["registerTenant"]
    assert again["errors"] == [] and again["status"] == "READY"


def test_stale_spare_is_never_claimed(gql, settings, django_capture_on_commit_callbacks):
    settings.SPARE_SCHEMA_POOL_SIZE = 0  # keep the refill out of this test
    SpareSchema.objects.update(migration_state="from-an-older-release")
    stale = set(SpareSchema.objects.values_list("schema_name", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        assert register(gql)["status"] == "PROVISIONING"
    assert HeatingCompany.objects.filter(slug="hebei-heat").exists()
    assert stale <= set(SpareSchema.objects.values_list("schema_name", flat=True))
    assert all(schema_exists(s) for s in stale)


@pytest.mark.django_db
def test_migrate_keeps_spares_current():
    """A spare made before a migration existed gets it from `migrate` and
    becomes claimable again."""
    spare = SpareSchema.objects.first()
    with connection.cursor() as cur:  # as if sessions.0001 had been added after the spare was made
        cur.execute(f'DROP TABLE "{spare.schema_name}".django_session')
        cur.execute(f"DELETE FROM \"{spare.schema_name}\".django_migrations WHERE app = 'sessions'")
    SpareSchema.objects.filter(pk=spare.pk).update(migration_state="old")
    call_command("migrate", interactive=False, verbosity=0)
    spare.refresh_from_db()
    assert spare.migration_state == code_migration_state()
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [f"{spare.schema_name}.django_session"])
        assert cur.fetchone()[0] is not None
