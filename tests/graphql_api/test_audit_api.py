"""The audit logs in the console: a company's (its admins) and the platform's
(operators), filtered and paged on the server."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.audit.models import AuditLog
from apps.audit.services import audit_record
from heat_platform.models import OperatorAuditLog
from tenants.models import HeatingCompany
from tests.factories.accounts import staff
from tests.factories.properties import HouseFactory
from tests.factories.tenants import OPERATOR
from tests.queries import assert_same_queries_grown

SHANGHAI = ZoneInfo("Asia/Shanghai")
LOG = """query($f: AuditLogFilter, $first: Int, $offset: Int) { auditLog(filter: $f, first: $first, offset: $offset) {
  totalCount items { id createdAt actorKind actorId actorName action targetType targetId detail ip } } }"""
ACTIONS = "{ auditActions }"
OP_LOG = """query($f: OperatorAuditLogFilter) { operatorAuditLog(filter: $f) {
  totalCount items { actorUsername action tenantId tenantName tenantSlug detail } } }"""
SUSPEND = "mutation($id: ID!, $r: String!) { suspendTenant(id: $id, reason: $r) { errors { code } } }"
REACTIVATE = "mutation($id: ID!) { reactivateTenant(id: $id) { errors { code } } }"


def _page(gql, host, token, **variables) -> dict:
    result = gql(host, LOG, variables, token=token)
    assert "errors" not in result, result
    return result["data"]["auditLog"]


def _at(row: AuditLog, when: dt.datetime) -> None:
    AuditLog.objects.filter(pk=row.pk).update(created_at=when)


def test_admin_reads_the_log_of_real_actions_with_filters(gql, alpha):
    token = gql.login(alpha.host, alpha.admin)
    with schema_context(alpha.schema):
        house = HouseFactory()
        admin = User.objects.get(username=alpha.admin)
    created = gql(alpha.host, 'mutation { createStaff(username: "li", password: "Warm-winter-2026", role: COLLECTOR) '
                              "{ staff { id } errors { code } } }", token=token)["data"]["createStaff"]
    assert created["errors"] == []
    changed = gql(alpha.host, 'mutation($id: ID!) { changeHeatingStatus(id: $id, status: OPTED_OUT, reason: "空置") '
                              "{ errors { code } } }", {"id": str(house.pk)}, token=token)["data"]
    assert changed["changeHeatingStatus"]["errors"] == []

    everything = _page(gql, alpha.host, token)
    assert [i["action"] for i in everything["items"]] == ["house.heating_status", "staff.create"]  # newest first
    status_row = everything["items"][0]
    assert (status_row["actorKind"], status_row["actorId"], status_row["actorName"]) == (
        "STAFF", str(admin.pk), alpha.admin)
    assert (status_row["targetType"], status_row["targetId"]) == ("properties.house", str(house.pk))
    assert json.loads(status_row["detail"])["reason"] == "空置"
    assert status_row["ip"] == "10.0.0.1"

    by_target = _page(gql, alpha.host, token, f={"targetType": "properties.house", "targetId": str(house.pk)})
    assert [i["action"] for i in by_target["items"]] == ["house.heating_status"]
    assert _page(gql, alpha.host, token, f={"actionPrefix": "staff."})["totalCount"] == 1
    assert _page(gql, alpha.host, token, f={"action": "staff."})["totalCount"] == 0  # exact
    assert _page(gql, alpha.host, token, f={"actorKind": "RESIDENT"})["totalCount"] == 0
    assert _page(gql, alpha.host, token, f={"actorId": str(admin.pk)})["totalCount"] == 2
    assert gql(alpha.host, ACTIONS, token=token)["data"]["auditActions"] == ["house.heating_status", "staff.create"]


def test_date_filters_are_calendar_days_in_shanghai(gql, alpha):
    with schema_context(alpha.schema):
        late = audit_record(actor=None, action="x.late")
        early = audit_record(actor=None, action="x.early")
        _at(late, dt.datetime(2026, 12, 1, 23, 59, tzinfo=SHANGHAI))  # 15:59 UTC
        _at(early, dt.datetime(2026, 12, 2, 0, 1, tzinfo=SHANGHAI))  # 16:01 UTC, still Dec 1 in UTC
    token = gql.login(alpha.host, alpha.admin)

    def actions(**f):
        return [i["action"] for i in _page(gql, alpha.host, token, f=f)["items"]]

    assert actions(dateFrom="2026-12-01", dateTo="2026-12-01") == ["x.late"]
    assert actions(dateFrom="2026-12-02", dateTo="2026-12-02") == ["x.early"]
    assert actions(dateFrom="2026-12-01") == ["x.early", "x.late"]
    assert actions(dateTo="2026-11-30") == []


def test_the_log_is_paged_on_the_server(gql, alpha):
    with schema_context(alpha.schema):
        for i in range(7):
            audit_record(actor=None, action=f"x.{i}")
    token = gql.login(alpha.host, alpha.admin)
    first = _page(gql, alpha.host, token, first=3)
    second = _page(gql, alpha.host, token, first=3, offset=3)
    assert first["totalCount"] == second["totalCount"] == 7
    assert [i["action"] for i in first["items"] + second["items"]] == [f"x.{i}" for i in range(6, 0, -1)]


def test_the_log_costs_the_same_for_many_rows(gql, alpha):
    with schema_context(alpha.schema):
        collector = staff("c1")
        audit_record(actor=collector, action="x.one", target=HouseFactory())
    token = gql.login(alpha.host, alpha.admin)

    def grow():
        with schema_context(alpha.schema):
            for _ in range(6):
                audit_record(actor=collector, action="x.more", target=HouseFactory(), note="n")

    one, more = assert_same_queries_grown(lambda: _page(gql, alpha.host, token), grow)
    assert (one["totalCount"], more["totalCount"]) == (1, 7)


def test_a_company_sees_only_its_own_log(gql, alpha, beta):
    with schema_context(alpha.schema):
        audit_record(actor=None, action="alpha.secret")
    token = gql.login(beta.host, beta.admin)
    assert "alpha.secret" not in [i["action"] for i in _page(gql, beta.host, token)["items"]]
    assert "alpha.secret" not in gql(beta.host, ACTIONS, token=token)["data"]["auditActions"]


# --- the platform's log ------------------------------------------------------------------------------------

def _op_page(gql, token, **f) -> dict:
    result = gql("localhost", OP_LOG, {"f": f} if f else {}, token=token)
    assert "errors" not in result, result
    return result["data"]["operatorAuditLog"]


def test_operator_reads_suspensions_with_their_reason(gql, alpha, beta, empty_platform_log):
    token = gql.login("localhost", OPERATOR)
    alpha_id = str(HeatingCompany.objects.get(slug="alpha").pk)
    beta_id = str(HeatingCompany.objects.get(slug="beta").pk)
    for tenant_id in (alpha_id, beta_id):
        assert gql("localhost", SUSPEND, {"id": tenant_id, "r": "欠缴平台服务费"},
                   token=token)["data"]["suspendTenant"]["errors"] == []
    assert gql("localhost", REACTIVATE, {"id": alpha_id}, token=token)["data"]["reactivateTenant"]["errors"] == []

    of_alpha = _op_page(gql, token, tenantId=alpha_id)
    assert [(i["action"], i["tenantSlug"], i["tenantName"], i["actorUsername"]) for i in of_alpha["items"]] == [
        ("tenant.reactivate", "alpha", "alpha 热力", OPERATOR), ("tenant.suspend", "alpha", "alpha 热力", OPERATOR)]
    assert json.loads(of_alpha["items"][1]["detail"]) == {"reason": "欠缴平台服务费"}
    assert _op_page(gql, token, action="tenant.suspend")["totalCount"] == 2
    assert _op_page(gql, token, actionPrefix="tenant.")["totalCount"] == 3
    assert gql("localhost", "{ operatorAuditActions }", token=token)["data"]["operatorAuditActions"] == [
        "tenant.reactivate", "tenant.suspend"]


def test_operator_log_costs_the_same_for_many_rows(gql, alpha, empty_platform_log):
    token = gql.login("localhost", OPERATOR)
    tenant = HeatingCompany.objects.get(slug="alpha")
    OperatorAuditLog.objects.create(actor_username="system", action="x.one", tenant=tenant)

    def grow():
        for i in range(6):
            OperatorAuditLog.objects.create(actor_username="system", action="x.more", tenant=tenant,
                                            detail={"n": i})

    one, more = assert_same_queries_grown(lambda: _op_page(gql, token), grow)
    assert (one["totalCount"], more["totalCount"]) == (1, 7)


def test_company_staff_cannot_read_the_platform_log(gql, alpha):
    token = gql.login(alpha.host, alpha.admin)
    result = gql(alpha.host, OP_LOG, token=token)
    assert result["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"  # not in a company's schema
    result = gql("localhost", OP_LOG, token=token)
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"  # a company's token is no operator's
