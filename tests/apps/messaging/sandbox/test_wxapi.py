"""The fake WeChat subscription-message API itself, over HTTP in-process: tokens, grant checks, the errcodes of
subscribeMessage.send and the phone-side subscribe endpoint. The client (apps/messaging/wechat.py) is tested
against it in tests/apps/messaging/test_wechat_client.py."""

from __future__ import annotations

import pytest

from apps.messaging.sandbox import library, wxapi
from apps.messaging.sandbox.models import SandboxWxMessage, SandboxWxSubscription
from apps.messaging.sandbox.services import sandbox_register_app, sandbox_sent, sandbox_subscribe
from apps.residents.providers.sandbox import sandbox_openid
from tenants.publishing.sandbox import _issue as wxopen_issue
from tests.factories.messaging_wx import (
    APP_ID,
    APP_SECRET,
    BETA_APP_ID,
    BETA_SECRET,
    OPENID,
    PAGE,
    RECEIPT,
    RECEIPT_DATA,
    call,
    knob,
    subscribe,
    template_id,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def app():
    sandbox_register_app(APP_ID, APP_SECRET)
    return APP_ID


def _token(appid=APP_ID, secret=APP_SECRET) -> dict:
    return call("GET", "cgi-bin/token", params={"grant_type": "client_credential", "appid": appid, "secret": secret})


def _send(token: str, **over) -> dict:
    body = {"touser": OPENID, "template_id": template_id(), "page": PAGE,
            "data": {k: {"value": v} for k, v in RECEIPT_DATA.items()}, "miniprogram_state": "formal",
            "lang": "zh_CN", **over}
    return call("POST", "cgi-bin/message/subscribe/send", params={"access_token": token}, body=body)


@pytest.fixture
def token(app) -> str:
    return _token()["access_token"]


# --- tokens


def test_token_needs_a_registered_appid_and_its_secret(app):
    assert _token(appid=BETA_APP_ID, secret=BETA_SECRET)["errcode"] == 40013
    wrong = _token(secret="not-the-secret")
    assert wrong["errcode"] == 40125 and "rid: " in wrong["errmsg"]
    assert call("GET", "cgi-bin/token", params={"grant_type": "password", "appid": APP_ID,
                                                "secret": APP_SECRET})["errcode"] == 40002
    good = _token()
    assert good["expires_in"] == 7200 and good["access_token"].startswith("sbxw_")
    assert APP_SECRET not in good["access_token"]


def test_registering_again_replaces_the_secret(app):
    sandbox_register_app(APP_ID, "a-new-secret-after-reset")
    assert _token()["errcode"] == 40125
    assert "access_token" in _token(secret="a-new-secret-after-reset")


def test_bad_missing_expired_and_revoked_tokens(token, monkeypatch):
    sandbox_subscribe(APP_ID, OPENID, [template_id()])
    assert _send("")["errcode"] == 41001
    assert _send("garbage")["errcode"] == 40001
    assert _send(token[:-1] + ("0" if token[-1] != "0" else "1"))["errcode"] == 40001  # forged MAC
    real_now = wxapi._now()
    monkeypatch.setattr(wxapi, "_now", lambda: real_now + 7201)
    assert _send(token)["errcode"] == 42001
    monkeypatch.setattr(wxapi, "_now", lambda: real_now)
    knob(expire_tokens=True)
    assert _send(token)["errcode"] == 40001
    assert not sandbox_sent()  # nothing answered past the token check is recorded
    assert SandboxWxMessage.objects.count() == 0
    fresh = _token()["access_token"]
    assert _send(fresh)["errcode"] == 0


def test_an_open_platform_authorizer_token_is_accepted_for_its_appid():
    """The company authorized our third-party platform: no secret registered, the authorizer token works."""
    sandbox_subscribe(APP_ID, OPENID, [template_id()])
    assert _send(wxopen_issue("a", APP_ID))["errcode"] == 0
    # …and it speaks for its own AppID only: alpha's template is unknown to beta's token.
    assert _send(wxopen_issue("a", BETA_APP_ID))["errcode"] == 40037
    assert _send(wxopen_issue("c", "component"))["errcode"] == 40001  # a component token is not an access token


# --- grants


def test_a_one_time_grant_is_one_message_then_43101(token):
    tid = template_id()
    answer = subscribe(APP_ID, OPENID, [tid])
    assert answer == {"errMsg": "requestSubscribeMessage:ok", tid: "accept"}
    first = _send(token)
    assert first["errcode"] == 0 and first["errmsg"] == "ok" and first["msgid"]
    second = _send(token)
    assert second["errcode"] == 43101
    sent = sandbox_sent(APP_ID, OPENID)
    assert len(sent) == 1
    assert sent[0].data == {k: {"value": v} for k, v in RECEIPT_DATA.items()}
    assert (sent[0].title, sent[0].page, sent[0].miniprogram_state, sent[0].lang) == (RECEIPT, PAGE, "formal",
                                                                                      "zh_CN")
    assert [m.errcode for m in sandbox_sent(APP_ID, include_errors=True)] == [0, 43101]


def test_each_acceptance_adds_a_credit(token):
    tid = template_id()
    for _ in range(2):
        subscribe(APP_ID, OPENID, [tid])
    assert SandboxWxSubscription.objects.get(openid=OPENID).credits == 2
    assert [_send(token)["errcode"] for _ in range(3)] == [0, 0, 43101]


def test_no_grant_at_all_is_43101(token):
    assert _send(token)["errcode"] == 43101


def test_a_long_term_grant_is_unlimited(token):
    subscribe(APP_ID, OPENID, [template_id()], kind="long_term")
    assert [_send(token)["errcode"] for _ in range(4)] == [0, 0, 0, 0]


def test_reject_gives_no_credit_and_keeps_earlier_ones(token):
    tid = template_id()
    assert subscribe(APP_ID, OPENID, [tid], result="reject")[tid] == "reject"
    assert _send(token)["errcode"] == 43101
    subscribe(APP_ID, OPENID, [tid])
    subscribe(APP_ID, OPENID, [tid], result="reject")  # a later popup refused: the earlier acceptance stands
    assert _send(token)["errcode"] == 0
    assert _send(token)["errcode"] == 43101


def test_ban_revokes_everything_and_sticks_until_switched_back_on(token):
    tid = template_id()
    subscribe(APP_ID, OPENID, [tid])
    subscribe(APP_ID, OPENID, [tid])
    assert subscribe(APP_ID, OPENID, [tid], result="ban")[tid] == "ban"
    assert _send(token)["errcode"] == 43101
    assert subscribe(APP_ID, OPENID, [tid])[tid] == "ban"  # no popup any more: the answer stays "ban"
    assert _send(token)["errcode"] == 43101
    knob(appid=APP_ID, unban=OPENID)
    assert subscribe(APP_ID, OPENID, [tid])[tid] == "accept"
    assert _send(token)["errcode"] == 0


def test_unsubscribing_a_long_term_grant(token):
    tid = template_id()
    subscribe(APP_ID, OPENID, [tid], kind="long_term")
    assert _send(token)["errcode"] == 0
    subscribe(APP_ID, OPENID, [tid], result="reject", kind="long_term")
    assert _send(token)["errcode"] == 43101


def test_client_subscribe_refuses_what_the_phone_would(app):
    assert subscribe(APP_ID, OPENID, [])["errCode"] == 10001
    ids = list(library.templates_of(APP_ID))
    assert subscribe(APP_ID, OPENID, ids[:4])["errCode"] == 20003  # at most three per popup
    assert subscribe(APP_ID, OPENID, [template_id(app_id=BETA_APP_ID)])["errCode"] == 20001
    assert subscribe(APP_ID, "not-an-openid", ids[:1])["errCode"] == 10004
    assert subscribe(APP_ID, OPENID, ids[:1], result="maybe")["errCode"] == 10004
    assert SandboxWxSubscription.objects.count() == 0
    answer = subscribe(APP_ID, OPENID, ids[:3])
    assert answer == {"errMsg": "requestSubscribeMessage:ok", **{i: "accept" for i in ids[:3]}}


# --- what a send is checked for


def test_40037_a_template_not_of_this_appid(token):
    sandbox_subscribe(APP_ID, OPENID, [template_id()])
    assert _send(token, template_id=template_id(app_id=BETA_APP_ID))["errcode"] == 40037
    assert _send(token, template_id="sbxNoSuchTemplate")["errcode"] == 40037
    assert _send(token)["errcode"] == 0  # the credit was not touched by the refused sends


def test_40003_an_openid_that_is_not_a_user_of_this_appid(token):
    sandbox_subscribe(APP_ID, OPENID, [template_id()])
    assert _send(token, touser="someone")["errcode"] == 40003
    assert _send(token, touser="")["errcode"] == 40003
    beta_user = sandbox_openid(BETA_APP_ID, "li")
    sandbox_subscribe(BETA_APP_ID, beta_user, [template_id(app_id=BETA_APP_ID)])
    assert _send(token, touser=beta_user)["errcode"] == 40003  # openids are per AppID
    assert _send(token)["errcode"] == 0


def test_41030_a_page_not_in_the_mini_program(token):
    tid = template_id()
    for _ in range(3):
        sandbox_subscribe(APP_ID, OPENID, [tid])
    assert _send(token, page="pages/nowhere/nowhere")["errcode"] == 41030
    assert _send(token, page="pages/order/order?id=1")["errcode"] == 0
    assert _send(token, page="")["errcode"] == 0  # no page: the message opens nothing
    assert _send(token, page="pages/bills/bills")["errcode"] == 0


def test_pages_come_from_the_template_app_json(token, settings, tmp_path):
    (tmp_path / "app.json").write_text('{"pages": ["pages/only/only"], "subPackages": '
                                       '[{"root": "sub", "pages": ["pages/x/x"]}]}', encoding="utf-8")
    settings.MINIPROGRAM_TEMPLATE_DIR = str(tmp_path)
    sandbox_subscribe(APP_ID, OPENID, [template_id()])
    assert _send(token, page=PAGE)["errcode"] == 41030
    assert _send(token, page="sub/pages/x/x?id=3")["errcode"] == 0


def test_state_and_lang_must_be_wechats(token):
    sandbox_subscribe(APP_ID, OPENID, [template_id()])
    assert _send(token, miniprogram_state="production")["errcode"] == 47001
    assert _send(token, lang="zh")["errcode"] == 47001
    assert _send(token, miniprogram_state="trial", lang="en_US")["errcode"] == 0


TICKET = "工单进度通知"
TICKET_DATA = {"character_string1": "T20261207001", "thing2": "暖气片不热", "phrase3": "已解决",
               "time4": "2026-12-07 14:03", "thing5": "维修师傅已上门处理"}
BILL = "账单出账提醒"
BILL_DATA = {"thing1": "幸福里3-2-501", "character_string2": "100023", "thing3": "2026-2027",
             "amount4": "¥2688.00", "date5": "2026-12-31"}


@pytest.mark.parametrize("title, data, field, value", [
    (RECEIPT, RECEIPT_DATA, "thing1", "幸福里小区三号楼二单元五零一室南侧朝阳房间"),  # 21 characters
    (RECEIPT, RECEIPT_DATA, "thing1", "   "),
    (RECEIPT, RECEIPT_DATA, "amount2", "2688.00元元"),
    (RECEIPT, RECEIPT_DATA, "amount2", "¥12345678901"),  # 11 digits
    (RECEIPT, RECEIPT_DATA, "amount2", "两千"),
    (RECEIPT, RECEIPT_DATA, "time3", "下午两点"),
    (RECEIPT, RECEIPT_DATA, "time3", "2026/12/07 14:03"),
    (RECEIPT, RECEIPT_DATA, "character_string4", "订单P2026"),  # no Chinese
    (RECEIPT, RECEIPT_DATA, "character_string4", "P" * 33),
    (BILL, BILL_DATA, "date5", "12/31/2026"),
    (BILL, BILL_DATA, "date5", "明年"),
    (TICKET, TICKET_DATA, "phrase3", "已经解决了啊"),  # six characters
    (TICKET, TICKET_DATA, "phrase3", "done"),
    (TICKET, TICKET_DATA, "thing5", 12),  # not a string
])
def test_47003_a_value_wrong_for_its_keyword_type_names_the_field(token, title, data, field, value):
    tid = template_id(title)
    sandbox_subscribe(APP_ID, OPENID, [tid])
    bad = {k: {"value": value if k == field else v} for k, v in data.items()}
    answer = _send(token, template_id=tid, data=bad)
    assert answer["errcode"] == 47003
    assert f"data.{field}.value" in answer["errmsg"]
    good = {k: {"value": v} for k, v in data.items()}
    assert _send(token, template_id=tid, data=good)["errcode"] == 0  # the credit survived the refusal


def test_47003_missing_and_extra_keywords(token):
    sandbox_subscribe(APP_ID, OPENID, [template_id()])
    data = {k: {"value": v} for k, v in RECEIPT_DATA.items()}
    missing = _send(token, data={k: v for k, v in data.items() if k != "time3"})
    assert missing["errcode"] == 47003 and "data.time3" in missing["errmsg"]
    extra = _send(token, data={**data, "thing9": {"value": "多余"}})
    assert extra["errcode"] == 47003 and "data.thing9" in extra["errmsg"]
    assert _send(token, data="not an object")["errcode"] == 47003
    assert _send(token, data={**data, "amount2": "¥1.00"})["errcode"] == 47003  # not {"value": …}


@pytest.mark.parametrize("value", ["¥12.30", "￥0.01", "12.30元", "2688", "$9999999999"])
def test_amounts_wechat_accepts(value):
    assert library.value_problem("amount2", value) is None


@pytest.mark.parametrize("keyword, value", [
    ("time3", "2026-12-07 14:03"), ("time3", "2026-12-07 14:03:59"), ("time3", "14:03"),
    ("time3", "2026年12月7日 14:03"), ("date5", "2026-12-31"), ("date5", "2026年12月31日"),
    ("phrase3", "已驳回"), ("character_string2", "A-01_x.9"), ("thing1", "幸福里3-2-501（南）"),
])
def test_values_wechat_accepts(keyword, value):
    assert library.value_problem(keyword, value) is None


def test_a_forced_errcode_answers_the_next_sends_then_stops(token):
    sandbox_subscribe(APP_ID, OPENID, [template_id()])
    assert knob(appid=APP_ID, send_errcode=45009, times=2)["knobs"] == {"send_errcode": 45009, "times": 2}
    assert [_send(token)["errcode"] for _ in range(3)] == [45009, 45009, 0]
    knob(appid="*", send_errcode=-1)  # every AppID, until cleared
    assert _send(token)["errcode"] == -1
    knob(appid="*", send_errcode=None)
    assert _send(token)["errcode"] == 43101  # the one credit went to the one send that got through


# --- the template library


def test_gettemplate_lists_the_six_templates_with_ids_of_this_appid(token):
    answer = call("GET", "wxaapi/newtmpl/gettemplate", params={"access_token": token})
    assert answer["errcode"] == 0
    titles = [t["title"] for t in answer["data"]]
    assert titles == ["账单出账提醒", "缴费提醒", "缴费成功通知", "退款成功通知", "发票开具成功通知", "工单进度通知"]
    receipt = next(t for t in answer["data"] if t["title"] == RECEIPT)
    assert receipt["priTmplId"] == template_id()
    assert receipt["content"] == "缴费房屋:{{thing1.DATA}}\n缴费金额:{{amount2.DATA}}\n缴费时间:{{time3.DATA}}\n" \
                                 "订单号:{{character_string4.DATA}}\n"
    assert receipt["type"] == 2 and len(receipt["priTmplId"]) == 43
    beta_ids = set(library.templates_of(BETA_APP_ID))
    assert not beta_ids & {t["priTmplId"] for t in answer["data"]}
    assert call("GET", "wxaapi/newtmpl/gettemplate", params={"access_token": "x"})["errcode"] == 40001


def test_state_shows_subscriptions_and_knobs(app):
    sandbox_subscribe(APP_ID, OPENID, [template_id()])
    knob(appid=APP_ID, send_errcode=-1, times=1)
    state = call("GET", "_state", params={"appid": APP_ID})
    assert state["knobs"] == {"send_errcode": -1, "times": 1}
    assert state["subscriptions"] == [{"openid": OPENID, "template_id": template_id(), "kind": "one_time",
                                       "credits": 1, "status": "accept"}]
    assert state["templates"][RECEIPT] == template_id()


def test_helpers_refuse_bad_input():
    with pytest.raises(ValueError):
        sandbox_register_app("not-an-appid", "x")
    with pytest.raises(ValueError):
        sandbox_register_app(APP_ID, "")
    with pytest.raises(ValueError):
        sandbox_subscribe(APP_ID, OPENID, [template_id()], result="maybe")
    with pytest.raises(ValueError):
        sandbox_subscribe(APP_ID, OPENID, [template_id()], kind="forever")
