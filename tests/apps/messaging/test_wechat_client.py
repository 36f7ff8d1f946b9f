"""The subscription-message client (apps/messaging/wechat.py) against the fake WeChat (apps/messaging/sandbox)
over HTTP in-process (tests/sandbox_http.py): which token it uses, caching and the one refresh, how each WeChat
errcode reaches the caller, and that no secret, token or whole openid reaches a log. Exact shapes the sandbox
cannot produce (a token rejected twice) use `responses` against WeChat's real host."""

from __future__ import annotations

import json
import logging

import pytest
import requests
import responses
from django.core.cache import cache
from django.db import connection
from django_tenants.utils import schema_context

from apps.messaging.sandbox.services import sandbox_sent, sandbox_subscribe
from apps.messaging.wechat import SubscribeClient, WxSendError, WxTemplate
from tenants.models import HeatingCompany, MiniProgramAuthorization
from tenants.publishing.services import authorization_complete
from tests.factories.messaging_wx import (
    APP_ID,
    APP_SECRET,
    BETA_APP_ID,
    BETA_SECRET,
    OPENID,
    PAGE,
    RECEIPT,
    RECEIPT_DATA,
    knob,
    mini_program,
    template_id,
    wxopen_knob,
)
from tests.sandbox_http import sandbox_http

pytestmark = pytest.mark.django_db
WECHAT = "https://api.weixin.qq.com"


@pytest.fixture
def alpha_mp(alpha):
    return mini_program("alpha", APP_ID, APP_SECRET)


def _client(slug: str = "alpha") -> SubscribeClient | None:
    with schema_context(HeatingCompany.objects.get(slug=slug).schema_name):
        return SubscribeClient.for_current_company()


def _send(client: SubscribeClient, **over) -> None:
    kwargs = {"openid": OPENID, "template_id": template_id(), "page": PAGE, "data": RECEIPT_DATA,
              "state": "formal", **over}
    with sandbox_http() as mock:
        try:
            client.send(**kwargs)
        finally:
            _send.calls = [c.request for c in mock.calls]


def _paths(calls) -> list[str]:
    return [c.url.split("/sandbox/wxapi")[-1].split("/sandbox/wxopen")[-1].split("?")[0] for c in calls]


def _grant(n: int = 1, appid: str = APP_ID) -> None:
    for _ in range(n):
        sandbox_subscribe(appid, OPENID, [template_id(app_id=appid)])


# --- which client


def test_for_current_company(alpha, beta, alpha_mp):
    assert SubscribeClient.for_current_company() is None  # public schema: no company
    assert _client("beta") is None  # beta has no mini-program
    client = _client()
    assert client.app_id == APP_ID and "appsecret" in repr(client)
    assert APP_SECRET not in repr(client)


def test_for_current_company_in_a_request_like_context(alpha, alpha_mp):
    """The middleware puts the real company row on the connection."""
    company = HeatingCompany.objects.get(slug="alpha")
    connection.set_tenant(company)
    try:
        assert SubscribeClient.for_current_company().app_id == APP_ID
    finally:
        connection.set_schema_to_public()


# --- sending with the mini-program's own secret


def test_send_delivers_what_was_asked_and_caches_the_token(alpha_mp):
    _grant(2)
    client = _client()
    _send(client)
    assert _paths(_send.calls) == ["/cgi-bin/token", "/cgi-bin/message/subscribe/send"]
    body = json.loads(_send.calls[1].body)
    assert body == {"touser": OPENID, "template_id": template_id(), "page": PAGE, "miniprogram_state": "formal",
                    "lang": "zh_CN", "data": {k: {"value": v} for k, v in RECEIPT_DATA.items()}}
    _send(_client(), state="trial", lang="en_US", page="")  # a new client of the same company: the cached token
    assert _paths(_send.calls) == ["/cgi-bin/message/subscribe/send"]
    assert "page" not in json.loads(_send.calls[0].body)
    sent = sandbox_sent(APP_ID, OPENID)
    assert [(m.title, m.page, m.miniprogram_state, m.lang) for m in sent] == [
        (RECEIPT, PAGE, "formal", "zh_CN"), (RECEIPT, "", "trial", "en_US")]
    assert sent[0].data["amount2"] == {"value": "¥2688.00"}


def test_an_invalidated_token_is_refreshed_once(alpha_mp):
    _grant(2)
    _send(_client())
    knob(expire_tokens=True)  # WeChat says 40001 to every token issued so far
    _send(_client())
    assert _paths(_send.calls) == ["/cgi-bin/message/subscribe/send", "/cgi-bin/token",
                                   "/cgi-bin/message/subscribe/send"]
    assert len(sandbox_sent(APP_ID)) == 2


def test_an_expired_token_is_refreshed_once(alpha_mp, monkeypatch):
    from apps.messaging.sandbox import wxapi

    _grant(1)
    with sandbox_http():
        _client().list_templates()  # a token now in the cache
    real_now = wxapi._now()
    monkeypatch.setattr(wxapi, "_now", lambda: real_now + 7300)  # WeChat's clock: two hours later (42001)
    _send(_client())
    assert _paths(_send.calls) == ["/cgi-bin/message/subscribe/send", "/cgi-bin/token",
                                   "/cgi-bin/message/subscribe/send"]
    assert len(sandbox_sent(APP_ID)) == 1


@responses.activate
def test_a_token_rejected_again_after_the_refresh_is_a_retryable_token_error(alpha):
    token_calls = responses.get(f"{WECHAT}/cgi-bin/token", json={"access_token": "T-abc", "expires_in": 7200})
    responses.post(f"{WECHAT}/cgi-bin/message/subscribe/send", json={"errcode": 40001, "errmsg": "invalid credential"})
    client = SubscribeClient(app_id=APP_ID, app_secret=APP_SECRET, base_url=WECHAT)
    with pytest.raises(WxSendError) as exc:
        client.send(openid=OPENID, template_id="x", page="", data={}, state="formal")
    assert (exc.value.errcode, exc.value.reason, exc.value.retryable) == (40001, "token", True)
    assert token_calls.call_count == 2  # refreshed once, not more


def test_the_wrong_secret_is_a_config_error(alpha):
    mini_program("alpha", APP_ID, "not-the-registered-secret", register=False)
    from apps.messaging.sandbox.services import sandbox_register_app

    sandbox_register_app(APP_ID, APP_SECRET)
    with pytest.raises(WxSendError) as exc:
        _send(_client())
    assert (exc.value.errcode, exc.value.reason, exc.value.retryable) == (40125, "config", False)


def test_an_appid_wechat_does_not_know_is_a_config_error(alpha):
    mini_program("alpha", APP_ID, APP_SECRET, register=False)
    with pytest.raises(WxSendError) as exc:
        _send(_client())
    assert (exc.value.errcode, exc.value.reason) == (40013, "config")


def test_no_secret_and_no_authorization_is_a_config_error(alpha):
    mini_program("alpha", APP_ID, "", register=False)
    with pytest.raises(WxSendError) as exc:
        _send(_client())
    assert exc.value.reason == "config" and not exc.value.retryable
    assert _send.calls == []  # nothing was asked of WeChat


# --- each errcode as the caller sees it


@pytest.mark.parametrize("over, errcode, reason", [
    ({"template_id": "sbxNotATemplateOfThisMiniProgram00000000000"}, 40037, "bad_template"),
    ({"openid": "not-an-openid"}, 40003, "bad_openid"),
    ({"page": "pages/nowhere/nowhere"}, 41030, "bad_page"),
    ({"data": {**RECEIPT_DATA, "time3": "下午两点"}}, 47003, "bad_data"),
    ({"data": {k: v for k, v in RECEIPT_DATA.items() if k != "thing1"}}, 47003, "bad_data"),
])
def test_permanent_refusals(alpha_mp, over, errcode, reason):
    _grant(1)
    with pytest.raises(WxSendError) as exc:
        _send(_client(), **over)
    assert (exc.value.errcode, exc.value.reason, exc.value.retryable) == (errcode, reason, False)
    _send(_client())  # the grant is still there
    assert len(sandbox_sent(APP_ID)) == 1


def test_43101_when_the_one_time_grant_is_used_up(alpha_mp):
    _grant(1)
    _send(_client())
    with pytest.raises(WxSendError) as exc:
        _send(_client())
    assert (exc.value.errcode, exc.value.reason, exc.value.retryable) == (43101, "refused", False)


def test_long_term_grants_are_not_used_up(alpha_mp):
    sandbox_subscribe(APP_ID, OPENID, [template_id()], kind="long_term")
    for _ in range(3):
        _send(_client())
    assert len(sandbox_sent(APP_ID, OPENID)) == 3


@pytest.mark.parametrize("errcode", [-1, 45009, 45011])
def test_busy_answers_are_retryable(alpha_mp, errcode):
    _grant(1)
    knob(appid=APP_ID, send_errcode=errcode, times=1)
    with pytest.raises(WxSendError) as exc:
        _send(_client())
    assert (exc.value.errcode, exc.value.reason, exc.value.retryable) == (errcode, "busy", True)
    _send(_client())  # WeChat is back: the retry goes through with the same grant


def test_an_unknown_errcode_is_not_retried(alpha_mp):
    _grant(1)
    knob(appid=APP_ID, send_errcode=40999, times=1)
    with pytest.raises(WxSendError) as exc:
        _send(_client())
    assert (exc.value.errcode, exc.value.reason, exc.value.retryable) == (40999, "unknown", False)


def test_wechat_unreachable_is_retryable(alpha):
    client = SubscribeClient(app_id=APP_ID, app_secret=APP_SECRET, base_url="https://api.weixin.qq.com")
    with sandbox_http(), pytest.raises(WxSendError) as exc:  # anything not local is a ConnectionError
        client.send(openid=OPENID, template_id="x", page="", data={}, state="formal")
    assert (exc.value.reason, exc.value.retryable) == ("busy", True)
    assert exc.value.__cause__ is None and exc.value.__suppress_context__  # the URL (with the secret) is not chained


@responses.activate
@pytest.mark.parametrize("answer", [
    {"status": 502, "body": "bad gateway"},
    {"status": 500, "body": "{}"},
    {"status": 200, "body": "<html>not json</html>"},
    {"body": requests.ReadTimeout("read timed out")},
])
def test_a_lost_or_garbled_answer_to_a_send_is_uncertain_not_retryable(alpha, answer):
    """The POST left: WeChat may have delivered it. Resending would duplicate it (and spend a credit twice)."""
    responses.get(f"{WECHAT}/cgi-bin/token", json={"access_token": "T-abc", "expires_in": 7200})
    responses.post(f"{WECHAT}/cgi-bin/message/subscribe/send", **answer)
    client = SubscribeClient(app_id=APP_ID, app_secret=APP_SECRET, base_url=WECHAT)
    with pytest.raises(WxSendError) as exc:
        client.send(openid=OPENID, template_id="x", page="", data={}, state="formal")
    assert (exc.value.reason, exc.value.retryable) == ("uncertain", False)


@responses.activate
def test_a_send_that_never_connected_is_retryable_and_the_token_call_stays_retryable(alpha):
    token = responses.get(f"{WECHAT}/cgi-bin/token", status=502, body="bad gateway")
    client = SubscribeClient(app_id=APP_ID, app_secret=APP_SECRET, base_url=WECHAT)
    with pytest.raises(WxSendError) as exc:  # no token: nothing was sent
        client.send(openid=OPENID, template_id="x", page="", data={}, state="formal")
    assert (exc.value.reason, exc.value.retryable) == ("busy", True)
    token.status, token.body = 200, json.dumps({"access_token": "T-abc", "expires_in": 7200})
    responses.post(f"{WECHAT}/cgi-bin/message/subscribe/send", body=requests.ConnectTimeout("connect timed out"))
    with pytest.raises(WxSendError) as exc:
        client.send(openid=OPENID, template_id="x", page="", data={}, state="formal")
    assert (exc.value.reason, exc.value.retryable) == ("busy", True)


# --- through the third-party platform (the company authorized it)


@pytest.fixture
def authorized(alpha):
    """alpha's mini-program authorized on the fake Open Platform; its secret is unknown to us and to WeChat."""
    mini_program("alpha", APP_ID, "", register=False)
    with sandbox_http():
        authorization_complete(tenant=HeatingCompany.objects.get(slug="alpha"),
                               authorization_code=f"queryauthcode@@@sandbox:{APP_ID}")
    cache.clear()  # forget the authorizer token api_query_auth handed out: the client must ask for one
    return MiniProgramAuthorization.objects.get(authorizer_appid=APP_ID)


def test_an_authorized_mini_program_sends_with_the_authorizer_token(authorized):
    _grant(2)
    client = _client()
    assert "authorizer" in repr(client)
    _send(client)
    assert _paths(_send.calls) == ["/cgi-bin/component/api_component_token",
                                   "/cgi-bin/component/api_authorizer_token", "/cgi-bin/message/subscribe/send"]
    assert "sbxa_" in _send.calls[-1].url  # the authorizer token, not a cgi-bin/token one
    _send(_client())
    assert _paths(_send.calls) == ["/cgi-bin/message/subscribe/send"]  # cached
    assert len(sandbox_sent(APP_ID)) == 2


def test_a_rejected_authorizer_token_is_refreshed_once(authorized):
    _grant(2)
    _send(_client())
    wxopen_knob(expire_tokens=True)
    _send(_client())
    assert _paths(_send.calls)[0] == "/cgi-bin/message/subscribe/send"
    assert _paths(_send.calls)[-1] == "/cgi-bin/message/subscribe/send"
    assert "/cgi-bin/component/api_authorizer_token" in _paths(_send.calls)
    assert len(sandbox_sent(APP_ID)) == 2


def test_a_revoked_authorization_is_a_config_error(authorized):
    _grant(1)
    wxopen_knob(appid=APP_ID, revoked=True)
    with pytest.raises(WxSendError) as exc:
        _send(_client())
    assert (exc.value.reason, exc.value.retryable) == ("config", False)
    assert sandbox_sent(APP_ID) == []


# --- templates


def test_list_templates_reads_the_mini_programs_templates(alpha_mp):
    with sandbox_http():
        templates = _client().list_templates()
    assert len(templates) == 6
    receipt = next(t for t in templates if t.title == RECEIPT)
    assert receipt == WxTemplate(template_id=template_id(), title=RECEIPT, kind="one_time", keywords={
        "thing1": "缴费房屋", "amount2": "缴费金额", "time3": "缴费时间", "character_string4": "订单号"})
    assert list(next(t for t in templates if t.title == "工单进度通知").keywords) == [
        "character_string1", "thing2", "phrase3", "time4", "thing5"]


def test_each_company_sees_its_own_template_ids(alpha, beta, alpha_mp):
    mini_program("beta", BETA_APP_ID, BETA_SECRET)
    with sandbox_http():
        alpha_ids = {t.template_id for t in _client("alpha").list_templates()}
        beta_ids = {t.template_id for t in _client("beta").list_templates()}
    assert alpha_ids and beta_ids and not alpha_ids & beta_ids
    _grant(1)
    with pytest.raises(WxSendError) as exc:  # beta's template id is not alpha's
        _send(_client("alpha"), template_id=template_id(app_id=BETA_APP_ID))
    assert exc.value.errcode == 40037


# --- logs


def test_no_secret_token_or_whole_openid_in_logs(alpha_mp, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    _grant(1)
    _send(_client())
    token = cache.get(f"residents:wechat-access-token:{APP_ID}")
    assert token
    for errcode in (-1, 40999):
        knob(appid=APP_ID, send_errcode=errcode, times=1)
        with pytest.raises(WxSendError):
            _send(_client())
    with pytest.raises(WxSendError):
        _send(_client(), openid="o" + "x" * 27)
    knob(expire_tokens=True)
    with pytest.raises(WxSendError):
        _send(_client())  # refreshed, then 43101
    monkeypatch.setattr(requests, "post", lambda *a, **k: (_ for _ in ()).throw(
        requests.ConnectionError(f"failed {a[0]}?access_token={token}")))
    with pytest.raises(WxSendError):
        _client().send(openid=OPENID, template_id=template_id(), page="", data=RECEIPT_DATA, state="formal")
    text = caplog.text
    assert "wechat" in text  # the failures were logged…
    for secret in (APP_SECRET, token, OPENID, "sbxw_", "access_token="):
        assert secret not in text  # …without what must stay out of logs
    assert OPENID[:6] in text  # a shortened openid tells messages apart
