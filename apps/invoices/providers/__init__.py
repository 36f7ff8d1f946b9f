"""E-invoice (数电票) providers behind one small port.

A provider is the vendor cloud that holds the company's tax-bureau session and
issues fully digital invoices for it (Nuonuo 诺税通 first: providers/nuonuo.py).
It issues blue invoices, answers their state (asynchronous: issuing → signing →
done, or failed), serves the layout files (PDF/OFD/XML), handles red-letter
confirmations (红字确认单) that reverse an invoice in full or by line, and tells
the state of the company's tax-bureau session and its credit line.

There is no separate sandbox provider class: `make run` and the tests point the
same adapter at the local sandbox (apps/invoices/sandbox) through
`settings.INVOICE_NUONUO_GATEWAY`.

Rules every adapter keeps:
- Our idempotency keys go out as the provider's order numbers (`order_no` for a
  blue or red invoice, `bill_id` for a red confirmation): resubmitting after a
  timeout never issues twice, and the provider's "duplicate order" answer raises
  `DuplicateOrder` so the caller queries instead of failing.
- Callbacks are never trusted alone: `parse_callback` only says which order to
  query again.
- Never called inside a database transaction; secrets never reach a log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

# Invoice states as the port reports them (Nuonuo: 20 → ISSUING, 21 → SIGNING, 2 → ISSUED, 22 → FAILED,
# 24 → SIGN_FAILED (re-issue), E9500 → NOT_FOUND).
ISSUING = "issuing"
SIGNING = "signing"
ISSUED = "issued"
FAILED = "failed"
SIGN_FAILED = "sign_failed"
NOT_FOUND = "not_found"

# Red confirmation (红字确认单) states.
RED_PENDING = "pending"  # submitted, the other side must confirm (or the bureau is processing)
RED_CONFIRMED = "confirmed"  # 无需确认 / 双方已确认: the bureau issues the red invoice by itself
RED_ISSUED = "issued"  # the red invoice exists (its number is known)
RED_FAILED = "failed"
RED_REVOKED = "revoked"

# Bureau red reasons (stored as these; each adapter maps to its own codes).
RED_REASON_WRONG = "01"  # 开票有误
RED_REASON_RETURN = "02"  # 销货退回
RED_REASON_STOPPED = "03"  # 服务中止
RED_REASON_ALLOWANCE = "04"  # 销售折让

# Session states.
SESSION_OK = "ok"
SESSION_LOGIN_REQUIRED = "login_required"  # the drawer must log in to 电子税务局 again
SESSION_FACE_REQUIRED = "face_required"  # face verification (人脸认证) is due


class InvoiceProviderError(Exception):
    """The provider refused or could not be reached. `code`: the provider's own code (E9613, 070301, …) or
    NETWORK / BAD_RESPONSE / BAD_SIGNATURE; `retryable` when trying later may help; `session` when the
    tax-bureau session is the cause (staff must act)."""

    def __init__(self, message: str, *, code: str = "", retryable: bool = False, session: bool = False):
        super().__init__(message)
        self.code = code
        self.retryable = retryable
        self.session = session


class DuplicateOrder(InvoiceProviderError):  # noqa: N818  (a verdict: "already submitted, query it")
    """The provider already has this order number (Nuonuo E9106): query it, do not fail."""


@dataclass(frozen=True)
class ProviderCredentials:
    """Decrypted credentials of one company's provider account. Secrets have repr=False."""

    provider: str  # "nuonuo"
    app_key: str
    app_secret: str = field(repr=False)
    access_token: str = field(repr=False)
    seller_tax_no: str  # userTax: the company's tax number (third-party app mode)


@dataclass(frozen=True)
class InvoiceLineRequest:
    """One line, tax computed by us (apps.invoices.tax): incl = excl + tax, in fen."""

    goods_name: str
    tax_code: str  # 19-digit tax classification code
    unit: str
    quantity: str  # decimal text, e.g. "1" or "89.50"
    unit_price_excl: str  # decimal text, ≤ 8 places, tax excluded
    tax_rate: str  # "0", "0.09" …
    excl_fen: int
    tax_fen: int
    incl_fen: int
    favoured_policy: str = ""  # "03" 免税, "04" 不征税 … ("" = none)
    favoured_policy_name: str = ""


@dataclass(frozen=True)
class IssueRequest:
    order_no: str  # ours, unique per company: the idempotency key
    invoice_line: str  # "pc" 数电普票 | "bs" 数电专票
    issued_at: dt.datetime
    buyer_name: str
    buyer_tax_no: str = ""  # companies only
    buyer_phone: str = ""
    buyer_email: str = ""
    buyer_address_phone: str = ""
    buyer_bank_account: str = ""
    natural_person: bool = False
    seller_name: str = ""
    seller_address_phone: str = ""
    seller_bank_account: str = ""
    drawer: str = ""  # 开票人 (clerk)
    remark: str = ""
    push_mode: int = -1  # -1 none, 0 email, 1 SMS, 2 both
    callback_url: str = ""
    lines: tuple[InvoiceLineRequest, ...] = ()


@dataclass(frozen=True)
class InvoiceResult:
    order_no: str
    state: str  # ISSUING / SIGNING / ISSUED / FAILED / SIGN_FAILED / NOT_FOUND
    serial_no: str = ""  # the provider's 流水号 (fpqqlsh)
    invoice_number: str = ""  # 20-digit 数电 number
    issued_at: dt.datetime | None = None
    total_fen: int | None = None
    pdf_url: str = ""
    ofd_url: str = ""
    xml_url: str = ""
    fail_reason: str = ""
    session_dropped: bool = False  # the provider said the bureau session dropped (staff must log in)


@dataclass(frozen=True)
class RedLineRequest:
    blue_line_index: int  # 1-based, as the blue invoice's lines were sent
    goods_name: str
    tax_code: str
    tax_rate: str
    quantity: str  # negative decimal text
    unit_price_excl: str  # positive
    excl_fen: int  # negative
    tax_fen: int  # negative
    favoured_policy: str = ""


@dataclass(frozen=True)
class RedRequest:
    bill_id: str  # ours: the red confirmation's idempotency key
    order_no: str  # ours: the red invoice the bureau issues from it
    blue_invoice_number: str
    blue_invoice_line: str
    reason: str  # RED_REASON_*
    seller_tax_no: str
    seller_name: str
    buyer_name: str
    buyer_tax_no: str = ""
    callback_url: str = ""
    lines: tuple[RedLineRequest, ...] = ()  # empty: the whole invoice


@dataclass(frozen=True)
class RedResult:
    bill_id: str
    state: str  # RED_*
    confirmation_no: str = ""  # 红字确认单编号 / 申请号
    red_invoice_number: str = ""
    red_order_no: str = ""
    fail_reason: str = ""


@dataclass(frozen=True)
class SessionState:
    state: str  # SESSION_*
    message: str = ""  # what the provider said, for staff
    face_qr_url: str = ""  # when face verification is due and a QR code was fetched
    checked_at: dt.datetime | None = None


@dataclass(frozen=True)
class CreditLine:
    total_fen: int
    used_fen: int
    remaining_fen: int
    checked_at: dt.datetime | None = None


@dataclass(frozen=True)
class CallbackEvent:
    """What a callback names (never trusted: the caller queries the order again)."""

    kind: str  # "invoice" | "red" | "session"
    order_no: str = ""
    bill_id: str = ""


class InvoiceProvider(Protocol):
    def issue(self, request: IssueRequest) -> str: ...  # → the provider's serial no; DuplicateOrder when known
    def query(self, order_no: str) -> InvoiceResult: ...
    def reissue(self, *, order_no: str, serial_no: str) -> None: ...  # after SIGN_FAILED (Nuonuo reInvoice)
    def download(self, url: str) -> bytes: ...  # a layout file (PDF/OFD/XML) from a result's URL
    def request_red(self, request: RedRequest) -> RedResult: ...
    def query_red(self, bill_id: str) -> RedResult: ...
    def refresh_red(self, bill_id: str) -> RedResult: ...
    def confirm_red(self, bill_id: str, *, agree: bool) -> RedResult: ...
    def revoke_red(self, bill_id: str) -> RedResult: ...
    def session_state(self) -> SessionState: ...
    def face_qr(self) -> SessionState: ...
    def credit_line(self) -> CreditLine: ...
    def parse_callback(self, form: dict[str, str]) -> CallbackEvent: ...
