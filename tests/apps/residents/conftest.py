"""Residents test helpers: a mini-program for alpha, GraphQL documents, and
`responses` as the only way out to WeChat / Aliyun / Tencent."""

from __future__ import annotations

import pytest
import responses
from django_tenants.utils import schema_context

APP_ID = "wx0123456789abcdef"  # "wx" + 16 hex, like a real AppID
APP_SECRET = "app-secret-7f3c9a1e5b2d4c6e8a0b"
BETA_APP_ID = "wxfedcba9876543210"
WECHAT = "https://api.weixin.qq.com"

LOGIN = ("mutation($c:String!){wechatLogin(code:$c){token expiresIn resident{id displayName phoneMasked} "
         "errors{field code message}}}")
PROFILE = "{ myProfile { id displayName phoneMasked } }"
BIND_PHONE = "mutation($c:String!){bindPhone(code:$c){resident{id phoneMasked} errors{field code message}}}"
REQUEST_CODE = ("mutation($p:String!){requestSmsCode(phone:$p){phoneMasked expiresIn resendIn "
                "errors{field code message}}}")
VERIFY_CODE = ("mutation($p:String!,$c:String!){verifySmsCode(phone:$p,code:$c){resident{id phoneMasked} "
               "errors{field code message}}}")

# Aliyun and Tencent SMS accounts for the fakes of their HTTP APIs, and Aliyun's answer to a sent message.
ALIYUN_URL = "https://dysmsapi.aliyuncs.com/"
ALIYUN_KEY_ID = "LTAI5tAliyunTestKeyId"
ALIYUN_SECRET = "aliyun-test-secret-9f8e7d6c5b4a"
TENCENT_URL = "https://sms.tencentcloudapi.com/"
TENCENT_SECRET_ID = "AKIDtencentTestSecretId0000"
TENCENT_SECRET_KEY = "tencent-test-secret-key-1a2b3c4d"
ALIYUN_OK = {"Message": "OK", "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990", "Code": "OK",
             "BizId": "900619746936498440^0"}


def _account(slug: str, app_id: str, secret: str):
    from tenants.models import HeatingCompany, MiniProgramAccount

    return MiniProgramAccount.objects.create(tenant=HeatingCompany.objects.get(slug=slug), app_id=app_id,
                                             app_secret=secret)


@pytest.fixture
def miniprogram(alpha):
    """alpha's mini-program account (public schema, rolled back with the test)."""
    return _account("alpha", APP_ID, APP_SECRET)


@pytest.fixture
def beta_miniprogram(beta):
    return _account("beta", BETA_APP_ID, "beta-secret-0000")


@pytest.fixture
def http():
    """Every outgoing `requests` call must match a registered fake; nothing reaches the network."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def real_wechat(settings, http):
    settings.WECHAT_LOGIN_PROVIDER = "wechat"
    return http


@pytest.fixture(autouse=True)
def _empty_outbox():
    from apps.residents.sms.sandbox import outbox_clear

    outbox_clear()
    yield
    outbox_clear()


@pytest.fixture
def in_schema():
    """`with in_schema(alpha): …` runs ORM code inside a tenant's schema."""
    return lambda tenant: schema_context(tenant.schema)
