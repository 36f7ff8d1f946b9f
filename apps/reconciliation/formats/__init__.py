"""Statement files of the payment providers, both ways: parsers that stream a
provider's bill into `Entry` rows (memory flat in file size) and check them
against the file's own summary, and writers that render rows in the exact
format (used by the sandbox gateways, so the same parsers read what they serve).

One module per provider format: `wechat` (v3 tradebill / fundflowbill CSV:
backtick-prefixed cells, yuan, summary lines), `alipay` (GBK zip with the
业务明细 and 汇总 CSVs, `#` preamble and trailer, TAB-padded cells)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PAYMENT = "payment"
REFUND = "refund"

# Normalised row states (what the provider's status words mean).
SUCCESS = "success"  # WeChat SUCCESS / REFUND-row 退款状态 SUCCESS; Alipay rows are always completed
PROCESSING = "processing"
CLOSED = "closed"
ABNORMAL = "abnormal"
REVOKED = "revoked"  # WeChat REVOKED (payment revoked)


class StatementFormatError(Exception):
    """The file is not what the provider documents, or its rows disagree with its
    own summary. `code`: BAD_FILE | BAD_HEADER | BAD_ROW | SUMMARY_MISSING | SUMMARY_MISMATCH | HASH_MISMATCH.
    The message is for finance (Chinese, names the line and the figures)."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of a trade bill, normalised. Amounts are integer fen, positive;
    `fee_fen` is signed as the provider books it (a refund gives fee back: negative)."""

    kind: str  # PAYMENT | REFUND
    out_trade_no: str  # 商户订单号
    transaction_id: str  # 微信订单号 / 支付宝交易号
    amount_fen: int  # payment: 订单金额/应结订单金额; refund: 退款金额 (positive)
    fee_fen: int  # 手续费 / 服务费, signed
    booked_at: dt.datetime  # aware (Asia/Shanghai): when the provider booked it (refund: 退款成功时间/完成时间)
    status: str = SUCCESS
    out_refund_no: str = ""  # 商户退款单号 / 退款批次号/请求号 (refunds only)
    refund_id: str = ""  # 微信退款单号 (refunds only; Alipay has none)
    merchant_id: str = ""  # 商户号 (WeChat) / the 账号 of the preamble (Alipay)
    sub_merchant_id: str = ""  # 特约商户号 (WeChat partner mode)
    app_id: str = ""
    fee_rate: str = ""  # as printed, e.g. "0.60%" (WeChat only)


@dataclass(frozen=True, slots=True)
class Summary:
    """The file's own totals (WeChat summary lines / Alipay 汇总 and trailer), in fen,
    compared with the parsed rows' totals: count of rows, money in, money back, net fee."""

    count: int
    paid_fen: int
    refunded_fen: int
    fee_fen: int
