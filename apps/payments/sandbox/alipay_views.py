"""URLs of the sandbox Alipay gateway (mounted at /sandbox/alipay/ on the platform domain)."""

from __future__ import annotations

import json
from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from apps.payments.providers.alipay import yuan

from . import bills
from .alipay import ALIPAY, ConfirmRefusedError, confirm_trade, gateway_response, signed_response
from .bills import KnobError
from .models import SandboxTrade


@csrf_exempt  # a server-to-server API, signed by the app
@require_http_methods(["GET", "POST"])
def gateway(request: HttpRequest) -> HttpResponse:
    params: dict[str, str] = {}
    for source in (request.GET, request.POST):
        for key, values in source.lists():
            if len(values) > 1 or params.get(key, values[0]) != values[0]:  # which copy was signed?
                body = {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-parameter",
                        "sub_msg": f"参数{key}重复"}
                return _json(signed_response("error_response", body))
            params[key] = values[0]
    base = bills.ALIPAY_DOWNLOAD_BASE.set(request.build_absolute_uri(reverse("sandbox-alipay-bill-download")))
    try:
        return _json(gateway_response(params))
    finally:
        bills.ALIPAY_DOWNLOAD_BASE.reset(base)


@require_http_methods(["GET"])
def bill_download(request: HttpRequest) -> HttpResponse:
    """bill_download_url: no signature, the token is the key; an expired one gets an error page, as Alipay's."""
    try:
        found = bills.take_file(ALIPAY, request.GET.get("token", ""))
    except KnobError:
        return HttpResponse(_("下载链接已失效"), status=200, content_type="text/html; charset=utf-8")
    response = HttpResponse(bytes(found.content), content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    return response


def _json(text: str) -> HttpResponse:
    return HttpResponse(text.encode(), content_type="application/json;charset=utf-8")


@csrf_exempt  # a test/dev control endpoint, like the WeChat sandbox's
@require_POST
def confirm(request: HttpRequest) -> JsonResponse:
    try:
        data = json.loads(request.body or b"{}")
        trade_no, result, late = str(data["trade_no"]), str(data["result"]), bool(data.get("late", False))
        moment = bills.parse_moment(data["success_time"]) if data.get("success_time") else None
    except (ValueError, KeyError, TypeError, KnobError):
        return JsonResponse({"error": "INVALID_REQUEST"}, status=400)
    try:
        trade = confirm_trade(trade_no=trade_no, result=result, late=late, notify=data.get("notify") is not False,
                              success_time=moment)
    except ConfirmRefusedError as exc:
        return JsonResponse({"error": exc.code}, status=exc.status)
    return JsonResponse({"trade_no": trade.prepay_id, "out_trade_no": trade.out_trade_no,
                         "trade_status": trade.state})


def _knob(handler):
    """A JSON test/demo knob like `confirm`: POST, JSON object in, JSON out, no signature."""

    @csrf_exempt
    @require_POST
    @wraps(handler)
    def view(request: HttpRequest) -> JsonResponse:
        try:
            data = json.loads(request.body or b"{}")
            if not isinstance(data, dict):
                raise ValueError
        except ValueError:
            return JsonResponse({"error": "INVALID_REQUEST"}, status=400)
        try:
            return JsonResponse(handler(data))
        except KnobError as exc:
            return JsonResponse({"error": exc.code, "message": exc.message}, status=exc.status)

    return view


@_knob
def bill_tweak(data: dict) -> dict:
    return bills.tweak(ALIPAY, kind=str(data.get("kind", "")), out_trade_no=str(data.get("out_trade_no") or ""),
                       out_refund_no=str(data.get("out_refund_no") or ""),
                       merchant_id=str(data.get("merchant_id") or ""), value=data.get("value"))


@_knob
def foreign_trade(data: dict) -> dict:
    moment = bills.parse_moment(data["success_time"]) if data.get("success_time") else None
    trade = bills.foreign_trade(ALIPAY, merchant_id=str(data.get("merchant_id", "")), amount_fen=data.get("amount_fen"),
                                app_id=str(data.get("app_id") or ""), out_trade_no=str(data.get("out_trade_no") or ""),
                                success_time=moment)
    return {"out_trade_no": trade.out_trade_no, "trade_no": trade.prepay_id, "trade_status": trade.state}


@_knob
def bill_merchant(data: dict) -> dict:
    return bills.merchant_bills(ALIPAY, str(data.get("merchant_id", "")), fee_rate=data.get("fee_rate"),
                                bill_url_ttl=data.get("bill_url_ttl"))


@require_http_methods(["GET", "POST"])
def pay_page(request: HttpRequest, trade_no: str) -> HttpResponse:
    message = ""
    if request.method == "POST":
        try:
            moment = bills.parse_moment(request.POST["success_time"]) if request.POST.get("success_time") else None
            confirm_trade(trade_no=trade_no, result=request.POST.get("result", ""), success_time=moment,
                          notify=request.POST.get("silent") != "1")
            message = _("已支付") if request.POST.get("result") == "pay" else _("支付失败（用户取消），交易仍待支付")
        except KnobError as exc:
            message = exc.message
        except ConfirmRefusedError as exc:
            if exc.status == 404:
                return HttpResponse(_("交易不存在"), status=404, content_type="text/plain; charset=utf-8")
            message = _("交易已关闭，无法支付") if exc.code == "TRADE_CLOSED" else _("无效的操作")
    trade = SandboxTrade.objects.filter(channel=ALIPAY, prepay_id=trade_no).first()
    if trade is None:
        return HttpResponse(_("交易不存在"), status=404, content_type="text/plain; charset=utf-8")
    return render(request, "payments_sandbox/alipay_pay.html",
                  {"trade": trade, "amount": yuan(trade.amount_fen), "message": message})


urlpatterns = [
    path("gateway.do", gateway, name="sandbox-alipay-gateway"),
    path("confirm", confirm, name="sandbox-alipay-confirm"),
    path("bill/download", bill_download, name="sandbox-alipay-bill-download"),
    path("bill-tweak", bill_tweak, name="sandbox-alipay-bill-tweak"),
    path("foreign-trade", foreign_trade, name="sandbox-alipay-foreign-trade"),
    path("bill-merchant", bill_merchant, name="sandbox-alipay-bill-merchant"),
    path("pay/<str:trade_no>/", pay_page, name="sandbox-alipay-pay"),
]
