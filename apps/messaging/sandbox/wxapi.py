"""A fake WeChat server API for subscription messages, mounted at /sandbox/wxapi/ in dev and tests.

It answers with WeChat's shapes (`{errcode, errmsg}` with a rid, HTTP 200) and codes:

- `GET cgi-bin/token?grant_type=client_credential&appid&secret` → `{access_token, expires_in}`; the AppID must be
  registered (`sandbox_register_app`, else 40013) with that secret (else 40125). Tokens are stateless HMACs valid
  7200 s; `_control {"expire_tokens": true}` invalidates every one issued so far (→ 40001).
- `POST cgi-bin/message/subscribe/send?access_token=` `{touser, template_id, page, data, miniprogram_state, lang}`:
  the token may also be an authorizer token of the fake Open Platform (tenants/publishing/sandbox.py). Checks, in
  order: 40037 template not in this AppID's library, 40003 openid not a user of this AppID, 47001 bad
  miniprogram_state / lang, 41030 page not in the mini-program's app.json, 47003 a keyword missing, extra or
  invalid for its type (errmsg names it), 43101 no grant (one-time credit used up, rejected, banned). A success
  takes one one-time credit. Every answered send is recorded (SandboxWxMessage) with its errcode.
- `GET wxaapi/newtmpl/gettemplate?access_token=` → `{data: [{priTmplId, title, content, example, type}]}`.
- `POST _client/subscribe` `{appid, openid, tmplIds, result: accept|reject|ban, kind?}`: what
  `wx.requestSubscribeMessage` does on the phone → `{errMsg: "requestSubscribeMessage:ok", <id>: "accept", …}`.
- `POST _control` `{appid ("*" for all), send_errcode: -1 | 45009 | … | null, times: N, expire_tokens, unban:
  openid}`: the next N (default: all) sends of the AppID answer that errcode. `GET _state?appid=` shows it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .library import data_problem, page_ok, templates_of
from .models import SandboxWxMessage, SandboxWxSubscription
from .services import (
    APPID,
    OPENID,
    RESULTS,
    grant_take,
    openid_known_elsewhere,
    sandbox_subscribe,
    sandbox_unban,
    secret_ok,
)

TOKEN_TTL = 7200
KNOB_TTL = 7 * 24 * 3600
STATES = ("developer", "trial", "formal")
LANGS = ("zh_CN", "en_US", "zh_HK", "zh_TW")
CREDENTIAL_ERRMSG = "invalid credential, access_token is invalid or not latest"


def _now() -> float:  # tests move the clock here
    return time.time()


def _mac(text: str) -> str:
    key = hashlib.sha256(f"wxapi-sandbox|{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]


def _generation() -> int:
    return int(cache.get("wxapi-sandbox:generation") or 0)


def issue_token(appid: str) -> str:
    exp, gen = int(_now()) + TOKEN_TTL, _generation()
    return f"sbxw_{appid}_{exp}_{gen}_{_mac(f'{appid}|{exp}|{gen}')}"


def token_appid(token: str) -> tuple[str | None, int]:
    """(appid, 0) for a valid access token (ours or a fake Open Platform authorizer token), else (None, errcode)."""
    if not token:
        return None, 41001
    parts = token.split("_")
    if len(parts) == 5 and parts[0] == "sbxw":
        _, appid, exp, gen, mac = parts
        if not hmac.compare_digest(mac, _mac(f"{appid}|{exp}|{gen}")) or gen != str(_generation()):
            return None, 40001
        return (None, 42001) if int(exp) < _now() else (appid, 0)
    if token.startswith("sbxa_"):
        from tenants.publishing.sandbox import _check, _knobs  # the Open Platform's authorizer tokens

        appid, errcode = _check("a", token)
        if errcode:
            return None, errcode
        if _knobs(appid).get("revoked"):
            return None, 61003  # the mini-program took its authorization back
        return appid, 0
    return None, 40001


def _rid() -> str:
    return f"sandbox-{secrets.token_hex(4)}"


def _error(errcode: int, errmsg: str) -> JsonResponse:
    return JsonResponse({"errcode": errcode, "errmsg": f"{errmsg} rid: {_rid()}"})


def _body(request: HttpRequest) -> dict | None:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _knobs(appid: str) -> dict:
    return cache.get(f"wxapi-sandbox:knobs:{appid}") or {}


def _forced_errcode(appid: str) -> int | None:
    """The errcode the control knob forces on this send (AppID's own knob first, then "*"), counting it down."""
    for key in (appid, "*"):
        knobs = _knobs(key)
        errcode = knobs.get("send_errcode")
        if errcode is None:
            continue
        times = knobs.get("times")
        if times is not None:
            if times <= 0:
                continue
            knobs["times"] = times - 1
            cache.set(f"wxapi-sandbox:knobs:{key}", knobs, KNOB_TTL)
        return int(errcode)
    return None


FORCED_MESSAGES = {-1: "system error", 45009: "reach max api daily quota limit", 45011: "api minute-quota reach limit",
                   43101: "user refuse to accept the msg", 40037: "invalid template_id", 47003: "argument invalid!",
                   41030: "invalid page", 40003: "invalid openid"}


# --- server API


@require_GET
def token(request):
    if request.GET.get("grant_type") != "client_credential":
        return _error(40002, "invalid grant_type")
    appid, secret = request.GET.get("appid", ""), request.GET.get("secret", "")
    ok = secret_ok(appid, secret) if appid else None
    if ok is None:
        return _error(40013, "invalid appid")
    if not ok:
        return _error(40125, "invalid appsecret")
    return JsonResponse({"access_token": issue_token(appid), "expires_in": TOKEN_TTL})


@csrf_exempt
@require_POST
def subscribe_send(request):
    appid, errcode = token_appid(request.GET.get("access_token", ""))
    if errcode:
        return _error(errcode, "access_token missing" if errcode == 41001 else CREDENTIAL_ERRMSG)
    body = _body(request)
    if body is None:
        return _error(47001, "data format error")
    openid, tid = str(body.get("touser") or ""), str(body.get("template_id") or "")
    page, data = str(body.get("page") or ""), body.get("data")
    state, lang = str(body.get("miniprogram_state") or "formal"), str(body.get("lang") or "zh_CN")
    template = templates_of(appid).get(tid)
    record = SandboxWxMessage(appid=appid, openid=openid[:64], template_id=tid[:64],
                              title=template.title if template else "", page=page[:255],
                              data=data if isinstance(data, dict) else {}, miniprogram_state=state[:10],
                              lang=lang[:8])

    def answer(errcode: int, errmsg: str) -> JsonResponse:
        record.errcode, record.errmsg = errcode, errmsg[:200]
        record.save()
        return _error(errcode, errmsg)

    if (forced := _forced_errcode(appid)) is not None:
        return answer(forced, f"{FORCED_MESSAGES.get(forced, 'error')} (sandbox forced)")
    if template is None:
        return answer(40037, "invalid template_id")
    if not OPENID.match(openid) or openid_known_elsewhere(appid, openid):
        return answer(40003, "invalid openid")
    if state not in STATES:
        return answer(47001, "data format error: miniprogram_state must be developer, trial or formal")
    if lang not in LANGS:
        return answer(47001, "data format error: lang must be zh_CN, en_US, zh_HK or zh_TW")
    if not page_ok(page):
        return answer(41030, "invalid page")
    if problem := data_problem(template, data):
        return answer(47003, problem)
    if not grant_take(appid, openid, tid):
        return answer(43101, "user refuse to accept the msg")
    record.errmsg = "ok"
    record.save()
    return JsonResponse({"errcode": 0, "errmsg": "ok", "msgid": 2_000_000_000 + record.pk})


@require_GET
def gettemplate(request):
    appid, errcode = token_appid(request.GET.get("access_token", ""))
    if errcode:
        return _error(errcode, "access_token missing" if errcode == 41001 else CREDENTIAL_ERRMSG)
    data = [{"priTmplId": tid, "title": t.title, "content": t.content(), "example": t.example(), "type": t.type}
            for tid, t in templates_of(appid).items()]
    return JsonResponse({"errcode": 0, "errmsg": "ok", "data": data}, json_dumps_params={"ensure_ascii": False})


# --- the phone's side and knobs


@csrf_exempt
@require_POST
def client_subscribe(request):
    """wx.requestSubscribeMessage: the user answers the popup for up to three templates."""
    body = _body(request) or {}
    appid, openid = str(body.get("appid") or ""), str(body.get("openid") or "")
    ids = body.get("tmplIds")
    result, kind = body.get("result", "accept"), body.get("kind", "one_time")
    fail = "requestSubscribeMessage:fail"
    if not APPID.match(appid) or not OPENID.match(openid):
        return JsonResponse({"errMsg": f"{fail} invalid appid or openid", "errCode": 10004}, status=400)
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        return JsonResponse({"errMsg": f"{fail}:TmplIds can't be empty", "errCode": 10001})
    if len(ids) > 3:
        return JsonResponse({"errMsg": f"{fail}:Templates count out of max bounds", "errCode": 20003})
    library = templates_of(appid)
    if any(i not in library for i in ids):
        return JsonResponse({"errMsg": f"{fail}:No template data return, verify the template id exist",
                             "errCode": 20001})
    if result not in RESULTS or kind not in SandboxWxSubscription.Kind.values:
        return JsonResponse({"errMsg": f"{fail} result: accept|reject|ban; kind: one_time|long_term",
                             "errCode": 10004}, status=400)
    answers = sandbox_subscribe(appid, openid, ids, result=result, kind=kind)
    return JsonResponse({"errMsg": "requestSubscribeMessage:ok", **answers})


@csrf_exempt
@require_POST
def control(request):
    body = _body(request)
    if body is None:
        return JsonResponse({"error": "send a JSON object"}, status=400)
    if body.pop("expire_tokens", False):
        cache.set("wxapi-sandbox:generation", _generation() + 1, None)
    appid = str(body.pop("appid", "*"))
    if openid := body.pop("unban", None):
        sandbox_unban(appid, str(openid))
    if body.pop("reset", False):
        cache.delete(f"wxapi-sandbox:knobs:{appid}")
    knobs = {**_knobs(appid), **{k: body[k] for k in ("send_errcode", "times") if k in body}}
    try:
        if knobs.get("send_errcode") is not None:
            knobs["send_errcode"] = int(knobs["send_errcode"])
        if knobs.get("times") is not None:
            knobs["times"] = int(knobs["times"])
    except (TypeError, ValueError):
        return JsonResponse({"error": "send_errcode and times are integers"}, status=400)
    cache.set(f"wxapi-sandbox:knobs:{appid}", knobs, KNOB_TTL)
    return JsonResponse({"appid": appid, "knobs": knobs})


@require_GET
def state(request):
    appid = request.GET.get("appid", "")
    subscriptions = [{"openid": s.openid, "template_id": s.template_id, "kind": s.kind, "credits": s.credits,
                      "status": s.status}
                     for s in SandboxWxSubscription.objects.filter(appid=appid).order_by("id")[:200]]
    return JsonResponse({"appid": appid, "knobs": _knobs(appid), "subscriptions": subscriptions,
                         "templates": {t.title: tid for tid, t in templates_of(appid).items()}},
                        json_dumps_params={"ensure_ascii": False})


urlpatterns = [
    path("cgi-bin/token", token),
    path("cgi-bin/message/subscribe/send", subscribe_send),
    path("wxaapi/newtmpl/gettemplate", gettemplate),
    path("_client/subscribe", client_subscribe),
    path("_control", control),
    path("_state", state),
]
