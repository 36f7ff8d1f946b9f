"""What the operator console reads and sets beyond the figures: companies with
their refreshed summary and the reason behind their status, one company's
detail, and the platform's service-provider accounts (secrets write-only)."""

import json

import pytest
from django_tenants.utils import schema_context

from apps.payments.sandbox.wechat import sandbox_wechat_merchant
from heat_platform.models import OperatorAuditLog
from tenants.models import HeatingCompany, ServiceProviderAccount
from tenants.stats import tenant_stats_refresh
from tests.factories.billing import FULL, bill_for
from tests.factories.tariffs import plain_season
from tests.factories.tenants import OPERATOR
from tests.queries import assert_same_queries_grown

TENANT_FIELDS = "id slug status statusReason counts { houses } summary { houses seasonName billedFen collectionRate }"
TENANTS = f"{{ tenants {{ totalCount items {{ {TENANT_FIELDS} }} }} }}"
TENANT = f"query($id: ID!) {{ tenant(id: $id) {{ {TENANT_FIELDS} }} }}"
SUSPEND = ("mutation($id: ID!, $r: String!) { suspendTenant(id: $id, reason: $r) "
           "{ tenant { statusReason } errors { code } } }")
REACTIVATE = "mutation($id: ID!) { reactivateTenant(id: $id) { tenant { status statusReason } errors { code } } }"
SP_FIELDS = ("channel spMchid spAppid merchantSerialNo wechatpayPublicKeyId hasMerchantPrivateKey hasApiv3Key "
             "alipayAppId hasAlipayAppPrivateKey hasAlipayPublicKey")
SP_LIST = f"{{ serviceProviderAccounts {{ {SP_FIELDS} }} }}"
SP_SAVE = f"""mutation($i: ServiceProviderInput!) {{ saveServiceProviderAccount(input: $i) {{
  account {{ {SP_FIELDS} }} errors {{ field code message }} }} }}"""


def _id(slug: str) -> str:
    return str(HeatingCompany.objects.get(slug=slug).pk)


def _billed(tenant, houses: int) -> None:
    with schema_context(tenant.schema):
        season_plan = plain_season()
        for _ in range(houses):
            bill_for(season_plan)
        tenant_stats_refresh()


def test_companies_carry_their_summary_and_the_reason_for_their_status(gql, alpha, beta):
    _billed(alpha, 2)
    token = gql.login("localhost", OPERATOR)
    suspended = gql("localhost", SUSPEND, {"id": _id("beta"), "r": "合同到期未续费"}, token=token)
    assert suspended["data"]["suspendTenant"] == {"tenant": {"statusReason": "合同到期未续费"}, "errors": []}
    items = {t["slug"]: t for t in gql("localhost", TENANTS, token=token)["data"]["tenants"]["items"]}
    assert items["alpha"]["summary"] == {"houses": 2, "seasonName": "2026-2027", "billedFen": 2 * FULL,
                                         "collectionRate": "0.00"}
    assert items["alpha"]["statusReason"] is None
    assert items["beta"]["summary"] is None  # not refreshed yet
    assert (items["beta"]["status"], items["beta"]["statusReason"]) == ("SUSPENDED", "合同到期未续费")

    detail = gql("localhost", TENANT, {"id": _id("beta")}, token=token)["data"]["tenant"]
    assert (detail["slug"], detail["statusReason"]) == ("beta", "合同到期未续费")
    reactivated = gql("localhost", REACTIVATE, {"id": _id("beta")}, token=token)["data"]["reactivateTenant"]
    assert reactivated["tenant"] == {"status": "ACTIVE", "statusReason": None}
    assert gql("localhost", TENANT, {"id": "999999"}, token=token)["data"]["tenant"] is None
    assert gql("localhost", TENANT, {"id": "x"}, token=token)["data"]["tenant"] is None


def test_reactivation_records_the_reason_given(gql, alpha):
    token = gql.login("localhost", OPERATOR)
    gql("localhost", SUSPEND, {"id": _id("alpha"), "r": "欠费"}, token=token)
    query = ("mutation($id: ID!, $r: String) { reactivateTenant(id: $id, reason: $r) "
             "{ tenant { status } errors { code } } }")
    done = gql("localhost", query, {"id": _id("alpha"), "r": " 已补缴服务费 "}, token=token)["data"]["reactivateTenant"]
    assert done == {"tenant": {"status": "ACTIVE"}, "errors": []}
    row = OperatorAuditLog.objects.filter(action="tenant.reactivate").latest("id")
    assert (row.actor_username, row.detail) == (OPERATOR, {"previous": "suspended", "reason": "已补缴服务费"})


def test_the_company_list_costs_the_same_for_more_companies(gql, alpha, beta):
    token = gql.login("localhost", OPERATOR)
    gql("localhost", SUSPEND, {"id": _id("alpha"), "r": "测试"}, token=token)
    _billed(alpha, 1)
    HeatingCompany.objects.filter(slug="beta").update(status=HeatingCompany.Status.CLOSED)
    query = "{ tenants(status: SUSPENDED) { totalCount items { slug statusReason summary { houses } } } }"

    def grow():
        HeatingCompany.objects.filter(slug="beta").update(status=HeatingCompany.Status.ACTIVE)
        gql("localhost", SUSPEND, {"id": _id("beta"), "r": "另一个原因"}, token=token)
        _billed(beta, 2)

    one, more = assert_same_queries_grown(lambda: gql("localhost", query, token=token)["data"]["tenants"], grow)
    assert one["totalCount"] == 1
    assert {t["slug"]: (t["statusReason"], t["summary"]["houses"]) for t in more["items"]} == {
        "alpha": ("测试", 1), "beta": ("另一个原因", 2)}


# --- service-provider accounts ---------------------------------------------------------------------------

@pytest.fixture
def wechat_sp():
    """Fresh keys for a WeChat Pay service provider, registered at the sandbox gateway (as ServiceProviderInput)."""
    cfg = sandbox_wechat_merchant(mchid="1900000001", appid="wx0123456789abcdef", mode="partner")
    return {"channel": "WECHAT", "spMchid": cfg["mchid"], "spAppid": cfg["appid"],
            "merchantSerialNo": cfg["merchant_serial_no"], "merchantPrivateKey": cfg["merchant_private_key"],
            "apiv3Key": cfg["apiv3_key"], "wechatpayPublicKeyId": cfg["wechatpay_public_key_id"],
            "wechatpayPublicKey": cfg["wechatpay_public_key"]}


def test_operator_sets_the_service_provider_and_never_reads_a_secret_back(gql, wechat_sp):
    token = gql.login("localhost", OPERATOR)
    saved = gql("localhost", SP_SAVE, {"i": wechat_sp}, token=token)["data"]["saveServiceProviderAccount"]
    assert saved["errors"] == []
    assert saved["account"]["spMchid"] == "1900000001"
    assert (saved["account"]["hasMerchantPrivateKey"], saved["account"]["hasApiv3Key"]) == (True, True)
    listed = gql("localhost", SP_LIST, token=token)
    text = json.dumps(listed)
    assert wechat_sp["apiv3Key"] not in text and "PRIVATE KEY" not in text
    assert [a["channel"] for a in listed["data"]["serviceProviderAccounts"]] == ["WECHAT"]

    # Ids changed without the secrets: the stored secrets stay.
    again = gql("localhost", SP_SAVE, {"i": {"channel": "WECHAT", "spAppid": "wxfedcba9876543210"}},
                token=token)["data"]["saveServiceProviderAccount"]
    assert again["errors"] == []
    stored = ServiceProviderAccount.objects.get(channel="wechat")
    assert (stored.sp_appid, stored.apiv3_key) == ("wxfedcba9876543210", wechat_sp["apiv3Key"])

    rows = list(OperatorAuditLog.objects.filter(action="service_provider.save").order_by("id").values_list(
        "actor_username", "detail"))
    assert rows[0] == (OPERATOR, {"channel": "wechat", "fields": sorted(
        ["sp_mchid", "sp_appid", "merchant_serial_no", "merchant_private_key", "apiv3_key",
         "wechatpay_public_key_id", "wechatpay_public_key"])})
    assert rows[1][1] == {"channel": "wechat", "fields": ["sp_appid"]}
    assert wechat_sp["apiv3Key"] not in json.dumps([r[1] for r in rows])


@pytest.mark.parametrize(("change", "field"), [
    ({"spMchid": "12"}, "spMchid"),
    ({"apiv3Key": "too-short"}, "apiv3Key"),
    ({"merchantPrivateKey": "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----"}, "merchantPrivateKey"),
])
def test_a_bad_service_provider_changes_nothing(gql, wechat_sp, change, field):
    token = gql.login("localhost", OPERATOR)
    assert gql("localhost", SP_SAVE, {"i": wechat_sp}, token=token)["data"]["saveServiceProviderAccount"][
        "errors"] == []
    before = ServiceProviderAccount.objects.values().get(channel="wechat")
    refused = gql("localhost", SP_SAVE, {"i": {"channel": "WECHAT", **change}},
                  token=token)["data"]["saveServiceProviderAccount"]
    assert refused["account"] is None
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [(field, "INVALID_KEY")]
    after = ServiceProviderAccount.objects.values().get(channel="wechat")
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"}
    assert OperatorAuditLog.objects.filter(action="service_provider.save").count() == 1


def test_a_company_admin_cannot_set_the_service_provider(gql, alpha, wechat_sp):
    token = gql.login(alpha.host, alpha.admin)
    result = gql("localhost", SP_SAVE, {"i": wechat_sp}, token=token)
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert not ServiceProviderAccount.objects.exists()
