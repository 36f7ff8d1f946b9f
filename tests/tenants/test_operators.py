from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.accounts.models import Role
from apps.accounts.services import staff_create
from apps.residents.models import Resident
from heat_platform.models import OperatorAuditLog
from tenants.models import HeatingCompany
from tenants.services import tenant_register
from tenants.signals import Registration
from tests.factories.properties import HouseFactory
from tests.factories.tenants import OPERATOR, PASSWORD

TENANTS = "{ tenants { totalCount items { id slug domain status contactPhone counts { staff houses residents } } } }"
SUSPEND = 'mutation($id:ID!){suspendTenant(id:$id, reason:"欠费"){tenant{slug status} errors{field code}}}'
REACTIVATE = "mutation($id:ID!){reactivateTenant(id:$id){tenant{slug status} errors{field code}}}"


def _id(slug):
    return str(HeatingCompany.objects.get(slug=slug).pk)


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_operator_lists_tenants_with_status_and_counts(gql, alpha, beta):
    with schema_context(alpha.schema):
        staff_create(username="alpha-2", password=PASSWORD, role=Role.FINANCE)
        HouseFactory()
        Resident.objects.create(openid="o-count")
    token = gql.login("localhost", OPERATOR)
    before = _queries(lambda: gql("localhost", TENANTS, token=token))
    tenant_register(registration=Registration(
        company_name="第三家", slug="gamma", contact_name="王", contact_phone="13700000000",
        admin_username="g-admin", admin_password=PASSWORD))
    # the page's counts come from one UNION ALL: the query count does not grow with tenants
    assert _queries(lambda: gql("localhost", TENANTS, token=token)) == before
    data = gql("localhost", TENANTS, token=token)["data"]["tenants"]
    by_slug = {t["slug"]: t for t in data["items"]}
    assert "platform" not in by_slug
    assert by_slug["alpha"]["counts"] == {"staff": 2, "houses": 1, "residents": 1}
    assert by_slug["beta"]["counts"] == {"staff": 1, "houses": 0, "residents": 0}
    assert by_slug["alpha"]["domain"] == "alpha.localhost"
    assert by_slug["alpha"]["status"] == "ACTIVE"
    assert by_slug["gamma"]["counts"] == {"staff": 1, "houses": 0, "residents": 0}
    assert data["totalCount"] == 3


def test_tenants_list_is_operator_only(gql, alpha):
    assert gql("localhost", TENANTS)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    staff_token = gql.login(alpha.host, alpha.admin)
    # a company token is not even a valid token on the platform domain
    assert gql("localhost", TENANTS, token=staff_token)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_suspended_tenant_is_blocked_with_data_kept_and_restored(gql, client, alpha, empty_platform_log):
    token = gql.login("localhost", OPERATOR)
    staff_token = gql.login(alpha.host, alpha.admin)
    result = gql("localhost", SUSPEND, {"id": _id("alpha")}, token=token)["data"]["suspendTenant"]
    assert result == {"tenant": {"slug": "alpha", "status": "SUSPENDED"}, "errors": []}
    for path in ("/graphql/", "/admin/", "/healthz"):
        resp = client.post(path, HTTP_HOST=alpha.host)
        assert resp.status_code == 423
        assert resp.json()["error"]["code"] == "TENANT_SUSPENDED"
    connection.set_schema_to_public()
    with schema_context(alpha.schema):
        from apps.accounts.models import User

        assert User.objects.filter(username="alpha-admin").exists()
    result = gql("localhost", REACTIVATE, {"id": _id("alpha")}, token=token)["data"]["reactivateTenant"]
    assert result == {"tenant": {"slug": "alpha", "status": "ACTIVE"}, "errors": []}
    assert gql(alpha.host, "{me{username}}", token=staff_token)["data"]["me"]["username"] == "alpha-admin"
    actions = list(OperatorAuditLog.objects.order_by("id").values_list("actor_username", "action", "tenant__slug"))
    assert actions == [(OPERATOR, "tenant.suspend", "alpha"), (OPERATOR, "tenant.reactivate", "alpha")]
    assert OperatorAuditLog.objects.filter(action="tenant.suspend").get().detail == {"reason": "欠费"}


def test_operator_actions_reject_bad_state_and_ids(gql, alpha, empty_platform_log):
    token = gql.login("localhost", OPERATOR)
    assert gql("localhost", REACTIVATE, {"id": _id("alpha")}, token=token)["data"]["reactivateTenant"]["errors"] == [
        {"field": "id", "code": "INVALID_STATUS"}]
    platform_id = str(HeatingCompany.objects.get(schema_name="public").pk)
    for bad in (platform_id, "999999", "abc"):
        assert gql("localhost", SUSPEND, {"id": bad}, token=token)["data"]["suspendTenant"]["errors"] == [
            {"field": "id", "code": "NOT_FOUND"}]
    assert not OperatorAuditLog.objects.exists()


def test_staff_cannot_suspend(gql, alpha):
    staff_token = gql.login(alpha.host, alpha.admin)
    result = gql("localhost", SUSPEND, {"id": _id("alpha")}, token=staff_token)
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert HeatingCompany.objects.get(slug="alpha").status == "active"


def test_platform_admin_suspend_action_is_audited(client, alpha, empty_platform_log):
    client.post("/admin/login/", {"username": OPERATOR, "password": PASSWORD}, HTTP_HOST="localhost")
    resp = client.post("/admin/tenants/heatingcompany/", {"action": "suspend", "_selected_action": [_id("alpha")]},
                       HTTP_HOST="localhost")
    assert resp.status_code == 302
    assert HeatingCompany.objects.get(slug="alpha").status == "suspended"
    assert OperatorAuditLog.objects.get().action == "tenant.suspend"


def test_explicit_null_page_size_means_the_default(gql, alpha, beta):
    token = gql.login("localhost", OPERATOR)
    data = gql("localhost", "{ tenants(first: null, offset: null) { totalCount items { slug } } }", token=token)
    assert data["data"]["tenants"]["totalCount"] == 2 and len(data["data"]["tenants"]["items"]) == 2


def test_create_operator_refuses_a_taken_username_with_a_clear_error(db, monkeypatch):
    import pytest
    from django.core.management import CommandError, call_command

    monkeypatch.setattr("getpass.getpass", lambda prompt="": PASSWORD)
    with pytest.raises(CommandError, match="已存在"):
        call_command("create_operator", OPERATOR.upper())  # usernames are unique regardless of case
    call_command("create_operator", "second-operator")
    with schema_context("public"):
        from apps.accounts.models import User

        assert User.objects.get(username="second-operator").role == Role.OPERATOR
