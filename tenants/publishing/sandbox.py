"""A fake WeChat Open Platform (third-party platform) for `make run` and tests.

Mounted at /sandbox/wxopen/ on the platform domain wherever the sandbox
gateways are installed (dev and tests; production removes them). It answers
with WeChat's shapes and error codes:

- tokens are stateless HMACs (survive a server restart), valid 7200 s;
  `{"expire_tokens": true}` invalidates every token issued so far (→ 40001);
- a company's mini-program authorization is a refresh token
  `refreshtoken@@@sbx_…` derived from its AppID (`sandbox_refresh_token`), so
  the demo seed can authorize without a running server; authorization codes
  `queryauthcode@@@sandbox:<appid>` work with api_query_auth;
- commits, reviews and releases are remembered per AppID in the cache
  (public schema), so a server restart forgets them;
- reviews pass by default as soon as they are asked about. Knobs, per AppID
  or "*" for all: POST /sandbox/wxopen/_control {"appid": "wx…", "audit":
  "pass"|"reject"|"delay"|"withdraw"|"pending", "reason": "…",
  "review_seconds": 0, "fail": {"commit": 85013, …}, "revoked": true}; GET
  /sandbox/wxopen/_state?appid=wx… shows what it remembers;
- POST /sandbox/wxopen/_push_ticket pushes an encrypted
  component_verify_ticket to the platform's callback, as WeChat does every
  10 minutes.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import urlencode

import requests
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import crypto

TOKEN_TTL = 7200
STATE_TTL = 7 * 24 * 3600
AUDIT_OUTCOMES = {"pass": 0, "reject": 1, "pending": 2, "withdraw": 3, "delay": 4}


def sandbox_enabled() -> bool:
    """Fakes are allowed where the fake payment gateways are installed (dev, tests)."""
    return apps.is_installed("apps.payments.sandbox")


def _mac(text: str) -> str:
    key = hashlib.sha256(f"wxopen-sandbox|{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]


def sandbox_refresh_token(appid: str) -> str:
    return f"refreshtoken@@@sbx_{_mac(f'refresh|{appid}')}"


def _generation() -> int:
    return int(cache.get("wxopen-sandbox:generation") or 0)


def _issue(kind: str, subject: str) -> str:
    exp, gen = int(time.time()) + TOKEN_TTL, _generation()
    return f"sbx{kind}_{subject}_{exp}_{gen}_{_mac(f'{kind}|{subject}|{exp}|{gen}')}"


def _check(kind: str, token: str) -> tuple[str | None, int]:
    """(subject, 0) for a valid token, else (None, errcode)."""
    parts = (token or "").split("_")
    if len(parts) != 5 or parts[0] != f"sbx{kind}":
        return None, 40001
    _, subject, exp, gen, mac = parts
    if not hmac.compare_digest(mac, _mac(f"{kind}|{subject}|{exp}|{gen}")) or gen != str(_generation()):
        return None, 40001
    if int(exp) < time.time():
        return None, 42001
    return subject, 0


def _rid() -> str:
    return f"sandbox-{secrets.token_hex(4)}"


def _error(errcode: int, errmsg: str) -> JsonResponse:
    return JsonResponse({"errcode": errcode, "errmsg": f"{errmsg} rid: {_rid()}"})


def _ok(**data) -> JsonResponse:
    return JsonResponse({"errcode": 0, "errmsg": "ok", **data}, json_dumps_params={"ensure_ascii": False})


def _body(request: HttpRequest) -> dict | None:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _knobs(appid: str) -> dict:
    return {**(cache.get("wxopen-sandbox:knobs:*") or {}), **(cache.get(f"wxopen-sandbox:knobs:{appid}") or {})}


def _state(appid: str) -> dict:
    return cache.get(f"wxopen-sandbox:app:{appid}") or {"audits": {}}


def _save(appid: str, state: dict) -> None:
    cache.set(f"wxopen-sandbox:app:{appid}", state, STATE_TTL)


def _forced(appid: str, step: str) -> JsonResponse | None:
    errcode = (_knobs(appid).get("fail") or {}).get(step)
    return _error(int(errcode), f"sandbox forced error for {step}") if errcode else None


def _audit_view(audit: dict) -> tuple[int, str]:
    """What a review says now: in review until its review time is over."""
    if time.time() < audit["decide_at"]:
        return 2, ""
    status = audit["outcome"]
    return status, audit.get("reason", "") if status in (1, 4) else ""


# --- the component (platform) endpoints


@csrf_exempt
@require_POST
def component_token(request):
    body = _body(request)
    if body is None:
        return _error(47001, "data format error")
    if body.get("component_appid") != settings.WECHAT_OPEN_COMPONENT_APPID:
        return _error(40013, "invalid appid")
    if not hmac.compare_digest(str(body.get("component_appsecret") or ""), settings.WECHAT_OPEN_COMPONENT_APPSECRET):
        return _error(40125, "invalid appsecret")
    if not str(body.get("component_verify_ticket") or "").startswith("ticket@@@"):
        return _error(61006, "component ticket is invalid")
    return JsonResponse({"component_access_token": _issue("c", "component"), "expires_in": TOKEN_TTL})


def _component_guard(request) -> tuple[dict | None, JsonResponse | None]:
    _subject, errcode = _check("c", request.GET.get("component_access_token", ""))
    if errcode:
        return None, _error(errcode, "invalid credential, access_token is invalid or not latest")
    body = _body(request)
    if body is None:
        return None, _error(47001, "data format error")
    if body.get("component_appid") != settings.WECHAT_OPEN_COMPONENT_APPID:
        return None, _error(40013, "invalid appid")
    return body, None


@csrf_exempt
@require_POST
def query_auth(request):
    body, error = _component_guard(request)
    if error:
        return error
    code = str(body.get("authorization_code") or "")
    prefix = "queryauthcode@@@sandbox:"
    appid = code[len(prefix):] if code.startswith(prefix) else ""
    if not appid.startswith("wx") or len(appid) != 18:
        return _error(61010, "code is expired or invalid")
    return _ok(authorization_info={
        "authorizer_appid": appid, "authorizer_access_token": _issue("a", appid), "expires_in": TOKEN_TTL,
        "authorizer_refresh_token": sandbox_refresh_token(appid),
        "func_info": [{"funcscope_category": {"id": i}} for i in (17, 18, 25)]})


@csrf_exempt
@require_POST
def authorizer_token(request):
    body, error = _component_guard(request)
    if error:
        return error
    appid = str(body.get("authorizer_appid") or "")
    if forced := _forced(appid, "api_authorizer_token"):
        return forced
    if _knobs(appid).get("revoked") or not hmac.compare_digest(
            str(body.get("authorizer_refresh_token") or ""), sandbox_refresh_token(appid)):
        return _error(61023, "refresh_token is invalid")
    return JsonResponse({"authorizer_access_token": _issue("a", appid), "expires_in": TOKEN_TTL,
                         "authorizer_refresh_token": sandbox_refresh_token(appid)})


# --- on behalf of an authorized mini-program


def _authorizer(request) -> tuple[str | None, JsonResponse | None]:
    appid, errcode = _check("a", request.GET.get("access_token", ""))
    if errcode:
        return None, _error(errcode, "invalid credential, access_token is invalid or not latest")
    if _knobs(appid).get("revoked"):
        return None, _error(61007, "api is unauthorized to component")
    return appid, None


def authorizer_api(step: str | None, *, method: str = "POST"):
    """An authorizer-token endpoint of the fake platform, answering like WeChat's: the token is
    checked, a POST body must be JSON (47001 otherwise), and the `fail` knob can force this
    step's error (`step` None: never). The view gets (request, appid, body)."""
    def wrap(view):
        @csrf_exempt
        @require_http_methods([method])
        @functools.wraps(view)
        def endpoint(request):
            appid, error = _authorizer(request)
            if error:
                return error
            body = _body(request) if method == "POST" else {}
            if body is None:
                return _error(47001, "data format error")
            if step and (forced := _forced(appid, step)):
                return forced
            return view(request, appid, body)
        return endpoint
    return wrap


@authorizer_api("commit")
def commit(request, appid: str, body: dict):
    try:
        template_id = int(body.get("template_id"))
    except (TypeError, ValueError):
        template_id = 0
    if template_id <= 0:
        return _error(85014, "template_id error")
    try:
        ext = json.loads(body.get("ext_json")) if isinstance(body.get("ext_json"), str) else None
    except ValueError:
        ext = None
    if not isinstance(ext, dict) or ext.get("extAppid") != appid or not isinstance(ext.get("ext"), dict):
        return _error(85013, "invalid ext_json")
    version = str(body.get("user_version") or "")
    if not version or len(version) > 64:
        return _error(85015, "invalid user_version")
    state = _state(appid)
    state["commit"] = {"template_id": template_id, "ext": ext, "user_version": version,
                       "user_desc": str(body.get("user_desc") or ""), "at": int(time.time())}
    _save(appid, state)
    return _ok()


@authorizer_api("submit_audit")
def submit_audit(request, appid: str, body: dict):
    state = _state(appid)
    if "commit" not in state:
        return _error(86001, "no third-party code committed")
    for audit in state["audits"].values():
        if _audit_view(audit)[0] in (2, 4):
            return _error(85009, "already submit a version under auditing")
    knobs = _knobs(appid)
    outcome = AUDIT_OUTCOMES.get(knobs.get("audit", "pass"), 0)
    cache.add("wxopen-sandbox:auditid", 420000, None)
    auditid = cache.incr("wxopen-sandbox:auditid")
    state["audits"][str(auditid)] = {
        "auditid": auditid, "user_version": state["commit"]["user_version"], "submitted_at": int(time.time()),
        "decide_at": time.time() + float(knobs.get("review_seconds", 0)), "outcome": outcome,
        "reason": knobs.get("reason") or ("小程序内容与所选类目不符（沙箱驳回）" if outcome == 1 else
                                          "审核排队中，已延后（沙箱）" if outcome == 4 else ""),
        "released": False}
    state["latest_audit"] = str(auditid)
    _save(appid, state)
    return _ok(auditid=auditid)


@authorizer_api("get_auditstatus")
def get_auditstatus(request, appid: str, body: dict):
    audit = _state(appid)["audits"].get(str(body.get("auditid")))
    if audit is None:
        return _error(85012, "invalid audit id")
    status, reason = _audit_view(audit)
    return _ok(status=status, reason=reason, screenshot="")


@authorizer_api(None, method="GET")
def get_latest_auditstatus(request, appid: str, body: dict):
    state = _state(appid)
    audit = state["audits"].get(state.get("latest_audit", ""))
    if audit is None:
        return _error(85058, "no audit found")
    status, reason = _audit_view(audit)
    return _ok(auditid=audit["auditid"], status=status, reason=reason, ScreenShot="",
               user_version=audit["user_version"], user_desc="", submit_audit_time=audit["submitted_at"])


@authorizer_api("release")
def release(request, appid: str, body: dict):
    state = _state(appid)
    audit = state["audits"].get(state.get("latest_audit", ""))
    if audit is None:
        return _error(85019, "no audit version")
    if audit["released"]:
        return _error(85052, "app is already released")
    if _audit_view(audit)[0] != 0:
        return _error(85020, "status not allowed")
    audit["released"] = True
    state["released"] = {"user_version": audit["user_version"], "auditid": audit["auditid"],
                         "ext": state.get("commit", {}).get("ext"), "at": int(time.time())}
    _save(appid, state)
    return _ok()


# --- knobs for people and tests


@csrf_exempt
@require_http_methods(["POST"])
def control(request):
    body = _body(request)
    if body is None:
        return JsonResponse({"error": "send a JSON object"}, status=400)
    if body.pop("expire_tokens", False):
        cache.set("wxopen-sandbox:generation", _generation() + 1, None)
    appid = str(body.pop("appid", "*"))
    if body.pop("reset", False):
        cache.delete_many([f"wxopen-sandbox:knobs:{appid}", f"wxopen-sandbox:app:{appid}"])
    if "audit" in body and body["audit"] not in AUDIT_OUTCOMES:
        return JsonResponse({"error": f"audit: one of {sorted(AUDIT_OUTCOMES)}"}, status=400)
    knobs = {**(cache.get(f"wxopen-sandbox:knobs:{appid}") or {}), **body}
    cache.set(f"wxopen-sandbox:knobs:{appid}", knobs, STATE_TTL)
    return JsonResponse({"appid": appid, "knobs": knobs})


@require_GET
def state(request):
    appid = request.GET.get("appid", "")
    return JsonResponse({"appid": appid, "knobs": _knobs(appid), "state": _state(appid)},
                        json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_POST
def push_ticket(request):
    """Push a fresh component_verify_ticket to the platform's callback, encrypted
    and signed as WeChat does. Body (optional): {"url": "http://localhost:8000/wxopen/callback/"}."""
    body = _body(request) or {}
    url = body.get("url") or f"{request.scheme}://{request.get_host()}/wxopen/callback/"
    ticket = f"ticket@@@sbx_{secrets.token_urlsafe(24)}"
    appid = settings.WECHAT_OPEN_COMPONENT_APPID
    message = (f"<xml><AppId><![CDATA[{appid}]]></AppId><CreateTime>{int(time.time())}</CreateTime>"
               f"<InfoType><![CDATA[component_verify_ticket]]></InfoType>"
               f"<ComponentVerifyTicket><![CDATA[{ticket}]]></ComponentVerifyTicket></xml>")
    encrypted = crypto.encrypt(encoding_aes_key=settings.WECHAT_OPEN_ENCODING_AES_KEY, appid=appid, message=message)
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
    query = {"signature": "", "timestamp": timestamp, "nonce": nonce, "encrypt_type": "aes",
             "msg_signature": crypto.signature(token=settings.WECHAT_OPEN_MESSAGE_TOKEN, timestamp=timestamp,
                                               nonce=nonce, encrypted=encrypted)}
    xml = f"<xml><AppId><![CDATA[{appid}]]></AppId><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    try:
        resp = requests.post(f"{url}?{urlencode(query)}", data=xml.encode(), timeout=5,
                             headers={"Content-Type": "text/xml"})
    except requests.RequestException as exc:
        return JsonResponse({"pushed": False, "error": type(exc).__name__}, status=502)
    return JsonResponse({"pushed": resp.status_code == 200 and resp.text == "success", "status": resp.status_code})


urlpatterns = [
    path("cgi-bin/component/api_component_token", component_token),
    path("cgi-bin/component/api_query_auth", query_auth),
    path("cgi-bin/component/api_authorizer_token", authorizer_token),
    path("wxa/commit", commit),
    path("wxa/submit_audit", submit_audit),
    path("wxa/get_auditstatus", get_auditstatus),
    path("wxa/get_latest_auditstatus", get_latest_auditstatus),
    path("wxa/release", release),
    path("_control", control),
    path("_state", state),
    path("_push_ticket", push_ticket),
]
