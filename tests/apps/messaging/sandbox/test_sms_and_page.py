"""The SMS sandbox's record and the vendor's daily cap, and the /sandbox/messages/ page (HTML and JSON) that
shows what the sandboxes would have delivered; in production neither exists."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.messaging.sandbox.models import SandboxSms
from apps.messaging.sandbox.services import sandbox_subscribe
from apps.messaging.wechat import SubscribeClient, WxSendError
from apps.residents.errors import ResidentErrorCode
from apps.residents.providers.sandbox import sandbox_openid
from apps.residents.sms import SmsMessage, SmsSendError
from apps.residents.sms.sandbox import SandboxSmsProvider, outbox, outbox_clear
from tenants.models import HeatingCompany
from tests.factories.environments import PRODUCTION_ENV
from tests.factories.messaging_wx import (
    APP_ID,
    APP_SECRET,
    BETA_APP_ID,
    BETA_SECRET,
    OPENID,
    PAGE,
    RECEIPT_DATA,
    mini_program,
    template_id,
)
from tests.sandbox_http import sandbox_http

pytestmark = pytest.mark.django_db
PHONE = "13912345678"
OTHER_PHONE = "13700001111"


def _sms(phone=PHONE, template="SMS_900001", sign="暖云热力", **params) -> SmsMessage:
    return SmsMessage(phone=phone, sign_name=sign, template=template,
                      params=params or {"house": "幸福里3-2-501", "amount": "2688.00"})


@pytest.fixture(autouse=True)
def _empty_outbox():
    outbox_clear()
    yield
    outbox_clear()


# --- SMS


def test_each_text_is_recorded_with_the_phone_masked():
    receipt = SandboxSmsProvider().send(_sms())
    row = SandboxSms.objects.get()
    assert row.phone_masked == "139****5678" and row.message_id == receipt.message_id
    assert (row.sign_name, row.template, row.params) == ("暖云热力", "SMS_900001",
                                                         {"house": "幸福里3-2-501", "amount": "2688.00"})
    assert row.text == "【暖云热力】house=幸福里3-2-501，amount=2688.00"
    stored = json.dumps([row.phone_masked, row.phone_hash, row.params, row.text], ensure_ascii=False)
    assert PHONE not in stored
    assert [m.message_id for m in outbox()] == [receipt.message_id]  # the in-process outbox still has it


def test_a_phone_number_inside_params_is_masked_too():
    SandboxSmsProvider().send(_sms(contact=OTHER_PHONE))
    row = SandboxSms.objects.get()
    assert OTHER_PHONE not in row.text and OTHER_PHONE not in json.dumps(row.params)


def test_the_vendor_refuses_a_51st_text_of_one_sign_and_template_to_one_phone_a_day():
    provider = SandboxSmsProvider()
    for _ in range(50):
        provider.send(_sms())
    with pytest.raises(SmsSendError) as exc:
        provider.send(_sms())
    assert exc.value.provider_code == "isv.BUSINESS_LIMIT_CONTROL"
    assert exc.value.definite is True and exc.value.code == ResidentErrorCode.SMS_RATE_LIMITED
    assert SandboxSms.objects.count() == 50 and len(outbox()) == 50  # the refused one is nowhere
    provider.send(_sms(template="SMS_900002"))  # another template,
    provider.send(_sms(sign="另一签名"))  # another signature,
    provider.send(_sms(phone=OTHER_PHONE))  # another phone: each has its own 50
    assert SandboxSms.objects.count() == 53


def test_the_cap_is_per_day():
    provider = SandboxSmsProvider()
    for _ in range(50):
        provider.send(_sms())
    day_start = timezone.make_aware(timezone.datetime.combine(timezone.localdate(), timezone.datetime.min.time()))
    SandboxSms.objects.update(created_at=day_start - timedelta(seconds=1))  # all sent yesterday 23:59:59
    provider.send(_sms())
    SandboxSms.objects.filter(created_at__gte=day_start).update(created_at=day_start)
    for _ in range(49):
        provider.send(_sms())
    with pytest.raises(SmsSendError):
        provider.send(_sms())  # a text at 00:00:00 counts for today


# --- the page


def _get(path: str, **params):
    resp = Client(HTTP_HOST="localhost").get(path, params)
    connection.set_schema_to_public()
    return resp


@pytest.fixture
def traffic(alpha, beta):
    """Two WeChat messages to two users of alpha, one refused send, one message in beta, and two texts."""
    mini_program("alpha", APP_ID, APP_SECRET)
    mini_program("beta", BETA_APP_ID, BETA_SECRET)
    other = sandbox_openid(APP_ID, "li")
    beta_user = sandbox_openid(BETA_APP_ID, "wang")
    sandbox_subscribe(APP_ID, OPENID, [template_id()])
    sandbox_subscribe(APP_ID, other, [template_id()])
    sandbox_subscribe(BETA_APP_ID, beta_user, [template_id(app_id=BETA_APP_ID)])
    with sandbox_http():
        for slug, user, tid in (("alpha", OPENID, template_id()), ("alpha", other, template_id()),
                                ("alpha", other, template_id()), ("beta", beta_user, template_id(app_id=BETA_APP_ID))):
            with schema_context(HeatingCompany.objects.get(slug=slug).schema_name):
                try:
                    SubscribeClient.for_current_company().send(openid=user, template_id=tid, page=PAGE,
                                                              data=RECEIPT_DATA, state="formal")
                except WxSendError as exc:  # the third one: its one-time grant is used up; the page shows it
                    assert exc.errcode == 43101
    SandboxSmsProvider().send(_sms())
    SandboxSmsProvider().send(_sms(phone=OTHER_PHONE, template="SMS_900002"))
    return {"other": other, "beta_user": beta_user}


def test_the_page_lists_the_latest_messages_newest_first_with_phones_masked(traffic):
    resp = _get("/sandbox/messages/")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/html")
    html = resp.content.decode()
    assert "沙箱消息记录" in html and "微信订阅消息" in html and "短信" in html
    assert "缴费成功通知" in html and "幸福里3-2-501" in html and "43101" in html
    assert "139****5678" in html and "137****1111" in html
    assert PHONE not in html and OTHER_PHONE not in html
    assert html.index(traffic["beta_user"]) < html.index(OPENID)  # newest first


def test_the_json_and_its_filters(traffic):
    everything = _get("/sandbox/messages.json").json()
    assert len(everything["wechat"]) == 4 and len(everything["sms"]) == 2
    assert [m["appid"] for m in everything["wechat"]] == [BETA_APP_ID, APP_ID, APP_ID, APP_ID]
    assert [m["errcode"] for m in everything["wechat"]] == [0, 43101, 0, 0]
    assert everything["wechat"][0]["data"]["thing1"] == {"value": "幸福里3-2-501"}
    assert {s["phone"] for s in everything["sms"]} == {"139****5678", "137****1111"}
    assert PHONE not in json.dumps(everything)

    alpha_only = _get("/sandbox/messages.json", appid=APP_ID).json()
    assert {m["appid"] for m in alpha_only["wechat"]} == {APP_ID} and len(alpha_only["wechat"]) == 3
    assert alpha_only["sms"] == []
    one_user = _get("/sandbox/messages.json", openid=traffic["other"]).json()
    assert {m["openid"] for m in one_user["wechat"]} == {traffic["other"]} and len(one_user["wechat"]) == 2
    by_phone = _get("/sandbox/messages.json", phone=PHONE).json()
    assert [s["phone"] for s in by_phone["sms"]] == ["139****5678"] and by_phone["wechat"] == []
    html = _get("/sandbox/messages/", phone=PHONE).content.decode()
    assert "139****5678" in html and "137****1111" not in html and PHONE not in html


def test_the_page_is_empty_before_anything_was_sent(db):
    html = _get("/sandbox/messages/").content.decode()
    assert "暂无微信订阅消息" in html and "暂无短信" in html


def test_production_has_neither_the_sandbox_urls_nor_imports_of_it():
    """Production settings remove the app: its URLs are gone, and the client and the SMS sandbox module
    still import (they reach the sandbox only where it is installed)."""
    script = ("import django, json; django.setup(); from django.apps import apps as registry; "
              "from django.urls import resolve, Resolver404; import heat_platform.urls_public as u; "
              "import apps.messaging.wechat; import apps.residents.sms.sandbox\n"
              "from apps.messaging.sandbox import sandbox_register_app\n"
              "def gone(p):\n"
              "    try:\n        resolve(p, urlconf=u)\n        return False\n"
              "    except Resolver404:\n        return True\n"
              "print(json.dumps({'installed': registry.is_installed('apps.messaging.sandbox'), "
              "'gone': [gone(p) for p in ('/sandbox/messages/', '/sandbox/messages.json', "
              "'/sandbox/wxapi/cgi-bin/token')], 'register': sandbox_register_app('wx0123456789abcdef', 's')}))")
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k not in (
        "HEATCLOUD_SMOKE_TEST", "WECHAT_LOGIN_PROVIDER", "SMS_PROVIDER") and not k.startswith("PAYMENTS_")}
    env.update(PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="heat_platform.settings.production")
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                            cwd=settings.BASE_DIR, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"installed": False, "gone": [True, True, True],
                                                                  "register": False}


def test_the_page_in_english(db):
    resp = Client(HTTP_HOST="localhost").get("/sandbox/messages/", HTTP_ACCEPT_LANGUAGE="en")
    connection.set_schema_to_public()
    html = resp.content.decode()
    assert "Sandbox message log" in html and "at most 100 of each" in html and "No SMS yet." in html
