"""The sandbox Alipay open-platform gateway (served at /sandbox/alipay/ on the
platform domain; dev and tests only).

It speaks the real protocol so the production provider runs unchanged against
it: `gateway.do` takes the signed request (GET query or POST form), checks the
app's RSA2 signature with the app public key registered here (ISV: the ISV
app's key plus an `app_auth_token` this sandbox issued), the timestamp (Beijing
time, ±15 min) and answers `{"<method>_response": {...}, "sign": ...}` signed
with the sandbox's own Alipay key over the exact JSON text of the response
object. Confirming a payment (JSON endpoint or the tiny pay page) and every
refund POST a real signed form notify to the trade's notify_url after commit.
`confirm` {"trade_no", "result": "pay"|"fail", "late"?, "notify"?: false,
"success_time"?: "…+08:00"} can pay without the notify and at a chosen time.
`alipay.data.dataservice.bill.downloadurl.query` and the bill download, and the
knobs that make bills disagree (bill-tweak, foreign-trade, bill-merchant): bills.py.

Trades are scoped by seller (the merchant's 2088… PID), as Alipay scopes
out_trade_no: SandboxTrade.merchant_id is the seller id, app_id the calling app.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Callable, Mapping
from functools import partial
from urllib.parse import urlencode

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from apps.payments.providers.alipay import ALIPAY_TIME, SHANGHAI, beijing_now, fen, load_private_key, yuan

from .bills import KnobError, alipay_bill
from .keys import new_rsa_key
from .models import SandboxKey, SandboxMerchant, SandboxRefund, SandboxTrade
from .tasks import deliver_notify

ALIPAY = "alipay"
TIMESTAMP_SKEW = dt.timedelta(minutes=15)
NOTIFY_HEADERS = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
OUT_TRADE_NO = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_FEN = 100_000_000_00  # Alipay's per-trade ceiling: 100,000,000.00 yuan

WAIT, SUCCESS, CLOSED = "WAIT_BUYER_PAY", "TRADE_SUCCESS", "TRADE_CLOSED"


class GatewayError(Exception):
    """An answer with a non-10000 code (still signed, as Alipay does)."""

    def __init__(self, code: str, msg: str, sub_code: str = "", sub_msg: str = ""):
        super().__init__(sub_code or code)
        self.body = {"code": code, "msg": msg, **({"sub_code": sub_code, "sub_msg": sub_msg} if sub_code else {})}


def _business(sub_code: str, sub_msg: str) -> GatewayError:
    return GatewayError("40004", "Business Failed", sub_code, sub_msg)


def _invalid(sub_code: str, sub_msg: str) -> GatewayError:
    return GatewayError("40002", "Invalid Arguments", sub_code, sub_msg)


class ConfirmRefusedError(Exception):
    def __init__(self, status: int, code: str):
        super().__init__(code)
        self.status, self.code = status, code


# --- keys and signatures


def generate_key_pair() -> tuple[str, str]:
    """(PKCS#8 private PEM, SPKI public PEM), RSA 2048."""
    key = new_rsa_key()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def alipay_key() -> SandboxKey:
    """The sandbox's Alipay key, created on first use."""
    key = SandboxKey.objects.filter(channel=ALIPAY).first()
    if key is not None:
        return key
    private, public = generate_key_pair()
    try:
        with transaction.atomic():
            return SandboxKey.objects.create(channel=ALIPAY, key_id="", private_key=private, public_key=public)
    except IntegrityError:  # another request created it first
        return SandboxKey.objects.get(channel=ALIPAY)


def sign_rsa2(private_pem: str, message: str) -> str:
    signature = load_private_key(private_pem).sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def verify_rsa2(public_pem: str, message: str, signature: str) -> bool:
    try:
        key = serialization.load_pem_public_key(public_pem.encode())
        key.verify(base64.b64decode(signature, validate=True), message.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()  # the sandbox keeps no usable token


# --- set-up helpers (dev seed and tests)


def sandbox_alipay_merchant(*, app_id: str, seller_id: str, mode: str = "direct",
                            app_private_key: str | None = None, auth_app_id: str = "") -> dict:
    """Register (or replace the key of) an app at the sandbox and return the
    MerchantConfig keyword arguments to use it. A new key pair is generated
    unless `app_private_key` is given. ISV mode: `app_id` is the ISV app and
    `seller_id` the authorizing merchant's PID, whose own app is `auth_app_id`
    (by default one derived from the PID; notifies name it as Alipay's do);
    every call issues a new app_auth_token for that seller and keeps the earlier
    ones, so one ISV app (pass its key again) can serve several companies."""
    if mode not in ("direct", "isv"):
        raise ValueError(f"unknown Alipay mode {mode!r}")
    if app_private_key:
        private = app_private_key
        public = load_private_key(private).public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    else:
        private, public = generate_key_pair()
    extra: dict = {"mode": mode}
    token = ""
    if mode == "isv":
        existing = SandboxMerchant.objects.filter(channel=ALIPAY, merchant_id=app_id).first()
        tokens = dict(existing.extra.get("app_auth_tokens", {})) if existing else {}
        token = f"{beijing_now():%Y%m}BB{secrets.token_hex(16)}"
        tokens[_token_hash(token)] = seller_id
        extra["app_auth_tokens"] = tokens
        auth_app_ids = dict(existing.extra.get("auth_app_ids", {})) if existing else {}
        auth_app_id = auth_app_ids[seller_id] = auth_app_id or default_auth_app_id(seller_id)
        extra["auth_app_ids"] = auth_app_ids
    SandboxMerchant.objects.update_or_create(
        channel=ALIPAY, merchant_id=app_id,
        defaults={"public_key": public, "seller_id": seller_id if mode == "direct" else "", "extra": extra})
    config = {"channel": "alipay", "mode": mode, "alipay_app_id": app_id, "alipay_app_private_key": private,
              "alipay_public_key": alipay_key().public_key, "alipay_seller_id": seller_id}
    if token:
        config.update(alipay_app_auth_token=token, alipay_auth_app_id=auth_app_id)
    return config


def default_auth_app_id(seller_id: str) -> str:
    """The sandbox's stand-in for the app a seller authorized an ISV app with (16 digits)."""
    return "2021" + seller_id[-12:].rjust(12, "0")


def build_alipay_notify(params: Mapping[str, object], *, private_key_pem: str | None = None) -> str:
    """A form-encoded notify signed like Alipay's: RSA2 over the sorted k=v string
    without sign and sign_type (sign_type defaults to RSA2; pass another to forge)."""
    fields = {k: str(v) for k, v in params.items() if v is not None and k != "sign"}
    fields.setdefault("sign_type", "RSA2")
    message = "&".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "sign_type")
    fields["sign"] = sign_rsa2(private_key_pem or alipay_key().private_key, message)
    return urlencode(fields)


# --- the gateway


def signed_response(key: str, body: dict) -> str:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return f'{{"{key}":{text},"sign":"{sign_rsa2(alipay_key().private_key, text)}"}}'


def gateway_response(params: Mapping[str, str]) -> str:
    """The JSON text `gateway.do` answers for one request's parameters."""
    method = params.get("method", "")
    key = method.replace(".", "_") + "_response" if method in HANDLERS else "error_response"
    try:
        with transaction.atomic():
            body = _dispatch(params)
    except GatewayError as exc:
        body = exc.body
    return signed_response(key, body)


def _dispatch(params: Mapping[str, str]) -> dict:
    for name in ("app_id", "method", "sign", "timestamp", "version"):
        if not params.get(name):
            raise GatewayError("40001", "Missing Required Arguments", f"isv.missing-{name.replace('_', '-')}",
                               f"缺少{name}参数")
    merchant = SandboxMerchant.objects.filter(channel=ALIPAY, merchant_id=params["app_id"]).first()
    if merchant is None:
        raise _invalid("isv.invalid-app-id", "无效的AppID参数")
    if params.get("sign_type") != "RSA2":
        raise _invalid("isv.invalid-signature-type", "无效的签名类型")
    # Requests sign every non-empty parameter but sign itself (sign_type included, unlike notifies).
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v != "")
    if not verify_rsa2(merchant.public_key, message, params["sign"]):
        raise _invalid("isv.invalid-signature", "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配")
    try:
        stamp = dt.datetime.strptime(params["timestamp"], ALIPAY_TIME).replace(tzinfo=SHANGHAI)
    except ValueError:
        raise _invalid("isv.invalid-timestamp", "非法的时间戳参数") from None
    if abs(beijing_now() - stamp) > TIMESTAMP_SKEW:
        raise _invalid("isv.invalid-timestamp", "时间戳与北京时间相差过大")
    if params["method"] not in HANDLERS:
        raise _invalid("isv.invalid-method", "不存在的方法名")
    seller = _seller(merchant, params.get("app_auth_token", ""))
    try:
        biz = json.loads(params.get("biz_content") or "{}")
    except ValueError:
        biz = None
    if not isinstance(biz, dict):
        raise _invalid("isv.invalid-biz-content", "biz_content 不是 JSON 对象")
    return HANDLERS[params["method"]](params=params, seller=seller, biz=biz)


def _seller(merchant: SandboxMerchant, token: str) -> str:
    if merchant.extra.get("mode") == "isv":
        seller = merchant.extra.get("app_auth_tokens", {}).get(_token_hash(token)) if token else None
    else:
        seller = None if token else merchant.seller_id  # a direct app has no token to send
    if not seller:
        raise GatewayError("20001", "Insufficient Token Permissions", "aop.invalid-app-auth-token",
                           "无效的应用授权令牌")
    return seller


def _bj(moment: dt.datetime | None) -> str:
    return moment.astimezone(SHANGHAI).strftime(ALIPAY_TIME) if moment else ""


def _amount(value: object, *, name: str) -> int:
    try:
        amount = fen(str(value))
    except ValueError:
        amount = 0
    if not 1 <= amount <= MAX_FEN:
        raise _business("ACQ.INVALID_PARAMETER", f"参数{name}无效")
    return amount


def _buyer(trade: SandboxTrade) -> dict:
    return {"buyer_user_id" if trade.payer_id.startswith("2088") else "buyer_open_id": trade.payer_id}


def _expire_if_due(trade: SandboxTrade) -> None:
    if trade.state == WAIT and trade.time_expire and trade.time_expire <= timezone.now():
        trade.state = CLOSED
        trade.save(update_fields=["state"])


def _trade(seller: str, biz: dict) -> SandboxTrade:
    trades = SandboxTrade.objects.select_for_update().filter(channel=ALIPAY, merchant_id=seller)
    if biz.get("out_trade_no"):
        trade = trades.filter(out_trade_no=biz["out_trade_no"]).first()
    elif biz.get("trade_no"):
        trade = trades.filter(prepay_id=biz["trade_no"]).first()
    else:
        raise _business("ACQ.INVALID_PARAMETER", "out_trade_no和trade_no不能同时为空")
    if trade is None:
        raise _business("ACQ.TRADE_NOT_EXIST", "交易不存在")
    _expire_if_due(trade)
    return trade


def _ids(trade: SandboxTrade) -> dict:
    return {"code": "10000", "msg": "Success", "trade_no": trade.prepay_id, "out_trade_no": trade.out_trade_no}


def _create(*, params: Mapping[str, str], seller: str, biz: dict) -> dict:
    out_trade_no = str(biz.get("out_trade_no", ""))
    if not OUT_TRADE_NO.match(out_trade_no):
        raise _business("ACQ.INVALID_PARAMETER", "参数out_trade_no无效")
    amount = _amount(biz.get("total_amount"), name="total_amount")
    if not biz.get("subject"):
        raise _business("ACQ.INVALID_PARAMETER", "参数subject无效")
    if biz.get("product_code") != "JSAPI_PAY":
        raise _business("ACQ.INVALID_PARAMETER", "小程序支付的product_code应为JSAPI_PAY")
    buyer = str(biz.get("buyer_id") or biz.get("buyer_open_id") or "")
    if not buyer:
        raise _business("ACQ.INVALID_PARAMETER", "buyer_id和buyer_open_id不能同时为空")
    expire = None
    if biz.get("time_expire"):
        try:
            expire = dt.datetime.strptime(biz["time_expire"], ALIPAY_TIME).replace(tzinfo=SHANGHAI)
        except (TypeError, ValueError):
            raise _business("ACQ.INVALID_PARAMETER", "参数time_expire无效") from None
    trades = SandboxTrade.objects.select_for_update().filter(channel=ALIPAY, merchant_id=seller)
    trade = trades.filter(out_trade_no=out_trade_no).first()
    if trade is None:
        try:
            with transaction.atomic():
                trade = SandboxTrade.objects.create(
                    channel=ALIPAY, merchant_id=seller, app_id=params["app_id"], out_trade_no=out_trade_no,
                    amount_fen=amount, description=str(biz["subject"])[:255], payer_id=buyer[:64],
                    notify_url=params.get("notify_url", "")[:255], state=WAIT, time_expire=expire,
                    prepay_id=f"{beijing_now():%Y%m%d}22001{secrets.randbelow(10**15):015d}")
            return _ids(trade)
        except IntegrityError:  # the same out_trade_no, concurrently
            trade = trades.get(out_trade_no=out_trade_no)
    # The same out_trade_no again: the same trade, if nothing about it changed.
    _expire_if_due(trade)
    if trade.state == SUCCESS or trade.success_time:
        raise _business("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
    if trade.state == CLOSED:
        raise _business("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
    if trade.amount_fen != amount or trade.payer_id != buyer:
        raise _business("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
    return _ids(trade)


def _query(*, params: Mapping[str, str], seller: str, biz: dict) -> dict:
    trade = _trade(seller, biz)
    body = {**_ids(trade), "trade_status": trade.state, "total_amount": yuan(trade.amount_fen),
            "seller_id": trade.merchant_id, **_buyer(trade)}
    if trade.success_time:
        body.update(send_pay_date=_bj(trade.success_time), buyer_pay_amount=yuan(trade.amount_fen),
                    receipt_amount=yuan(trade.amount_fen))
    return body


def _close(*, params: Mapping[str, str], seller: str, biz: dict) -> dict:
    trade = _trade(seller, biz)
    if trade.state != WAIT:  # closed already, or paid
        raise _business("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
    trade.state = CLOSED
    trade.save(update_fields=["state"])
    return _ids(trade)


def _refunded_fen(trade: SandboxTrade) -> int:
    return trade.refunds.filter(status="SUCCESS").aggregate(s=Sum("amount_fen"))["s"] or 0


def _refund(*, params: Mapping[str, str], seller: str, biz: dict) -> dict:
    trade = _trade(seller, biz)
    amount = _amount(biz.get("refund_amount"), name="refund_amount")
    out_request_no = str(biz.get("out_request_no") or trade.out_trade_no)[:64]
    existing = trade.refunds.filter(out_refund_no=out_request_no).first()
    if existing is not None:  # a retry: the money moved the first time
        if existing.amount_fen != amount:
            raise _business("ACQ.CONTEXT_INCONSISTENT", "退款请求号对应的退款金额不一致")
        return {**_ids(trade), **_buyer(trade), "fund_change": "N", "refund_fee": yuan(_refunded_fen(trade)),
                "gmt_refund_pay": _bj(existing.success_time)}
    if trade.success_time is None:
        raise _business("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
    refunded = _refunded_fen(trade) + amount
    if refunded > trade.amount_fen:
        raise _business("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
    now = timezone.now()
    refund = SandboxRefund.objects.create(trade=trade, out_refund_no=out_request_no, amount_fen=amount,
                                          reason=str(biz.get("refund_reason", ""))[:80], status="SUCCESS",
                                          refund_id=secrets.token_hex(12), notify_url=trade.notify_url,
                                          success_time=now)
    if refunded == trade.amount_fen:
        trade.state = CLOSED  # Alipay closes a fully refunded trade
        trade.save(update_fields=["state"])
    _notify_after_commit(trade, {"out_biz_no": refund.out_refund_no, "refund_fee": yuan(refunded),
                                 "gmt_refund": now.astimezone(SHANGHAI).strftime(ALIPAY_TIME + ".%f")[:-3]})
    return {**_ids(trade), **_buyer(trade), "fund_change": "Y", "refund_fee": yuan(refunded),
            "gmt_refund_pay": _bj(now)}


def _refund_query(*, params: Mapping[str, str], seller: str, biz: dict) -> dict:
    trade = _trade(seller, biz)
    refund = trade.refunds.filter(out_refund_no=str(biz.get("out_request_no", ""))).first()
    if refund is None:  # Alipay answers Success without refund fields: "not refunded (yet)"
        return {"code": "10000", "msg": "Success"}
    return {**_ids(trade), "out_request_no": refund.out_refund_no, "total_amount": yuan(trade.amount_fen),
            "refund_amount": yuan(refund.amount_fen), "refund_status": "REFUND_SUCCESS",
            "gmt_refund_pay": _bj(refund.success_time)}


def _bill_url(*, params: Mapping[str, str], seller: str, biz: dict) -> dict:
    merchant = SandboxMerchant.objects.get(channel=ALIPAY, merchant_id=params["app_id"])
    try:
        url = alipay_bill(merchant, seller, biz)
    except KnobError as exc:
        raise _business(exc.code, exc.message) from None
    return {"code": "10000", "msg": "Success", "bill_download_url": url}


HANDLERS: dict[str, Callable[..., dict]] = {
    "alipay.trade.create": _create,
    "alipay.trade.query": _query,
    "alipay.trade.close": _close,
    "alipay.trade.refund": _refund,
    "alipay.trade.fastpay.refund.query": _refund_query,
    "alipay.data.dataservice.bill.downloadurl.query": _bill_url,  # bills.py
}


# --- notifies and confirming


def _notify_after_commit(trade: SandboxTrade, extra: Mapping[str, str] | None = None) -> None:
    if not trade.notify_url:
        return
    isv = SandboxMerchant.objects.filter(channel=ALIPAY, merchant_id=trade.app_id, extra__mode="isv").first()
    params = {
        # A call made by an ISV app for a merchant names the merchant's own app (direct apps: themselves).
        "auth_app_id": (isv.extra.get("auth_app_ids", {}).get(trade.merchant_id)
                        or default_auth_app_id(trade.merchant_id)) if isv else trade.app_id,
        "notify_id": uuid.uuid4().hex, "notify_type": "trade_status_sync", "notify_time": _bj(timezone.now()),
        "charset": "utf-8", "version": "1.0", "app_id": trade.app_id, "out_trade_no": trade.out_trade_no,
        "trade_no": trade.prepay_id, "total_amount": yuan(trade.amount_fen), "seller_id": trade.merchant_id,
        "trade_status": trade.state, "subject": trade.description, "gmt_create": _bj(trade.created_at),
        "gmt_payment": _bj(trade.success_time),
        "buyer_id" if trade.payer_id.startswith("2088") else "buyer_open_id": trade.payer_id,
        **(extra or {}),
    }
    body = build_alipay_notify(params)
    transaction.on_commit(partial(deliver_notify.delay, trade.notify_url, body, dict(NOTIFY_HEADERS)))


def confirm_trade(*, trade_no: str, result: str, late: bool = False, notify: bool = True,
                  success_time: dt.datetime | None = None) -> SandboxTrade:
    """The buyer's answer in my.tradePay. "pay" → TRADE_SUCCESS and a notify after
    commit ("late" pays a closed trade, as when payment races the close; `notify`
    False sends none; `success_time`, default now, is the payment time Alipay
    reports); "fail" leaves the trade waiting (Alipay keeps it payable) and sends nothing."""
    if result not in ("pay", "fail"):
        raise ConfirmRefusedError(400, "INVALID_RESULT")
    with transaction.atomic():
        trade = SandboxTrade.objects.select_for_update().filter(channel=ALIPAY, prepay_id=trade_no).first()
        if trade is None:
            raise ConfirmRefusedError(404, "TRADE_NOT_EXIST")
        _expire_if_due(trade)
        if result == "fail" or trade.success_time:  # nothing to do, or paid already
            return trade
        if trade.state == CLOSED and not late:
            raise ConfirmRefusedError(409, "TRADE_CLOSED")
        trade.state, trade.success_time = SUCCESS, (success_time or timezone.now()).replace(microsecond=0)
        trade.transaction_id = trade.prepay_id
        trade.save(update_fields=["state", "success_time", "transaction_id"])
        if notify:
            _notify_after_commit(trade)
        return trade
