"""URLs of the sandbox WeChat Pay gateway, mounted at /sandbox/wechatpay/ on the platform domain, so
settings.PAYMENTS_WECHATPAY_GATEWAY = "http://<platform>/sandbox/wechatpay". The logic is in wechat.py."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from heat_platform.money import fen_to_yuan_str

from . import wechat
from .models import SandboxTrade
from .wechat import GatewayError


def _answer(status: int, payload: dict | None, merchant=None) -> HttpResponse:
    body = "" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    if merchant is not None:  # WeChat signs every answer to a merchant it could identify
        for name, value in wechat.signed_headers(body, merchant).items():
            response[name] = value
    response["Request-ID"] = secrets.token_hex(16)
    return response


def _api(method: str) -> Callable:
    """A v3 endpoint: verify the merchant's signature, parse the JSON body, sign the answer."""

    def decorator(handler: Callable) -> Callable:
        @csrf_exempt
        @wraps(handler)
        def view(request: HttpRequest, **kwargs) -> HttpResponse:
            merchant = None
            try:
                if request.method != method:
                    raise GatewayError(405, "METHOD_NOT_ALLOWED", "请求方法不正确")
                merchant, params = wechat.request_merchant(request.headers.get("Authorization", ""))
                try:
                    body = request.body.decode("utf-8")
                except UnicodeDecodeError:
                    raise GatewayError(400, "PARAM_ERROR", "请求体不是UTF-8编码") from None
                full = request.get_full_path()
                wechat.verify_request(merchant, params, method=request.method, url=full[full.index("/v3/"):],
                                      body=body)
                try:
                    data = json.loads(body) if body else {}
                except ValueError:
                    raise GatewayError(400, "PARAM_ERROR", "请求体不是合法的JSON") from None
                if not isinstance(data, dict):
                    raise GatewayError(400, "PARAM_ERROR", "请求体应为JSON对象")
                status, payload = handler(request, merchant, data, **kwargs)
            except GatewayError as exc:
                status, payload = exc.status, {"code": exc.code, "message": exc.message}
            return _answer(status, payload, merchant)

        return view

    return decorator


@_api("POST")
def jsapi(request, merchant, data, *, partner: bool):
    return 200, wechat.create_trade(merchant, data, partner=partner)


@_api("GET")
def query(request, merchant, data, *, out_trade_no: str, partner: bool):
    return 200, wechat.query_trade(merchant, out_trade_no, request.GET.dict(), partner=partner)


@_api("POST")
def close(request, merchant, data, *, out_trade_no: str, partner: bool):
    wechat.close_trade(merchant, out_trade_no, data, partner=partner)
    return 204, None


@_api("POST")
def refunds(request, merchant, data):
    return 200, wechat.create_refund(merchant, data)


@_api("GET")
def refund_query(request, merchant, data, *, out_refund_no: str):
    return 200, wechat.query_refund(merchant, out_refund_no, request.GET.dict())


@_api("GET")
def certificates(request, merchant, data):
    return 200, wechat.certificates(merchant)


def _json_knob(handler: Callable) -> Callable:
    """A test/demo knob: JSON in, JSON out, no merchant signature."""

    @csrf_exempt
    @wraps(handler)
    def view(request: HttpRequest) -> JsonResponse:
        if request.method != "POST":
            return JsonResponse({"code": "METHOD_NOT_ALLOWED", "message": "请使用POST"}, status=405)
        try:
            data = json.loads(request.body or b"{}")
            if not isinstance(data, dict):
                raise ValueError
        except ValueError:
            return JsonResponse({"code": "PARAM_ERROR", "message": "请求体应为JSON对象"}, status=400)
        try:
            return JsonResponse(handler(data))
        except GatewayError as exc:
            return JsonResponse({"code": exc.code, "message": exc.message}, status=exc.status)

    return view


@_json_knob
def confirm(data: dict) -> dict:
    trade = wechat.confirm_payment(str(data.get("prepay_id", "")), str(data.get("result", "")),
                                   late=data.get("late") is True)
    return {"out_trade_no": trade.out_trade_no, "trade_state": trade.state, "transaction_id": trade.transaction_id}


@_json_knob
def refund_result(data: dict) -> dict:
    refund = wechat.set_refund_result(str(data.get("out_refund_no", "")), str(data.get("status", "")))
    return {"out_refund_no": refund.out_refund_no, "status": refund.status}


def pay_page(request: HttpRequest, prepay_id: str) -> HttpResponse:
    """The payer's tiny cashier page: amount, description, 支付 / 失败."""
    message, status = "", 200
    if request.method == "POST":
        try:
            wechat.confirm_payment(prepay_id, request.POST.get("result", ""))
            message = _("支付成功") if request.POST.get("result") == "pay" else _("已模拟支付失败")
        except GatewayError as exc:
            message, status = exc.message, exc.status
    trade = SandboxTrade.objects.filter(channel=wechat.WECHAT, prepay_id=prepay_id).first()
    if trade is None:
        return render(request, "payments_sandbox/wechat_pay.html", {"missing": True}, status=404)
    context = {"trade": trade, "amount": fen_to_yuan_str(trade.amount_fen), "message": message,
               "state": wechat.STATE_DESC.get(trade.state, trade.state),
               "payable": trade.state in (wechat.NOTPAY, wechat.PAYERROR)}
    return render(request, "payments_sandbox/wechat_pay.html", context, status=status)


urlpatterns = [
    path("v3/pay/transactions/jsapi", jsapi, {"partner": False}),
    path("v3/pay/partner/transactions/jsapi", jsapi, {"partner": True}),
    path("v3/pay/transactions/out-trade-no/<str:out_trade_no>", query, {"partner": False}),
    path("v3/pay/partner/transactions/out-trade-no/<str:out_trade_no>", query, {"partner": True}),
    path("v3/pay/transactions/out-trade-no/<str:out_trade_no>/close", close, {"partner": False}),
    path("v3/pay/partner/transactions/out-trade-no/<str:out_trade_no>/close", close, {"partner": True}),
    path("v3/refund/domestic/refunds", refunds),
    path("v3/refund/domestic/refunds/<str:out_refund_no>", refund_query),
    path("v3/certificates", certificates),
    path("confirm", confirm, name="sandbox-wechat-confirm"),
    path("refund-result", refund_result, name="sandbox-wechat-refund-result"),
    path("pay/<str:prepay_id>/", pay_page, name="sandbox-wechat-pay"),
]
