"""The sandbox WeChat Pay API v3 gateway: the logic behind wechat_views.py.

It speaks the real protocol, so the production provider (providers/wechat.py) runs against it unchanged:
merchants' requests are verified (WECHATPAY2-SHA256-RSA2048 over "METHOD\\nURL\\ntimestamp\\nnonce\\nbody\\n"),
answers and notifies are signed with the sandbox platform key (a `PUB_KEY_ID_…` public key, or the serial of a
self-signed platform certificate for merchants in legacy certificate mode), notify resources are encrypted with
the merchant's APIv3 key (AEAD_AES_256_GCM), errors have WeChat's JSON shape and status codes.

Test knobs (not part of WeChat's API):
- `POST confirm` {"prepay_id", "result": "pay"|"fail", "late": false, "notify": true, "success_time": null}: the
  payer pays or fails. Paying a closed or expired order is refused unless "late" is true, which simulates WeChat
  accepting a payment just before our close reached it: the CLOSED trade becomes SUCCESS and a notify is sent.
  "notify": false pays without the notify ever being sent (the payment only shows in queries and the bill);
  "success_time" ("2026-12-01T23:59:59+08:00", not in the future) is when WeChat says it was paid.
- `POST refund-result` {"out_refund_no", "status": "ABNORMAL"|"CLOSED"}: a PROCESSING refund ends that way.
A refund otherwise turns SUCCESS right after the request commits.
- Bills and the knobs that make them disagree (bill-tweak, foreign-trade, bill-merchant): see bills.py.

Everything lives in the public schema: the gateway is one service for every company.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import secrets
import time
import uuid
from functools import lru_cache, partial
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from tenants.directory import public_context

from .keys import new_rsa_key
from .models import SandboxKey, SandboxMerchant, SandboxRefund, SandboxTrade
from .tasks import deliver_wechat_notify

WECHAT = "wechat"
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
MAX_CLOCK_SKEW = 300
CN_TZ = ZoneInfo("Asia/Shanghai")

NOTPAY, SUCCESS, CLOSED, PAYERROR, REFUND = "NOTPAY", "SUCCESS", "CLOSED", "PAYERROR", "REFUND"
STATE_DESC = {NOTPAY: "订单未支付", SUCCESS: "支付成功", CLOSED: "订单已关闭", PAYERROR: "支付失败", REFUND: "转入退款"}
EVENT_SUMMARY = {"TRANSACTION.SUCCESS": "支付成功", "REFUND.SUCCESS": "退款成功", "REFUND.ABNORMAL": "退款异常",
                 "REFUND.CLOSED": "退款关闭"}

OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")
OUT_REFUND_NO = re.compile(r"^[0-9A-Za-z_\-|*@]{1,64}$")
APPID = re.compile(r"^wx[0-9a-f]{16}$")
MCHID = re.compile(r"^\d{8,10}$")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")
AUTH_PARAM = re.compile(r'(\w+)="([^"]*)"')


class GatewayError(Exception):
    """An answer in WeChat's error shape: HTTP status + {"code", "message"}."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message


def _require(condition: Any, message: str, *, status: int = 400, code: str = "PARAM_ERROR") -> None:
    if not condition:
        raise GatewayError(status, code, message)


# --- keys and signatures ----------------------------------------------------------------------------------------


def platform_key() -> SandboxKey:
    """The gateway's signing key, created on first use."""
    with public_context():
        key = SandboxKey.objects.filter(channel=WECHAT).first()
        if key is None:
            key, _created = SandboxKey.objects.get_or_create(channel=WECHAT, defaults=_new_platform_key())
        return key


def _new_platform_key() -> dict:
    private = new_rsa_key()
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tenpay.com sandbox"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com sandbox platform certificate")])
    now = dt.datetime.now(dt.UTC)
    serial = (1 << 158) | secrets.randbits(158)  # 40 hex digits, positive in 20 DER octets, like WeChat's
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
            .serial_number(serial).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=5 * 365)).sign(private, hashes.SHA256()))
    return {
        "key_id": "PUB_KEY_ID_" + "".join(secrets.choice("0123456789") for _ in range(28)),
        "private_key": _private_pem(private),
        "public_key": _public_pem(private.public_key()),
        "certificate_pem": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "certificate_serial": format(serial, "X"),
    }


def _private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _public_pem(key: rsa.RSAPublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@lru_cache(maxsize=16)
def _load_private(pem: str) -> rsa.RSAPrivateKey:
    return serialization.load_pem_private_key(pem.encode(), password=None)


@lru_cache(maxsize=64)
def _load_public(pem: str) -> rsa.RSAPublicKey:
    return serialization.load_pem_public_key(pem.encode())


def _sign(private_key_pem: str, message: str) -> str:
    signature = _load_private(private_key_pem).sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def platform_serial(merchant: SandboxMerchant, key: SandboxKey) -> str:
    """What Wechatpay-Serial names for this merchant: the public key id, or the legacy certificate serial."""
    return key.certificate_serial if merchant.signing == "certificate" else key.key_id


def signed_headers(body: str, merchant: SandboxMerchant) -> dict[str, str]:
    """Headers of an answer signed with the platform key over "timestamp\\nnonce\\nbody\\n"."""
    key = platform_key()
    ts = str(int(time.time()))
    nonce = secrets.token_hex(16)
    return {
        "Wechatpay-Timestamp": ts,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": _sign(key.private_key, f"{ts}\n{nonce}\n{body}\n"),
        "Wechatpay-Serial": platform_serial(merchant, key),
        "Wechatpay-Signature-Type": SIGNATURE_TYPE,
    }


def _aes_encrypt(apiv3_key: str, plaintext: str, associated_data: str) -> dict:
    nonce = secrets.token_hex(6)  # 12 characters, like WeChat's
    ciphertext = AESGCM(apiv3_key.encode()).encrypt(nonce.encode(), plaintext.encode(), associated_data.encode())
    return {"algorithm": "AEAD_AES_256_GCM", "nonce": nonce, "associated_data": associated_data,
            "ciphertext": base64.b64encode(ciphertext).decode()}


def build_wechat_notify(resource: dict, *, apiv3_key: str, event_type: str = "TRANSACTION.SUCCESS",
                        timestamp: int | None = None, nonce: str | None = None, serial: str | None = None,
                        private_key_pem: str | None = None) -> tuple[dict[str, str], str]:
    """(headers, body) of a notify as WeChat Pay sends it. Defaults: now, a fresh nonce, the sandbox platform key
    and its public key id. Tests and benchmarks pass other values to forge or tamper."""
    if private_key_pem is None or serial is None:
        key = platform_key()
        private_key_pem = private_key_pem or key.private_key
        serial = serial or key.key_id
    original_type = "refund" if event_type.startswith("REFUND.") else "transaction"
    encrypted = _aes_encrypt(apiv3_key, json.dumps(resource, ensure_ascii=False, separators=(",", ":")),
                             original_type)
    body = json.dumps({
        "id": str(uuid.uuid4()),
        "create_time": rfc3339(timezone.now()),
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": EVENT_SUMMARY.get(event_type, event_type),
        "resource": {"original_type": original_type, **encrypted},
    }, ensure_ascii=False, separators=(",", ":"))
    ts = str(timestamp if timestamp is not None else int(time.time()))
    nonce = nonce or secrets.token_hex(16)
    headers = {
        "Content-Type": "application/json",
        "Wechatpay-Timestamp": ts,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": _sign(private_key_pem, f"{ts}\n{nonce}\n{body}\n"),
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature-Type": SIGNATURE_TYPE,
    }
    return headers, body


def rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(CN_TZ).isoformat(timespec="seconds")


# --- merchants and their requests -------------------------------------------------------------------------------


def sandbox_wechat_merchant(*, mchid: str, appid: str, mode: str = "direct", sub_mchid: str = "",
                            sub_appid: str = "", signing: str = "public_key") -> dict:
    """Register (or replace) a merchant with fresh keys; return MerchantConfig keyword arguments for it.
    In partner mode `mchid`/`appid` are the service provider's sp_mchid/sp_appid."""
    if signing not in ("public_key", "certificate"):
        raise ValueError(f"signing must be public_key or certificate, not {signing!r}")
    private = new_rsa_key()
    serial_no = secrets.token_hex(20).upper()
    apiv3_key = secrets.token_hex(16)  # 32 characters
    extra = {"mode": mode, "appid": appid, "sub_merchants": {sub_mchid: sub_appid} if mode == "partner" else {}}
    with public_context():
        SandboxMerchant.objects.update_or_create(
            channel=WECHAT, merchant_id=mchid,
            defaults={"serial_no": serial_no, "public_key": _public_pem(private.public_key()),
                      "apiv3_key": apiv3_key, "signing": signing, "extra": extra})
    key = platform_key()
    config: dict[str, Any] = {
        "channel": WECHAT, "mode": mode, "mchid": mchid, "appid": appid, "sub_mchid": sub_mchid,
        "sub_appid": sub_appid, "merchant_serial_no": serial_no, "merchant_private_key": _private_pem(private),
        "apiv3_key": apiv3_key,
    }
    if signing == "public_key":
        config.update(wechatpay_public_key_id=key.key_id, wechatpay_public_key=key.public_key)
    else:
        cert = x509.load_pem_x509_certificate(key.certificate_pem.encode())
        config["platform_certificates"] = ({"serial_no": key.certificate_serial, "pem": key.certificate_pem,
                                            "expire_time": rfc3339(cert.not_valid_after_utc)},)
    return config


def request_merchant(authorization: str) -> tuple[SandboxMerchant, dict[str, str]]:
    """The merchant named by an Authorization header, and the header's parameters."""
    scheme, _sep, rest = authorization.partition(" ")
    _require(scheme == SIGNATURE_TYPE, "缺少或不支持的 Authorization 签名类型", status=401, code="SIGN_ERROR")
    params = dict(AUTH_PARAM.findall(rest))
    merchant = SandboxMerchant.objects.filter(channel=WECHAT, merchant_id=params.get("mchid", "")).first()
    _require(merchant is not None, "商户号不存在或未开通", status=401, code="SIGN_ERROR")
    return merchant, params


def verify_request(merchant: SandboxMerchant, params: dict[str, str], *, method: str, url: str, body: str) -> None:
    """`url` is the path from /v3/ with the query string, as the merchant signed it."""
    _require(params.get("serial_no", "").upper() == merchant.serial_no.upper(),
             "商户API证书序列号不匹配", status=401, code="SIGN_ERROR")
    timestamp = params.get("timestamp", "")
    _require(timestamp.isdigit() and abs(time.time() - int(timestamp)) < MAX_CLOCK_SKEW,
             "请求时间戳与系统时间相差过大", status=401, code="SIGN_ERROR")
    message = f"{method}\n{url}\n{timestamp}\n{params.get('nonce_str', '')}\n{body}\n"
    try:
        _load_public(merchant.public_key).verify(base64.b64decode(params.get("signature", "")), message.encode(),
                                                 padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        raise GatewayError(401, "SIGN_ERROR", "签名错误，请检查商户私钥和签名串") from None


# --- orders -------------------------------------------------------------------------------------------------------


def create_trade(merchant: SandboxMerchant, data: dict, *, partner: bool) -> dict:
    """POST /v3/pay[/partner]/transactions/jsapi → {"prepay_id"}. The same out_trade_no with the same
    parameters returns the same prepay_id; different parameters are refused."""
    _require(merchant.extra.get("mode", "direct") == ("partner" if partner else "direct"),
             "商户无权调用该接口", status=403, code="NO_AUTH")
    payer = data.get("payer") if isinstance(data.get("payer"), dict) else {}
    if partner:
        mchid, appid = data.get("sp_mchid"), data.get("sp_appid")
        sub_mchid, sub_appid = data.get("sub_mchid") or "", data.get("sub_appid") or ""
        payer_id = payer.get("sub_openid") if sub_appid else payer.get("sp_openid")
        _require(MCHID.match(str(sub_mchid)), "sub_mchid 格式不正确")
        _require(sub_mchid in merchant.extra.get("sub_merchants", {}), "子商户与服务商未建立受理关系",
                 code="INVALID_REQUEST")
        registered_sub_appid = merchant.extra["sub_merchants"][sub_mchid]
        _require(not sub_appid or sub_appid == registered_sub_appid, "sub_appid 与 sub_mchid 不匹配",
                 code="INVALID_REQUEST")
    else:
        mchid, appid = data.get("mchid"), data.get("appid")
        sub_mchid = sub_appid = ""
        payer_id = payer.get("openid")
    _require(mchid == merchant.merchant_id, "请求的商户号与签名商户号不一致", code="INVALID_REQUEST")
    _require(isinstance(appid, str) and APPID.match(appid), "appid 格式不正确")
    _require(appid == merchant.extra.get("appid", appid), "appid和mch_id不匹配", code="INVALID_REQUEST")
    out_trade_no = data.get("out_trade_no")
    _require(isinstance(out_trade_no, str) and OUT_TRADE_NO.match(out_trade_no),
             "out_trade_no 应为6到32位数字、大小写字母或_-|*")
    description = data.get("description")
    _require(isinstance(description, str) and 0 < len(description) <= 127, "description 长度应为1到127个字符")
    attach = data.get("attach") or ""
    _require(isinstance(attach, str) and len(attach) <= 128, "attach 长度不能超过128个字符")
    amount = data.get("amount") if isinstance(data.get("amount"), dict) else {}
    total = amount.get("total")
    _require(type(total) is int and total >= 1, "amount.total 应为不小于1的整数（单位：分）")
    _require(amount.get("currency", "CNY") == "CNY", "currency 仅支持 CNY")
    notify_url = data.get("notify_url")
    _require(_valid_notify_url(notify_url), "notify_url 应为不带参数的 http(s) 地址")
    _require(isinstance(payer_id, str) and 0 < len(payer_id) <= 128, "payer 缺少用户标识（openid）")
    time_expire = _parse_time(data.get("time_expire"))

    fields = {"app_id": appid, "sub_merchant_id": sub_mchid, "sub_app_id": sub_appid, "amount_fen": total,
              "description": description, "payer_id": payer_id, "notify_url": notify_url, "attach": attach,
              "time_expire": time_expire}
    with transaction.atomic():
        trade = _locked_trades().filter(merchant_id=mchid, out_trade_no=out_trade_no).first()
        if trade is None:
            try:
                with transaction.atomic():
                    trade = SandboxTrade.objects.create(channel=WECHAT, merchant_id=mchid, out_trade_no=out_trade_no,
                                                        state=NOTPAY, prepay_id=_prepay_id(), **fields)
                return {"prepay_id": trade.prepay_id}
            except IntegrityError:  # the same order placed concurrently
                trade = _locked_trades().get(merchant_id=mchid, out_trade_no=out_trade_no)
        _expire_if_due(trade)
        _require(trade.state not in (SUCCESS, REFUND), "该订单已支付", code="ORDERPAID")
        _require(trade.state != CLOSED, "订单已关闭", code="ORDER_CLOSED")
        _require(all(getattr(trade, k) == v for k, v in fields.items()), "201 商户订单号重复", code="INVALID_REQUEST")
        return {"prepay_id": trade.prepay_id}


def query_trade(merchant: SandboxMerchant, out_trade_no: str, query: dict[str, str], *, partner: bool) -> dict:
    """GET …/out-trade-no/{no}?mchid= (or ?sp_mchid=&sub_mchid=)."""
    with transaction.atomic():
        trade = _merchant_trade(merchant, out_trade_no, query, partner=partner)
        _expire_if_due(trade)
        return trade_resource(trade)


def close_trade(merchant: SandboxMerchant, out_trade_no: str, data: dict, *, partner: bool) -> None:
    """POST …/out-trade-no/{no}/close → 204. A paid order cannot be closed; a closed one says so."""
    with transaction.atomic():
        trade = _merchant_trade(merchant, out_trade_no, data, partner=partner)
        _expire_if_due(trade)
        _require(trade.state not in (SUCCESS, REFUND), "订单已支付，不能关闭", code="ORDERPAID")
        _require(trade.state != CLOSED, "订单已关闭", code="ORDER_CLOSED")
        trade.state = CLOSED
        trade.save(update_fields=["state"])


def _merchant_trade(merchant: SandboxMerchant, out_trade_no: str, ids: dict, *, partner: bool) -> SandboxTrade:
    if partner:
        _require(ids.get("sp_mchid") == merchant.merchant_id, "sp_mchid 与签名商户号不一致", code="INVALID_REQUEST")
        _require(ids.get("sub_mchid"), "缺少 sub_mchid")
        trades = _locked_trades().filter(sub_merchant_id=ids["sub_mchid"])
    else:
        _require(ids.get("mchid") == merchant.merchant_id, "mchid 与签名商户号不一致", code="INVALID_REQUEST")
        trades = _locked_trades().filter(sub_merchant_id="")
    trade = trades.filter(merchant_id=merchant.merchant_id, out_trade_no=out_trade_no).first()
    _require(trade is not None, "订单不存在", status=404, code="ORDER_NOT_EXIST")
    return trade


def trade_resource(trade: SandboxTrade) -> dict:
    """A trade as WeChat describes it in a query answer and a TRANSACTION.SUCCESS resource."""
    if trade.sub_merchant_id:
        ids = {"sp_appid": trade.app_id, "sp_mchid": trade.merchant_id, "sub_mchid": trade.sub_merchant_id}
        if trade.sub_app_id:
            ids["sub_appid"] = trade.sub_app_id
        payer = {"sub_openid" if trade.sub_app_id else "sp_openid": trade.payer_id}
    else:
        ids = {"appid": trade.app_id, "mchid": trade.merchant_id}
        payer = {"openid": trade.payer_id}
    data = {**ids, "out_trade_no": trade.out_trade_no, "trade_type": "JSAPI", "trade_state": trade.state,
            "trade_state_desc": STATE_DESC.get(trade.state, trade.state), "attach": trade.attach, "payer": payer,
            "amount": {"total": trade.amount_fen, "currency": "CNY", "payer_currency": "CNY"}}
    if trade.transaction_id:
        data.update(transaction_id=trade.transaction_id, bank_type="OTHERS", success_time=rfc3339(trade.success_time))
        data["amount"]["payer_total"] = trade.amount_fen
    return data


def confirm_payment(prepay_id: str, result: str, *, late: bool = False, notify: bool = True,
                    success_time: dt.datetime | None = None) -> SandboxTrade:
    """The payer's side: "pay" marks the trade SUCCESS and sends TRANSACTION.SUCCESS after commit; "fail" marks
    it PAYERROR (WeChat sends no notify for that). `late` lets a CLOSED trade be paid (see module doc); `notify`
    False sends no notify; `success_time` (default now) is when WeChat says it was paid."""
    _require(result in ("pay", "fail"), "result 应为 pay 或 fail")
    with public_context(), transaction.atomic():
        trade = _locked_trades().filter(prepay_id=prepay_id).first()
        _require(trade is not None, "订单不存在", status=404, code="ORDER_NOT_EXIST")
        _expire_if_due(trade)
        if trade.state in (SUCCESS, REFUND):
            _require(result == "pay", "订单已支付", code="ORDERPAID")
            return trade  # paying twice is a no-op
        _require(trade.state != CLOSED or late, "订单已关闭或已过期，无法支付", code="ORDER_CLOSED")
        if result == "fail":
            _require(trade.state == NOTPAY, "订单状态不允许此操作", code="INVALID_REQUEST")
            trade.state = PAYERROR
            trade.save(update_fields=["state"])
            return trade
        trade.state = SUCCESS
        trade.transaction_id = "4200" + "".join(secrets.choice("0123456789") for _ in range(24))
        trade.success_time = (success_time or timezone.now()).replace(microsecond=0)
        trade.save(update_fields=["state", "transaction_id", "success_time"])
        if notify:
            transaction.on_commit(partial(_notify_trade, trade.pk))
        return trade


def _notify_trade(trade_pk: int) -> None:
    with public_context():
        trade = SandboxTrade.objects.get(pk=trade_pk)
        _send_notify(trade.merchant_id, trade.notify_url, "TRANSACTION.SUCCESS", trade_resource(trade))


def _locked_trades():
    return SandboxTrade.objects.select_for_update().filter(channel=WECHAT)


def _expire_if_due(trade: SandboxTrade) -> None:
    if trade.state == NOTPAY and trade.time_expire and trade.time_expire <= timezone.now():
        trade.state = CLOSED
        trade.save(update_fields=["state"])


def _prepay_id() -> str:
    return "wx" + timezone.now().astimezone(CN_TZ).strftime("%d%H%M%S") + secrets.token_hex(13)


def _valid_notify_url(url: Any) -> bool:
    if not isinstance(url, str) or len(url) > 255:
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not parts.query and not parts.fragment


def _parse_time(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    _require(isinstance(value, str) and RFC3339.match(value),
             "time_expire 应为 RFC 3339 格式，如 2026-01-01T10:00:00+08:00")
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    _require(moment > timezone.now(), "time_expire 不能早于当前时间")
    return moment


# --- refunds ------------------------------------------------------------------------------------------------------


def create_refund(merchant: SandboxMerchant, data: dict) -> dict:
    """POST /v3/refund/domestic/refunds. Created PROCESSING, SUCCESS after commit (with a notify). The same
    out_refund_no returns the existing refund; refunds never exceed the order total."""
    out_refund_no = data.get("out_refund_no")
    _require(isinstance(out_refund_no, str) and OUT_REFUND_NO.match(out_refund_no), "out_refund_no 格式不正确")
    partner = merchant.extra.get("mode") == "partner"
    amount = data.get("amount") if isinstance(data.get("amount"), dict) else {}
    refund_fen, total_fen = amount.get("refund"), amount.get("total")
    _require(type(refund_fen) is int and refund_fen >= 1, "amount.refund 应为不小于1的整数（单位：分）")
    _require(amount.get("currency", "CNY") == "CNY", "currency 仅支持 CNY")
    reason = data.get("reason") or ""
    _require(isinstance(reason, str) and len(reason) <= 80, "reason 长度不能超过80个字符")
    notify_url = data.get("notify_url") or ""
    _require(not notify_url or _valid_notify_url(notify_url), "notify_url 应为不带参数的 http(s) 地址")

    with transaction.atomic():
        trades = _locked_trades().filter(merchant_id=merchant.merchant_id)
        if partner:
            _require(data.get("sub_mchid"), "缺少 sub_mchid")
            trades = trades.filter(sub_merchant_id=data["sub_mchid"])
        if data.get("transaction_id"):
            trade = trades.filter(transaction_id=data["transaction_id"]).first()
        else:
            _require(data.get("out_trade_no"), "缺少 out_trade_no 或 transaction_id")
            trade = trades.filter(out_trade_no=data["out_trade_no"]).first()
        _require(trade is not None, "订单不存在", status=404, code="RESOURCE_NOT_EXISTS")
        existing = trade.refunds.filter(out_refund_no=out_refund_no).first()
        if existing is not None:
            return refund_resource(existing)
        _require(not SandboxRefund.objects.filter(trade__merchant_id=merchant.merchant_id, trade__channel=WECHAT,
                                                  out_refund_no=out_refund_no).exists(),
                 "退款单号已用于其他订单", code="INVALID_REQUEST")
        _require(trade.state in (SUCCESS, REFUND), "订单未支付，不能退款", code="INVALID_REQUEST")
        _require(total_fen == trade.amount_fen, "amount.total 与订单金额不一致")
        refunded = trade.refunds.exclude(status="CLOSED").aggregate(s=Sum("amount_fen"))["s"] or 0
        _require(refunded + refund_fen <= trade.amount_fen, "申请退款金额超过订单可退金额", code="NOT_ENOUGH",
                 status=403)
        refund = SandboxRefund.objects.create(
            trade=trade, out_refund_no=out_refund_no, amount_fen=refund_fen, reason=reason, status="PROCESSING",
            refund_id="50" + "".join(secrets.choice("0123456789") for _ in range(27)), notify_url=notify_url)
        transaction.on_commit(partial(_finish_refund, refund.pk))
        return refund_resource(refund)


def query_refund(merchant: SandboxMerchant, out_refund_no: str, query: dict[str, str]) -> dict:
    refunds = SandboxRefund.objects.select_related("trade").filter(
        trade__channel=WECHAT, trade__merchant_id=merchant.merchant_id, out_refund_no=out_refund_no)
    if merchant.extra.get("mode") == "partner":
        _require(query.get("sub_mchid"), "缺少 sub_mchid")
        refunds = refunds.filter(trade__sub_merchant_id=query["sub_mchid"])
    refund = refunds.first()
    _require(refund is not None, "退款单不存在", status=404, code="RESOURCE_NOT_EXISTS")
    return refund_resource(refund)


def set_refund_result(out_refund_no: str, status: str) -> SandboxRefund:
    """Test knob: a PROCESSING refund ends ABNORMAL or CLOSED (with its REFUND.* notify after commit)."""
    _require(status in ("ABNORMAL", "CLOSED"), "status 应为 ABNORMAL 或 CLOSED")
    with public_context(), transaction.atomic():
        refund = SandboxRefund.objects.select_for_update().filter(
            trade__channel=WECHAT, out_refund_no=out_refund_no).order_by("-pk").first()
        _require(refund is not None, "退款单不存在", status=404, code="RESOURCE_NOT_EXISTS")
        _require(refund.status == "PROCESSING", "退款已结束", code="INVALID_REQUEST")
        refund.status = status
        refund.save(update_fields=["status"])
        transaction.on_commit(partial(_notify_refund, refund.pk))
        return refund


def _finish_refund(refund_pk: int) -> None:
    with public_context():
        now = timezone.now().replace(microsecond=0)
        if SandboxRefund.objects.filter(pk=refund_pk, status="PROCESSING").update(status="SUCCESS", success_time=now):
            refund = SandboxRefund.objects.select_related("trade").get(pk=refund_pk)
            SandboxTrade.objects.filter(pk=refund.trade_id, state=SUCCESS).update(state=REFUND)
            _notify_refund(refund_pk)


def _notify_refund(refund_pk: int) -> None:
    with public_context():
        refund = SandboxRefund.objects.select_related("trade").get(pk=refund_pk)
        trade = refund.trade
        ids = ({"sp_mchid": trade.merchant_id, "sub_mchid": trade.sub_merchant_id} if trade.sub_merchant_id
               else {"mchid": trade.merchant_id})
        resource = {**ids, "out_trade_no": trade.out_trade_no, "transaction_id": trade.transaction_id,
                    "out_refund_no": refund.out_refund_no, "refund_id": refund.refund_id,
                    "refund_status": refund.status, "user_received_account": "支付用户零钱",
                    "amount": {"total": trade.amount_fen, "refund": refund.amount_fen,
                               "payer_total": trade.amount_fen, "payer_refund": refund.amount_fen}}
        if refund.success_time:
            resource["success_time"] = rfc3339(refund.success_time)
        _send_notify(trade.merchant_id, refund.notify_url or trade.notify_url, f"REFUND.{refund.status}", resource)


def refund_resource(refund: SandboxRefund) -> dict:
    trade = refund.trade
    data = {"refund_id": refund.refund_id, "out_refund_no": refund.out_refund_no,
            "transaction_id": trade.transaction_id, "out_trade_no": trade.out_trade_no, "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱", "create_time": rfc3339(refund.created_at),
            "status": refund.status, "funds_account": "AVAILABLE",
            "amount": {"total": trade.amount_fen, "refund": refund.amount_fen, "payer_total": trade.amount_fen,
                       "payer_refund": refund.amount_fen, "settlement_total": trade.amount_fen,
                       "settlement_refund": refund.amount_fen, "discount_refund": 0, "currency": "CNY"}}
    if refund.success_time:
        data["success_time"] = rfc3339(refund.success_time)
    return data


# --- certificates and notifies --------------------------------------------------------------------------------------


def certificates(merchant: SandboxMerchant) -> dict:
    """GET /v3/certificates: the platform certificate, encrypted with the merchant's APIv3 key."""
    key = platform_key()
    cert = x509.load_pem_x509_certificate(key.certificate_pem.encode())
    return {"data": [{
        "serial_no": key.certificate_serial,
        "effective_time": rfc3339(cert.not_valid_before_utc),
        "expire_time": rfc3339(cert.not_valid_after_utc),
        "encrypt_certificate": _aes_encrypt(merchant.apiv3_key, key.certificate_pem, "certificate"),
    }]}


def signed_notify(merchant_id: str, event_type: str, resource: dict) -> tuple[dict[str, str], str]:
    with public_context():
        merchant = SandboxMerchant.objects.get(channel=WECHAT, merchant_id=merchant_id)
        key = platform_key()
        return build_wechat_notify(resource, apiv3_key=merchant.apiv3_key, event_type=event_type,
                                   serial=platform_serial(merchant, key), private_key_pem=key.private_key)


def _send_notify(merchant_id: str, url: str, event_type: str, resource: dict) -> None:
    deliver_wechat_notify.delay(merchant_id, url, event_type, resource)
