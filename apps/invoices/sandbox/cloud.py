"""The sandbox Nuonuo cloud: the logic behind views.py.

Requests are verified as Nuonuo verifies them: the app by `appkey`, `X-Nuonuo-Sign` over
"a=services&l=v1&p=open&k=appKey&i=senid&n=nonce&t=timestamp&f=body" with the app secret, the company's
`accessToken` and `userTax`. Errors come back in the envelope `{code, describe, result: null}` with HTTP 200.

Codes this sandbox answers (070xxx and the session codes are ours: Nuonuo publishes no table):
070101 unknown appKey · 070304 bad signature · 070305 bad accessToken · 070306 userTax not authorized for the app ·
070307 bad senid/nonce/timestamp (timestamp more than 10 minutes off) · E9000 malformed body / unknown method ·
E9108 invalid parameter · E9106 order number or billId already used · E9500 nothing found · E9613 one serial
resubmitted or re-issued more than 20 times today · E9110 state does not allow this ·
E9720 tax-bureau login needed · E9721 face verification needed · E9722 verification not completed.

Invoices are asynchronous: an order starts at 20 (开票中), then 21 (签章中), then 2 (开票完成), or 22 (开票失败) /
24 (签章失败) when a `fail-next` knob planned it or the credit line is short. An order moves one step when it has
been queried `queries_per_step` times in its state (default 1: each query answers, then moves it), or when
`seconds_per_step` have passed (default 0 = off; `make run`'s demo app uses 2 s, a worker task moves it). While
the session is dropped nothing moves. A terminal state sends a form-POST callback to the order's callBackUrl after
commit. A red confirmation (15 申请中) is answered by the bureau on the next query or refresh: 01 无需确认 when the
buyer has no tax number (a person), else 02 (the buyer must confirm: knob `red-buyer-confirm`); 01/04 issue the red
invoice at once (a red order, status 2, negative totals).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import time
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from heat_platform.money import fen_to_yuan_str, yuan_to_fen
from tenants.directory import public_context

from .models import NuonuoApp, NuonuoCounter, NuonuoOrder, NuonuoRedConfirm

CN_TZ = ZoneInfo("Asia/Shanghai")
MAX_SKEW = 600
DAILY_ATTEMPTS = 20
SENID = re.compile(r"^[0-9A-Za-z]{32}$")
NONCE = re.compile(r"^\d{8}$")
TAX_NO = re.compile(r"^[0-9A-Z]{15}$|^[0-9A-Z]{18}$|^[0-9A-Z]{20}$")
GOODS_CODE = re.compile(r"^\d{19}$")
SESSION_OK, LOGIN, FACE = "ok", "login_required", "face_required"
STATUS_MSG = {"20": "开票中", "21": "开票成功签章中", "2": "开票完成", "22": "开票失败", "24": "开票成功签章失败"}
CALLBACK_STATUS = {"2": "1", "22": "2", "24": "3"}
RED_NO_CONFIRM, RED_WAIT_BUYER, RED_BOTH, RED_BUYER_DENIED, RED_REVOKED, RED_APPLYING = \
    "01", "02", "04", "05", "08", "15"


class CloudError(Exception):
    def __init__(self, code: str, describe: str):
        super().__init__(f"{code} {describe}")
        self.code = code
        self.describe = describe


def _require(condition: Any, describe: str, code: str = "E9108") -> None:
    if not condition:
        raise CloudError(code, describe)


def envelope(code: str = "E0000", describe: str = "调用成功", result: Any = None) -> str:
    return json.dumps({"code": code, "describe": describe, "result": result}, ensure_ascii=False,
                      separators=(",", ":"))


# --- apps (used by tests and the demo seed) ----------------------------------------------------------------------


def register_app(*, tax_no: str, seller_name: str = "", queries_per_step: int = 1, seconds_per_step: int = 0,
                 credit_total_fen: int = 100_000_000, rotate: bool = False) -> NuonuoApp:
    """Register the app authorized for a tax number: session ok, credit line unused, knobs reset. An existing
    app keeps its credentials (a seed may run twice) unless `rotate`."""
    _require(TAX_NO.match(tax_no or ""), "税号格式不正确")
    state = {"seller_name": seller_name, "session_state": SESSION_OK, "face_qr_token": "",
             "credit_total_fen": credit_total_fen, "credit_used_fen": 0,
             "knobs": {"queries_per_step": queries_per_step, "seconds_per_step": seconds_per_step}}
    fresh = {"app_key": "SD" + secrets.token_hex(7).upper(), "app_secret": secrets.token_hex(16).upper(),
             "access_token": secrets.token_hex(16)}
    with public_context(), transaction.atomic():
        app = NuonuoApp.objects.select_for_update().filter(user_tax=tax_no).first()
        if app is None:
            return NuonuoApp.objects.create(user_tax=tax_no, **fresh, **state)
        for name, value in {**state, **(fresh if rotate else {})}.items():
            setattr(app, name, value)
        app.save()
        return app


def app_for(tax_no: str) -> NuonuoApp:
    with public_context():
        app = NuonuoApp.objects.filter(user_tax=tax_no).first()
    if app is None:
        raise CloudError("070306", "该税号未授权")
    return app


# --- verification ------------------------------------------------------------------------------------------------


def expected_sign(app_secret: str, app_key: str, senid: str, nonce: str, timestamp: str, body: str) -> str:
    message = f"a=services&l=v1&p=open&k={app_key}&i={senid}&n={nonce}&t={timestamp}&f={body}"
    return base64.b64encode(hmac.new(app_secret.encode(), message.encode(), hashlib.sha1).digest()).decode()


def verify(query: dict[str, str], headers: Any, body: str) -> tuple[NuonuoApp, str, dict]:
    """(app, method, content) of a request, or the CloudError Nuonuo would answer."""
    senid, nonce = query.get("senid", ""), query.get("nonce", "")
    timestamp, app_key = query.get("timestamp", ""), query.get("appkey", "")
    app = NuonuoApp.objects.filter(app_key=app_key).first() if app_key else None
    if app is None:
        raise CloudError("070101", "appKey不存在或应用未上线")
    if not (SENID.match(senid) and NONCE.match(nonce) and timestamp.isdigit()
            and abs(int(timestamp) - time.time()) <= MAX_SKEW):
        raise CloudError("070307", "请求参数senid/nonce/timestamp不合法或已过期")
    given = headers.get("X-Nuonuo-Sign", "")
    if not hmac.compare_digest(given.encode(), expected_sign(app.app_secret, app_key, senid, nonce, timestamp,
                                                              body).encode()):
        raise CloudError("070304", "签名验证失败")
    if not hmac.compare_digest(headers.get("accessToken", "").encode(), app.access_token.encode()):
        raise CloudError("070305", "accessToken无效或已过期")
    if headers.get("userTax", "") != app.user_tax:
        raise CloudError("070306", "userTax未授权给该应用")
    method = headers.get("method", "")
    try:
        content = json.loads(body) if body else {}
    except ValueError:
        raise CloudError("E9000", "请求报文不是合法的JSON") from None
    if not isinstance(content, dict):
        raise CloudError("E9000", "请求报文应为JSON对象")
    return app, method, content


def dispatch(app: NuonuoApp, method: str, content: dict, *, origin: str) -> Any:
    handler = METHODS.get(method.removeprefix("nuonuo.OpeMplatform."))
    if handler is None or not method.startswith("nuonuo.OpeMplatform."):
        raise CloudError("E9000", f"不支持的API：{method[:60]}")
    return handler(app, content, origin=origin)


def take_timeout(app: NuonuoApp, method: str) -> bool:
    """True when a `timeout-next` knob targets this call (consumed): the call runs, the answer is a 504."""
    knob = app.knobs.get("timeout_next")
    if not knob or (knob.get("method") and knob["method"] != method.removeprefix("nuonuo.OpeMplatform.")):
        return False
    with transaction.atomic():
        locked = NuonuoApp.objects.select_for_update().get(pk=app.pk)
        locked.knobs.pop("timeout_next", None)
        locked.save(update_fields=["knobs"])
    return True


def _session_guard(app: NuonuoApp) -> None:
    if app.session_state == LOGIN:
        raise CloudError("E9720", "电子税务局登录已失效，请开票员重新登录")
    if app.session_state == FACE:
        raise CloudError("E9721", "电子税务局要求人脸认证，请开票员扫码完成认证")


# --- numbers -----------------------------------------------------------------------------------------------------


def _next(key: str) -> int:
    NuonuoCounter.objects.get_or_create(key=key)
    NuonuoCounter.objects.filter(key=key).update(value=F("value") + 1)
    return NuonuoCounter.objects.get(key=key).value


def _serial_no() -> str:
    now = timezone.localtime(timezone.now(), CN_TZ)
    return now.strftime("%y%m%d%H%M%S") + f"{_next('serial:' + now.strftime('%y%m%d')):08d}"


def _invoice_number(now: dt.datetime) -> str:
    """20 digits: year (2), region (2: 12 Tianjin), channel (1), sequence (15)."""
    year = timezone.localtime(now, CN_TZ).strftime("%y")
    return f"{year}125{_next('number:' + year):015d}"


def _count_attempt(order: NuonuoOrder) -> bool:
    """Count one more submission of this serial today; True when that is over Nuonuo's 20 a day."""
    today = timezone.localdate(timezone.now(), CN_TZ)
    if order.attempts_day != today:
        order.attempts_day, order.attempts = today, 0
    order.attempts += 1
    order.save(update_fields=["attempts_day", "attempts"])
    return order.attempts > DAILY_ATTEMPTS


# --- blue invoices -----------------------------------------------------------------------------------------------


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise CloudError("E9108", f"{field}格式不正确") from None
    _require(number.is_finite(), f"{field}格式不正确")
    return number


def _money(value: Any, field: str) -> int:
    number = _decimal(value, field)
    _require(number == number.quantize(Decimal("0.01")), f"{field}最多两位小数")
    return yuan_to_fen(number)


def _check_lines(details: Any) -> tuple[int, int, int]:
    _require(isinstance(details, list) and 1 <= len(details) <= 2000, "invoiceDetail应为1到2000行")
    excl_total = tax_total = 0
    for i, d in enumerate(details, 1):
        _require(isinstance(d, dict), f"第{i}行格式不正确")
        _require(str(d.get("goodsName") or "").strip(), f"第{i}行缺少goodsName")
        _require(GOODS_CODE.match(str(d.get("goodsCode") or "")), f"第{i}行goodsCode应为19位税收分类编码")
        _require(str(d.get("withTaxFlag")) in ("0", "1"), f"第{i}行withTaxFlag应为0或1")
        rate = _decimal(d.get("taxRate"), f"第{i}行taxRate")
        excl, tax = _money(d.get("taxExcludedAmount"), f"第{i}行taxExcludedAmount"), _money(d.get("tax"), f"第{i}行tax")
        incl = _money(d.get("taxIncludedAmount"), f"第{i}行taxIncludedAmount")
        _require(excl + tax == incl, f"第{i}行不含税金额加税额不等于含税金额")
        _require(abs(Decimal(excl) * rate - tax) <= 6, f"第{i}行税额与不含税金额×税率的误差超过0.06")
        policy = str(d.get("favouredPolicyFlag") or "")
        if policy in ("03", "04"):
            _require(rate == 0 and tax == 0, f"第{i}行免税/不征税项目税率和税额应为0")
        price = d.get("price")
        if price not in (None, ""):
            _require(abs(_decimal(price, f"第{i}行price").as_tuple().exponent) <= 8, f"第{i}行price最多8位小数")
        excl_total, tax_total = excl_total + excl, tax_total + tax
    return excl_total + tax_total, excl_total, tax_total


def request_billing(app: NuonuoApp, content: dict, *, origin: str) -> dict:
    order = content.get("order")
    _require(isinstance(order, dict), "缺少order")
    order_no = str(order.get("orderNo") or "")
    _require(0 < len(order_no) <= 32, "orderNo应为1到32位")
    with transaction.atomic():
        existing = NuonuoOrder.objects.select_for_update().filter(app=app, order_no=order_no).first()
        if existing is not None:
            capped = _count_attempt(existing)
    if existing is not None:  # raised after commit: the attempt counts
        raise CloudError("E9613", "同一流水号当日重试次数超过20次") if capped else CloudError("E9106", "订单编号重复")
    _session_guard(app)
    try:
        dt.datetime.strptime(str(order.get("invoiceDate") or ""), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise CloudError("E9108", "invoiceDate格式应为yyyy-MM-dd HH:mm:ss") from None
    _require(str(order.get("invoiceType")) == "1", "invoiceType只能为1（蓝票）；红票请走红字确认单")
    line = str(order.get("invoiceLine") or "")
    _require(line in ("pc", "bs"), "invoiceLine应为pc（数电普票）或bs（数电专票）")
    _require(str(order.get("salerTaxNum") or "") == app.user_tax, "salerTaxNum与userTax不一致")
    buyer = str(order.get("buyerName") or "").strip()
    _require(buyer and len(buyer) <= 100, "buyerName不能为空且不超过100字")
    buyer_tax = str(order.get("buyerTaxNum") or "")
    _require(not buyer_tax or TAX_NO.match(buyer_tax), "buyerTaxNum格式不正确")
    _require(line != "bs" or buyer_tax, "数电专票必须填写购方税号")
    natural = str(order.get("naturalPersonFlag") or "0")
    _require(natural in ("0", "1") and (natural == "0" or line == "pc"), "naturalPersonFlag只适用于数电普票")
    _require(natural == "0" or not buyer_tax, "自然人不能填写购方税号")
    callback = str(order.get("callBackUrl") or "")
    _require(not callback or callback.startswith(("http://", "https://")), "callBackUrl格式不正确")
    total, excl, tax = _check_lines(order.get("invoiceDetail"))
    _require(total > 0, "蓝字发票价税合计应大于0")
    now = timezone.now()
    with transaction.atomic():
        locked = NuonuoApp.objects.select_for_update().get(pk=app.pk)
        planned = locked.knobs.pop("fail_next", None) or {}
        locked.save(update_fields=["knobs"])
        created = NuonuoOrder.objects.create(
            app=app, order_no=order_no, serial_no=_serial_no(), order=order, total_fen=total, excl_fen=excl,
            tax_fen=tax, planned_failure=planned, changed_at=now, callback_url=callback,
            file_token=secrets.token_urlsafe(24), attempts_day=timezone.localdate(now, CN_TZ), attempts=1)
        _schedule_timer(app, created.pk)
    return {"invoiceSerialNum": created.serial_no}


def query_result(app: NuonuoApp, content: dict, *, origin: str) -> list[dict]:
    order_nos, serial_nos = content.get("orderNos") or [], content.get("serialNos") or []
    _require(isinstance(order_nos, list) and isinstance(serial_nos, list) and (order_nos or serial_nos),
             "orderNos或serialNos不能为空")
    _require(len(order_nos) + len(serial_nos) <= 50, "一次最多查询50张")
    answers = []
    for key, values in (("order_no", order_nos), ("serial_no", serial_nos)):
        for value in values:
            with transaction.atomic():
                order = NuonuoOrder.objects.select_for_update().filter(app=app, **{key: str(value)}).first()
                if order is None:
                    continue
                _advance_by_time(order)
                answers.append(order_item(order, origin))
                order.queries += 1
                order.save(update_fields=["queries"])
                per_query = int(app.knobs.get("queries_per_step") or 0)
                if per_query and order.queries >= per_query:
                    step(order)
    if not answers:
        raise CloudError("E9500", "未查询到发票信息")
    return answers


def order_item(order: NuonuoOrder, origin: str) -> dict:
    item: dict[str, Any] = {
        "serialNo": order.serial_no, "orderNo": order.order_no, "status": order.status,
        "statusMsg": STATUS_MSG[order.status], "invoiceType": order.invoice_type,
        "invoiceLine": order.order.get("invoiceLine", "pc"), "buyerName": order.order.get("buyerName", ""),
        "orderAmount": fen_to_yuan_str(order.total_fen), "exTaxAmount": fen_to_yuan_str(order.excl_fen),
        "taxAmount": fen_to_yuan_str(order.tax_fen), "failCause": order.fail_cause,
    }
    if order.status == "2":
        base = f"{origin}/sandbox/nuonuo/files/{order.file_token}"
        item.update({
            "allElectronicInvoiceNumber": order.invoice_number, "invoiceNo": order.invoice_number[-8:],
            "invoiceCode": "", "invoiceTime": int(order.invoice_time.timestamp() * 1000),
            "pdfUrl": f"{base}.pdf", "ofdUrl": f"{base}.ofd", "xmlUrl": f"{base}.xml",
        })
    return item


def step(order: NuonuoOrder) -> None:
    """Move one step (the caller holds the row lock); a terminal state calls back after commit."""
    app = NuonuoApp.objects.select_for_update().get(pk=order.app_id)
    if app.session_state != SESSION_OK or order.status not in ("20", "21"):
        return
    planned = order.planned_failure or {}
    if order.status == "20":
        if planned.get("status") == "22":
            order.status, order.fail_cause = "22", str(planned.get("cause") or "开票失败")
        elif order.invoice_type == "1" and app.credit_total_fen - app.credit_used_fen < order.total_fen:
            order.status, order.fail_cause = "22", "授信额度不足，请在电子税务局申请调整授信额度"
        else:
            order.status = "21"
    elif planned.get("status") == "24":
        order.status, order.fail_cause = "24", str(planned.get("cause") or "签章失败")
    else:
        _issue(app, order)
    if order.status in ("22", "24"):
        order.planned_failure = {}
    order.queries, order.changed_at = 0, timezone.now()
    order.save()
    if order.status in CALLBACK_STATUS:
        transaction.on_commit(partial(send_invoice_callback, order.pk))


def _issue(app: NuonuoApp, order: NuonuoOrder) -> None:
    now = timezone.now()
    order.status, order.fail_cause, order.invoice_time = "2", "", now
    order.invoice_number = _invoice_number(now)
    NuonuoApp.objects.filter(pk=app.pk).update(credit_used_fen=F("credit_used_fen") + order.total_fen)


def _advance_by_time(order: NuonuoOrder) -> None:
    seconds = int(order.app.knobs.get("seconds_per_step") or 0)
    while seconds and order.status in ("20", "21") and timezone.now() - order.changed_at >= dt.timedelta(
            seconds=seconds):
        before = order.status
        step(order)
        if order.status == before:  # the session is down: nothing moves
            return


def advance_due(order_pk: int) -> bool:
    """The timer's work (tasks.py): move an order whose time has come. True while it still has steps to go."""
    with public_context(), transaction.atomic():
        order = NuonuoOrder.objects.select_for_update().select_related("app").filter(pk=order_pk).first()
        if order is None:
            return False
        _advance_by_time(order)
        return order.status in ("20", "21")


def _schedule_timer(app: NuonuoApp, order_pk: int) -> None:
    seconds = int(app.knobs.get("seconds_per_step") or 0)
    if seconds:
        from .tasks import advance_order

        transaction.on_commit(lambda: advance_order.apply_async((order_pk,), countdown=seconds))


def re_invoice(app: NuonuoApp, content: dict, *, origin: str) -> None:
    serial, order_no = str(content.get("fpqqlsh") or ""), str(content.get("orderno") or "")
    _require(serial, "fpqqlsh不能为空")
    _session_guard(app)
    with transaction.atomic():
        order = NuonuoOrder.objects.select_for_update().filter(app=app, serial_no=serial).first()
        if order is None or (order_no and order.order_no != order_no):
            raise CloudError("E9500", "未查询到发票信息")
        _require(order.status in ("22", "24"), "只有开票失败或签章失败的发票可以重新开票", code="E9110")
        capped = _count_attempt(order)
    if capped:
        raise CloudError("E9613", "同一流水号当日重试次数超过20次")
    with transaction.atomic():
        order = NuonuoOrder.objects.select_for_update().get(pk=order.pk)
        _require(order.status in ("22", "24"), "只有开票失败或签章失败的发票可以重新开票", code="E9110")
        order.status = "21" if order.status == "24" else "20"
        order.fail_cause, order.queries, order.changed_at = "", 0, timezone.now()
        locked = NuonuoApp.objects.select_for_update().get(pk=app.pk)
        order.planned_failure = locked.knobs.pop("fail_next", None) or {}
        locked.save(update_fields=["knobs"])
        order.save()
        _schedule_timer(app, order.pk)
    return None


# --- red confirmations -------------------------------------------------------------------------------------------

REASONS = {"1", "2", "3", "4"}


def save_red_confirm(app: NuonuoApp, content: dict, *, origin: str) -> str:
    bill_id, order_no = str(content.get("billId") or ""), str(content.get("orderNo") or "")
    _require(0 < len(bill_id) <= 32, "billId应为1到32位")
    _require(0 < len(order_no) <= 32, "orderNo应为1到32位")
    _require(str(content.get("applySource")) in ("0", "1"), "applySource应为0或1")
    _require(str(content.get("redReason")) in REASONS, "redReason应为1到4")
    _require(str(content.get("sellerTaxNo") or "") == app.user_tax, "sellerTaxNo与userTax不一致")
    _session_guard(app)
    callback = str(content.get("callbackUrl") or "")
    with transaction.atomic():
        if NuonuoRedConfirm.objects.filter(app=app, bill_id=bill_id).exists():
            raise CloudError("E9106", "billId重复")
        if NuonuoOrder.objects.filter(app=app, order_no=order_no).exists():
            raise CloudError("E9106", "红票订单编号重复")
        blue = NuonuoOrder.objects.select_for_update().filter(
            app=app, invoice_type="1", status="2",
            invoice_number=str(content.get("blueElecInvoiceNumber") or "")).first()
        if blue is None:
            raise CloudError("E9500", "未找到已开具的蓝字发票")
        _require(str(content.get("blueInvoiceLine") or "") == blue.order.get("invoiceLine"),
                 "blueInvoiceLine与蓝票不一致")
        left = _left_per_line(blue)
        details = content.get("detail")
        if details:
            _require(isinstance(details, list), "detail格式不正确")
            lines, seen = [], set()
            for i, d in enumerate(details, 1):
                _require(isinstance(d, dict), f"第{i}行格式不正确")
                try:
                    index = int(d.get("blueDetailIndex"))
                except (TypeError, ValueError):
                    raise CloudError("E9108", f"第{i}行blueDetailIndex不正确") from None
                _require(index in left and index not in seen, f"第{i}行blueDetailIndex不在蓝票明细中或重复")
                seen.add(index)
                excl = _money(d.get("taxExcludedAmount"), f"第{i}行taxExcludedAmount")
                tax = _money(d.get("taxAmount"), f"第{i}行taxAmount")
                num = _decimal(d.get("num"), f"第{i}行num")
                _require(excl < 0 and tax <= 0 and num < 0, f"第{i}行红字数量、金额和税额应为负数")
                _require(-excl <= left[index][0] and -tax <= left[index][1], f"第{i}行红冲金额超过蓝票剩余可冲金额")
                blue_line = blue.order["invoiceDetail"][index - 1]
                _require(abs(Decimal(-excl) * _decimal(blue_line["taxRate"], "taxRate") + tax) <= 6,
                         f"第{i}行税额误差超过0.06")
                lines.append({"index": index, "num": str(num), "price": str(d.get("taxExcludedPrice") or ""),
                              "excl_fen": excl, "tax_fen": tax})
            full = False
        else:
            _require(all(left[i] == _line_amounts(blue, i) for i in left), "蓝票已部分红冲，不能再全额红冲")
            lines = [{"index": i, "num": "-" + str(blue.order["invoiceDetail"][i - 1].get("num") or "1"),
                      "price": str(blue.order["invoiceDetail"][i - 1].get("price") or ""),
                      "excl_fen": -left[i][0], "tax_fen": -left[i][1]} for i in sorted(left)]
            full = True
        _require(sum(line["excl_fen"] + line["tax_fen"] for line in lines) < 0, "红冲金额应小于0")
        red = NuonuoRedConfirm.objects.create(
            app=app, bill_id=bill_id, bill_no=f"{app.user_tax[-6:]}{_next('bill'):014d}", blue=blue,
            red_order_no=order_no, reason=str(content["redReason"]), lines=lines, full=full,
            callback_url=callback, changed_at=timezone.now())
    return red.bill_no


def _line_amounts(blue: NuonuoOrder, index: int) -> tuple[int, int]:
    d = blue.order["invoiceDetail"][index - 1]
    return _money(d["taxExcludedAmount"], "taxExcludedAmount"), _money(d["tax"], "tax")


def _left_per_line(blue: NuonuoOrder) -> dict[int, tuple[int, int]]:
    """(excl, tax) of each blue line not yet taken by a live red confirmation."""
    left = {i: _line_amounts(blue, i) for i in range(1, len(blue.order["invoiceDetail"]) + 1)}
    for red in NuonuoRedConfirm.objects.filter(blue=blue).exclude(bill_status__in=("05", "06", "07", "08", "09",
                                                                                    "10", "16")):
        for line in red.lines:
            excl, tax = left[line["index"]]
            left[line["index"]] = (excl + line["excl_fen"], tax + line["tax_fen"])
    return left


def _red_for(app: NuonuoApp, content: dict) -> NuonuoRedConfirm:
    bill_id = str(content.get("billId") or "")
    red = NuonuoRedConfirm.objects.select_for_update().filter(app=app, bill_id=bill_id).first() if bill_id else None
    if red is None:
        raise CloudError("E9500", "未查询到红字确认单")
    return red


def _bureau_answers(red: NuonuoRedConfirm) -> None:
    """申请中 → the bureau's answer: no confirmation needed for a buyer without a tax number."""
    if red.bill_status == RED_APPLYING and red.app.session_state == SESSION_OK:
        buyer_tax = red.blue.order.get("buyerTaxNum")
        _set_red_status(red, RED_WAIT_BUYER if buyer_tax else RED_NO_CONFIRM)


def _set_red_status(red: NuonuoRedConfirm, status: str) -> None:
    red.bill_status, red.changed_at = status, timezone.now()
    if status in (RED_NO_CONFIRM, RED_BOTH) and red.red_order_id is None:
        red.red_order = _issue_red(red)
    red.save()
    transaction.on_commit(partial(send_red_callback, red.pk))


def _issue_red(red: NuonuoRedConfirm) -> NuonuoOrder:
    blue = red.blue
    details = []
    for line in red.lines:
        d = blue.order["invoiceDetail"][line["index"] - 1]
        details.append({**d, "num": line["num"], "price": line["price"] or d.get("price", ""),
                        "taxExcludedAmount": fen_to_yuan_str(line["excl_fen"]), "tax": fen_to_yuan_str(line["tax_fen"]),
                        "taxIncludedAmount": fen_to_yuan_str(line["excl_fen"] + line["tax_fen"]),
                        "blueDetailIndex": str(line["index"])})
    excl = sum(line["excl_fen"] for line in red.lines)
    tax = sum(line["tax_fen"] for line in red.lines)
    order = {**blue.order, "orderNo": red.red_order_no, "invoiceType": "2", "invoiceDetail": details,
             "blueElecInvoiceNumber": blue.invoice_number, "redReason": red.reason, "billNo": red.bill_no,
             "callBackUrl": red.callback_url}
    now = timezone.now()
    created = NuonuoOrder.objects.create(
        app=red.app, order_no=red.red_order_no, serial_no=_serial_no(), invoice_type="2", status="2", order=order,
        total_fen=excl + tax, excl_fen=excl, tax_fen=tax, invoice_number=_invoice_number(now), invoice_time=now,
        changed_at=now, callback_url=red.callback_url, file_token=secrets.token_urlsafe(24), blue=blue)
    NuonuoApp.objects.filter(pk=red.app_id).update(credit_used_fen=F("credit_used_fen") + created.total_fen)
    transaction.on_commit(partial(send_invoice_callback, created.pk))
    return created


def red_item(red: NuonuoRedConfirm) -> dict:
    issued = red.red_order is not None and red.red_order.status == "2"
    return {
        "billId": red.bill_id, "billNo": red.bill_no, "billStatus": red.bill_status,
        "blueElecInvoiceNumber": red.blue.invoice_number, "orderNo": red.red_order_no, "redReason": red.reason,
        "openStatus": "1" if issued else "0", "redInvoiceNumber": red.red_order.invoice_number if issued else "",
        "redInvoiceTime": int(red.red_order.invoice_time.timestamp() * 1000) if issued else None,
        "amount": fen_to_yuan_str(sum(line["excl_fen"] for line in red.lines)),
        "taxAmount": fen_to_yuan_str(sum(line["tax_fen"] for line in red.lines)),
        "applyTime": int(red.created_at.timestamp() * 1000),
    }


def query_red(app: NuonuoApp, content: dict, *, origin: str) -> dict:
    _require(str(content.get("identity", "0")) in ("0", "1"), "identity应为0或1")
    _require(int(content.get("pageSize") or 50) <= 50, "pageSize不能超过50")
    with transaction.atomic():
        if content.get("billId"):
            reds = [_red_for(app, content)]
        else:
            reds = list(NuonuoRedConfirm.objects.select_for_update().filter(app=app).order_by("id")[:50])
        answer = []
        for red in reds:
            _bureau_answers(red)
            answer.append(red_item(red))
    return {"total": len(answer), "list": answer}


def refresh_red(app: NuonuoApp, content: dict, *, origin: str) -> None:
    with transaction.atomic():
        _bureau_answers(_red_for(app, content))


def confirm_red(app: NuonuoApp, content: dict, *, origin: str) -> None:
    agree = str(content.get("confirmAgreement"))
    _require(agree in ("0", "1"), "confirmAgreement应为0或1")
    with transaction.atomic():
        red = _red_for(app, content)
        # Our forms are the seller's: only a form the buyer entered (03) waits for the seller's answer.
        _require(red.bill_status == "03", "该确认单不需要销方确认", code="E9110")
        _set_red_status(red, RED_BOTH if agree == "1" else "06")


def buyer_confirm(bill_id: str, agree: bool) -> NuonuoRedConfirm:
    """Knob: the buyer answers a seller-entered form (02)."""
    with public_context(), transaction.atomic():
        red = NuonuoRedConfirm.objects.select_for_update().filter(bill_id=bill_id).first()
        if red is None:
            raise CloudError("E9500", "未查询到红字确认单")
        _require(red.bill_status == RED_WAIT_BUYER, "该确认单不在待购方确认状态", code="E9110")
        _set_red_status(red, RED_BOTH if agree else RED_BUYER_DENIED)
        return red


def cancel_red(app: NuonuoApp, content: dict, *, origin: str) -> None:
    with transaction.atomic():
        red = _red_for(app, content)
        _require(red.bill_status in (RED_APPLYING, RED_WAIT_BUYER, "03"), "该确认单当前状态不能撤销", code="E9110")
        _set_red_status(red, RED_REVOKED)


# --- session and credit line -------------------------------------------------------------------------------------


def certification_status(app: NuonuoApp, content: dict, *, origin: str) -> dict:
    status = {SESSION_OK: "1", LOGIN: "2", FACE: "3"}[app.session_state]
    message = {"1": "已登录，认证有效", "2": "电子税务局登录已失效，请开票员重新登录",
               "3": "需要人脸认证，请获取二维码并用电子税务局App扫码"}[status]
    return {"status": status, "statusMsg": message, "queryType": str(content.get("queryType") or "2")}


def qr_code(app: NuonuoApp, content: dict, *, origin: str) -> dict:
    _require(app.session_state == FACE, "当前无需人脸认证", code="E9110")
    token = secrets.token_urlsafe(12)
    NuonuoApp.objects.filter(pk=app.pk).update(face_qr_token=token)
    return {"qrCodeUrl": f"{origin}/sandbox/nuonuo/face/{token}", "expireSeconds": 300}


def verify_complete(app: NuonuoApp, content: dict, *, origin: str) -> None:
    if app.session_state == FACE:
        _require(app.face_qr_token, "请先获取人脸认证二维码并扫码", code="E9722")
    elif app.session_state == LOGIN:
        _require(str(content.get("verifyCode") or ""), "请填写短信验证码完成登录", code="E9722")
    set_session(app.user_tax, SESSION_OK)


def credit_line(app: NuonuoApp, content: dict, *, origin: str) -> dict:
    return {"totalCreditLine": fen_to_yuan_str(app.credit_total_fen),
            "usedCreditLine": fen_to_yuan_str(app.credit_used_fen),
            "surplusCreditLine": fen_to_yuan_str(app.credit_total_fen - app.credit_used_fen)}


METHODS = {
    "requestBillingNew": request_billing, "queryInvoiceResult": query_result, "reInvoice": re_invoice,
    "saveInvoiceRedConfirm": save_red_confirm, "queryInvoiceRedConfirm": query_red,
    "refreshInvoiceRedConfirm": refresh_red, "confirm": confirm_red, "confirmInfoCancel": cancel_red,
    "getCertificationStatus": certification_status, "getQrCode": qr_code, "verifyComplete": verify_complete,
    "getCreditLine": credit_line,
}


# --- knobs -------------------------------------------------------------------------------------------------------


def _update_app(tax_no: str, **changes: Any) -> NuonuoApp:
    with public_context(), transaction.atomic():
        app = NuonuoApp.objects.select_for_update().filter(user_tax=tax_no).first()
        if app is None:
            raise CloudError("070306", "该税号未授权")
        knobs = changes.pop("knobs", None)
        if knobs:
            app.knobs.update(knobs)
        for name, value in changes.items():
            setattr(app, name, value)
        app.save()
        return app


def set_fail_next(tax_no: str, status: str, cause: str) -> NuonuoApp:
    _require(status in ("22", "24"), "status应为22或24")
    return _update_app(tax_no, knobs={"fail_next": {"status": status, "cause": cause or STATUS_MSG[status]}})


def set_session(tax_no: str, state: str) -> NuonuoApp:
    _require(state in (SESSION_OK, LOGIN, FACE), "state应为ok、login_required或face_required")
    return _update_app(tax_no, session_state=state, face_qr_token="")


def set_credit(tax_no: str, total_fen: int, used_fen: int | None = None) -> NuonuoApp:
    _require(isinstance(total_fen, int) and total_fen >= 0, "total_fen应为非负整数")
    changes: dict[str, Any] = {"credit_total_fen": total_fen}
    if used_fen is not None:
        _require(isinstance(used_fen, int) and used_fen >= 0, "used_fen应为非负整数")
        changes["credit_used_fen"] = used_fen
    return _update_app(tax_no, **changes)


def set_timeout_next(tax_no: str, method: str = "") -> NuonuoApp:
    return _update_app(tax_no, knobs={"timeout_next": {"method": method}})


def set_steps(tax_no: str, *, queries_per_step: int | None = None, seconds_per_step: int | None = None) -> NuonuoApp:
    knobs = {k: v for k, v in (("queries_per_step", queries_per_step), ("seconds_per_step", seconds_per_step))
             if v is not None}
    _require(all(isinstance(v, int) and v >= 0 for v in knobs.values()), "步进参数应为非负整数")
    return _update_app(tax_no, knobs=knobs)


def advance(tax_no: str, order_no: str) -> NuonuoOrder:
    """Knob: move an order one step now (the session and planned failures still apply)."""
    with public_context(), transaction.atomic():
        order = NuonuoOrder.objects.select_for_update().select_related("app").filter(
            app__user_tax=tax_no, order_no=order_no).first()
        if order is None:
            raise CloudError("E9500", "未查询到发票信息")
        step(order)
        return order


# --- callbacks ---------------------------------------------------------------------------------------------------


def _post_form(url: str, form: dict[str, str]) -> None:
    from apps.payments.sandbox.tasks import deliver_notify  # the payments sandbox's delivery with retries

    deliver_notify.delay(url, urlencode(form), {"Content-Type": "application/x-www-form-urlencoded"})


def send_invoice_callback(order_pk: int) -> None:
    with public_context():
        order = NuonuoOrder.objects.filter(pk=order_pk).first()
        if order is None or not order.callback_url or order.status not in CALLBACK_STATUS:
            return
        content = {
            "c_fpqqlsh": order.serial_no, "c_orderno": order.order_no, "c_status": CALLBACK_STATUS[order.status],
            "c_fphm": order.invoice_number, "c_fpdm": "", "c_jshj": fen_to_yuan_str(order.total_fen),
            "c_kprq": int(order.invoice_time.timestamp() * 1000) if order.invoice_time else None,
            "c_pdf_url": "", "c_errorMessage": order.fail_cause, "c_bz": order.order.get("remark", ""), "c_jym": "",
        }
    operater = "invoiceRedCallback" if order.invoice_type == "2" else "callback"
    _post_form(order.callback_url, {"operater": operater, "orderno": order.order_no,
                                    "content": json.dumps(content, ensure_ascii=False)})


def send_red_callback(red_pk: int) -> None:
    with public_context():
        red = NuonuoRedConfirm.objects.select_related("blue", "red_order").filter(pk=red_pk).first()
        if red is None or not red.callback_url:
            return
        content = red_item(red)
    _post_form(red.callback_url, {"operater": "redConfirmCallback", "orderno": red.red_order_no,
                                  "content": json.dumps(content, ensure_ascii=False)})


def sandbox_nuonuo_app(*, tax_no: str, seller_name: str = "", queries_per_step: int = 1, seconds_per_step: int = 0,
                       credit_total_fen: int = 100_000_000, rotate: bool = False):
    """Register an app for a tax number at the sandbox (register_app) → the adapter's ProviderCredentials.
    For tests (query-driven steps) and the demo seed (seconds_per_step=2: invoices finish on their own)."""
    from apps.invoices.providers import ProviderCredentials

    app = register_app(tax_no=tax_no, seller_name=seller_name, queries_per_step=queries_per_step,
                       seconds_per_step=seconds_per_step, credit_total_fen=credit_total_fen, rotate=rotate)
    return ProviderCredentials(provider="nuonuo", app_key=app.app_key, app_secret=app.app_secret,
                               access_token=app.access_token, seller_tax_no=app.user_tax)
