"""Closing a company keeps its data for TENANT_RETENTION_DAYS, then the beat task drops its
schema, media and public rows and leaves one audit row; active and suspended companies are
never dropped, whatever their dates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists

from apps.properties.models import House
from heat_platform.celery import app as celery_app
from heat_platform.models import OperatorAuditLog
from tenants.archive import tenant_export, tenant_import
from tenants.lifecycle import tenant_purge, tenants_due_for_purge, tenants_purge_due
from tenants.models import Domain, HeatingCompany, MerchantAccount, MiniProgramAccount
from tenants.services import tenant_close, tenant_reactivate, tenant_register, tenant_suspend
from tests.factories.payments import add_wechat_account
from tests.factories.properties import HouseFactory
from tests.factories.tenants import brand, registration, tenant_info

CLOSE = ('mutation($id:ID!){closeTenant(id:$id, reason:"合同到期")'
         "{tenant{slug status closedAt purgeAfter} errors{code}}}")


@pytest.fixture
def operator_user(db):
    from apps.accounts.models import User
    from tests.factories.tenants import OPERATOR

    return User.objects.get(username=OPERATOR)


def _later(days: int):
    return timezone.now() + timedelta(days=days)


@pytest.fixture
def gone(db, mp_media):
    """A company with a logo file, a mini-program and a merchant account, and one house."""
    tenant_register(registration=registration("gone-co"))
    info = tenant_info("gone-co")
    brand(info, app_id="wx00000000000b0a01", name="将关闭")
    add_wechat_account("gone-co", mchid="1900000902", appid="wx00000000000b0a01")
    with schema_context(info.schema):
        HouseFactory()
    return info


def test_closed_company_is_kept_through_retention_then_dropped_with_an_audit_row(gone, mp_media, client):
    company = HeatingCompany.objects.get(slug="gone-co")
    operator_rows = OperatorAuditLog.objects.filter(tenant=company).count()
    tenant_close(tenant_id=company.pk, actor=None, reason="合同到期")
    assert client.get("/graphql/", HTTP_HOST=gone.host).status_code == 410
    # Within the retention period nothing is due, and a purge is refused.
    assert tenants_due_for_purge(now=_later(settings.TENANT_RETENTION_DAYS - 1)) == []
    with pytest.raises(ValidationError) as err:
        tenant_purge(tenant_id=company.pk, now=_later(settings.TENANT_RETENTION_DAYS - 1))
    assert err.value.code == "INVALID_STATUS" and schema_exists(gone.schema)

    purged = tenants_purge_due(now=_later(settings.TENANT_RETENTION_DAYS + 1))
    assert [(p.slug, p.schema) for p in purged] == [("gone-co", gone.schema)] and purged[0].media == 1
    assert not schema_exists(gone.schema) and not (mp_media / gone.schema).exists()
    assert not HeatingCompany.objects.filter(slug="gone-co").exists()
    for model in (Domain, MerchantAccount, MiniProgramAccount):
        assert not model.objects.filter(tenant_id=company.pk).exists()
    row = OperatorAuditLog.objects.get(action="tenant.purge")
    assert row.detail["slug"] == "gone-co" and row.detail["schema"] == gone.schema and row.tenant is None
    # The operators' earlier rows about it stay (unlinked); the close row among them.
    assert OperatorAuditLog.objects.filter(action="tenant.close", detail__reason="合同到期").count() == 1
    assert OperatorAuditLog.objects.exclude(action="tenant.purge").filter(tenant=None).count() >= operator_rows + 1
    assert client.get("/graphql/", HTTP_HOST=gone.host).status_code == 404


def test_active_and_suspended_companies_are_never_dropped(gone, alpha, beta, operator_user):
    tenant_suspend(tenant_id=HeatingCompany.objects.get(slug="beta").pk, actor=operator_user, reason="欠费")
    # Even with a closing date long past (left by hand), only CLOSED counts.
    HeatingCompany.objects.filter(slug__in=["alpha", "beta"]).update(closed_at=_later(-3650))
    far = _later(10 * 3650)
    assert tenants_due_for_purge(now=far) == []
    assert tenants_purge_due(now=far) == []
    for slug in ("alpha", "beta"):
        with pytest.raises(ValidationError):
            tenant_purge(tenant_id=HeatingCompany.objects.get(slug=slug).pk, now=far)
    assert schema_exists(alpha.schema) and schema_exists(beta.schema) and schema_exists(gone.schema)


def test_a_closed_company_can_be_reactivated_within_retention(gone, operator_user):
    company = HeatingCompany.objects.get(slug="gone-co")
    tenant_close(tenant_id=company.pk, actor=operator_user, reason="合同到期")
    with pytest.raises(ValidationError) as err:
        tenant_close(tenant_id=company.pk, actor=operator_user, reason="again")
    assert err.value.error_dict["id"][0].code == "INVALID_STATUS"
    company = tenant_reactivate(tenant_id=company.pk, actor=operator_user)
    assert company.status == "active" and company.closed_at is None
    assert tenants_due_for_purge(now=_later(10 * 3650)) == []


def test_an_archive_of_a_closed_company_restores_suspended(gone, tmp_path):
    company = HeatingCompany.objects.get(slug="gone-co")
    tenant_close(tenant_id=company.pk, actor=None, reason="合同到期")
    tenant_export(slug="gone-co", path=tmp_path / "a.tar.gz", passphrase=None)
    tenant_purge(tenant_id=company.pk, now=_later(settings.TENANT_RETENTION_DAYS + 1))
    restored = tenant_import(path=tmp_path / "a.tar.gz").tenant
    assert (restored.slug, restored.status, restored.closed_at) == ("gone-co", "suspended", None)
    with schema_context(restored.schema_name):
        assert House.objects.count() == 1


def test_operators_close_through_graphql_and_the_command(gql, gone, alpha, capsys):
    from tests.factories.tenants import OPERATOR

    company = HeatingCompany.objects.get(slug="gone-co")
    staff_token = gql.login(alpha.host, alpha.admin)
    refused = gql("localhost", CLOSE, {"id": str(company.pk)}, token=staff_token)
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    token = gql.login("localhost", OPERATOR)
    data = gql("localhost", CLOSE, {"id": str(company.pk)}, token=token)["data"]["closeTenant"]
    assert data["errors"] == [] and data["tenant"]["status"] == "CLOSED"
    company.refresh_from_db()
    assert data["tenant"]["purgeAfter"].startswith(
        (company.closed_at + timedelta(days=settings.TENANT_RETENTION_DAYS)).isoformat()[:16])
    call_command("close_tenant", "alpha", "--reason", "合同到期")
    assert "alpha closed" in capsys.readouterr().out
    assert HeatingCompany.objects.get(slug="alpha").status == "closed"


def test_the_purge_runs_daily_from_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["tenants-purge-closed"]
    assert entry["task"] == "tenants.purge_closed_tenants" and entry["task"] in celery_app.tasks
