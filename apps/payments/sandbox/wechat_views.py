"""URLs of the sandbox WeChat Pay gateway, mounted at /sandbox/wechatpay/ on the platform domain, so
settings.PAYMENTS_WECHATPAY_GATEWAY = "http://<platform>/sandbox/wechatpay". The logic is in wechat.py."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from heat_platform.money import fen_to_yuan_str

from . import bills, wechat
from .bills import KnobError
from .knobs import json_knob
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


def _bill(request, merchant, kind: str):
    url = request.build_absolute_uri(reverse("sandbox-wechat-bill-download"))
    try:
        return 200, bills.wechat_bill(merchant, request.GET.dict(), kind=kind, download_url=url)
    except KnobError as exc:
        raise GatewayError(exc.status, exc.code, exc.message) from None


@_api("GET")
def tradebill(request, merchant, data):
    return _bill(request, merchant, "trade")


@_api("GET")
def fundflowbill(request, merchant, data):
    return _bill(request, merchant, "fundflow")


def bill_download(request: HttpRequest) -> HttpResponse:
    """GET download_url: the merchant's signed request, the file as is (unsigned, as WeChat serves it)."""
    merchant = None
    try:
        if request.method != "GET":
            raise GatewayError(405, "METHOD_NOT_ALLOWED", "请求方法不正确")
        merchant, params = wechat.request_merchant(request.headers.get("Authorization", ""))
        full = request.get_full_path()
        wechat.verify_request(merchant, params, method="GET", url=full[full.index("/v3/"):], body="")
        found = bills.take_file(wechat.WECHAT, request.GET.get("token", ""), merchant_id=merchant.merchant_id)
    except KnobError as exc:
        return _answer(exc.status, {"code": exc.code, "message": exc.message}, merchant)
    except GatewayError as exc:
        return _answer(exc.status, {"code": exc.code, "message": exc.message}, merchant)
    response = HttpResponse(bytes(found.content), content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    response["Request-ID"] = secrets.token_hex(16)
    return response


# A test/demo knob: JSON in, JSON out, no merchant signature.
_json_knob = json_knob(refusals=(GatewayError, KnobError),
                       answer=lambda exc: ({"code": exc.code, "message": exc.message}, exc.status))


@_json_knob
def confirm(data: dict) -> dict:
    moment = bills.parse_moment(data["success_time"]) if data.get("success_time") else None
    trade = wechat.confirm_payment(str(data.get("prepay_id", "")), str(data.get("result", "")),
                                   late=data.get("late") is True, notify=data.get("notify") is not False,
                                   success_time=moment)
    return {"out_trade_no": trade.out_trade_no, "trade_state": trade.state, "transaction_id": trade.transaction_id,
            "success_time": wechat.rfc3339(trade.success_time) if trade.success_time else None}


@_json_knob
def bill_tweak(data: dict) -> dict:
    return bills.tweak(wechat.WECHAT, kind=str(data.get("kind", "")), out_trade_no=str(data.get("out_trade_no") or ""),
                       out_refund_no=str(data.get("out_refund_no") or ""),
                       merchant_id=str(data.get("merchant_id") or ""), value=data.get("value"))


@_json_knob
def foreign_trade(data: dict) -> dict:
    moment = bills.parse_moment(data["success_time"]) if data.get("success_time") else None
    trade = bills.foreign_trade(wechat.WECHAT, merchant_id=str(data.get("merchant_id", "")),
                                amount_fen=data.get("amount_fen"), sub_merchant_id=str(data.get("sub_mchid") or ""),
                                app_id=str(data.get("app_id") or ""), out_trade_no=str(data.get("out_trade_no") or ""),
                                success_time=moment)
    return {"out_trade_no": trade.out_trade_no, "transaction_id": trade.transaction_id, "trade_state": trade.state,
            "success_time": wechat.rfc3339(trade.success_time)}


@_json_knob
def bill_merchant(data: dict) -> dict:
    return bills.merchant_bills(wechat.WECHAT, str(data.get("merchant_id", "")), fee_rate=data.get("fee_rate"),
                                bill_url_ttl=data.get("bill_url_ttl"),
                                corrupt_next_download=data.get("corrupt_next_download"))


@_json_knob
def refund_result(data: dict) -> dict:
    refund = wechat.set_refund_result(str(data.get("out_refund_no", "")), str(data.get("status", "")))
    return {"out_refund_no": refund.out_refund_no, "status": refund.status}


def pay_page(request: HttpRequest, prepay_id: str) -> HttpResponse:
    """The payer's tiny cashier page: amount, description, 支付 / 失败."""
    message, status = "", 200
    if request.method == "POST":
        try:
            moment = bills.parse_moment(request.POST["success_time"]) if request.POST.get("success_time") else None
            wechat.confirm_payment(prepay_id, request.POST.get("result", ""), success_time=moment,
                                   notify=request.POST.get("silent") != "1")
            message = _("支付成功") if request.POST.get("result") == "pay" else _("已模拟支付失败")
        except (GatewayError, KnobError) as exc:
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
    path("v3/bill/tradebill", tradebill),
    path("v3/bill/fundflowbill", fundflowbill),
    path("v3/billdownload/file", bill_download, name="sandbox-wechat-bill-download"),
    path("confirm", confirm, name="sandbox-wechat-confirm"),
    path("refund-result", refund_result, name="sandbox-wechat-refund-result"),
    path("bill-tweak", bill_tweak, name="sandbox-wechat-bill-tweak"),
    path("foreign-trade", foreign_trade, name="sandbox-wechat-foreign-trade"),
    path("bill-merchant", bill_merchant, name="sandbox-wechat-bill-merchant"),
    path("pay/<str:prepay_id>/", pay_page, name="sandbox-wechat-pay"),
]
