"""`manage.py set_service_provider`: the platform's own WeChat Pay service-provider
merchant, validated like a company's and stored encrypted; keys never echoed."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tenants.models import ServiceProviderAccount


def test_sandbox_service_provider_is_registered_and_stored_encrypted(db):
    out = io.StringIO()
    call_command("set_service_provider", "wechat", "--sandbox", "--sp-mchid", "1900000002", stdout=out)
    sp = ServiceProviderAccount.objects.get(channel="wechat")
    assert sp.sp_mchid == "1900000002" and "PRIVATE KEY" in sp.merchant_private_key
    assert "PRIVATE" not in out.getvalue() and sp.apiv3_key not in out.getvalue()
    with connection.cursor() as cur:
        cur.execute("SELECT merchant_private_key FROM tenants_serviceprovideraccount WHERE id = %s", [sp.pk])
        assert "PRIVATE KEY" not in cur.fetchone()[0]


def test_bad_service_provider_keys_are_refused_and_nothing_is_stored(db, tmp_path, monkeypatch):
    key = tmp_path / "key.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    monkeypatch.setenv("WECHATPAY_SP_APIV3_KEY", "short")
    with pytest.raises(CommandError) as err:
        call_command("set_service_provider", "wechat", "--sp-mchid", "1900000002", "--sp-appid", "wx0123456789abcdef",
                     "--serial", "AB" * 20, "--private-key-file", str(key))
    assert "merchantPrivateKey" in str(err.value) and "apiv3Key" in str(err.value) and "short" not in str(err.value)
    assert not ServiceProviderAccount.objects.exists()
