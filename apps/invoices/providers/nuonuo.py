"""Nuonuo 诺税通 SaaS (open platform v1), third-party app mode: one app of ours, each company's tax number in `userTax`.

Protocol (DOMAIN-2 §1.2): every call is POST `{gateway}/open/v1/services?senid=&nonce=&timestamp=&appkey=` with the
API name in the `method` header, the company's `accessToken` and `userTax`, and
`X-Nuonuo-Sign` = base64(HMAC-SHA1(appSecret, "a=services&l=v1&p=open&k=…&i=senid&n=nonce&t=timestamp&f=body")).
The body is serialized once and sent as the very bytes that were signed. Answers are `{code, describe, result}`
with `E0000` for success.

Codes we act on: E9106 (order number already used → `DuplicateOrder`: query it), E9500 (not found: the query's
NOT_FOUND), E9613 (one serial retried more than 20 times today: not retryable today), 070101/070304–070307 (the
app's credentials), the tax-bureau session codes (login / face verification: `session=True`). The meaning of the
individual 0703xx codes and of the session codes is not published; we treat them as families (see SESSION_CODES).

Never called inside a database transaction (HTTP, up to `timeout` seconds); secrets and tokens never reach a log
or an error message.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.utils.translation import gettext as _

from heat_platform.money import fen_to_yuan_str, yuan_to_fen

from . import (
    FAILED,
    ISSUED,
    ISSUING,
    NOT_FOUND,
    RED_CONFIRMED,
    RED_FAILED,
    RED_ISSUED,
    RED_PENDING,
    RED_REVOKED,
    SESSION_FACE_REQUIRED,
    SESSION_LOGIN_REQUIRED,
    SESSION_OK,
    SIGN_FAILED,
    SIGNING,
    CallbackEvent,
    CreditLine,
    DuplicateOrder,
    InvoiceProviderError,
    InvoiceResult,
    IssueRequest,
    ProviderCredentials,
    RedRequest,
    RedResult,
    SessionState,
)

CN_TZ = ZoneInfo("Asia/Shanghai")
SERVICES_PATH = "/open/v1/services"
METHOD_PREFIX = "nuonuo.OpeMplatform."
OK = "E0000"
DUPLICATE = "E9106"
NOT_FOUND_CODE = "E9500"
DAILY_CAP = "E9613"
CREDENTIAL_CODES = frozenset({"070101", "070304", "070305", "070306", "070307"})
# The tax-bureau session (电子税务局 login, face verification). Nuonuo publishes no list: these are the codes the
# sandbox answers (apps/invoices/sandbox), and any answer whose text names the login or face check counts too.
SESSION_LOGIN_CODES = frozenset({"E9720"})
SESSION_FACE_CODES = frozenset({"E9721"})
SESSION_CODES = SESSION_LOGIN_CODES | SESSION_FACE_CODES
SESSION_WORDS = ("登录", "登陆", "人脸", "扫脸", "刷脸", "实名认证")
RETRYABLE_CODES = frozenset({"E9999", "E1001"})  # system busy / try later

# Nuonuo invoice states (queryInvoiceResult `status`).
STATES = {"20": ISSUING, "21": SIGNING, "2": ISSUED, "22": FAILED, "24": SIGN_FAILED}
# Bureau red-confirmation states (billStatus) → ours. 15/16 are Nuonuo's own 申请中 / 申请失败.
RED_STATES = {
    "15": RED_PENDING, "02": RED_PENDING, "03": RED_PENDING,
    "01": RED_CONFIRMED, "04": RED_CONFIRMED,
    "16": RED_FAILED, "05": RED_FAILED, "06": RED_FAILED, "07": RED_FAILED, "10": RED_FAILED,
    "08": RED_REVOKED, "09": RED_REVOKED,
}
# Bureau red reasons (what we store) → Nuonuo's redReason.
RED_REASONS = {"01": "2", "02": "1", "03": "3", "04": "4"}
MAX_FILE_BYTES = 20 * 1024 * 1024
DEFAULT_TIMEOUT = 10.0


def sign(*, app_secret: str, app_key: str, senid: str, nonce: str, timestamp: str, body: str) -> str:
    """X-Nuonuo-Sign of one request."""
    message = f"a=services&l=v1&p=open&k={app_key}&i={senid}&n={nonce}&t={timestamp}&f={body}"
    digest = hmac.new(app_secret.encode(), message.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def yuan(fen: int) -> str:
    return fen_to_yuan_str(fen)


def fen(text: Any) -> int | None:
    """Nuonuo's yuan text ("123.45", "-1.5") → fen; None when absent or unreadable."""
    if text is None or text == "":
        return None
    try:
        return yuan_to_fen(Decimal(str(text)))
    except (InvalidOperation, ValueError):
        return None


def from_ms(value: Any) -> dt.datetime | None:
    """Epoch milliseconds (number or text) → an aware datetime."""
    try:
        return dt.datetime.fromtimestamp(int(value) / 1000, tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def error_for(code: str, describe: str) -> InvoiceProviderError:
    """The port's error for a Nuonuo envelope that is not E0000."""
    describe = (describe or "")[:200]
    if code == DUPLICATE:
        return DuplicateOrder(_("诺诺已有该订单号（%(d)s），应查询其结果") % {"d": describe}, code=code)
    if code == DAILY_CAP:
        return InvoiceProviderError(
            _("同一开票流水号今日重试已超过20次（诺诺E9613），请明天再试或核对开票信息"), code=code, retryable=False)
    if code in CREDENTIAL_CODES:
        return InvoiceProviderError(
            _("诺诺拒绝了应用凭证（%(code)s：%(d)s），请检查AppKey、AppSecret、AccessToken和销方税号")
            % {"code": code, "d": describe}, code=code, retryable=False)
    if code in SESSION_CODES or any(word in describe for word in SESSION_WORDS):
        return InvoiceProviderError(_("电子税务局会话需要处理（%(d)s）") % {"d": describe}, code=code,
                                    retryable=True, session=True)
    return InvoiceProviderError(_("诺诺返回错误 %(code)s：%(d)s") % {"code": code, "d": describe}, code=code,
                                retryable=code in RETRYABLE_CODES)


def session_state_for(code: str, describe: str) -> str:
    if code in SESSION_FACE_CODES or any(word in describe for word in ("人脸", "扫脸", "刷脸")):
        return SESSION_FACE_REQUIRED
    return SESSION_LOGIN_REQUIRED


class NuonuoProvider:
    provider = "nuonuo"

    def __init__(self, credentials: ProviderCredentials, *, gateway: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT):
        self.credentials = credentials
        self._gateway = (gateway or settings.INVOICE_NUONUO_GATEWAY).rstrip("/")
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"NuonuoProvider({self.credentials.seller_tax_no}, {self._gateway})"

    # --- transport ---------------------------------------------------------------------------------------------

    def call(self, method: str, content: dict) -> Any:
        """One signed call; the `result` of an E0000 answer, else the port's error."""
        creds = self.credentials
        body = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        senid = secrets.token_hex(16)
        nonce = f"{secrets.randbelow(10 ** 8):08d}"
        timestamp = str(int(time.time()))
        query = urlencode({"senid": senid, "nonce": nonce, "timestamp": timestamp, "appkey": creds.app_key})
        headers = {
            "Content-Type": "application/json",
            "X-Nuonuo-Sign": sign(app_secret=creds.app_secret, app_key=creds.app_key, senid=senid, nonce=nonce,
                                  timestamp=timestamp, body=body),
            "accessToken": creds.access_token,
            "userTax": creds.seller_tax_no,
            "method": method if method.startswith("nuonuo.") else METHOD_PREFIX + method,
        }
        try:
            response = requests.post(f"{self._gateway}{SERVICES_PATH}?{query}", data=body.encode("utf-8"),
                                     headers=headers, timeout=self._timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise InvoiceProviderError(_("无法连接诺诺开票平台（%(e)s）") % {"e": type(exc).__name__},
                                       code="NETWORK", retryable=True) from None
        if response.status_code >= 500 or response.status_code == 429:
            raise InvoiceProviderError(_("诺诺开票平台暂时不可用（HTTP %(s)s）") % {"s": response.status_code},
                                       code="NETWORK", retryable=True)
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict) or "code" not in envelope:
            raise InvoiceProviderError(_("诺诺应答格式无效（HTTP %(s)s）") % {"s": response.status_code},
                                       code="BAD_RESPONSE", retryable=True)
        code = str(envelope.get("code"))
        if code != OK:
            raise error_for(code, str(envelope.get("describe") or ""))
        return envelope.get("result")

    # --- blue invoices -----------------------------------------------------------------------------------------

    def order_content(self, request: IssueRequest) -> dict:
        """`requestBillingNew`'s body for a request (public: tests compare it with the documented fields)."""
        creds = self.credentials
        order: dict[str, Any] = {
            "orderNo": request.order_no,
            "invoiceDate": request.issued_at.astimezone(CN_TZ).strftime("%Y-%m-%d %H:%M:%S"),
            "invoiceType": "1",
            "invoiceLine": request.invoice_line,
            "buyerName": request.buyer_name,
            "salerTaxNum": creds.seller_tax_no,
            "pushMode": str(request.push_mode),
            "clerk": request.drawer,
        }
        optional = {
            "buyerTaxNum": request.buyer_tax_no, "buyerAddress": request.buyer_address_phone,
            "buyerAccount": request.buyer_bank_account, "buyerPhone": request.buyer_phone,
            "email": request.buyer_email, "salerAddress": request.seller_address_phone,
            "salerAccount": request.seller_bank_account, "remark": request.remark,
            "callBackUrl": request.callback_url,
        }
        order.update({k: v for k, v in optional.items() if v})
        if request.invoice_line == "pc":  # only 数电普票 knows natural persons
            order["naturalPersonFlag"] = "1" if request.natural_person else "0"
        details = []
        for line in request.lines:
            detail = {
                "goodsName": line.goods_name, "goodsCode": line.tax_code, "withTaxFlag": "0",
                "price": line.unit_price_excl, "num": line.quantity, "unit": line.unit, "taxRate": line.tax_rate,
                "taxExcludedAmount": yuan(line.excl_fen), "tax": yuan(line.tax_fen),
                "taxIncludedAmount": yuan(line.incl_fen), "invoiceLineProperty": "0",
            }
            if line.favoured_policy:
                detail["favouredPolicyFlag"] = line.favoured_policy
                if line.favoured_policy_name:
                    detail["favouredPolicyName"] = line.favoured_policy_name
            details.append(detail)
        order["invoiceDetail"] = details
        return {"order": order}

    def issue(self, request: IssueRequest) -> str:
        result = self.call("requestBillingNew", self.order_content(request))
        serial = result.get("invoiceSerialNum") if isinstance(result, dict) else None
        if not serial:
            raise InvoiceProviderError(_("诺诺开票应答缺少流水号"), code="BAD_RESPONSE", retryable=True)
        return str(serial)

    def query(self, order_no: str) -> InvoiceResult:
        try:
            result = self.call("queryInvoiceResult", {"orderNos": [order_no], "isOfferInvoiceDetail": "0"})
        except InvoiceProviderError as exc:
            if exc.code == NOT_FOUND_CODE:
                return InvoiceResult(order_no=order_no, state=NOT_FOUND)
            raise
        items = [item for item in (result or []) if isinstance(item, dict)] if isinstance(result, list) else []
        item = next((i for i in items if i.get("orderNo") == order_no), None)
        if item is None:
            return InvoiceResult(order_no=order_no, state=NOT_FOUND)
        return invoice_result_from(item)

    def reissue(self, *, order_no: str, serial_no: str) -> None:
        self.call("reInvoice", {"fpqqlsh": serial_no, "orderno": order_no})

    # --- layout files ------------------------------------------------------------------------------------------

    def download(self, url: str) -> bytes:
        """A PDF/OFD/XML from a result's URL: the gateway's own origin, or (only with an https gateway, i.e. in
        production) any https host; never more than MAX_FILE_BYTES, never a redirect elsewhere."""
        gateway, target = urlsplit(self._gateway), urlsplit(url)
        same_origin = (target.scheme, target.netloc) == (gateway.scheme, gateway.netloc)
        if not same_origin and not (gateway.scheme == "https" and target.scheme == "https" and target.hostname):
            raise InvoiceProviderError(_("版式文件地址不可信，拒绝下载"), code="BAD_URL")
        try:
            with requests.get(url, timeout=self._timeout, stream=True, allow_redirects=False) as response:
                if response.status_code != 200:
                    raise InvoiceProviderError(_("版式文件下载失败（HTTP %(s)s）") % {"s": response.status_code},
                                               code=f"HTTP_{response.status_code}", retryable=True)
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > MAX_FILE_BYTES:
                    raise InvoiceProviderError(_("版式文件过大"), code="TOO_LARGE")
                data = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    data += chunk
                    if len(data) > MAX_FILE_BYTES:
                        raise InvoiceProviderError(_("版式文件过大"), code="TOO_LARGE")
        except requests.RequestException as exc:
            raise InvoiceProviderError(_("无法下载版式文件（%(e)s）") % {"e": type(exc).__name__},
                                       code="NETWORK", retryable=True) from None
        if not data:
            raise InvoiceProviderError(_("版式文件为空"), code="BAD_FILE", retryable=True)
        return bytes(data)

    # --- red confirmations -------------------------------------------------------------------------------------

    def red_content(self, request: RedRequest) -> dict:
        content: dict[str, Any] = {
            "billId": request.bill_id, "blueInvoiceLine": request.blue_invoice_line, "applySource": "0",
            "blueElecInvoiceNumber": request.blue_invoice_number, "sellerTaxNo": request.seller_tax_no,
            "sellerName": request.seller_name, "buyerName": request.buyer_name,
            "redReason": RED_REASONS[request.reason], "orderNo": request.order_no,
        }
        if request.buyer_tax_no:
            content["buyerTaxNo"] = request.buyer_tax_no
        if request.callback_url:
            content["callbackUrl"] = request.callback_url
        if request.lines:
            details = []
            for line in request.lines:
                detail = {
                    "blueDetailIndex": str(line.blue_line_index), "goodsName": line.goods_name, "num": line.quantity,
                    "taxExcludedPrice": line.unit_price_excl, "taxExcludedAmount": yuan(line.excl_fen),
                    "taxAmount": yuan(line.tax_fen), "taxRate": line.tax_rate, "goodsCode": line.tax_code,
                }
                if line.favoured_policy:
                    detail["favouredPolicyFlag"] = line.favoured_policy
                details.append(detail)
            content["detail"] = details
        return content

    def request_red(self, request: RedRequest) -> RedResult:
        if request.reason not in RED_REASONS:
            raise InvoiceProviderError(_("红冲原因无效"), code="BAD_REQUEST")
        result = self.call("saveInvoiceRedConfirm", self.red_content(request))
        return RedResult(bill_id=request.bill_id, state=RED_PENDING, confirmation_no=str(result or ""),
                         red_order_no=request.order_no)

    def query_red(self, bill_id: str) -> RedResult:
        result = self.call("queryInvoiceRedConfirm", {"identity": "0", "billId": bill_id, "pageNo": "1",
                                                      "pageSize": "50"})
        items = (result or {}).get("list") if isinstance(result, dict) else None
        item = next((i for i in items or [] if isinstance(i, dict) and i.get("billId") == bill_id), None)
        if item is None:
            return RedResult(bill_id=bill_id, state=RED_FAILED, fail_reason=_("诺诺没有这张红字确认单"))
        return red_result_from(item)

    def refresh_red(self, bill_id: str) -> RedResult:
        self.call("refreshInvoiceRedConfirm", {"billId": bill_id})
        return self.query_red(bill_id)

    def confirm_red(self, bill_id: str, *, agree: bool) -> RedResult:
        self.call("confirm", {"billId": bill_id, "confirmAgreement": "1" if agree else "0"})
        return self.query_red(bill_id)

    def revoke_red(self, bill_id: str) -> RedResult:
        self.call("confirmInfoCancel", {"billId": bill_id})
        return self.query_red(bill_id)

    # --- tax-bureau session and credit line ---------------------------------------------------------------------

    def session_state(self) -> SessionState:
        now = dt.datetime.now(dt.UTC)
        try:
            result = self.call("getCertificationStatus", {"queryType": "2"})
        except InvoiceProviderError as exc:
            if not exc.session:
                raise
            return SessionState(state=session_state_for(exc.code, str(exc)), message=str(exc), checked_at=now)
        result = result if isinstance(result, dict) else {}
        status = str(result.get("status") or "")
        state = {"1": SESSION_OK, "2": SESSION_LOGIN_REQUIRED, "3": SESSION_FACE_REQUIRED}.get(status)
        if state is None:
            raise InvoiceProviderError(_("诺诺认证状态应答无效"), code="BAD_RESPONSE", retryable=True)
        return SessionState(state=state, message=str(result.get("statusMsg") or ""), checked_at=now)

    def face_qr(self) -> SessionState:
        result = self.call("getQrCode", {"qrCodeType": "1"})
        url = str(result.get("qrCodeUrl") or "") if isinstance(result, dict) else ""
        if not url:
            raise InvoiceProviderError(_("诺诺没有返回人脸认证二维码"), code="BAD_RESPONSE", retryable=True)
        return SessionState(state=SESSION_FACE_REQUIRED, message=_("请开票员使用电子税务局App扫码完成人脸认证"),
                            face_qr_url=url, checked_at=dt.datetime.now(dt.UTC))

    def verify_complete(self, *, code: str = "") -> SessionState:
        """After the drawer scanned the QR code (or got the SMS code): tell Nuonuo, then read the state again."""
        self.call("verifyComplete", {"verifyCode": code} if code else {})
        return self.session_state()

    def credit_line(self) -> CreditLine:
        result = self.call("getCreditLine", {})
        result = result if isinstance(result, dict) else {}
        total, used = fen(result.get("totalCreditLine")), fen(result.get("usedCreditLine"))
        remaining = fen(result.get("surplusCreditLine"))
        if total is None or remaining is None:
            raise InvoiceProviderError(_("诺诺授信额度应答无效"), code="BAD_RESPONSE", retryable=True)
        return CreditLine(total_fen=total, used_fen=used if used is not None else total - remaining,
                          remaining_fen=remaining, checked_at=dt.datetime.now(dt.UTC))

    # --- callbacks ---------------------------------------------------------------------------------------------

    def parse_callback(self, form: dict[str, str]) -> CallbackEvent:
        """What a form-POST callback names; nothing in it is trusted (unsigned): the caller queries."""
        operater = str(form.get("operater") or "")
        try:
            content = json.loads(form.get("content") or "{}")
        except ValueError:
            content = {}
        content = content if isinstance(content, dict) else {}
        order_no = str(form.get("orderno") or content.get("c_orderno") or content.get("orderNo") or "")
        if operater == "redConfirmCallback":
            bill_id = str(content.get("billId") or form.get("billId") or "")
            if not bill_id:
                raise InvoiceProviderError(_("回调缺少红字确认单号"), code="BAD_CALLBACK")
            return CallbackEvent(kind="red", bill_id=bill_id, order_no=order_no)
        if operater in ("callback", "invoiceRedCallback", "invoiceInvalid", "invoiceApply"):
            if str(content.get("disconnFlag") or "") == "1":
                return CallbackEvent(kind="session", order_no=order_no)
            if not order_no:
                raise InvoiceProviderError(_("回调缺少订单号"), code="BAD_CALLBACK")
            return CallbackEvent(kind="invoice", order_no=order_no)
        raise InvoiceProviderError(_("未知的诺诺回调类型"), code="BAD_CALLBACK")


def invoice_result_from(item: dict) -> InvoiceResult:
    """One queryInvoiceResult item → the port's result."""
    status = str(item.get("status") or "")
    state = STATES.get(status)
    if state is None:
        raise InvoiceProviderError(_("诺诺发票状态无法识别（%(s)s）") % {"s": status[:10]}, code="BAD_RESPONSE",
                                   retryable=True)
    cause = str(item.get("failCause") or item.get("statusMsg") or "") if state in (FAILED, SIGN_FAILED) else ""
    return InvoiceResult(
        order_no=str(item.get("orderNo") or ""),
        state=state,
        serial_no=str(item.get("serialNo") or ""),
        invoice_number=str(item.get("allElectronicInvoiceNumber") or item.get("invoiceNo") or ""),
        issued_at=from_ms(item.get("invoiceTime")) if state == ISSUED else None,
        total_fen=fen(item.get("orderAmount")),
        pdf_url=str(item.get("pdfUrl") or ""),
        ofd_url=str(item.get("ofdUrl") or ""),
        xml_url=str(item.get("xmlUrl") or ""),
        fail_reason=cause[:255],
        session_dropped=bool(cause) and any(word in cause for word in SESSION_WORDS),
    )


def red_result_from(item: dict) -> RedResult:
    status = str(item.get("billStatus") or "")
    state = RED_STATES.get(status)
    if state is None:
        raise InvoiceProviderError(_("红字确认单状态无法识别（%(s)s）") % {"s": status[:10]}, code="BAD_RESPONSE",
                                   retryable=True)
    number = str(item.get("redInvoiceNumber") or "")
    if state == RED_CONFIRMED and str(item.get("openStatus") or "") == "1" and number:
        state = RED_ISSUED
    return RedResult(
        bill_id=str(item.get("billId") or ""), state=state, confirmation_no=str(item.get("billNo") or ""),
        red_invoice_number=number, red_order_no=str(item.get("orderNo") or ""),
        fail_reason=str(item.get("failCause") or item.get("statusMsg") or "")[:255] if state == RED_FAILED else "",
    )
