"""Merchant accounts through the API: validated on save, secrets encrypted,
write-only and never logged; test connection against the sandbox gateway;
another company's admin never sees them."""

from __future__ import annotations

import logging

import pytest
from django.db import connection

from apps.audit.models import AuditLog
from tenants.models import MerchantAccount

SAVE = """mutation($input: WechatMerchantInput!) { saveWechatMerchant(input: $input) {
  account { channel mode mchid appid merchantSerialNo wechatpayPublicKeyId hasMerchantPrivateKey hasApiv3Key }
  errors { field code } } }"""
LIST = "{ merchantAccounts { channel mode mchid hasMerchantPrivateKey hasApiv3Key lastTestOk lastTestMessage } }"
TEST = "mutation { testMerchantConnection(channel: WECHAT) { account { lastTestOk lastTestMessage } errors { code } } }"


@pytest.fixture
def sandbox_keys(db):
    from apps.payments.sandbox.wechat import sandbox_wechat_merchant

    connection.set_schema_to_public()
    return sandbox_wechat_merchant(mchid="1900000555", appid="wxa1b2c3d4e5f60718")


def _input(cfg: dict, **changes) -> dict:
    data = {"mode": "DIRECT", "mchid": cfg["mchid"], "appid": cfg["appid"],
            "merchantSerialNo": cfg["merchant_serial_no"], "merchantPrivateKey": cfg["merchant_private_key"],
            "apiv3Key": cfg["apiv3_key"], "wechatpayPublicKeyId": cfg["wechatpay_public_key_id"],
            "wechatpayPublicKey": cfg["wechatpay_public_key"]}
    data.update(changes)
    return data


def test_admin_saves_a_wechat_merchant_and_secrets_are_write_only(gql, alpha, sandbox_keys, caplog):
    token = gql.login(alpha.host, alpha.admin)
    with caplog.at_level(logging.DEBUG):
        saved = gql(alpha.host, SAVE, {"input": _input(sandbox_keys)}, token=token)["data"]["saveWechatMerchant"]
    assert saved["errors"] == []
    assert saved["account"]["hasMerchantPrivateKey"] and saved["account"]["hasApiv3Key"]
    account = MerchantAccount.objects.get(tenant__slug="alpha", channel="wechat")
    assert account.merchant_private_key == sandbox_keys["merchant_private_key"].strip()  # decrypts to what was given
    with connection.cursor() as cur:  # …but is stored encrypted
        cur.execute("SELECT merchant_private_key, apiv3_key FROM tenants_merchantaccount WHERE id = %s", [account.pk])
        raw_key, raw_apiv3 = cur.fetchone()
    assert "PRIVATE KEY" not in raw_key and sandbox_keys["apiv3_key"] not in raw_apiv3
    listed = gql(alpha.host, LIST, token=token)
    assert "PRIVATE" not in str(listed) and sandbox_keys["apiv3_key"] not in str(listed)
    # Saving again without the secrets keeps them.
    again = gql(alpha.host, SAVE, {"input": _input(sandbox_keys, merchantPrivateKey="", apiv3Key=None)},
                token=token)["data"]["saveWechatMerchant"]
    assert again["errors"] == [] and again["account"]["hasApiv3Key"]
    account.refresh_from_db()
    assert account.apiv3_key == sandbox_keys["apiv3_key"]
    secrets = (sandbox_keys["apiv3_key"], "BEGIN PRIVATE KEY", sandbox_keys["merchant_private_key"][40:80])
    assert not any(s in record.getMessage() for record in caplog.records for s in secrets)
    connection.set_schema_to_public()
    from django_tenants.utils import schema_context

    with schema_context(alpha.schema):
        first, second = AuditLog.objects.filter(action="merchant.save").order_by("id")
        assert "apiv3_key" in first.detail["fields"] and "apiv3_key" not in second.detail["fields"]
        assert sandbox_keys["apiv3_key"] not in str(first.detail) + str(second.detail)


@pytest.mark.parametrize(("change", "field"), [
    ({"mchid": "12ab"}, "mchid"),
    ({"appid": "wx123"}, "appid"),
    ({"merchantPrivateKey": "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----"},
     "merchantPrivateKey"),
    ({"apiv3Key": "too-short"}, "apiv3Key"),
    ({"wechatpayPublicKey": "garbage"}, "wechatpayPublicKey"),
])
def test_bad_credentials_are_refused_with_a_typed_error_and_nothing_is_written(gql, alpha, sandbox_keys,
                                                                              change, field):
    token = gql.login(alpha.host, alpha.admin)
    saved = gql(alpha.host, SAVE, {"input": _input(sandbox_keys, **change)}, token=token)["data"]["saveWechatMerchant"]
    assert saved["account"] is None
    assert {"field": field, "code": "INVALID_KEY"} in saved["errors"]
    assert not MerchantAccount.objects.filter(tenant__slug="alpha").exists()


def test_test_connection_signs_a_call_to_the_sandbox_gateway(gql, alpha, sandbox_keys):
    from tests.sandbox_http import sandbox_http

    token = gql.login(alpha.host, alpha.admin)
    gql(alpha.host, SAVE, {"input": _input(sandbox_keys)}, token=token)
    with sandbox_http() as mock:
        ok = gql(alpha.host, TEST, token=token)["data"]["testMerchantConnection"]
        assert any("/sandbox/wechatpay/v3/pay/transactions/out-trade-no/" in c.request.url for c in mock.calls)
    assert ok["account"]["lastTestOk"] is True
    # A key the gateway does not know for this merchant: the gateway refuses the signature.
    from apps.payments.sandbox.wechat import sandbox_wechat_merchant

    connection.set_schema_to_public()
    sandbox_wechat_merchant(mchid="1900000555", appid="wxa1b2c3d4e5f60718")  # re-keyed at the gateway
    with sandbox_http():
        bad = gql(alpha.host, TEST, token=token)["data"]["testMerchantConnection"]
    assert bad["account"]["lastTestOk"] is False and bad["account"]["lastTestMessage"]


def test_merchant_accounts_are_per_company_and_admin_only(gql, alpha, beta, sandbox_keys, make_staff):
    token = gql.login(alpha.host, alpha.admin)
    gql(alpha.host, SAVE, {"input": _input(sandbox_keys)}, token=token)
    beta_admin = gql.login(beta.host, beta.admin)
    assert gql(beta.host, LIST, token=beta_admin)["data"]["merchantAccounts"] == []
    finance = make_staff(alpha, "finance")
    denied = gql(alpha.host, LIST, token=finance)
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_certificate_mode_refresh_is_a_beat_job_not_a_request(db, alpha, settings):
    """Legacy certificate mode: the daily job downloads and stores the platform
    certificates; nothing else ever triggers a download."""
    from apps.payments.sandbox.wechat import sandbox_wechat_merchant
    from apps.payments.tasks import refresh_platform_certificates
    from tenants.models import HeatingCompany
    from tests.sandbox_http import sandbox_http

    connection.set_schema_to_public()
    cfg = sandbox_wechat_merchant(mchid="1900000556", appid="wxa1b2c3d4e5f60718", signing="certificate")
    fields = {k: v for k, v in cfg.items() if k not in ("channel", "mode") and hasattr(MerchantAccount, k)}
    fields["platform_certificates"] = list(fields["platform_certificates"])
    account = MerchantAccount.objects.create(tenant=HeatingCompany.objects.get(slug="alpha"), channel="wechat",
                                             mode="direct", **fields)
    before = account.updated_at
    with sandbox_http() as mock:
        assert refresh_platform_certificates() == {"alpha": 1}
        assert [c.request.url.split("/sandbox/wechatpay")[1] for c in mock.calls] == ["/v3/certificates"]
    connection.set_schema_to_public()
    account.refresh_from_db()
    assert account.updated_at > before and account.platform_certificates[0]["serial_no"]
