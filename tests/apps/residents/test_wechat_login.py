import hashlib
import hmac

import jwt
import pytest
import requests
from responses import matchers

from apps.audit.models import AuditLog
from apps.residents.models import Resident

from .conftest import APP_ID, APP_SECRET, LOGIN, PROFILE, WECHAT

JSCODE2SESSION = f"{WECHAT}/sns/jscode2session"


def _login(gql, tenant, code, **kw):
    return gql(tenant.host, LOGIN, {"c": code}, **kw)["data"]["wechatLogin"]


def _session_reply(http, code, body, status=200):
    http.get(JSCODE2SESSION, json=body, status=status, match=[matchers.query_param_matcher(
        {"appid": APP_ID, "secret": APP_SECRET, "js_code": code, "grant_type": "authorization_code"})])


# --- sandbox provider (settings default in tests) ----------------------------------------------

def test_sandbox_login_creates_the_resident_once_then_reuses_it(gql, alpha, miniprogram, in_schema):
    first = _login(gql, alpha, "sandbox:demo-resident")
    second = _login(gql, alpha, "sandbox:demo-resident")
    assert first["errors"] == [] and second["errors"] == []
    assert first["resident"]["id"] == second["resident"]["id"]
    assert first["expiresIn"] > 0
    expected_openid = "sbx-" + hmac.new(APP_ID.encode(), b"demo-resident", hashlib.sha256).hexdigest()[:40]
    with in_schema(alpha):
        assert list(Resident.objects.values_list("openid", flat=True)) == [expected_openid]
        resident = Resident.objects.get()
        assert resident.last_login_at is not None and resident.unionid.startswith("sbxu-")
        assert AuditLog.objects.filter(action="resident.register", target_id=resident.pk).count() == 1
    claims = jwt.decode(second["token"], options={"verify_signature": False})
    assert (claims["tnt"], claims["knd"], claims["rol"], claims["sub"]) == (
        alpha.schema, "resident", "resident", first["resident"]["id"])
    profile = gql(alpha.host, PROFILE, token=second["token"])["data"]["myProfile"]
    assert profile == {"id": first["resident"]["id"], "displayName": "", "phoneMasked": None}


def test_sandbox_names_are_distinct_residents_and_openids_are_per_app(
        gql, alpha, beta, miniprogram, beta_miniprogram, in_schema):
    a1 = _login(gql, alpha, "sandbox:li-lei")["resident"]["id"]
    a2 = _login(gql, alpha, "sandbox:han-meimei")["resident"]["id"]
    assert a1 != a2
    _login(gql, beta, "sandbox:li-lei")
    with in_schema(alpha):
        alpha_openid = Resident.objects.get(pk=a1).openid
        alpha_unionid = Resident.objects.get(pk=a1).unionid
    with in_schema(beta):
        beta_resident = Resident.objects.get()
    assert beta_resident.openid != alpha_openid  # openids are per AppID, like WeChat's
    assert beta_resident.unionid == alpha_unionid  # one person across apps


@pytest.mark.parametrize(("code", "error"), [
    ("sandbox-error:40029", "INVALID_CODE"),
    ("sandbox-error:45011", "WECHAT_RATE_LIMITED"),
    ("sandbox-error:40226", "HIGH_RISK_USER"),
    ("sandbox-error:-1", "WECHAT_BUSY"),
    ("not-a-sandbox-code", "INVALID_CODE"),
])
def test_sandbox_error_codes(gql, alpha, miniprogram, in_schema, code, error):
    payload = _login(gql, alpha, code)
    assert [e["code"] for e in payload["errors"]] == [error]
    assert payload["token"] is None
    with in_schema(alpha):
        assert not Resident.objects.exists()


# --- the real WeChat client, faked at the HTTP layer -------------------------------------------

def test_real_login_calls_jscode2session_and_stores_unionid(gql, alpha, miniprogram, real_wechat, in_schema):
    _session_reply(real_wechat, "0a1B2c", {"openid": "oGZUI0egBJY1zhBYw2KhdUfwVJJE",
                                          "session_key": "tiihtNczf5v6AKRyjwEUhQ=="})
    _session_reply(real_wechat, "0d3E4f", {"openid": "oGZUI0egBJY1zhBYw2KhdUfwVJJE",
                                          "session_key": "HyVFkGl5F5OQWJZZaNzBBg==",
                                          "unionid": "o6_bmasdasdsad6_2sgVt7hMZOPfL"})
    first = _login(gql, alpha, "0a1B2c")
    second = _login(gql, alpha, "0d3E4f")
    assert first["errors"] == [] and second["errors"] == []
    assert first["resident"]["id"] == second["resident"]["id"]
    assert len(real_wechat.calls) == 2
    assert real_wechat.calls[0].request.req_kwargs["timeout"] == 5.0
    with in_schema(alpha):
        resident = Resident.objects.get()
    assert resident.openid == "oGZUI0egBJY1zhBYw2KhdUfwVJJE"
    assert resident.unionid == "o6_bmasdasdsad6_2sgVt7hMZOPfL"


@pytest.mark.parametrize(("errcode", "errmsg", "error"), [
    (40029, "invalid code, rid: 6592ab1c-1b2a7f3e-5d6c7e8f", "INVALID_CODE"),
    (40163, "code been used, rid: 6592ab1c-1b2a7f3e-5d6c7e90", "INVALID_CODE"),
    (45011, "api minute-quota reach limit  mustslower  retry next minute", "WECHAT_RATE_LIMITED"),
    (40226, "high risk user, rid: 6592ab1c-1b2a7f3e-5d6c7e91", "HIGH_RISK_USER"),
    (-1, "system error", "WECHAT_BUSY"),
    (40125, "invalid appsecret, rid: 6592ab1c-1b2a7f3e-5d6c7e92", "MINIPROGRAM_MISCONFIGURED"),
    (40099, "something new", "WECHAT_ERROR"),
])
def test_each_wechat_error_is_a_typed_error_and_writes_nothing(
        gql, alpha, miniprogram, real_wechat, in_schema, errcode, errmsg, error):
    _session_reply(real_wechat, "bad-code", {"errcode": errcode, "errmsg": errmsg})
    payload = _login(gql, alpha, "bad-code")
    assert [e["code"] for e in payload["errors"]] == [error]
    assert payload["token"] is None and payload["resident"] is None
    assert payload["errors"][0]["message"]  # a readable message, not WeChat's
    assert errmsg not in payload["errors"][0]["message"]
    with in_schema(alpha):
        assert not Resident.objects.exists()
        assert not AuditLog.objects.exists()


@pytest.mark.parametrize("failure", [
    {"body": requests.ConnectTimeout("connect timed out")},
    {"body": requests.ReadTimeout("read timed out")},
    {"status": 502, "body": "<html>Bad Gateway</html>"},
])
def test_unreachable_wechat_is_busy(gql, alpha, miniprogram, real_wechat, in_schema, failure):
    real_wechat.get(JSCODE2SESSION, **failure)
    payload = _login(gql, alpha, "any-code")
    assert [e["code"] for e in payload["errors"]] == ["WECHAT_BUSY"]
    with in_schema(alpha):
        assert not Resident.objects.exists()


def test_answer_without_openid_is_an_error(gql, alpha, miniprogram, real_wechat):
    _session_reply(real_wechat, "c0de", {"session_key": "tiihtNczf5v6AKRyjwEUhQ=="})
    assert [e["code"] for e in _login(gql, alpha, "c0de")["errors"]] == ["WECHAT_ERROR"]


# --- configuration, input, account state -------------------------------------------------------

def test_company_without_miniprogram_cannot_log_residents_in(gql, alpha, http):
    payload = _login(gql, alpha, "sandbox:demo-resident")
    assert [e["code"] for e in payload["errors"]] == ["MINIPROGRAM_NOT_CONFIGURED"]
    assert len(http.calls) == 0


def test_miniprogram_of_another_company_is_not_used(gql, beta, miniprogram):
    """alpha has a mini-program, beta has none: beta's login must not borrow alpha's."""
    assert [e["code"] for e in _login(gql, beta, "sandbox:x")["errors"]] == ["MINIPROGRAM_NOT_CONFIGURED"]


def test_empty_code_is_required(gql, alpha, miniprogram):
    assert _login(gql, alpha, "  ")["errors"] == [
        {"field": "code", "code": "REQUIRED", "message": "缺少微信登录凭证。"}]


def test_disabled_resident_gets_no_token(gql, alpha, miniprogram, in_schema):
    rid = _login(gql, alpha, "sandbox:blocked")["resident"]["id"]
    with in_schema(alpha):
        Resident.objects.filter(pk=rid).update(is_active=False)
    payload = _login(gql, alpha, "sandbox:blocked")
    assert [e["code"] for e in payload["errors"]] == ["RESIDENT_DISABLED"] and payload["token"] is None


# --- tokens and permissions --------------------------------------------------------------------

def test_resident_token_from_alpha_is_rejected_at_beta(gql, alpha, beta, miniprogram, beta_miniprogram):
    token = _login(gql, alpha, "sandbox:traveller")["token"]
    assert gql(alpha.host, PROFILE, token=token)["data"]["myProfile"]["id"]
    for host in (beta.host, "localhost"):
        result = gql(host, PROFILE if host != "localhost" else "{ me { username } }", token=token)
        assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_my_profile_is_for_residents_only(gql, alpha, make_staff, make_resident):
    assert gql(alpha.host, PROFILE)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    staff = make_staff(alpha, "collector")
    assert gql(alpha.host, PROFILE, token=staff)["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    _resident, token = make_resident(alpha, "o-profile")
    assert gql(alpha.host, "{ me { username } }", token=token)["errors"][0]["extensions"]["code"] == \
        "PERMISSION_DENIED"
    assert gql(alpha.host, PROFILE, token=token)["data"]["myProfile"]["displayName"] == "o-profile"


def test_repeat_login_costs_the_same_however_many_residents_the_company_has(gql, alpha, miniprogram, in_schema):
    """Hot path: routing, the mini-program, the resident and its last-login update, nothing that grows."""
    from apps.residents.models import Resident
    from tests.queries import counted

    _login(gql, alpha, "sandbox:frequent")
    one, result = counted(lambda: _login(gql, alpha, "sandbox:frequent"))
    assert result["errors"] == []
    with in_schema(alpha):
        Resident.objects.bulk_create([Resident(openid=f"o-crowd-{i}", display_name="x") for i in range(50)])
    many, result = counted(lambda: _login(gql, alpha, "sandbox:frequent"))
    assert result["errors"] == [] and many == one


# --- rate limits (settings.WECHAT_LOGIN_THROTTLE) ----------------------------------------------

def _limits(settings, **over):
    settings.WECHAT_LOGIN_THROTTLE = {**settings.WECHAT_LOGIN_THROTTLE, **over}


def test_logins_are_limited_per_client_ip(gql, alpha, miniprogram, settings, in_schema):
    """A fresh sandbox/WeChat identity per login does not buy unlimited residents from one IP."""
    _limits(settings, MAX_PER_IP=3)
    for i in range(3):
        assert _login(gql, alpha, f"sandbox:farm-{i}", ip="10.5.5.5")["errors"] == []
    payload = gql(alpha.host, "mutation($c:String!){wechatLogin(code:$c){token errors{code message retryAfter}}}",
                  {"c": "sandbox:farm-3"}, ip="10.5.5.5")["data"]["wechatLogin"]
    assert [e["code"] for e in payload["errors"]] == ["TOO_MANY_ATTEMPTS"] and payload["token"] is None
    assert "后再试" in payload["errors"][0]["message"]  # with a retry hint, in words and in seconds
    assert 500 < payload["errors"][0]["retryAfter"] <= 600
    with in_schema(alpha):
        assert Resident.objects.count() == 3
    assert _login(gql, alpha, "sandbox:farm-3", ip="10.5.5.6")["errors"] == []  # another IP


def test_a_refused_login_never_reaches_wechat(gql, alpha, miniprogram, real_wechat, settings):
    _limits(settings, MAX_PER_IP=2)
    for code in ("c1", "c2"):
        _session_reply(real_wechat, code, {"openid": f"o-{code}", "session_key": "tiihtNczf5v6AKRyjwEUhQ=="})
        assert _login(gql, alpha, code)["errors"] == []
    assert [e["code"] for e in _login(gql, alpha, "c3")["errors"]] == ["TOO_MANY_ATTEMPTS"]
    assert len(real_wechat.calls) == 2


def test_junk_codes_are_limited_per_ip_and_cannot_burn_the_quota(gql, alpha, miniprogram, real_wechat, settings):
    _limits(settings, MAX_INVALID_PER_IP=3)
    _session_reply(real_wechat, "junk-1", {"errcode": 40029, "errmsg": "invalid code"})
    assert [e["code"] for e in _login(gql, alpha, "junk-1", ip="10.4.4.4")["errors"]] == ["INVALID_CODE"]
    # codes that cannot be WeChat's are refused without a call, and count the same
    for junk in ("x" * 129, "含中文的码"):
        assert [e["code"] for e in _login(gql, alpha, junk, ip="10.4.4.4")["errors"]] == ["INVALID_CODE"]
    assert len(real_wechat.calls) == 1
    _session_reply(real_wechat, "good", {"openid": "o-good", "session_key": "tiihtNczf5v6AKRyjwEUhQ=="})
    refused = _login(gql, alpha, "good", ip="10.4.4.4")
    assert [e["code"] for e in refused["errors"]] == ["TOO_MANY_ATTEMPTS"]
    assert len(real_wechat.calls) == 1  # nothing more went to WeChat from that IP
    assert _login(gql, alpha, "good", ip="10.4.4.5")["errors"] == []


def test_calls_per_miniprogram_are_capped_across_ips_and_per_company(
        gql, alpha, beta, miniprogram, beta_miniprogram, settings):
    """Many IPs together cannot spend more than the company's share of its AppID quota; beta is untouched."""
    _limits(settings, MAX_PER_APP=3)
    for i in range(3):
        assert _login(gql, alpha, f"sandbox:crowd-{i}", ip=f"10.3.3.{i}")["errors"] == []
    assert [e["code"] for e in _login(gql, alpha, "sandbox:crowd-3", ip="10.3.3.9")["errors"]] == \
        ["TOO_MANY_ATTEMPTS"]
    assert _login(gql, beta, "sandbox:crowd-3", ip="10.3.3.9")["errors"] == []
