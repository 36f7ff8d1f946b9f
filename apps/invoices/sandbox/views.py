"""Endpoints of the sandbox Nuonuo cloud, mounted at /sandbox/nuonuo/ on the platform domain, so
settings.INVOICE_NUONUO_GATEWAY = "http://<platform>/sandbox/nuonuo" (the adapter adds /open/v1/services).

- POST open/v1/services: the API (cloud.py), answers `{code, describe, result}` with HTTP 200; a call targeted by
  the `timeout-next` knob runs and is then answered 504 with no body, as a gateway that gave up waiting.
- GET files/<token>.pdf|ofd|xml: layout files of an issued invoice (files.py).
- GET/POST face/<token>: the face-verification "QR code" page; POST = the drawer scanned it (session back to ok).
- Test/demo knobs, JSON POST (no signature), answer JSON or {"code", "message"} with 400/404:
  knobs/register {tax_no, seller_name?, queries_per_step?=1, seconds_per_step?=0, credit_total_fen?, rotate?=false}
      → {appKey, appSecret, accessToken, userTax} (an existing app keeps its credentials unless rotate)
  knobs/fail-next {tax_no, status: "22"|"24", cause?}   the next order (or re-issue) fails that way
  knobs/session {tax_no, state: "ok"|"login_required"|"face_required"}
  knobs/credit {tax_no, total_fen, used_fen?}
  knobs/timeout-next {tax_no, method?}                  the next call (or the next call of that API) times out
  knobs/steps {tax_no, queries_per_step?, seconds_per_step?}
  knobs/advance {tax_no, order_no}                      move an order one step now
  knobs/red-buyer-confirm {bill_id, agree: true|false}  the buyer answers a seller-entered red form (02)
  knobs/state {tax_no}                                  the app's session, credit line and orders
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from apps.payments.sandbox.knobs import json_knob

from . import cloud, files
from .cloud import CloudError
from .models import NuonuoApp, NuonuoOrder


def _origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


@csrf_exempt
def services(request: HttpRequest) -> HttpResponse:
    def answer(text: str) -> HttpResponse:
        return HttpResponse(text, content_type="application/json; charset=utf-8")

    if request.method != "POST":
        return answer(cloud.envelope("E9000", "请使用POST"))
    try:
        body = request.body.decode("utf-8")
    except UnicodeDecodeError:
        return answer(cloud.envelope("E9000", "请求体不是UTF-8编码"))
    try:
        app, method, content = cloud.verify(request.GET.dict(), request.headers, body)
        timeout = cloud.take_timeout(app, method)
        try:
            result = cloud.dispatch(app, method, content, origin=_origin(request))
            text = cloud.envelope(result=result)
        except CloudError as exc:
            text = cloud.envelope(exc.code, exc.describe)
        if timeout:
            return HttpResponse(b"", status=504)
        return answer(text)
    except CloudError as exc:
        return answer(cloud.envelope(exc.code, exc.describe))


def layout_file(request: HttpRequest, token: str, ext: str) -> HttpResponse:
    order = NuonuoOrder.objects.select_related("app").filter(file_token=token, status="2").first()
    if order is None or ext not in files.RENDERERS:
        return HttpResponse("文件不存在或已过期", status=404, content_type="text/plain; charset=utf-8")
    render, content_type = files.RENDERERS[ext]
    response = HttpResponse(render(order), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{order.invoice_number}.{ext}"'
    return response


@csrf_exempt
def face(request: HttpRequest, token: str) -> HttpResponse:
    app = NuonuoApp.objects.filter(face_qr_token=token).exclude(face_qr_token="").first()
    if app is None:
        return HttpResponse("二维码已失效，请重新获取", status=404, content_type="text/plain; charset=utf-8")
    if request.method == "POST":
        cloud.set_session(app.user_tax, cloud.SESSION_OK)
        return HttpResponse("人脸认证完成（沙箱）", content_type="text/plain; charset=utf-8")
    page = (f"<!doctype html><meta charset=utf-8><title>人脸认证（沙箱）</title><p>税号 {app.user_tax} 的开票员人脸认证"
            f"<form method=post><button>模拟扫码完成认证</button></form>")
    return HttpResponse(page)


def _cloud_refusal(exc: Exception) -> tuple[dict, int]:
    status = 404 if exc.code in ("070306", "E9500") else 400
    return {"code": exc.code, "message": exc.describe}, status


_json_knob = json_knob(refusals=(CloudError,), answer=_cloud_refusal)


def _int(data: dict, name: str, default=None):
    value = data.get(name, default)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise CloudError("PARAM_ERROR", f"{name}应为整数")
    return value


@_json_knob
def knob_register(data: dict) -> dict:
    app = cloud.register_app(tax_no=str(data.get("tax_no") or ""), seller_name=str(data.get("seller_name") or ""),
                             queries_per_step=_int(data, "queries_per_step", 1),
                             seconds_per_step=_int(data, "seconds_per_step", 0),
                             credit_total_fen=_int(data, "credit_total_fen", 100_000_000),
                             rotate=data.get("rotate") is True)
    return {"appKey": app.app_key, "appSecret": app.app_secret, "accessToken": app.access_token,
            "userTax": app.user_tax}


@_json_knob
def knob_fail_next(data: dict) -> dict:
    app = cloud.set_fail_next(str(data.get("tax_no") or ""), str(data.get("status") or ""),
                              str(data.get("cause") or ""))
    return {"userTax": app.user_tax, "failNext": app.knobs.get("fail_next")}


@_json_knob
def knob_session(data: dict) -> dict:
    app = cloud.set_session(str(data.get("tax_no") or ""), str(data.get("state") or ""))
    return {"userTax": app.user_tax, "session": app.session_state}


@_json_knob
def knob_credit(data: dict) -> dict:
    app = cloud.set_credit(str(data.get("tax_no") or ""), _int(data, "total_fen"), _int(data, "used_fen"))
    return {"userTax": app.user_tax, "totalFen": app.credit_total_fen, "usedFen": app.credit_used_fen}


@_json_knob
def knob_timeout_next(data: dict) -> dict:
    app = cloud.set_timeout_next(str(data.get("tax_no") or ""), str(data.get("method") or ""))
    return {"userTax": app.user_tax, "timeoutNext": app.knobs.get("timeout_next")}


@_json_knob
def knob_steps(data: dict) -> dict:
    app = cloud.set_steps(str(data.get("tax_no") or ""), queries_per_step=_int(data, "queries_per_step"),
                          seconds_per_step=_int(data, "seconds_per_step"))
    return {"userTax": app.user_tax, "queriesPerStep": app.knobs.get("queries_per_step"),
            "secondsPerStep": app.knobs.get("seconds_per_step")}


@_json_knob
def knob_advance(data: dict) -> dict:
    order = cloud.advance(str(data.get("tax_no") or ""), str(data.get("order_no") or ""))
    return {"orderNo": order.order_no, "status": order.status}


@_json_knob
def knob_red_buyer_confirm(data: dict) -> dict:
    red = cloud.buyer_confirm(str(data.get("bill_id") or ""), data.get("agree") is not False)
    return {"billId": red.bill_id, "billStatus": red.bill_status}


@_json_knob
def knob_state(data: dict) -> dict:
    app = cloud.app_for(str(data.get("tax_no") or ""))
    orders = [{"orderNo": o.order_no, "status": o.status, "invoiceType": o.invoice_type,
               "invoiceNumber": o.invoice_number, "totalFen": o.total_fen}
              for o in app.orders.order_by("id")]
    return {"userTax": app.user_tax, "session": app.session_state, "creditTotalFen": app.credit_total_fen,
            "creditUsedFen": app.credit_used_fen, "knobs": app.knobs, "orders": orders}


urlpatterns = [
    path("open/v1/services", services, name="sandbox-nuonuo-services"),
    path("files/<str:token>.<str:ext>", layout_file, name="sandbox-nuonuo-file"),
    path("face/<str:token>", face, name="sandbox-nuonuo-face"),
    path("knobs/register", knob_register),
    path("knobs/fail-next", knob_fail_next),
    path("knobs/session", knob_session),
    path("knobs/credit", knob_credit),
    path("knobs/timeout-next", knob_timeout_next),
    path("knobs/steps", knob_steps),
    path("knobs/advance", knob_advance),
    path("knobs/red-buyer-confirm", knob_red_buyer_confirm),
    path("knobs/state", knob_state),
]
