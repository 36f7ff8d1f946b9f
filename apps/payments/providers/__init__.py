"""Payment gateways behind one small interface.

A provider talks to one merchant account of one company: it places orders,
queries and closes them, refunds, and turns a notify (headers + raw body) into
a verified `NotifyEvent` or raises `NotifyRejected` with the reason. Providers:

- `wechat` (providers/wechat.py): WeChat Pay API v3 JSAPI for mini-programs
  through `wechatpayv3`, direct and service-provider (partner) mode.
- `alipay` (providers/alipay.py): Alipay mini-program (`alipay.trade.create`)
  through `python-alipay-sdk`, direct and ISV (app_auth_token) mode.

There is no separate sandbox provider: `make run` and the tests point the same
code at the local sandbox gateways (apps/payments/sandbox) through
`settings.PAYMENTS_WECHATPAY_GATEWAY` / `PAYMENTS_ALIPAY_GATEWAY`.

Providers never touch our database and never fetch anything while verifying a
notify; callers never run them inside a database transaction.

`download_statement` fetches a day's bill (statement) into a caller's binary
file, streaming: WeChat Pay's tradebill/fundflowbill (gzip, SHA1 of the
decompressed bill checked against the signed answer's hash_value) and Alipay's
`trade` bill (GBK zip; Alipay publishes no digest). ProviderError codes:
NO_STATEMENT (nothing booked that day), NOT_READY (retryable: not generated
yet), HASH_MISMATCH, UNSUPPORTED, NETWORK, the provider's own otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

# Trade states, the same for every provider.
PAID = "paid"
OPEN = "open"  # not paid yet (WeChat NOTPAY/USERPAYING, Alipay WAIT_BUYER_PAY)
CLOSED = "closed"  # closed or revoked without payment
FAILED = "failed"  # payment failed (WeChat PAYERROR)
NOT_FOUND = "not_found"  # the provider has no such order (it never reached them)

# Refund states (PaymentOrder's Refund.Status values).
REFUND_PROCESSING = "processing"
REFUND_SUCCESS = "success"
REFUND_CLOSED = "closed"
REFUND_ABNORMAL = "abnormal"


class ProviderError(Exception):
    """The gateway refused the call or could not be reached. `code` is the
    provider's own error code when there is one (for logs, never for users)."""

    def __init__(self, message: str, *, code: str = "", retryable: bool = False):
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class NotifyRejected(Exception):  # noqa: N818  (a verdict, not a failure of ours)
    """A notify that must change nothing: bad signature, stale timestamp,
    unknown serial, undecryptable resource, malformed body, a merchant or app id
    missing. `reason` is logged; it is always one of a small fixed set of texts
    (never copied from the request), so it can key a counter."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class MerchantConfig:
    """Decrypted credentials of one merchant account (built by
    apps.payments.merchants.merchant_config). Secrets have repr=False so they
    never reach a log line or a traceback."""

    channel: str  # wechat | alipay
    mode: str  # direct | partner (WeChat) | isv (Alipay)
    # WeChat Pay. In partner mode mchid/appid are the platform's sp_mchid/sp_appid.
    mchid: str = ""
    appid: str = ""
    sub_mchid: str = ""
    sub_appid: str = ""
    merchant_serial_no: str = ""
    merchant_private_key: str = field(default="", repr=False)
    apiv3_key: str = field(default="", repr=False)
    wechatpay_public_key_id: str = ""
    wechatpay_public_key: str = ""
    platform_certificates: tuple[dict, ...] = ()  # ({"serial_no", "pem", "expire_time"}, …)
    # Alipay. In ISV mode app_id/app_private_key are the platform's ISV app's.
    alipay_app_id: str = ""
    alipay_app_private_key: str = field(default="", repr=False)
    alipay_public_key: str = ""
    alipay_seller_id: str = ""
    alipay_app_auth_token: str = field(default="", repr=False)
    # ISV mode: the company's own app, which authorized the platform's (a notify's `auth_app_id`); "" if unknown.
    alipay_auth_app_id: str = ""


@dataclass(frozen=True)
class CreateOrderRequest:
    out_trade_no: str
    amount_fen: int
    description: str
    payer_id: str  # openid (WeChat; sub_openid in partner mode) / Alipay buyer id
    notify_url: str
    expires_at: dt.datetime
    attach: str = ""


@dataclass(frozen=True)
class ClientPayParams:
    """What the mini-program needs to start paying: for WeChat the
    `wx.requestPayment` fields {timeStamp, nonceStr, package, signType, paySign};
    for Alipay {"tradeNO": …}. `prepay_id` is WeChat's prepay_id / Alipay's trade_no."""

    prepay_id: str
    params: dict


@dataclass(frozen=True)
class TradeState:
    out_trade_no: str
    state: str  # PAID | OPEN | CLOSED | FAILED | NOT_FOUND
    amount_fen: int | None = None  # the order total the provider holds
    transaction_id: str = ""
    paid_at: dt.datetime | None = None
    merchant_id: str = ""  # mchid / sp_mchid / Alipay app_id
    app_id: str = ""  # appid / sp_appid
    sub_merchant_id: str = ""
    sub_app_id: str = ""
    seller_id: str = ""  # Alipay
    payer_id: str = ""
    raw_state: str = ""  # the provider's own word (SUCCESS, TRADE_FINISHED, …)


@dataclass(frozen=True)
class RefundRequest:
    out_trade_no: str
    out_refund_no: str
    amount_fen: int
    total_fen: int
    reason: str
    notify_url: str


@dataclass(frozen=True)
class RefundState:
    out_refund_no: str
    status: str  # REFUND_* above
    out_trade_no: str = ""
    provider_refund_id: str = ""
    amount_fen: int | None = None
    merchant_id: str = ""
    sub_merchant_id: str = ""
    raw_status: str = ""
    # When the provider completed the refund (SUCCESS), if it says: the refund is booked then, as its bill
    # books it, not when we heard of it (a query or a late notify can come days later).
    success_time: dt.datetime | None = None


@dataclass(frozen=True)
class NotifyEvent:
    """A verified, decrypted notify: `trade` is set for "payment", `refund` for
    "refund"; "ignored" (an event type or status we do not act on) carries neither."""

    kind: str  # "payment" | "refund" | "ignored"
    notify_id: str = ""
    trade: TradeState | None = None
    refund: RefundState | None = None


# Statement kinds and download errors (ProviderError.code).
STATEMENT_TRADE = "trade"
STATEMENT_FUNDFLOW = "fundflow"  # WeChat Pay only
NO_STATEMENT = "NO_STATEMENT"
NOT_READY = "NOT_READY"
HASH_MISMATCH = "HASH_MISMATCH"
UNSUPPORTED = "UNSUPPORTED"


@dataclass(frozen=True)
class StatementDownload:
    """What `download_statement` wrote into `dest`: the file as the provider served it."""

    compression: str  # "gzip" (WeChat Pay) | "zip" (Alipay)
    hash_type: str  # "SHA1" (WeChat Pay, checked over the decompressed bill) | "" (Alipay publishes none)
    hash_value: str  # lower-case hex, as checked; "" when hash_type is ""
    size: int  # bytes written into dest (compressed)


@dataclass(frozen=True)
class NotifyReply:
    """What to answer the gateway."""

    status: int
    content_type: str
    body: bytes


class PaymentProvider(Protocol):
    channel: str

    def create_order(self, request: CreateOrderRequest) -> ClientPayParams: ...

    def client_params(self, *, prepay_id: str) -> dict:
        """Fresh client parameters for an existing prepay_id (re-signed), for reuse."""
        ...

    def query_order(self, out_trade_no: str) -> TradeState: ...

    def close_order(self, out_trade_no: str) -> None:
        """Idempotent; closing an order the provider does not know is not an error."""
        ...

    def refund(self, request: RefundRequest) -> RefundState: ...

    def query_refund(self, *, out_refund_no: str, out_trade_no: str) -> RefundState: ...

    def parse_notify(self, headers: Mapping[str, str], body: bytes) -> NotifyEvent:
        """Verify and decode; raise NotifyRejected(reason) for anything not provably
        from the gateway. Never makes a network call."""
        ...

    def notify_success(self) -> NotifyReply: ...

    def notify_failure(self, reason: str) -> NotifyReply: ...

    def download_statement(self, *, kind: str, bill_date: dt.date, dest: BinaryIO) -> StatementDownload:
        """Write the day's bill (`kind` "trade", or "fundflow" for WeChat Pay) into `dest` as downloaded,
        streaming; raise ProviderError (codes in the module docstring). Never inside a DB transaction."""
        ...

    def test_connection(self) -> str:
        """Make one harmless signed call (query a made-up order) and verify the
        signed answer; return a short human message or raise ProviderError."""
        ...


# The largest notify body we read. WeChat Pay's encrypted JSON and Alipay's signed form are 1-3 KB; a body
# many times that is refused from its Content-Length, before it is read or parsed.
MAX_NOTIFY_BYTES = 32 * 1024


def notify_failure(channel: str, reason: str) -> NotifyReply:
    """The channel's failure answer, for refusals made before any merchant account is at hand."""
    return _provider_class(channel).notify_failure(reason)


def _provider_class(channel: str) -> type:
    if channel == "wechat":
        from .wechat import WeChatPayProvider

        return WeChatPayProvider
    if channel == "alipay":
        from .alipay import AlipayProvider

        return AlipayProvider
    raise ValueError(f"unknown payment channel {channel!r}")


def provider_for_config(config: MerchantConfig) -> PaymentProvider:
    return _provider_class(config.channel)(config)
