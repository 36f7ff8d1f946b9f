"""Alipay mini-program payments (`alipay.trade.create` → `my.tradePay`) through
python-alipay-sdk, direct (the company's own app) or ISV mode (the platform's
app acting for the company with its `app_auth_token`).

The SDK signs requests and verifies signatures; its sharp edges are guarded
here, each pinned by tests/apps/payments/test_alipay_sdk_guards.py:

a. it sends every call as a GET through `urllib.request.urlopen` with all signed
   parameters in the URL (no sane timeout, invisible to `responses`):
   `verified_sync_response` POSTs the signed form with `requests` instead and
   reuses the SDK's `_verify_and_return_sync_response`;
b. `verify(data, sign)` pops `sign_type` from, and JSON-dumps nested dicts in,
   the dict it gets: it only ever gets a private copy;
c. `build_body` stamps `timestamp` with `datetime.now()` (server-local time);
   Alipay wants Beijing time whatever the server's TZ;
d. `api_alipay_trade_create` looks for "alipay_trade_create" (no "_response"),
   which turns an unsigned error into an AttributeError, and no `api_*` helper
   checks `code`: every call goes through `server_api` and we check `code`
   ourselves. Unsigned answers are never trusted for a decision.

Bills (`download_statement`): python-alipay-sdk has no bill call; the query goes
through `server_api` like every other (ISV: with the app_auth_token), and the
short-lived bill_download_url (it carries a token: never logged) is fetched at
once with a plain streaming GET (Alipay signs neither the URL's answer nor the
file; the URL itself came in a verified answer).

A verified notify must name our app (`app_id`), a seller (`seller_id`, ours
when the account records it) and, in ISV mode, the authorizing app
(`auth_app_id`, ours when known); one that lacks them is rejected.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import secrets
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, BinaryIO
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import requests
from alipay import AliPay, ISVAliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.utils.translation import gettext as _

from . import (
    CLOSED,
    NO_STATEMENT,
    NOT_FOUND,
    NOT_READY,
    OPEN,
    PAID,
    REFUND_CLOSED,
    REFUND_PROCESSING,
    REFUND_SUCCESS,
    ClientPayParams,
    CreateOrderRequest,
    MerchantConfig,
    NotifyEvent,
    NotifyRejected,
    NotifyReply,
    ProviderError,
    RefundRequest,
    RefundState,
    StatementDownload,
    TradeState,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
ALIPAY_TIME = "%Y-%m-%d %H:%M:%S"
SIGN_TYPE = "RSA2"
OK_CODE = "10000"
TRADE_STATES = {
    "TRADE_SUCCESS": PAID,
    "TRADE_FINISHED": PAID,  # paid, and the refund window is over
    "WAIT_BUYER_PAY": OPEN,
    "TRADE_CLOSED": CLOSED,  # unpaid and expired/closed, or fully refunded
}
YUAN = re.compile(r"^\d{1,10}(\.\d{1,2})?$")
BUYER_ID = re.compile(r"^2088\d{12}$")  # Alipay user id; anything else is an openid (buyer_open_id)
APP_ID = re.compile(r"^\d{16}$")
SELLER_ID = re.compile(r"^2088\d{12}$")
MIN_KEY_BITS = 2048
DOWNLOAD_CHUNK = 64 * 1024
# Alipay publishes day D's bill by about 09:00 on D+1; "no bill" before then means "not yet".
BILL_READY_AFTER = dt.time(10, 0)


def beijing_now() -> dt.datetime:
    return dt.datetime.now(SHANGHAI)


def yuan(fen: int) -> str:
    """12345 -> "123.45", exact."""
    return str((Decimal(fen) / 100).quantize(Decimal("0.01")))


def fen(yuan_text: str) -> int:
    """"123.45" -> 12345, exact; anything but a plain non-negative amount with ≤2
    decimals raises ValueError (never rounded)."""
    if not isinstance(yuan_text, str) or not YUAN.match(yuan_text):
        raise ValueError(f"not an Alipay amount: {yuan_text!r}")
    return int(Decimal(yuan_text) * 100)


def _beijing_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, ALIPAY_TIME).replace(tzinfo=SHANGHAI)


def _refund_time(resp: Mapping) -> dt.datetime | None:
    """gmt_refund_pay of a refund answer (when the money went back), or None when absent or unreadable."""
    try:
        return _beijing_time(resp["gmt_refund_pay"]) if resp.get("gmt_refund_pay") else None
    except (TypeError, ValueError):
        return None


# --- keys: PEM (PKCS#1 or PKCS#8 / SPKI) or the bare base64 the Alipay console shows


def _key_bytes(text: str) -> tuple[bytes, bool]:
    text = (text or "").strip()
    if text.startswith("-----BEGIN"):
        return text.encode(), True
    return base64.b64decode("".join(text.split()), validate=True), False


def load_private_key(text: str) -> rsa.RSAPrivateKey:
    """Raises ValueError (or TypeError for an encrypted key); never echoes the key."""
    try:
        data, pem = _key_bytes(text)
        key = (serialization.load_pem_private_key if pem else serialization.load_der_private_key)(data, None)
    except (ValueError, binascii.Error, TypeError) as exc:
        raise ValueError("private key does not parse") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def load_public_key(text: str) -> rsa.RSAPublicKey:
    try:
        data, pem = _key_bytes(text)
        key = (serialization.load_pem_public_key if pem else serialization.load_der_public_key)(data)
    except (ValueError, binascii.Error, TypeError) as exc:
        raise ValueError("public key does not parse") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def _private_pem(text: str) -> str:
    return load_private_key(text).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def _public_pem(text: str) -> str:
    return load_public_key(text).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


# --- the SDK, guarded


def _is_retryable(code: str, sub_code: str) -> bool:
    # 20000: service unavailable; isp.*: Alipay's own failures; ACQ.SYSTEM_ERROR: "try again".
    return code == "20000" or sub_code.startswith("isp.") or sub_code.endswith("SYSTEM_ERROR")


def _error(result: Mapping[str, Any], *, prefix: str = "") -> ProviderError:
    code, sub_code = str(result.get("code", "")), str(result.get("sub_code", ""))
    message = str(result.get("sub_msg") or result.get("msg") or "Alipay refused the call")
    return ProviderError(f"{prefix}{message}", code=f"{code}/{sub_code}" if sub_code else code,
                         retryable=_is_retryable(code, sub_code))


class _GuardedGateway:
    """Mixed in before AliPay / ISVAliPay; see the module docstring (a, c)."""

    _gateway: str

    def build_body(self, method: str, biz_content: dict | None = None, **kwargs: Any) -> dict:
        data = super().build_body(method, biz_content, **kwargs)
        data["timestamp"] = beijing_now().strftime(ALIPAY_TIME)  # (c) the SDK used server-local time
        return data

    def verified_sync_response(self, data: dict, response_type: str) -> dict:
        body = self.sign_data(data)  # the signed, URL-encoded "k=v&…&sign=…": a valid form body
        try:
            response = requests.post(
                self._gateway, params={"charset": "utf-8"}, data=body.encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
                timeout=settings.PAYMENTS_HTTP_TIMEOUT)
        except requests.RequestException as exc:
            raise ProviderError(f"Alipay gateway unreachable: {type(exc).__name__} {exc}", code="network",
                                retryable=True) from None
        if response.status_code != 200:
            raise ProviderError(f"Alipay gateway answered HTTP {response.status_code}",
                                code=f"http-{response.status_code}", retryable=response.status_code >= 500)
        try:
            raw = response.content.decode("utf-8")  # we asked for utf-8; requests would guess latin-1
            parsed = json.loads(raw)
        except ValueError:
            raise ProviderError("Alipay gateway answered something that is not JSON", code="malformed-response",
                                retryable=True) from None
        if not isinstance(parsed, dict):
            raise ProviderError("Alipay gateway answered something that is not JSON", code="malformed-response")
        if "sign" not in parsed or "error_response" in parsed:
            # Unsigned (or a gateway-level error): report it, never act on it (the SDK would raise
            # with a code only readable through name mangling, or an AttributeError, see d).
            result = parsed.get(response_type) or parsed.get("error_response") or {}
            raise _error(result if isinstance(result, dict) else {},
                         prefix="" if "sign" in parsed else "unsigned answer: ")
        if not isinstance(parsed.get(response_type), dict):
            raise ProviderError("Alipay answer lacks the response object", code="malformed-response")
        try:
            return self._verify_and_return_sync_response(raw, response_type)
        except AliPayValidationError:
            raise ProviderError("Alipay answer has an invalid signature", code="invalid-response-signature") from None
        except (ValueError, binascii.Error, AliPayException):
            raise ProviderError("Alipay answer could not be verified", code="malformed-response") from None


class _AliPay(_GuardedGateway, AliPay):
    pass


class _ISVAliPay(_GuardedGateway, ISVAliPay):
    pass


def _client(config: MerchantConfig) -> AliPay:
    try:
        keys = {"app_private_key_string": _private_pem(config.alipay_app_private_key),
                "alipay_public_key_string": _public_pem(config.alipay_public_key)}
    except (ValueError, TypeError):
        raise ProviderError("Alipay keys do not parse", code="invalid-key") from None
    if config.mode == "isv":
        if not config.alipay_app_auth_token:
            raise ProviderError("Alipay ISV mode needs an app_auth_token", code="invalid-config")
        client = _ISVAliPay(config.alipay_app_id, sign_type=SIGN_TYPE,
                            app_auth_token=config.alipay_app_auth_token, **keys)
    elif config.mode == "direct":
        client = _AliPay(config.alipay_app_id, sign_type=SIGN_TYPE, **keys)
    else:
        raise ProviderError(f"unknown Alipay mode {config.mode!r}", code="invalid-config")
    if not hasattr(client, "_gateway"):
        raise RuntimeError("python-alipay-sdk no longer keeps its gateway URL in `_gateway`; "
                           "review apps/payments/providers/alipay.py before upgrading")
    client._gateway = settings.PAYMENTS_ALIPAY_GATEWAY
    return client


def _form(body: bytes) -> dict[str, str]:
    # utf-8: every request we send says charset=utf-8, and Alipay notifies in the request's charset.
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        raise NotifyRejected("malformed body") from None
    params = dict(pairs)
    if len(params) != len(pairs):
        raise NotifyRejected("malformed body: repeated field")  # which copy was signed?
    return params


class AlipayProvider:
    channel = "alipay"

    def __init__(self, config: MerchantConfig):
        if config.channel != "alipay":
            raise ValueError("AlipayProvider needs an alipay MerchantConfig")
        self.config = config
        self._client = _client(config)

    # --- calls

    def _call(self, method: str, biz_content: dict, **params: str) -> dict:
        """The verified response object (whatever its `code`); ProviderError for
        anything unsigned, badly signed or unreachable."""
        try:
            return self._client.server_api(method, biz_content, **params)
        except ProviderError:
            raise
        except (AliPayException, AliPayValidationError):
            raise ProviderError("Alipay SDK refused the call", code="sdk") from None

    @staticmethod
    def _raise_unless_ok(resp: dict) -> None:
        if resp.get("code") != OK_CODE:
            raise _error(resp)

    def create_order(self, request: CreateOrderRequest) -> ClientPayParams:
        biz = {
            "out_trade_no": request.out_trade_no,
            "total_amount": yuan(request.amount_fen),
            "subject": request.description,
            "product_code": "JSAPI_PAY",
            "buyer_id" if BUYER_ID.match(request.payer_id) else "buyer_open_id": request.payer_id,
            "time_expire": request.expires_at.astimezone(SHANGHAI).strftime(ALIPAY_TIME),
        }
        resp = self._call("alipay.trade.create", biz, notify_url=request.notify_url)
        self._raise_unless_ok(resp)
        trade_no = resp.get("trade_no", "")
        if not trade_no or resp.get("out_trade_no") != request.out_trade_no:
            raise ProviderError("Alipay answered for another order", code="mismatch")
        return ClientPayParams(prepay_id=trade_no, params=self.client_params(prepay_id=trade_no))

    def client_params(self, *, prepay_id: str) -> dict:
        return {"tradeNO": prepay_id}  # my.tradePay needs nothing signed

    def query_order(self, out_trade_no: str) -> TradeState:
        resp = self._call("alipay.trade.query", {"out_trade_no": out_trade_no})
        if resp.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return TradeState(out_trade_no=out_trade_no, state=NOT_FOUND, merchant_id=self.config.alipay_app_id,
                              raw_state="ACQ.TRADE_NOT_EXIST")
        self._raise_unless_ok(resp)
        raw_state = resp.get("trade_status", "")
        if resp.get("out_trade_no") != out_trade_no or raw_state not in TRADE_STATES:
            raise ProviderError("Alipay answered for another order or with an unknown status", code="mismatch")
        try:
            amount = fen(resp.get("total_amount", ""))
            paid_at = _beijing_time(resp["send_pay_date"]) if resp.get("send_pay_date") else None
        except ValueError:
            raise ProviderError("Alipay answered a malformed amount or time", code="malformed-response") from None
        return TradeState(
            out_trade_no=out_trade_no, state=TRADE_STATES[raw_state], amount_fen=amount,
            transaction_id=resp.get("trade_no", ""), paid_at=paid_at,  # also on TRADE_CLOSED after a full refund
            merchant_id=self.config.alipay_app_id, seller_id=resp.get("seller_id", ""),
            payer_id=resp.get("buyer_user_id") or resp.get("buyer_open_id", ""), raw_state=raw_state)

    def close_order(self, out_trade_no: str) -> None:
        resp = self._call("alipay.trade.close", {"out_trade_no": out_trade_no})
        sub_code = resp.get("sub_code", "")
        if resp.get("code") == OK_CODE or sub_code == "ACQ.TRADE_NOT_EXIST":
            return
        # Closing a closed trade and closing a paid one get the same answer: ask which it is.
        if sub_code == "ACQ.TRADE_STATUS_ERROR" and self.query_order(out_trade_no).state == CLOSED:
            return
        raise _error(resp)

    def refund(self, request: RefundRequest) -> RefundState:
        # Alipay refunds answer synchronously; the refund notify goes to the trade's notify_url,
        # so request.notify_url is not sent.
        biz = {"out_trade_no": request.out_trade_no, "refund_amount": yuan(request.amount_fen),
               "out_request_no": request.out_refund_no}
        if request.reason:
            biz["refund_reason"] = request.reason
        resp = self._call("alipay.trade.refund", biz)
        self._raise_unless_ok(resp)
        if resp.get("out_trade_no", request.out_trade_no) != request.out_trade_no:
            raise ProviderError("Alipay answered for another order", code="mismatch")
        if resp.get("fund_change") == "Y":
            return RefundState(out_refund_no=request.out_refund_no, status=REFUND_SUCCESS,
                               out_trade_no=request.out_trade_no, amount_fen=request.amount_fen,
                               merchant_id=self.config.alipay_app_id, raw_status="fund_change=Y",
                               success_time=_refund_time(resp))
        # "N": the money moved on an earlier call with this out_request_no (a retry), or not at all.
        return self.query_refund(out_refund_no=request.out_refund_no, out_trade_no=request.out_trade_no)

    def query_refund(self, *, out_refund_no: str, out_trade_no: str) -> RefundState:
        resp = self._call("alipay.trade.fastpay.refund.query",
                          {"out_trade_no": out_trade_no, "out_request_no": out_refund_no,
                           "query_options": ["gmt_refund_pay"]})
        common = {"out_refund_no": out_refund_no, "out_trade_no": out_trade_no,
                  "merchant_id": self.config.alipay_app_id}
        if resp.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return RefundState(status=REFUND_CLOSED, raw_status="ACQ.TRADE_NOT_EXIST", **common)
        self._raise_unless_ok(resp)
        if resp.get("refund_status") == "REFUND_SUCCESS":
            try:
                amount = fen(resp.get("refund_amount", ""))
            except ValueError:
                raise ProviderError("Alipay answered a malformed amount", code="malformed-response") from None
            return RefundState(status=REFUND_SUCCESS, amount_fen=amount, raw_status="REFUND_SUCCESS",
                               success_time=_refund_time(resp), **common)
        # No refund_status: Alipay has not (yet) refunded this request number. Retrying the refund
        # with the same out_request_no is safe, so this is not final.
        return RefundState(status=REFUND_PROCESSING, raw_status="", **common)

    # --- notifies

    def verify_notify_params(self, params: Mapping[str, str]) -> None:
        """RSA2 over the sorted k=v string without sign and sign_type, then the ids a notify
        always carries; raises NotifyRejected. The caller's mapping is never modified."""
        sign = params.get("sign", "")
        if not sign:
            raise NotifyRejected("missing signature")
        if params.get("sign_type") != SIGN_TYPE:
            raise NotifyRejected("wrong sign_type")
        unsigned = {k: v for k, v in params.items() if k != "sign"}  # (b) verify() mutates what it gets
        try:
            ok = self._client.verify(unsigned, sign)
        except (ValueError, TypeError, binascii.Error, AliPayException):
            ok = False
        if not ok:
            raise NotifyRejected("bad signature")
        if params.get("app_id") != self.config.alipay_app_id:
            raise NotifyRejected("app_id is not ours")
        seller_id = params.get("seller_id", "")
        if not seller_id:
            raise NotifyRejected("missing seller_id")
        if self.config.alipay_seller_id and seller_id != self.config.alipay_seller_id:
            raise NotifyRejected("seller_id is not ours")
        auth_app_id = params.get("auth_app_id", "")
        if self.config.mode == "isv":
            # The platform's app acts for the company: Alipay names the company's app that authorized it.
            if not auth_app_id:
                raise NotifyRejected("missing auth_app_id")
            if self.config.alipay_auth_app_id and auth_app_id != self.config.alipay_auth_app_id:
                raise NotifyRejected("auth_app_id is not ours")
        elif auth_app_id and auth_app_id != self.config.alipay_app_id:
            raise NotifyRejected("auth_app_id is not ours")  # a direct app is its own authorizer

    def parse_notify(self, headers: Mapping[str, str], body: bytes) -> NotifyEvent:
        params = _form(body)
        self.verify_notify_params(params)
        notify_id = params.get("notify_id", "")
        out_trade_no = params.get("out_trade_no", "")
        raw_state = params.get("trade_status", "")
        if params.get("out_biz_no") and params.get("refund_fee"):
            # refund_fee is the trade's total refunded so far, not this refund's amount.
            refund = RefundState(out_refund_no=params["out_biz_no"], status=REFUND_SUCCESS,
                                 out_trade_no=out_trade_no, amount_fen=self._notify_fen(params, "refund_fee"),
                                 merchant_id=params["app_id"], raw_status=raw_state)
            return NotifyEvent(kind="refund", notify_id=notify_id, refund=refund)
        if raw_state not in TRADE_STATES:
            return NotifyEvent(kind="ignored", notify_id=notify_id)
        if not out_trade_no:
            raise NotifyRejected("malformed body: no out_trade_no")
        try:
            paid_at = _beijing_time(params["gmt_payment"]) if params.get("gmt_payment") else None
        except ValueError:
            raise NotifyRejected("malformed gmt_payment") from None
        trade = TradeState(
            out_trade_no=out_trade_no, state=TRADE_STATES[raw_state],
            amount_fen=self._notify_fen(params, "total_amount"), transaction_id=params.get("trade_no", ""),
            paid_at=paid_at, merchant_id=params["app_id"], sub_merchant_id=params.get("auth_app_id", ""),
            seller_id=params.get("seller_id", ""), payer_id=params.get("buyer_id") or params.get("buyer_open_id", ""),
            raw_state=raw_state)
        return NotifyEvent(kind="payment", notify_id=notify_id, trade=trade)

    @staticmethod
    def _notify_fen(params: Mapping[str, str], name: str) -> int:
        try:
            return fen(params.get(name, ""))
        except ValueError:
            raise NotifyRejected(f"malformed {name}") from None

    @staticmethod
    def notify_success() -> NotifyReply:
        return NotifyReply(status=200, content_type="text/plain", body=b"success")

    @staticmethod
    def notify_failure(reason: str) -> NotifyReply:
        # Anything but "success" makes Alipay retry; the reason goes to our log, not to them.
        return NotifyReply(status=200, content_type="text/plain", body=b"fail")

    # --- bills

    def download_statement(self, *, kind: str, bill_date: dt.date, dest: BinaryIO) -> StatementDownload:
        """The `trade` bill of `bill_date` (GBK zip of the 业务明细 and 汇总 CSVs), streamed into `dest`."""
        if kind != "trade":
            raise ProviderError(_("支付宝只提供交易账单"), code="UNSUPPORTED")
        try:
            resp = self._call("alipay.data.dataservice.bill.downloadurl.query",
                              {"bill_type": "trade", "bill_date": bill_date.isoformat()})
        except ProviderError as exc:
            if exc.code == "network":  # the statement contract's spelling (other calls keep theirs)
                raise ProviderError(str(exc), code="NETWORK", retryable=True) from None
            raise
        if resp.get("code") != OK_CODE:
            sub_code = str(resp.get("sub_code", ""))
            # Alipay answers isp.bill_not_exist for a day without trades and, like "invalid arguments",
            # for a bill it has not generated yet: which one it is depends on the date.
            if sub_code in ("isp.bill_not_exist", "isv.invalid_arguments", "isv.invalid-arguments") and \
                    beijing_now() < dt.datetime.combine(bill_date + dt.timedelta(days=1), BILL_READY_AFTER,
                                                        tzinfo=SHANGHAI):
                raise ProviderError(_("支付宝：%(date)s 的账单尚未生成，请稍后再试") % {"date": bill_date.isoformat()},
                                    code=NOT_READY, retryable=True)
            if sub_code == "isp.bill_not_exist":
                raise ProviderError(_("支付宝：%(date)s 没有账单（当天没有交易）") % {"date": bill_date.isoformat()},
                                    code=NO_STATEMENT)
            raise _error(resp)
        url = resp.get("bill_download_url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ProviderError("Alipay answered without a bill_download_url", code="malformed-response")
        size = 0
        try:
            with requests.get(url, stream=True, timeout=settings.PAYMENTS_HTTP_TIMEOUT) as response:
                if response.status_code != 200:
                    raise ProviderError(f"Alipay bill download answered HTTP {response.status_code}",
                                        code=f"http-{response.status_code}", retryable=True)
                for chunk in response.iter_content(DOWNLOAD_CHUNK):
                    if not size and chunk and not chunk.startswith(b"PK"):
                        # An expired URL answers an error page, not the zip.
                        raise ProviderError("Alipay bill download is not a zip file", code="BAD_FILE", retryable=True)
                    dest.write(chunk)
                    size += len(chunk)
        except requests.RequestException as exc:
            raise ProviderError(f"Alipay bill download failed: {type(exc).__name__}", code="NETWORK",
                                retryable=True) from None
        if size == 0:
            raise ProviderError("Alipay bill download was empty", code="BAD_FILE", retryable=True)
        return StatementDownload(compression="zip", hash_type="", hash_value="", size=size)

    def test_connection(self) -> str:
        # A correctly signed ACQ.TRADE_NOT_EXIST proves app id, both keys and (ISV) the token.
        self.query_order("HCTEST" + secrets.token_hex(8))
        return _("支付宝连接正常：签名与验签均已通过。")


def validate_alipay_config(config: MerchantConfig) -> list[tuple[str, str]]:
    """(camelCase field, message) for each problem; [] when the account looks usable."""
    errors: list[tuple[str, str]] = []
    if config.mode not in ("direct", "isv"):
        errors.append(("mode", _("支付宝接入模式只能是直连或服务商模式。")))
    if not APP_ID.match(config.alipay_app_id or ""):
        errors.append(("alipayAppId", _("支付宝应用 AppID 应为 16 位数字。")))
    private_key = None
    try:
        private_key = load_private_key(config.alipay_app_private_key)
    except ValueError:
        errors.append(("alipayAppPrivateKey",
                       _("应用私钥无法解析：请填写未加密的 RSA 私钥（PKCS#1 或 PKCS#8，PEM 或 Base64）。")))
    else:
        if private_key.key_size < MIN_KEY_BITS:
            errors.append(("alipayAppPrivateKey", _("应用私钥长度不足 2048 位，请使用 RSA2 密钥。")))
    try:
        public_key = load_public_key(config.alipay_public_key)
    except ValueError:
        errors.append(("alipayPublicKey", _("支付宝公钥无法解析：请从开放平台复制“支付宝公钥”。")))
    else:
        if public_key.key_size < MIN_KEY_BITS:
            errors.append(("alipayPublicKey", _("支付宝公钥长度不足 2048 位。")))
        elif private_key is not None and public_key.public_numbers() == private_key.public_key().public_numbers():
            # The most common mix-up: pasting the app's own public key.
            errors.append(("alipayPublicKey", _("这是应用公钥，请填写开放平台上的“支付宝公钥”。")))
    if config.alipay_seller_id and not SELLER_ID.match(config.alipay_seller_id):
        errors.append(("alipaySellerId", _("支付宝商户 PID 应为 2088 开头的 16 位数字。")))
    if config.mode == "isv" and not config.alipay_app_auth_token:
        errors.append(("alipayAppAuthToken", _("服务商模式需要商户授权令牌 app_auth_token。")))
    return errors
