"""Publishing through WeChat's third-party platform against the fake Open
Platform (in-process, through the Django stack) and, for exact error shapes,
`responses`: the release state machine, roll-out resilience and idempotency,
token refresh, review outcomes, the ticket callback."""

import io
import json

import pytest
import requests
import responses
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from tenants.models import HeatingCompany, MiniProgramAuthorization, MiniProgramRelease, WxOpenComponentTicket
from tenants.publishing import PublishError
from tenants.publishing.client import WxOpenClient
from tenants.publishing.crypto import decrypt, encrypt, signature
from tenants.publishing.sandbox import sandbox_refresh_token
from tenants.publishing.services import (
    InvalidTransitionError,
    authorization_complete,
    component_ticket,
    publishing_client,
    release_commit,
    release_prepare,
    release_rollout,
    release_submit,
    release_transition,
    releases_poll,
)
from tests.factories.tenants import ALPHA_APP_ID, BETA_APP_ID
from tests.sandbox_http import sandbox_http

TEMPLATE_ID = 7
WECHAT = "https://api.weixin.qq.com"
S = MiniProgramRelease.Status


def _company(slug):
    return HeatingCompany.objects.get(slug=slug)


def _knob(mock_client, **knobs):
    """POST the sandbox's control endpoint (in-process, platform domain)."""
    resp = mock_client.post("/sandbox/wxopen/_control", data=json.dumps(knobs), content_type="application/json",
                            HTTP_HOST="localhost")
    connection.set_schema_to_public()
    assert resp.status_code == 200, resp.content


def _sandbox_state(client, appid):
    resp = client.get("/sandbox/wxopen/_state", {"appid": appid}, HTTP_HOST="localhost")
    connection.set_schema_to_public()
    return resp.json()["state"]


def _calls(calls, path):
    return [c for c in calls if path in c.request.url]


@pytest.fixture
def authorized(branded):
    """alpha and beta branded and authorized on the fake Open Platform through api_query_auth."""
    with sandbox_http():
        for slug, appid in (("alpha", ALPHA_APP_ID), ("beta", BETA_APP_ID)):
            authorization_complete(tenant=_company(slug), authorization_code=f"queryauthcode@@@sandbox:{appid}")
    return branded


def _rollout(**kwargs):
    """(report, the outbound calls it made)"""
    with sandbox_http() as mock:
        report = release_rollout(template_id=TEMPLATE_ID, user_version="1.0.0", user_desc="首个版本", **kwargs)
        calls = list(mock.calls)
    return report, calls


def _statuses():
    return dict(MiniProgramRelease.objects.values_list("tenant__slug", "status"))


# --- the happy path


def test_rollout_commits_reviews_and_releases_every_authorized_company(authorized, client):
    alpha, beta = authorized
    cache.clear()  # no token cached from the authorization step
    report, mock = _rollout()
    assert [o.slug for o in report.released] == ["alpha", "beta"] and not report.failed
    assert [c.request.url.split("?")[0].rsplit("/", 1)[1] for c in mock if "/wxa/" in c.request.url] == [
        "commit", "submit_audit", "get_auditstatus", "release"] * 2
    assert _statuses() == {"alpha": S.RELEASED, "beta": S.RELEASED}
    for tenant, appid in ((alpha, ALPHA_APP_ID), (beta, BETA_APP_ID)):
        state = _sandbox_state(client, appid)
        assert state["released"]["user_version"] == "1.0.0"
        ext = state["commit"]["ext"]
        assert ext["extAppid"] == appid and ext["extEnable"] is True
        assert ext["ext"]["apiBaseUrl"] == f"http://{tenant.slug}.localhost"
        assert ext["window"]["navigationBarTitleText"] == ("阿尔法热力" if tenant is alpha else "贝塔供热")
        assert ext["tabBar"] == {"selectedColor": "#D9480F" if tenant is alpha else "#1C5D99"}
        assert state["commit"]["template_id"] == TEMPLATE_ID
        with schema_context(tenant.schema):
            actions = list(AuditLog.objects.filter(action__startswith="miniprogram.release")
                           .order_by("id").values_list("action", flat=True))
        assert actions == ["miniprogram.release.built", "miniprogram.release.committed",
                           "miniprogram.release.in_review", "miniprogram.release.approved",
                           "miniprogram.release.released"]
    # The component token is fetched once and reused; each company's authorizer token once.
    assert len(_calls(mock, "api_component_token")) == 1
    assert len(_calls(mock, "api_authorizer_token")) == 2


def test_committed_ext_json_is_a_string_with_the_companys_config(authorized):
    _report, mock = _rollout(slugs=["alpha"])
    body = json.loads(_calls(mock, "/wxa/commit")[0].request.body)
    assert set(body) == {"template_id", "ext_json", "user_version", "user_desc"}
    assert isinstance(body["ext_json"], str)
    assert json.loads(body["ext_json"])["ext"]["companyName"] == "阿尔法热力"
    assert "阿尔法热力" in _calls(mock, "/wxa/commit")[0].request.body.decode()  # UTF-8, not \u escapes


def test_companies_without_authorization_are_skipped(branded):
    report, mock = _rollout()
    assert [(o.slug, o.status) for o in report.outcomes] == [("alpha", "skipped"), ("beta", "skipped")]
    assert not MiniProgramRelease.objects.exists() and not mock


# --- resilience and idempotency


def test_one_company_failing_does_not_stop_the_others_and_is_reported(authorized, client):
    _knob(client, appid=BETA_APP_ID, fail={"commit": 85013})
    report, _mock = _rollout()
    assert [o.slug for o in report.released] == ["alpha"]
    assert [(o.slug, o.code) for o in report.failed] == [("beta", "INVALID_EXT_JSON")]
    beta = MiniProgramRelease.objects.get(tenant__slug="beta")
    assert (beta.status, beta.error_code, beta.errcode) == (S.FAILED, "INVALID_EXT_JSON", 85013)


def test_rerun_skips_released_companies_and_resumes_failed_ones(authorized, client):
    _knob(client, appid=BETA_APP_ID, fail={"commit": 85013})
    _rollout()
    _knob(client, appid=BETA_APP_ID, fail={})
    report, mock = _rollout()
    assert [(o.slug, o.status) for o in report.outcomes] == [("alpha", "skipped"), ("beta", S.RELEASED)]
    assert [json.loads(c.request.body)["ext_json"].count(BETA_APP_ID) for c in _calls(mock, "/wxa/commit")] == [1]
    beta = MiniProgramRelease.objects.get(tenant__slug="beta")
    assert beta.attempts == 1 and beta.error_code == "" and beta.errcode is None
    report, mock = _rollout()  # a third run changes nothing and calls nothing
    assert [o.status for o in report.outcomes] == ["skipped", "skipped"] and not mock


def test_an_unexpected_exception_in_one_company_is_contained(authorized, monkeypatch):
    from tenants.publishing import services

    real = services.release_commit

    def explode(release, *, client):
        if release.app_id == ALPHA_APP_ID:
            raise RuntimeError("boom")
        return real(release, client=client)

    monkeypatch.setattr(services, "release_commit", explode)
    report, _mock = _rollout()
    assert [(o.slug, o.code) for o in report.failed] == [("alpha", "INTERNAL")]
    assert [o.slug for o in report.released] == ["beta"]


def test_incomplete_branding_fails_visibly_for_that_company_only(authorized, settings):
    from tenants.models import MiniProgramBranding

    MiniProgramBranding.objects.filter(tenant__slug="alpha").update(service_phone="")
    report, _mock = _rollout()
    assert [(o.slug, o.code) for o in report.failed] == [("alpha", "BRANDING_INCOMPLETE")]
    alpha = MiniProgramRelease.objects.get(tenant__slug="alpha")
    assert alpha.status == S.FAILED and "客服电话" in alpha.error_message
    assert [o.slug for o in report.released] == ["beta"]


def test_revoked_authorization_is_reported_as_not_authorized(authorized, client):
    cache.clear()  # no authorizer token cached: the refresh token itself is refused
    _knob(client, appid=ALPHA_APP_ID, revoked=True)
    report, _mock = _rollout()
    assert [(o.slug, o.code) for o in report.failed] == [("alpha", "NOT_AUTHORIZED")]
    assert MiniProgramRelease.objects.get(tenant__slug="alpha").errcode == 61023


def test_suspended_companies_are_left_out(authorized):
    HeatingCompany.objects.filter(slug="beta").update(status=HeatingCompany.Status.SUSPENDED)
    report, _mock = _rollout()
    assert [o.slug for o in report.outcomes] == ["alpha"]


# --- reviews


def test_rejected_review_keeps_the_reason_and_is_retried_only_when_asked(authorized, client):
    _knob(client, appid=ALPHA_APP_ID, audit="reject", reason="服务类目与内容不符")
    report, _mock = _rollout(slugs=["alpha"])
    assert [(o.slug, o.message) for o in report.rejected] == [("alpha", "服务类目与内容不符")]
    release = MiniProgramRelease.objects.get(tenant__slug="alpha")
    assert release.status == S.REJECTED and release.reason == "服务类目与内容不符"
    _knob(client, appid=ALPHA_APP_ID, audit="pass")
    report, mock = _rollout(slugs=["alpha"])
    assert report.rejected and not _calls(mock, "/wxa/commit")
    report, _mock = _rollout(slugs=["alpha"], retry_rejected=True)
    assert [o.slug for o in report.released] == ["alpha"]


def test_review_in_progress_is_polled_later_and_released_by_the_beat_task(authorized, client):
    from tenants.publishing.tasks import poll_miniprogram_audits

    _knob(client, review_seconds=3600)  # "*": every mini-program
    report, _mock = _rollout()
    assert [o.status for o in report.waiting] == [S.IN_REVIEW, S.IN_REVIEW]
    with sandbox_http():
        assert len(releases_poll().waiting) == 2  # still in review
    for appid in (ALPHA_APP_ID, BETA_APP_ID):  # the reviewers finish
        key = f"wxopen-sandbox:app:{appid}"
        with schema_context("public"):
            state = cache.get(key)
            for audit in state["audits"].values():
                audit["decide_at"] = 0
            cache.set(key, state)
    with sandbox_http():
        assert poll_miniprogram_audits.delay().get() == {"released": 2, "waiting": 0, "rejected": 0, "failed": 0}
    assert _statuses() == {"alpha": S.RELEASED, "beta": S.RELEASED}


def test_delayed_review_keeps_waiting_with_wechats_reason(authorized, client):
    _knob(client, appid=ALPHA_APP_ID, audit="delay", reason="审核延后，请耐心等待")
    _rollout(slugs=["alpha"])
    release = MiniProgramRelease.objects.get(tenant__slug="alpha")
    assert (release.status, release.reason) == (S.IN_REVIEW, "审核延后，请耐心等待")


def test_withdrawn_review_fails_and_a_rerun_submits_again(authorized, client):
    _knob(client, appid=ALPHA_APP_ID, audit="withdraw")
    report, _mock = _rollout(slugs=["alpha"])
    assert [(o.slug, o.code) for o in report.failed] == [("alpha", "AUDIT_WITHDRAWN")]
    _knob(client, appid=ALPHA_APP_ID, audit="pass")
    assert [o.slug for o in _rollout(slugs=["alpha"])[0].released] == ["alpha"]


def test_a_review_already_running_for_the_same_version_is_adopted(authorized, client):
    """We crashed after submit_audit succeeded but before recording it: WeChat
    answers 85009 to the second submit, and the running review is taken over."""
    alpha = _company("alpha")
    _knob(client, appid=ALPHA_APP_ID, review_seconds=3600)
    with sandbox_http():
        wx = publishing_client()
        release = release_prepare(tenant=alpha, template_id=TEMPLATE_ID, user_version="1.0.0")
        release = release_commit(release, client=wx)
        auditid = wx.submit_audit(appid=ALPHA_APP_ID, refresh_token=sandbox_refresh_token(ALPHA_APP_ID))
        release = release_submit(release, client=wx)
    assert (release.status, release.audit_id) == (S.IN_REVIEW, auditid)


def test_a_review_running_for_another_version_is_a_typed_failure(authorized, client):
    alpha = _company("alpha")
    _knob(client, appid=ALPHA_APP_ID, review_seconds=3600)
    _rollout(slugs=["alpha"])
    with sandbox_http():
        release = release_prepare(tenant=alpha, template_id=TEMPLATE_ID + 1, user_version="1.1.0")
        release = release_commit(release, client=publishing_client())
        with pytest.raises(PublishError) as exc_info:
            release_submit(release, client=publishing_client())
    assert exc_info.value.code == "AUDIT_IN_PROGRESS" and exc_info.value.errcode == 85009
    assert MiniProgramRelease.objects.get(pk=release.pk).status == S.FAILED


# --- the state machine


def test_transitions_outside_the_machine_are_refused(authorized):
    release = release_prepare(tenant=_company("alpha"), template_id=TEMPLATE_ID, user_version="1.0.0")
    with pytest.raises(InvalidTransitionError):
        release_transition(release, to=S.RELEASED)
    with pytest.raises(InvalidTransitionError):
        release_transition(release, to=S.IN_REVIEW)


def test_transitions_are_compare_and_set(authorized):
    release = release_prepare(tenant=_company("alpha"), template_id=TEMPLATE_ID, user_version="1.0.0")
    stale = MiniProgramRelease.objects.get(pk=release.pk)
    release_transition(release, to=S.COMMITTED)
    with pytest.raises(PublishError) as exc_info:
        release_transition(stale, to=S.FAILED, error_code="BUSY")
    assert exc_info.value.code == "CONFLICT"
    assert MiniProgramRelease.objects.get(pk=release.pk).status == S.COMMITTED


def test_one_release_per_company_and_template(authorized):
    first = release_prepare(tenant=_company("alpha"), template_id=TEMPLATE_ID, user_version="1.0.0")
    again = release_prepare(tenant=_company("alpha"), template_id=TEMPLATE_ID, user_version="1.0.0")
    assert first.pk == again.pk and MiniProgramRelease.objects.count() == 1


# --- tokens, tickets, authorization


def test_expired_tokens_are_refreshed_once_and_the_call_succeeds(authorized, client):
    with sandbox_http():
        publishing_client().component_token()  # cached
    _knob(client, expire_tokens=True)  # every token issued so far is now refused with 40001
    report, mock = _rollout(slugs=["alpha"])
    assert [o.slug for o in report.released] == ["alpha"]
    assert len(_calls(mock, "api_component_token")) == 1  # refreshed after the 40001


def test_authorization_must_be_for_the_companys_own_app_id(branded):
    with sandbox_http(), pytest.raises(PublishError) as exc_info:
        authorization_complete(tenant=_company("alpha"), authorization_code=f"queryauthcode@@@sandbox:{BETA_APP_ID}")
    assert exc_info.value.code == "APP_ID_MISMATCH"
    assert not MiniProgramAuthorization.objects.exists()


def test_refresh_token_is_stored_encrypted(authorized):
    auth = MiniProgramAuthorization.objects.get(tenant__slug="alpha")
    assert auth.authorizer_refresh_token == sandbox_refresh_token(ALPHA_APP_ID)
    assert auth.func_info == [17, 18, 25]
    with connection.cursor() as cur:
        cur.execute("SELECT authorizer_refresh_token FROM tenants_miniprogramauthorization WHERE id=%s", [auth.pk])
        assert "refreshtoken@@@" not in cur.fetchone()[0]
    assert "refreshtoken" not in repr(publishing_client())


def test_the_pushed_verify_ticket_is_stored_and_used(db, client, settings):
    settings.WECHAT_OPEN_COMPONENT_VERIFY_TICKET = ""
    with sandbox_http() as mock:
        resp = client.post("/sandbox/wxopen/_push_ticket", data="{}", content_type="application/json",
                           HTTP_HOST="localhost")
        connection.set_schema_to_public()
        calls = list(mock.calls)
    assert resp.json()["pushed"] is True
    assert [c.request.url.split("?")[0] for c in calls] == ["http://localhost/wxopen/callback/"]
    ticket = WxOpenComponentTicket.objects.get(component_appid=settings.WECHAT_OPEN_COMPONENT_APPID).ticket
    assert ticket.startswith("ticket@@@") and component_ticket() == ticket
    with sandbox_http():
        assert publishing_client().component_token()


def _callback(client, settings, message: str, *, sign_with: str | None = None):
    appid = settings.WECHAT_OPEN_COMPONENT_APPID
    encrypted = encrypt(encoding_aes_key=settings.WECHAT_OPEN_ENCODING_AES_KEY, appid=appid, message=message)
    sig = signature(token=sign_with or settings.WECHAT_OPEN_MESSAGE_TOKEN, timestamp="1700000000", nonce="n1",
                    encrypted=encrypted)
    xml = f"<xml><AppId><![CDATA[{appid}]]></AppId><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    resp = client.post(f"/wxopen/callback/?timestamp=1700000000&nonce=n1&encrypt_type=aes&msg_signature={sig}",
                       data=xml, content_type="text/xml", HTTP_HOST="localhost")
    connection.set_schema_to_public()
    return resp


def test_callback_refuses_a_bad_signature_and_stores_nothing(db, client, settings):
    message = ("<xml><InfoType>component_verify_ticket</InfoType>"
               "<ComponentVerifyTicket>ticket@@@x</ComponentVerifyTicket></xml>")
    assert _callback(client, settings, message, sign_with="wrong-token").status_code == 400
    assert not WxOpenComponentTicket.objects.exists()
    assert _callback(client, settings, message).content == b"success"
    assert WxOpenComponentTicket.objects.get().ticket == "ticket@@@x"


def test_unauthorized_push_drops_the_companys_authorization(authorized, client, settings):
    message = f"<xml><InfoType>unauthorized</InfoType><AuthorizerAppid>{ALPHA_APP_ID}</AuthorizerAppid></xml>"
    assert _callback(client, settings, message).content == b"success"
    assert list(MiniProgramAuthorization.objects.values_list("tenant__slug", flat=True)) == ["beta"]
    with schema_context(authorized[0].schema):
        assert AuditLog.objects.filter(action="miniprogram.unauthorize").exists()


def test_authorized_push_completes_the_authorization(branded, client, settings):
    message = (f"<xml><InfoType>authorized</InfoType><AuthorizerAppid>{BETA_APP_ID}</AuthorizerAppid>"
               f"<AuthorizationCode>queryauthcode@@@sandbox:{BETA_APP_ID}</AuthorizationCode></xml>")
    with sandbox_http():
        assert _callback(client, settings, message).content == b"success"
    assert MiniProgramAuthorization.objects.get().authorizer_appid == BETA_APP_ID


def test_message_crypto_round_trips_and_binds_the_appid():
    key = "dGVzdC1vbmx5LXd4b3Blbi1hZXMta2V5LTAwMDAwMDA"
    encrypted = encrypt(encoding_aes_key=key, appid="wxc0ffee00000000a1", message="<xml>热</xml>")
    assert decrypt(encoding_aes_key=key, appid="wxc0ffee00000000a1", encrypted=encrypted) == "<xml>热</xml>"
    from tenants.publishing.crypto import MessageCryptError

    with pytest.raises(MessageCryptError):
        decrypt(encoding_aes_key=key, appid="wx0000000000000000", encrypted=encrypted)


# --- the client against WeChat's exact shapes (responses)


def _client(ticket="ticket@@@real"):
    return WxOpenClient(base_url=WECHAT, component_appid="wxc0ffee00000000a1", component_appsecret="s3cr3t-app",
                        ticket=lambda: ticket, timeout=1)


def _tokens(rsps):
    rsps.add("POST", f"{WECHAT}/cgi-bin/component/api_component_token",
             json={"component_access_token": "COMPONENT_TOKEN", "expires_in": 7200})
    rsps.add("POST", f"{WECHAT}/cgi-bin/component/api_authorizer_token",
             json={"authorizer_access_token": "AUTHORIZER_TOKEN", "expires_in": 7200,
                   "authorizer_refresh_token": "refreshtoken@@@same"})


@pytest.mark.parametrize(("errcode", "code"), [
    (-1, "BUSY"), (45009, "RATE_LIMITED"), (89249, "RATE_LIMITED"), (61007, "NOT_AUTHORIZED"),
    (85013, "INVALID_EXT_JSON"), (85014, "INVALID_TEMPLATE"), (86000, "NOT_AUTHORIZED"), (99999, "WECHAT_ERROR"),
])
def test_commit_errors_map_to_typed_codes(db, errcode, code):
    with responses.RequestsMock() as rsps:
        _tokens(rsps)
        rsps.add("POST", f"{WECHAT}/wxa/commit", json={"errcode": errcode, "errmsg": "some text rid: 1"})
        with pytest.raises(PublishError) as exc_info:
            _client().commit(appid=ALPHA_APP_ID, refresh_token="refreshtoken@@@same", template_id=1, ext_json="{}",
                             user_version="1", user_desc="")
    assert (exc_info.value.code, exc_info.value.errcode) == (code, errcode)
    assert "TOKEN" not in str(exc_info.value)


@pytest.mark.parametrize(("errcode", "code"), [(85009, "AUDIT_IN_PROGRESS"), (85085, "AUDIT_QUOTA"),
                                               (86001, "NO_CODE")])
def test_submit_audit_errors_map_to_typed_codes(db, errcode, code):
    with responses.RequestsMock() as rsps:
        _tokens(rsps)
        rsps.add("POST", f"{WECHAT}/wxa/submit_audit", json={"errcode": errcode, "errmsg": "x"})
        with pytest.raises(PublishError) as exc_info:
            _client().submit_audit(appid=ALPHA_APP_ID, refresh_token="refreshtoken@@@same")
    assert exc_info.value.code == code


@pytest.mark.parametrize(("body", "status", "reason"), [
    ({"errcode": 0, "errmsg": "ok", "status": 0}, 0, ""),
    ({"errcode": 0, "errmsg": "ok", "status": 1, "reason": "帐号信息不合规范", "screenshot": "a|b"}, 1,
     "帐号信息不合规范"),
    ({"errcode": 0, "errmsg": "ok", "status": 2}, 2, ""),
    ({"errcode": 0, "errmsg": "ok", "status": 4, "reason": "审核延后"}, 4, "审核延后"),
])
def test_audit_status_is_read_from_wechats_shape(db, body, status, reason):
    with responses.RequestsMock() as rsps:
        _tokens(rsps)
        rsps.add("POST", f"{WECHAT}/wxa/get_auditstatus", json=body,
                 match=[responses.matchers.json_params_matcher({"auditid": 1234567})])
        audit = _client().get_auditstatus(appid=ALPHA_APP_ID, refresh_token="refreshtoken@@@same", auditid=1234567)
    assert (audit.status, audit.reason) == (status, reason)


def test_ticket_errors_and_missing_configuration_are_typed(db):
    with responses.RequestsMock() as rsps:
        rsps.add("POST", f"{WECHAT}/cgi-bin/component/api_component_token",
                 json={"errcode": 61006, "errmsg": "component ticket is invalid"})
        with pytest.raises(PublishError) as exc_info:
            _client().component_token()
    assert exc_info.value.code == "TICKET_INVALID"
    with pytest.raises(PublishError) as exc_info:
        _client(ticket="").component_token()
    assert exc_info.value.code == "TICKET_INVALID"
    with pytest.raises(PublishError) as exc_info:
        WxOpenClient(base_url=WECHAT, component_appid="", component_appsecret="", ticket=lambda: "t").component_token()
    assert exc_info.value.code == "NOT_CONFIGURED"


def test_token_rejected_twice_is_token_invalid_and_rejected_once_is_retried(db):
    with responses.RequestsMock() as rsps:
        _tokens(rsps)
        rsps.add("POST", f"{WECHAT}/wxa/release", json={"errcode": 40001, "errmsg": "invalid credential"})
        rsps.add("POST", f"{WECHAT}/wxa/release", json={"errcode": 0, "errmsg": "ok"})
        _client().release(appid=ALPHA_APP_ID, refresh_token="refreshtoken@@@same")
        assert len([c for c in rsps.calls if "api_authorizer_token" in c.request.url]) == 2
    cache.clear()
    with responses.RequestsMock() as rsps:
        _tokens(rsps)
        rsps.add("POST", f"{WECHAT}/wxa/release", json={"errcode": 42001, "errmsg": "access_token expired"})
        with pytest.raises(PublishError) as exc_info:
            _client().release(appid=ALPHA_APP_ID, refresh_token="refreshtoken@@@same")
    assert (exc_info.value.code, exc_info.value.errcode) == ("TOKEN_INVALID", 42001)


def test_a_rotated_refresh_token_is_handed_back(db):
    saved = []
    client = WxOpenClient(base_url=WECHAT, component_appid="wxc0ffee00000000a1", component_appsecret="s",
                          ticket=lambda: "t", on_refresh_token=lambda appid, token: saved.append((appid, token)))
    with responses.RequestsMock() as rsps:
        rsps.add("POST", f"{WECHAT}/cgi-bin/component/api_component_token",
                 json={"component_access_token": "C", "expires_in": 7200})
        rsps.add("POST", f"{WECHAT}/cgi-bin/component/api_authorizer_token",
                 json={"authorizer_access_token": "A", "expires_in": 7200, "authorizer_refresh_token": "NEW"})
        client.authorizer_token(appid=ALPHA_APP_ID, refresh_token="OLD")
    assert saved == [(ALPHA_APP_ID, "NEW")]


def test_network_and_http_failures_are_busy_and_leak_no_token(db, caplog):
    with responses.RequestsMock() as rsps:
        _tokens(rsps)
        rsps.add("POST", f"{WECHAT}/wxa/commit", body=requests.exceptions.ConnectionError("no route"))
        with pytest.raises(PublishError) as exc_info:
            _client().commit(appid=ALPHA_APP_ID, refresh_token="refreshtoken@@@same", template_id=1,
                             ext_json="{}", user_version="1", user_desc="")
    assert exc_info.value.code == "BUSY" and exc_info.value.__cause__ is None
    cache.clear()
    with responses.RequestsMock() as rsps:
        _tokens(rsps)
        rsps.add("POST", f"{WECHAT}/wxa/release", status=502, body="bad gateway")
        with pytest.raises(PublishError) as exc_info:
            _client().release(appid=ALPHA_APP_ID, refresh_token="refreshtoken@@@same")
    assert exc_info.value.code == "BUSY"
    assert "AUTHORIZER_TOKEN" not in caplog.text and "s3cr3t-app" not in caplog.text
    assert "refreshtoken" not in caplog.text


def test_releasing_twice_counts_as_released(authorized):
    """WeChat's 85052 ("already released") after a crash between release and its record."""
    alpha = _company("alpha")
    with sandbox_http():
        client = publishing_client()
        release = release_prepare(tenant=alpha, template_id=TEMPLATE_ID, user_version="1.0.0")
        release = release_submit(release_commit(release, client=client), client=client)
        client.get_auditstatus(appid=ALPHA_APP_ID, refresh_token=sandbox_refresh_token(ALPHA_APP_ID),
                               auditid=release.audit_id)
        release = release_transition(release, to=S.APPROVED)
        client.release(appid=ALPHA_APP_ID, refresh_token=sandbox_refresh_token(ALPHA_APP_ID))  # "crash" here
        report = releases_poll()
    assert [o.slug for o in report.released] == ["alpha"]


# --- commands and the admin's view


def test_rollout_command_shows_progress_and_lists_failures(authorized, client):
    _knob(client, appid=BETA_APP_ID, fail={"submit_audit": 85085})
    out, err = io.StringIO(), io.StringIO()
    with sandbox_http(), pytest.raises(CommandError):
        call_command("rollout_miniprogram", str(TEMPLATE_ID), "1.0.0", "--desc", "首个版本", stdout=out, stderr=err)
    assert "2/2" in err.getvalue() and "100%" in err.getvalue()
    assert "已发布 1" in out.getvalue() and "beta: AUDIT_QUOTA" in out.getvalue()
    _knob(client, appid=BETA_APP_ID, fail={})
    out = io.StringIO()
    with sandbox_http():
        call_command("rollout_miniprogram", str(TEMPLATE_ID), "1.0.0", stdout=out, stderr=io.StringIO())
    assert "已发布 1" in out.getvalue() and "跳过 alpha" in out.getvalue()


def test_poll_only_command_releases_passed_reviews(authorized, client):
    _knob(client, review_seconds=3600)
    with sandbox_http():
        call_command("rollout_miniprogram", str(TEMPLATE_ID), "1.0.0", stdout=io.StringIO(), stderr=io.StringIO())
    with schema_context("public"):
        for appid in (ALPHA_APP_ID, BETA_APP_ID):
            state = cache.get(f"wxopen-sandbox:app:{appid}")
            for audit in state["audits"].values():
                audit["decide_at"] = 0
            cache.set(f"wxopen-sandbox:app:{appid}", state)
    out = io.StringIO()
    with sandbox_http():
        call_command("rollout_miniprogram", str(TEMPLATE_ID), "--poll-only", stdout=out, stderr=io.StringIO())
    assert "已发布 2" in out.getvalue()


def test_authorize_command_completes_an_authorization(branded):
    out = io.StringIO()
    with sandbox_http():
        call_command("authorize_miniprogram", "alpha", f"queryauthcode@@@sandbox:{ALPHA_APP_ID}", stdout=out)
    assert MiniProgramAuthorization.objects.get().authorizer_appid == ALPHA_APP_ID
    with sandbox_http(), pytest.raises(CommandError):
        call_command("authorize_miniprogram", "beta", "queryauthcode@@@nonsense", stdout=io.StringIO())


RELEASES = "{ miniprogramReleases { templateId userVersion status reason errorCode } }"


def test_admin_sees_only_own_companys_releases(gql, authorized, make_staff):
    alpha, beta = authorized
    _rollout(slugs=["alpha"])
    data = gql(alpha.host, RELEASES, token=gql.login(alpha.host, alpha.admin))["data"]["miniprogramReleases"]
    assert data == [{"templateId": str(TEMPLATE_ID), "userVersion": "1.0.0", "status": "RELEASED", "reason": "",
                     "errorCode": ""}]
    assert gql(beta.host, RELEASES, token=gql.login(beta.host, beta.admin))["data"]["miniprogramReleases"] == []
    denied = gql(alpha.host, RELEASES, token=make_staff(alpha, "collector"))
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_demo_seed_brands_and_authorizes_the_demo_company(db, mp_media, mp_template):
    call_command("seed_demo", stdout=io.StringIO())
    demo = _company("demo")
    from tenants.branding import branding_view
    from tenants.miniprogram_build import build_package

    view = branding_view(tenant=demo)
    assert view.complete, view.missing
    assert MiniProgramAuthorization.objects.filter(tenant=demo).exists()
    files = build_package(tenant=demo).files
    ext = json.loads(files["ext.json"])
    assert ext["extAppid"] == demo.miniprogram.app_id
    assert ext["ext"]["apiBaseUrl"] == "http://demo.localhost"  # test settings; dev adds :8000
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    assert branding_view(tenant=demo) == view


def test_callback_is_closed_until_configured(db, client, settings):
    settings.WECHAT_OPEN_MESSAGE_TOKEN = ""
    resp = client.post("/wxopen/callback/?msg_signature=x", data="<xml/>", content_type="text/xml",
                       HTTP_HOST="localhost")
    connection.set_schema_to_public()
    assert resp.status_code == 404


def test_transient_errors_while_polling_leave_the_review_for_the_next_poll(authorized, client):
    _knob(client, review_seconds=3600)
    _rollout(slugs=["alpha"])
    _knob(client, appid=ALPHA_APP_ID, fail={"get_auditstatus": -1})
    with sandbox_http():
        report = releases_poll()
    assert [(o.slug, o.code) for o in report.failed] == [("alpha", "BUSY")]
    assert MiniProgramRelease.objects.get(tenant__slug="alpha").status == S.IN_REVIEW
