"""/sandbox/messages/ (HTML) and /sandbox/messages.json: what the sandboxes would have delivered, newest first —
WeChat subscription messages (with the errcode of refused sends) and SMS (phones masked). Filters: appid,
openid, phone. Mounted only where the sandbox is installed (dev, tests)."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from heat_platform.pii import mask_phone

from .models import SandboxSms, SandboxWxMessage
from .sms import phone_hash

LIMIT = 100


def _filters(request) -> dict[str, str]:
    return {name: request.GET.get(name, "").strip()[:64] for name in ("appid", "openid", "phone")}


def _latest(filters: dict[str, str]) -> tuple[list[SandboxWxMessage], list[SandboxSms]]:
    wechat = SandboxWxMessage.objects.order_by("-id")
    sms = SandboxSms.objects.order_by("-id")
    if filters["appid"]:
        wechat = wechat.filter(appid=filters["appid"])
    if filters["openid"]:
        wechat = wechat.filter(openid=filters["openid"])
    if filters["phone"]:
        sms = sms.filter(phone_hash=phone_hash(filters["phone"]))
        if not (filters["appid"] or filters["openid"]):
            wechat = wechat.none()  # a phone filter asks about SMS only
    elif filters["appid"] or filters["openid"]:
        sms = sms.none()
    return list(wechat[:LIMIT]), list(sms[:LIMIT])


def _local(when) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M:%S")


def _wechat_item(m: SandboxWxMessage) -> dict:
    return {"id": m.pk, "appid": m.appid, "openid": m.openid, "template_id": m.template_id, "title": m.title,
            "page": m.page, "data": m.data, "miniprogram_state": m.miniprogram_state, "lang": m.lang,
            "errcode": m.errcode, "errmsg": m.errmsg, "sent_at": _local(m.created_at)}


def _sms_item(s: SandboxSms) -> dict:
    return {"id": s.pk, "phone": s.phone_masked, "sign_name": s.sign_name, "template": s.template,
            "params": s.params, "text": s.text, "sent_at": _local(s.created_at)}


@require_GET
def messages_json(request):
    wechat, sms = _latest(_filters(request))
    return JsonResponse({"wechat": [_wechat_item(m) for m in wechat], "sms": [_sms_item(s) for s in sms]},
                        json_dumps_params={"ensure_ascii": False})


@require_GET
def messages_page(request):
    filters = _filters(request)
    wechat, sms = _latest(filters)
    rows = []
    for m in wechat:
        item = _wechat_item(m)
        item["fields"] = [(k, (v or {}).get("value", "") if isinstance(v, dict) else v) for k, v in m.data.items()]
        rows.append(item)
    return render(request, "messaging_sandbox/messages.html", {
        "filters": filters, "phone_shown": mask_phone(filters["phone"]), "wechat": rows,
        "sms": [_sms_item(s) for s in sms], "limit": LIMIT})
