"""WeChat Pay API v3, JSAPI for mini-programs, through `wechatpayv3` (direct and partner mode).

Guards around the SDK, each pinned by tests/apps/payments/test_wechatpayv3_guards.py:

- The gateway URL is the private `Core._gate_way`: we set it from settings.PAYMENTS_WECHATPAY_GATEWAY and refuse
  to start if the attribute is gone.
- In certificate mode the SDK downloads /v3/certificates at start-up (when its cert_dir holds no valid
  certificate) and again while verifying anything signed with a serial it does not know. We hand it the stored
  certificates through a private temporary cert_dir, refuse to start without a public key or a valid stored
  certificate, and replace the core's `_update_certificates` with a function that raises, so no request or
  notify can trigger a fetch. `download_platform_certificates()` is the one explicit fetch, for a maintenance job.
- The SDK does not check the notify timestamp, compares the public key id case-sensitively and turns every
  failure into None or a bare Exception: `parse_notify` checks the headers, the timestamp and the serial and
  verifies the signature itself, then decrypts the resource with the cached AES-GCM key (the SDK's `callback`
  would verify the signature a second time and parse the body twice more), so each rejection has its own reason.
- Bills (`download_statement`): the SDK's `trade_bill`/`fundflow_bill` verify only 2xx answers and its
  `download_bill` reads the whole file into memory (and builds a wrong URL for a download_url on another host), so
  we make the signed GETs ourselves: every answer we act on is verified (an unsigned "no bill that day" would hide
  a day's differences), the file is streamed into the caller's file while its decompressed bytes are hashed, and
  our Authorization header only goes to the gateway's own host. The file answer carries no signature: its SHA1
  against the signed hash_value is what proves it. download_url carries a token: it never reaches a log line.
- A verified notify must still name the merchant (and, for payments, the app) this mode always carries
  (`mchid`/`appid`, or `sp_mchid`/`sp_appid`/`sub_mchid`[/`sub_appid`] for a sub-merchant): one that lacks
  them is rejected, never settled against whatever the order says. Settlement then compares them with the order.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import requests
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.utils.translation import gettext as _
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import aes_decrypt, build_authorization, load_private_key, load_public_key, rsa_verify

from . import (
    CLOSED,
    FAILED,
    HASH_MISMATCH,
    NO_STATEMENT,
    NOT_FOUND,
    NOT_READY,
    OPEN,
    PAID,
    REFUND_ABNORMAL,
    REFUND_CLOSED,
    REFUND_PROCESSING,
    REFUND_SUCCESS,
    UNSUPPORTED,
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

CN_TZ = ZoneInfo("Asia/Shanghai")
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
MAX_CLOCK_SKEW = 300  # seconds; WeChat's own rule for notifies
# A certificate this close to expiry is not handed to the SDK: one that expired between our check and the SDK's
# would leave it with none, and it would then fetch from the real gateway.
CERTIFICATE_MARGIN = dt.timedelta(minutes=5)

TRADE_STATES = {
    "SUCCESS": PAID, "REFUND": PAID, "NOTPAY": OPEN, "USERPAYING": OPEN,
    "CLOSED": CLOSED, "REVOKED": CLOSED, "PAYERROR": FAILED,
}
REFUND_STATES = {
    "SUCCESS": REFUND_SUCCESS, "CLOSED": REFUND_CLOSED, "PROCESSING": REFUND_PROCESSING, "ABNORMAL": REFUND_ABNORMAL,
}
REFUND_EVENTS = {"REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED"}
DOWNLOAD_CHUNK = 64 * 1024
INFLATE_LIMIT = 1024 * 1024  # decompressed bytes per step: a gzip bomb costs time, never memory


def _refuse_certificate_download(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("wechatpayv3 tried to download platform certificates; only "
                       "WeChatPayProvider.download_platform_certificates() may do that")


@dataclass(frozen=True)
class _Sdk:
    """What is slow to build for one merchant config (loading an RSA private key checks it: ~50 ms)."""

    wxpay: WeChatPay
    signing_key: Any  # the merchant's private key, for the requests we sign ourselves
    # Keys that may sign answers and notifies, by normalized serial: (serial as the SDK spells it, public key,
    # not valid after or None). Public key and certificates both count (WeChat's migration period).
    verify_keys: dict[str, tuple[str, Any, dt.datetime | None]]
    aead: AESGCM | None  # the APIv3 key, for notify resources (None: not a valid AES-256 key)


_SDK_CACHE: dict[str, _Sdk] = {}
_SDK_CACHE_SIZE = 64
_SDK_BUILD_LOCK = threading.Lock()  # concurrent first notifies build the SDK once, not once per thread


class WeChatPayProvider:
    channel = "wechat"

    def __init__(self, config: MerchantConfig):
        self.config = config
        self._partner = config.mode == "partner"
        # The mini-program pays as the appid the order was placed for: the company's own (sub_appid) in partner mode.
        self._pay_appid = (config.sub_appid or config.appid) if self._partner else config.appid
        self._payer_field = ("sub_openid" if config.sub_appid else "sp_openid") if self._partner else "openid"
        self._timeout = settings.PAYMENTS_HTTP_TIMEOUT
        self._gateway = settings.PAYMENTS_WECHATPAY_GATEWAY.rstrip("/")
        fingerprint = repr((dataclasses.astuple(config), self._gateway, self._timeout))
        cache_key = hashlib.sha256(fingerprint.encode()).hexdigest()
        sdk = _SDK_CACHE.get(cache_key)
        if sdk is None or not self._still_usable(sdk):
            with _SDK_BUILD_LOCK:
                sdk = _SDK_CACHE.get(cache_key)
                if sdk is None or not self._still_usable(sdk):
                    sdk = self._build(_usable_certificates(config.platform_certificates))
                    if len(_SDK_CACHE) >= _SDK_CACHE_SIZE:
                        _SDK_CACHE.clear()
                    _SDK_CACHE[cache_key] = sdk
        self._wxpay, self._signing_key, self._verify_keys = sdk.wxpay, sdk.signing_key, sdk.verify_keys
        self._aead = sdk.aead

    @staticmethod
    def _still_usable(sdk: _Sdk) -> bool:
        """A cached SDK that only had certificates, all expired by now, is rebuilt (and then refused)."""
        now = dt.datetime.now(dt.UTC)
        return any(not_after is None or now < not_after for _s, _k, not_after in sdk.verify_keys.values())

    def _build(self, certificates: list[tuple[str, x509.Certificate]]) -> _Sdk:
        config = self.config
        has_public_key = bool(config.wechatpay_public_key_id and config.wechatpay_public_key)
        if not has_public_key and not certificates:
            raise ProviderError(_("未配置微信支付公钥或有效的平台证书"), code="NO_PLATFORM_KEY")
        try:
            wxpay = self._build_sdk([] if has_public_key else certificates, has_public_key)
            signing_key = load_private_key(config.merchant_private_key)
            public_key = load_public_key(config.wechatpay_public_key) if has_public_key else None
        except (ProviderError, RuntimeError):
            raise
        except Exception:  # the SDK's own bare Exception ("failed to load private key.") — never echo key material
            raise ProviderError(_("微信支付商户配置无效：商户私钥或微信支付公钥无法解析"), code="CONFIG") from None
        verify_keys = {serial: (serial, cert.public_key(), cert.not_valid_after_utc) for serial, cert in certificates}
        if has_public_key:
            verify_keys[config.wechatpay_public_key_id.upper()] = (config.wechatpay_public_key_id, public_key, None)
        wxpay._core._certificates[:] = [cert for _serial, cert in certificates]
        try:
            aead = AESGCM(config.apiv3_key.encode())
        except ValueError:  # not 32 bytes: every notify is undecryptable, as with the SDK
            aead = None
        return _Sdk(wxpay=wxpay, signing_key=signing_key, verify_keys=verify_keys, aead=aead)

    def _build_sdk(self, cert_dir_certificates: list[tuple[str, x509.Certificate]], has_public_key: bool) -> WeChatPay:
        config = self.config
        # mkdtemp makes the directory 0700; it only lives while the SDK reads it at construction.
        with tempfile.TemporaryDirectory(prefix="wxpay-certs-") as cert_dir:
            for serial, cert in cert_dir_certificates:
                with open(os.path.join(cert_dir, f"{serial}.pem"), "w", encoding="utf-8") as f:
                    f.write(cert.public_bytes(Encoding.PEM).decode())
            wxpay = WeChatPay(
                wechatpay_type=WeChatPayType.MINIPROG,
                mchid=config.mchid,
                private_key=config.merchant_private_key,
                cert_serial_no=config.merchant_serial_no,
                appid=config.appid,
                apiv3_key=config.apiv3_key,
                cert_dir=None if has_public_key else cert_dir,
                partner_mode=self._partner,
                timeout=self._timeout,
                public_key=config.wechatpay_public_key if has_public_key else None,
                public_key_id=config.wechatpay_public_key_id if has_public_key else None,
            )  # never a logger: the SDK logs request bodies and decrypted notifies
        core = wxpay._core
        if not hasattr(core, "_gate_way"):
            raise RuntimeError("wechatpayv3 changed: Core._gate_way is gone, so the gateway URL cannot be set; "
                               "check tests/apps/payments/test_wechatpayv3_guards.py before upgrading")
        core._gate_way = self._gateway
        core._cert_dir = None
        core._update_certificates = _refuse_certificate_download
        return wxpay

    # --- orders -----------------------------------------------------------------------------------------------

    def create_order(self, request: CreateOrderRequest) -> ClientPayParams:
        kwargs: dict[str, Any] = {
            "description": request.description,
            "out_trade_no": request.out_trade_no,
            "amount": {"total": request.amount_fen, "currency": "CNY"},
            "payer": {self._payer_field: request.payer_id},
            "time_expire": rfc3339(request.expires_at),
            "notify_url": request.notify_url,
            "attach": request.attach or None,
        }
        if self._partner:
            kwargs.update(sub_mchid=self.config.sub_mchid, sub_appid=self.config.sub_appid or None)
        status, body = self._call(self._wxpay.pay, **kwargs)
        prepay_id = body.get("prepay_id")
        if status != 200 or not isinstance(prepay_id, str) or not prepay_id:
            raise _error(status, body)
        return ClientPayParams(prepay_id=prepay_id, params=self.client_params(prepay_id=prepay_id))

    def client_params(self, *, prepay_id: str) -> dict:
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16)
        package = f"prepay_id={prepay_id}"
        pay_sign = self._wxpay.sign([self._pay_appid, timestamp, nonce, package])
        return {"timeStamp": timestamp, "nonceStr": nonce, "package": package, "signType": "RSA", "paySign": pay_sign}

    def query_order(self, out_trade_no: str) -> TradeState:
        status, body = self._call(self._wxpay.query, out_trade_no=out_trade_no, **self._sub_mchid())
        if status == 404 and body.get("code") == "ORDER_NOT_EXIST":
            return TradeState(out_trade_no=out_trade_no, state=NOT_FOUND, raw_state="ORDER_NOT_EXIST")
        if status != 200:
            raise _error(status, body)
        try:
            return trade_state_from(body)
        except (KeyError, TypeError, ValueError):
            raise ProviderError(_("微信支付查询应答格式无效"), code="BAD_ANSWER") from None

    def close_order(self, out_trade_no: str) -> None:
        status, body = self._call(self._wxpay.close, out_trade_no=out_trade_no, **self._sub_mchid())
        if status in (200, 204) or body.get("code") in ("ORDER_CLOSED", "ORDER_NOT_EXIST"):
            return
        raise _error(status, body)

    # --- refunds ----------------------------------------------------------------------------------------------

    def refund(self, request: RefundRequest) -> RefundState:
        status, body = self._call(
            self._wxpay.refund,
            out_refund_no=request.out_refund_no,
            out_trade_no=request.out_trade_no,
            amount={"refund": request.amount_fen, "total": request.total_fen, "currency": "CNY"},
            reason=request.reason or None,
            notify_url=request.notify_url or None,
            **self._sub_mchid(),
        )
        return self._refund_answer(status, body)

    def query_refund(self, *, out_refund_no: str, out_trade_no: str) -> RefundState:
        status, body = self._call(self._wxpay.query_refund, out_refund_no=out_refund_no, **self._sub_mchid())
        return self._refund_answer(status, body)

    def _refund_answer(self, status: int, body: dict) -> RefundState:
        if status != 200:
            raise _error(status, body)
        try:
            return refund_state_from(body)
        except (KeyError, TypeError, ValueError):
            raise ProviderError(_("微信支付退款应答格式无效"), code="BAD_ANSWER") from None

    # --- notifies ---------------------------------------------------------------------------------------------

    def parse_notify(self, headers: Mapping[str, str], body: bytes) -> NotifyEvent:
        """Reasons: bad_signature_type, bad_timestamp, stale_timestamp, unknown_serial, expired_certificate,
        bad_signature, malformed_json, malformed_resource, undecryptable, missing_<field> (a merchant or app
        id this mode always carries). No network call on any path."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise NotifyRejected("malformed_json") from None
        self._verify_signed(headers, text)
        try:
            payload = json.loads(text)
        except ValueError:
            raise NotifyRejected("malformed_json") from None
        resource = payload.get("resource") if isinstance(payload, dict) else None
        if (not isinstance(resource, dict) or payload.get("resource_type") != "encrypt-resource"
                or resource.get("algorithm") != "AEAD_AES_256_GCM"
                or not resource.get("nonce") or not resource.get("ciphertext")):
            raise NotifyRejected("malformed_resource")
        plaintext = self._decrypt(resource)
        try:
            decrypted = json.loads(plaintext)
        except ValueError:
            raise NotifyRejected("malformed_resource") from None

        notify_id = str(payload.get("id", ""))
        event_type = payload.get("event_type")
        try:
            if event_type == "TRANSACTION.SUCCESS":
                event = NotifyEvent(kind="payment", notify_id=notify_id, trade=trade_state_from(decrypted))
            elif event_type in REFUND_EVENTS:
                event = NotifyEvent(kind="refund", notify_id=notify_id, refund=refund_state_from(decrypted))
            else:
                return NotifyEvent(kind="ignored", notify_id=notify_id)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise NotifyRejected("malformed_resource") from None
        self._require_identity(decrypted, payment=event.kind == "payment")
        return event

    def _decrypt(self, resource: Mapping) -> str:
        """AEAD_AES_256_GCM under the APIv3 key, as the SDK's aes_decrypt does (nonce and associated data are
        used as UTF-8 text); a wrong key, a tampered ciphertext or bad base64 is "undecryptable"."""
        if self._aead is None:
            raise NotifyRejected("undecryptable")
        try:
            data = self._aead.decrypt(str(resource["nonce"]).encode(), base64.b64decode(resource["ciphertext"]),
                                      str(resource.get("associated_data") or "").encode())
            return data.decode("utf-8")
        except (InvalidTag, ValueError, TypeError):  # binascii.Error and UnicodeDecodeError are ValueErrors
            raise NotifyRejected("undecryptable") from None

    def _require_identity(self, data: Mapping, *, payment: bool) -> None:
        """The ids WeChat Pay always puts in a payment or refund resource for this mode; their values are
        compared with the order's at settlement. A sub-merchant's company app (`sub_appid`) is required when
        orders are placed with it."""
        if self._partner:
            required = ["sp_mchid", "sub_mchid"] + (["sp_appid"] if payment else [])
            if payment and self.config.sub_appid:
                required.append("sub_appid")
        else:
            required = ["mchid"] + (["appid"] if payment else [])
        for name in required:
            value = data.get(name)
            if not isinstance(value, str) or not value:
                raise NotifyRejected(f"missing_{name}")

    @staticmethod
    def notify_success() -> NotifyReply:
        return NotifyReply(status=204, content_type="application/json", body=b"")

    @staticmethod
    def notify_failure(reason: str) -> NotifyReply:
        body = json.dumps({"code": "FAIL", "message": reason}, ensure_ascii=False).encode()
        return NotifyReply(status=400, content_type="application/json", body=body)

    def _verify_signed(self, headers: Mapping[str, str], text: str, *, extra_keys: dict | None = None) -> str:
        """Check a signed message (notify or answer) from WeChat Pay; return the serial as configured."""
        lowered = {k.lower(): v for k, v in headers.items()}
        if lowered.get("wechatpay-signature-type", "") != SIGNATURE_TYPE:
            raise NotifyRejected("bad_signature_type")
        timestamp = lowered.get("wechatpay-timestamp", "")
        if not timestamp.isdigit():
            raise NotifyRejected("bad_timestamp")
        if abs(time.time() - int(timestamp)) >= MAX_CLOCK_SKEW:
            raise NotifyRejected("stale_timestamp")
        keys = {**self._verify_keys, **extra_keys} if extra_keys else self._verify_keys
        found = keys.get(_normalize_serial(lowered.get("wechatpay-serial", "")))
        if found is None:
            raise NotifyRejected("unknown_serial")
        serial, public_key, not_after = found
        if not_after is not None and dt.datetime.now(dt.UTC) >= not_after:
            raise NotifyRejected("expired_certificate")
        signature = lowered.get("wechatpay-signature", "")
        if not signature or not rsa_verify(timestamp, lowered.get("wechatpay-nonce", ""), text, signature, public_key):
            raise NotifyRejected("bad_signature")
        return serial

    # --- bills -----------------------------------------------------------------------------------------------

    def download_statement(self, *, kind: str, bill_date: dt.date, dest: BinaryIO) -> StatementDownload:
        """tradebill (ALL) or fundflowbill (BASIC) of `bill_date`, gzip, streamed into `dest`."""
        if kind == "trade":
            query = {"bill_date": bill_date.isoformat(), "bill_type": "ALL", "tar_type": "GZIP", **self._sub_mchid()}
            path = "/v3/bill/tradebill?" + urlencode(query)
        elif kind == "fundflow":
            if self._partner:
                # A sub-merchant's fund flow is /v3/bill/sub-merchant-fundflowbill, encrypted per part with a key
                # wrapped by our certificate: not implemented (fund flow is for settlement checks, not matching).
                raise ProviderError(_("服务商模式暂不支持下载子商户资金账单"), code=UNSUPPORTED)
            query = {"bill_date": bill_date.isoformat(), "account_type": "BASIC", "tar_type": "GZIP"}
            path = "/v3/bill/fundflowbill?" + urlencode(query)
        else:
            raise ValueError(f"unknown statement kind {kind!r}")
        response = self._signed_get(path)
        body = _json_object(response.text)
        if response.status_code >= 500 or response.status_code == 429:
            raise ProviderError(_("微信支付暂时不可用（HTTP %(status)s）") % {"status": response.status_code},
                                code=str(body.get("code") or response.status_code), retryable=True)
        try:
            self._verify_signed(response.headers, response.text)
        except NotifyRejected as exc:
            raise ProviderError(_("微信支付账单应答验签失败"), code=exc.reason) from None
        code = body.get("code")
        if response.status_code != 200:
            if code == "NO_STATEMENT_EXIST":
                raise ProviderError(_("微信支付：%(date)s 没有账单（当天没有交易或资金变动）")
                                    % {"date": bill_date.isoformat()}, code=NO_STATEMENT)
            if code == "STATEMENT_CREATING":
                raise ProviderError(_("微信支付：%(date)s 的账单还在生成中，请稍后再试")
                                    % {"date": bill_date.isoformat()}, code=NOT_READY, retryable=True)
            raise _error(response.status_code, body)
        hash_type, hash_value, url = body.get("hash_type"), body.get("hash_value"), body.get("download_url")
        if hash_type != "SHA1" or not isinstance(hash_value, str) or not isinstance(url, str):
            raise ProviderError(_("微信支付账单应答格式无效"), code="BAD_ANSWER")
        digest, size = self._download(url, dest)
        if digest != hash_value.lower():
            raise ProviderError(_("微信支付账单文件校验失败：SHA1 与应答中的 hash_value 不一致"), code=HASH_MISMATCH)
        return StatementDownload(compression="gzip", hash_type="SHA1", hash_value=digest, size=size)

    def _download(self, url: str, dest: BinaryIO) -> tuple[str, int]:
        """GET download_url signed (same host as the gateway only), unsigned answer; (SHA1 of the
        decompressed stream, compressed bytes written)."""
        gateway, target = urlsplit(self._gateway), urlsplit(url)
        prefix = gateway.path.rstrip("/")
        if (target.scheme, target.netloc) != (gateway.scheme, gateway.netloc) or \
                not target.path.startswith(prefix + "/v3/"):
            raise ProviderError(_("微信支付账单下载地址不在微信支付网关域名下"), code="BAD_ANSWER")
        # What WeChat signs is the URL after the host; our gateway may carry a path prefix (the sandbox's).
        signed = target.path[len(prefix):] + (f"?{target.query}" if target.query else "")
        authorization = build_authorization(signed, "GET", self.config.mchid, self.config.merchant_serial_no,
                                            self._signing_key)
        try:
            with requests.get(url, timeout=self._timeout, stream=True,
                              headers={"Accept": "*/*", "Authorization": authorization}) as response:
                if response.status_code != 200:
                    body = _json_object(response.content[:4096])
                    # An expired or used URL: asking for the bill again gives a fresh one.
                    raise ProviderError(_("微信支付账单下载失败（%(code)s），请重新申请账单")
                                        % {"code": body.get("code") or response.status_code},
                                        code=str(body.get("code") or f"HTTP_{response.status_code}"),
                                        retryable=True)
                return _write_gunzip_hashed(response.iter_content(DOWNLOAD_CHUNK), dest)
        except requests.RequestException as exc:
            raise ProviderError(_("无法下载微信支付账单（%(error)s）") % {"error": type(exc).__name__},
                                code="NETWORK", retryable=True) from None

    # --- connection test and maintenance ----------------------------------------------------------------------

    def test_connection(self) -> str:
        out_trade_no = "HCPING" + secrets.token_hex(8).upper()
        if self._partner:
            path = (f"/v3/pay/partner/transactions/out-trade-no/{out_trade_no}"
                    f"?sp_mchid={self.config.mchid}&sub_mchid={self.config.sub_mchid}")
        else:
            path = f"/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={self.config.mchid}"
        response = self._signed_get(path)
        body = _json_object(response.text)
        # WeChat signs its answer only once it has verified ours, so a verified ORDER_NOT_EXIST proves both keys.
        if (response.status_code, body.get("code")) == (404, "ORDER_NOT_EXIST") or response.status_code == 200:
            try:
                self._verify_signed(response.headers, response.text)
            except NotifyRejected as exc:
                raise ProviderError(_("微信支付应答验签失败，请检查微信支付公钥或平台证书"), code=exc.reason) from None
            return _("连接正常：微信支付已接受商户签名，应答验签通过。")
        if response.status_code == 401:
            raise ProviderError(_("微信支付拒绝了请求签名，请检查商户号、商户私钥和证书序列号"),
                                code=body.get("code") or "SIGN_ERROR")
        raise _error(response.status_code, body)

    def download_platform_certificates(self) -> list[dict]:
        """GET /v3/certificates, decrypt with the APIv3 key and keep the valid ones; the caller stores them.
        The answer must verify with a key we already trust or, on first download, with one of the
        certificates it carries (they decrypted under our APIv3 key, which only WeChat Pay also knows)."""
        response = self._signed_get("/v3/certificates")
        body = _json_object(response.text)
        if response.status_code != 200:
            raise _error(response.status_code, body)
        now = dt.datetime.now(dt.UTC)
        result, new_keys = [], {}
        for item in body.get("data") or []:
            encrypted = item.get("encrypt_certificate") or {}
            try:
                pem = aes_decrypt(nonce=encrypted["nonce"], ciphertext=encrypted["ciphertext"],
                                  associated_data=encrypted.get("associated_data") or "",
                                  apiv3_key=self.config.apiv3_key)
            except (KeyError, TypeError, ValueError):
                pem = None
            if pem is None:
                raise ProviderError(_("平台证书解密失败，请检查APIv3密钥"), code="DECRYPT_FAILED")
            try:
                cert = x509.load_pem_x509_certificate(pem.encode())
            except ValueError:
                raise ProviderError(_("平台证书无法解析"), code="BAD_CERTIFICATE") from None
            if not cert.not_valid_before_utc <= now < cert.not_valid_after_utc:
                continue
            serial = _normalize_serial(format(cert.serial_number, "X"))
            new_keys[serial] = (serial, cert.public_key(), cert.not_valid_after_utc)
            result.append({"serial_no": serial, "pem": pem, "effective_time": item.get("effective_time", ""),
                           "expire_time": item.get("expire_time") or rfc3339(cert.not_valid_after_utc)})
        try:
            self._verify_signed(response.headers, response.text, extra_keys=new_keys)
        except NotifyRejected as exc:
            raise ProviderError(_("平台证书应答验签失败"), code=exc.reason) from None
        if not result:
            raise ProviderError(_("微信支付没有返回有效的平台证书"), code="NO_CERTIFICATE")
        return result

    # --- plumbing ---------------------------------------------------------------------------------------------

    def _sub_mchid(self) -> dict[str, str]:
        return {"sub_mchid": self.config.sub_mchid} if self._partner else {}

    def _signed_get(self, path: str) -> requests.Response:
        """A GET whose answer headers we need (the SDK returns only status and body)."""
        authorization = build_authorization(path, "GET", self.config.mchid, self.config.merchant_serial_no,
                                            self._signing_key)
        try:
            return requests.get(self._gateway + path, timeout=self._timeout,
                                headers={"Accept": "application/json", "Authorization": authorization})
        except requests.RequestException as exc:
            raise ProviderError(_("无法连接微信支付（%(error)s）") % {"error": type(exc).__name__},
                                code="NETWORK", retryable=True) from None

    def _call(self, method: Callable[..., tuple[int, Any]], **kwargs: Any) -> tuple[int, dict]:
        try:
            status, content = method(**kwargs)
        except requests.RequestException as exc:
            raise ProviderError(_("无法连接微信支付（%(error)s）") % {"error": type(exc).__name__},
                                code="NETWORK", retryable=True) from None
        except Exception as exc:  # the SDK's bare Exception, e.g. "failed to verify the signature"
            raise ProviderError(_("微信支付应答无效（%(error)s）") % {"error": str(exc)[:200]}, code="SDK") from None
        body = _json_object(content)
        if status >= 500 or status == 429:
            raise ProviderError(_("微信支付暂时不可用（HTTP %(status)s）") % {"status": status},
                                code=str(body.get("code") or status), retryable=True)
        return status, body


def _write_gunzip_hashed(chunks: Any, dest: BinaryIO) -> tuple[str, int]:
    """Write gzip chunks into dest; SHA1 of what they decompress to (every gzip member), compressed size."""
    sha1, size = hashlib.sha1(usedforsecurity=False), 0
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        for chunk in chunks:
            if not chunk:
                continue
            dest.write(chunk)
            size += len(chunk)
            pending = chunk
            while pending:
                if inflater.eof:  # the previous gzip member ended: another one follows
                    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                sha1.update(inflater.decompress(pending, INFLATE_LIMIT))
                pending = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
    except zlib.error:
        raise ProviderError(_("微信支付账单文件不是有效的 gzip 文件"), code="BAD_FILE") from None
    if size == 0 or not inflater.eof:
        raise ProviderError(_("微信支付账单文件不完整"), code="BAD_FILE")
    return sha1.hexdigest(), size


def trade_state_from(data: Mapping) -> TradeState:
    """A query answer or a decrypted TRANSACTION.SUCCESS resource, direct or partner."""
    raw = data["trade_state"]
    amount = data.get("amount") or {}
    payer = data.get("payer") or {}
    success_time = data.get("success_time")
    return TradeState(
        out_trade_no=data["out_trade_no"],
        state=TRADE_STATES[raw],
        amount_fen=int(amount["total"]) if amount.get("total") is not None else None,
        transaction_id=data.get("transaction_id") or "",
        paid_at=dt.datetime.fromisoformat(success_time) if success_time else None,
        merchant_id=data.get("sp_mchid") or data.get("mchid") or "",
        app_id=data.get("sp_appid") or data.get("appid") or "",
        sub_merchant_id=data.get("sub_mchid") or "",
        sub_app_id=data.get("sub_appid") or "",
        payer_id=payer.get("openid") or payer.get("sub_openid") or payer.get("sp_openid") or "",
        raw_state=raw,
    )


def refund_state_from(data: Mapping) -> RefundState:
    """A refund answer (`status`) or a decrypted REFUND.* resource (`refund_status`)."""
    raw = data.get("status") or data["refund_status"]
    amount = data.get("amount") or {}
    return RefundState(
        out_refund_no=data["out_refund_no"],
        status=REFUND_STATES[raw],
        out_trade_no=data.get("out_trade_no") or "",
        provider_refund_id=data.get("refund_id") or "",
        amount_fen=int(amount["refund"]) if amount.get("refund") is not None else None,
        merchant_id=data.get("sp_mchid") or data.get("mchid") or "",
        sub_merchant_id=data.get("sub_mchid") or "",
        raw_status=raw,
        success_time=_moment(data.get("success_time")),
    )


def _moment(text) -> dt.datetime | None:
    """An RFC 3339 time of an answer, or None when absent or unreadable (only a date to book by)."""
    try:
        moment = dt.datetime.fromisoformat(text) if isinstance(text, str) and text else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def rfc3339(moment: dt.datetime) -> str:
    """2026-11-15T10:00:00+08:00, the form WeChat Pay expects."""
    return moment.astimezone(CN_TZ).isoformat(timespec="seconds")


def _error(status: int, body: dict) -> ProviderError:
    code = str(body.get("code") or f"HTTP_{status}")
    message = str(body.get("message") or "")[:200]
    return ProviderError(_("微信支付返回错误 %(code)s：%(message)s") % {"code": code, "message": message}, code=code)


def _json_object(content: Any) -> dict:
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    try:
        value = json.loads(content) if content else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _normalize_serial(serial: str) -> str:
    """PUB_KEY_ID_… upper-cased; a certificate serial as upper hex without leading zeros."""
    serial = serial.strip()
    if re.fullmatch(r"[0-9A-Fa-f]+", serial):
        return format(int(serial, 16), "X")
    return serial.upper()


def _usable_certificates(stored: tuple[dict, ...] | list[dict]) -> list[tuple[str, x509.Certificate]]:
    """Stored platform certificates that parse and stay valid a while longer, by normalized serial."""
    now = dt.datetime.now(dt.UTC)
    usable = []
    for item in stored or ():
        try:
            cert = x509.load_pem_x509_certificate(str(item.get("pem", "")).encode())
        except ValueError:
            continue
        if cert.not_valid_before_utc <= now and now + CERTIFICATE_MARGIN < cert.not_valid_after_utc:
            usable.append((_normalize_serial(format(cert.serial_number, "X")), cert))
    return usable


# --- validation when a company admin saves its account ----------------------------------------------------------

MCHID = re.compile(r"^\d{8,10}$")
APPID = re.compile(r"^wx[0-9a-f]{16}$")
SERIAL = re.compile(r"^[0-9A-Fa-f]{40}$")
PUBLIC_KEY_ID = re.compile(r"^PUB_KEY_ID_\d+$")


def validate_wechat_config(config: MerchantConfig) -> list[tuple[str, str]]:
    """[(field in camelCase, Chinese message)], empty when the account looks usable. Never echoes a secret."""
    errors: list[tuple[str, str]] = []
    if not MCHID.match(config.mchid):
        errors.append(("mchid", _("商户号应为8到10位数字")))
    if not APPID.match(config.appid):
        errors.append(("appid", _("AppID应为wx加16位十六进制字符")))
    if not SERIAL.match(config.merchant_serial_no):
        errors.append(("merchantSerialNo", _("商户证书序列号应为40位十六进制字符")))
    try:
        key = load_private_key(config.merchant_private_key)
    except Exception:  # the SDK's bare Exception
        key = None
    if not isinstance(key, rsa.RSAPrivateKey):
        errors.append(("merchantPrivateKey", _("商户私钥无法解析，请粘贴 apiclient_key.pem 的完整内容")))
    elif key.key_size < 2048:
        errors.append(("merchantPrivateKey", _("商户私钥应为至少2048位的RSA私钥")))
    if len(config.apiv3_key.encode()) != 32:
        errors.append(("apiv3Key", _("APIv3密钥应为32个字符")))

    has_public_key = bool(config.wechatpay_public_key_id or config.wechatpay_public_key)
    if has_public_key:
        if not PUBLIC_KEY_ID.match(config.wechatpay_public_key_id):
            errors.append(("wechatpayPublicKeyId", _("微信支付公钥ID应为 PUB_KEY_ID_ 加数字")))
        try:
            public_key = load_public_key(config.wechatpay_public_key)
        except Exception:
            public_key = None
        if not isinstance(public_key, rsa.RSAPublicKey):
            errors.append(("wechatpayPublicKey", _("微信支付公钥无法解析")))
    now = dt.datetime.now(dt.UTC)
    for item in config.platform_certificates:
        try:
            cert = x509.load_pem_x509_certificate(str(item.get("pem", "")).encode())
        except ValueError:
            errors.append(("platformCertificates", _("平台证书无法解析")))
            continue
        if _normalize_serial(str(item.get("serial_no", ""))) != _normalize_serial(format(cert.serial_number, "X")):
            errors.append(("platformCertificates", _("平台证书序列号与证书内容不一致")))
        elif cert.not_valid_after_utc <= now:
            errors.append(("platformCertificates", _("平台证书已过期")))
    if not has_public_key and not config.platform_certificates:
        errors.append(("wechatpayPublicKey", _("请填写微信支付公钥（或上传平台证书）")))

    if config.mode == "partner":
        if not MCHID.match(config.sub_mchid):
            errors.append(("subMchid", _("子商户号应为8到10位数字")))
        if not APPID.match(config.sub_appid):
            errors.append(("subAppid", _("子商户AppID（公司小程序的AppID）应为wx加16位十六进制字符")))
    return errors
