"""URLs of the sandbox Alipay gateway (mounted at /sandbox/alipay/ on the platform domain)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from apps.payments.providers.alipay import yuan

from .alipay import ALIPAY, ConfirmRefusedError, confirm_trade, gateway_response, signed_response
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
    return _json(gateway_response(params))


def _json(text: str) -> HttpResponse:
    return HttpResponse(text.encode(), content_type="application/json;charset=utf-8")


@csrf_exempt  # a test/dev control endpoint, like the WeChat sandbox's
@require_POST
def confirm(request: HttpRequest) -> JsonResponse:
    try:
        data = json.loads(request.body or b"{}")
        trade_no, result, late = str(data["trade_no"]), str(data["result"]), bool(data.get("late", False))
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "INVALID_REQUEST"}, status=400)
    try:
        trade = confirm_trade(trade_no=trade_no, result=result, late=late)
    except ConfirmRefusedError as exc:
        return JsonResponse({"error": exc.code}, status=exc.status)
    return JsonResponse({"trade_no": trade.prepay_id, "out_trade_no": trade.out_trade_no,
                         "trade_status": trade.state})


@require_http_methods(["GET", "POST"])
def pay_page(request: HttpRequest, trade_no: str) -> HttpResponse:
    message = ""
    if request.method == "POST":
        try:
            confirm_trade(trade_no=trade_no, result=request.POST.get("result", ""))
            message = _("已支付") if request.POST.get("result") == "pay" else _("支付失败（用户取消），交易仍待支付")
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
    path("pay/<str:trade_no>/", pay_page, name="sandbox-alipay-pay"),
]
