"""E-invoice lifecycle: requesting a blue invoice for a paid order, submitting it to the provider, polling its
result, retries and the tax-bureau session. Red reversals are in `red.py`.

REQUESTED → ISSUING (sent; the provider answers asynchronously) → ISSUED (number, date, files copied into the
company's storage) or FAILED (reason; a retryable failure gets `next_attempt_at` with backoff, at most
INVOICE_DAILY_RETRY_CAP submissions per invoice per day). Only a query answer marks an invoice ISSUED: a
callback only triggers a poll.

Provider calls happen outside any transaction. Submit and poll of one invoice never overlap: both hold the
invoice's session advisory lock (a worker that cannot take it leaves the invoice to the one that has it).
Status moves by compare-and-set, each transition writes an audit row.

While the company's tax-bureau session is not OK (login or face verification due), invoices stay REQUESTED
with a reason saying so; the session beat (`session_refresh`) and the sweeper resume them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.billing.models import BillLine
from apps.messaging import hooks as messaging_hooks
from apps.payments.models import OrderBill, PaymentOrder, Refund
from heat_platform.kernel.errors import field_error
from heat_platform.kernel.locks import session_lock
from heat_platform.kernel.tasks import enqueue_on_commit

from . import providers as p
from .errors import InvoiceErrorCode
from .models import FeeItemTax, Invoice, InvoiceLine, InvoiceSettings, InvoiceTitle
from .tax import CHARGE_KINDS, NoChargeLinesError, line_tax, share_upto, split_paid, tax_no_valid, unit_price_excl

logger = logging.getLogger(__name__)

S = Invoice.Status
POLL_AFTER = dt.timedelta(seconds=60)  # the sweeper's next look at an invoice being issued
FIRST_POLL_SECONDS = 3  # the first query after a submission (Nuonuo answers within seconds)
RETRY_BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30),
                 dt.timedelta(hours=2), dt.timedelta(hours=6))
LOCK_SCOPE = "invoice"
PAUSED = (p.SESSION_LOGIN_REQUIRED, p.SESSION_FACE_REQUIRED)


# --- settings and the provider -----------------------------------------------------------------------------

def invoice_settings_enabled() -> InvoiceSettings | None:
    """The company's settings when invoicing is enabled, else None (then nothing happens anywhere)."""
    return InvoiceSettings.objects.filter(pk=1, enabled=True).first()


def _nuonuo(credentials: p.ProviderCredentials) -> p.InvoiceProvider:
    from .providers.nuonuo import NuonuoProvider

    return NuonuoProvider(credentials)


PROVIDERS: dict[str, Callable[[p.ProviderCredentials], p.InvoiceProvider]] = {
    InvoiceSettings.Provider.NUONUO: _nuonuo,
}


def invoice_provider(config: InvoiceSettings) -> p.InvoiceProvider:
    """The company's provider adapter, with its decrypted credentials."""
    credentials = p.ProviderCredentials(provider=config.provider, app_key=config.app_key,
                                        app_secret=config.app_secret or "", access_token=config.access_token or "",
                                        seller_tax_no=config.seller_tax_no)
    return PROVIDERS[config.provider](credentials)


def callback_url() -> str:
    """Where the provider posts its (untrusted) callbacks: the company's own domain."""
    from tenants.selectors import current_company

    domain = current_company().get_primary_domain().domain
    return settings.PAYMENTS_NOTIFY_BASE_URL.format(domain=domain).rstrip("/") + "/invoices/callback/nuonuo/"


def order_no_for(prefix: str, pk: int) -> str:
    """Our order number at the provider: prefix + the id in base 36, zero-padded (≤ 32 characters)."""
    digits, n = "", pk
    while n:
        n, r = divmod(n, 36)
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[r] + digits
    return prefix + (digits or "0").zfill(12)


def next_id(model) -> int:
    """The next id of `model`'s sequence, so numbers derived from it are written with the row."""
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [model._meta.db_table])
        return cur.fetchone()[0]


def session_paused(config: InvoiceSettings) -> bool:
    return config.session_state in PAUSED


def session_action(state: str) -> str:
    """What staff must do for a session state (Chinese, for the console)."""
    return {
        p.SESSION_LOGIN_REQUIRED: _(
            "电子税务局登录已失效：请开票人登录诺诺开票平台，按提示完成电子税务局登录（短信验证）。"
            "恢复后待开发票将自动开具。"),
        p.SESSION_FACE_REQUIRED: _(
            "需要开票人人脸认证：请点击“获取人脸认证二维码”，用个人所得税或电子税务局 App 扫码认证。"
            "认证后待开发票将自动开具。"),
    }.get(state, "")


def _pause_reason(config: InvoiceSettings) -> str:
    return _("开票暂停：%(action)s") % {"action": session_action(config.session_state) or config.session_message}


# --- requesting a blue invoice ----------------------------------------------------------------------------

@dataclass(frozen=True)
class BuyerTitle:
    """The buyer (抬头) as requested: a person or a company with its tax number."""

    kind: str  # InvoiceTitle.Kind
    name: str
    tax_no: str = ""
    phone: str = ""
    email: str = ""
    address_phone: str = ""
    bank_account: str = ""

    @classmethod
    def of(cls, title: InvoiceTitle) -> BuyerTitle:
        return cls(kind=title.kind, name=title.name, tax_no=title.tax_no, phone=title.phone, email=title.email,
                   address_phone=title.address_phone, bank_account=title.bank_account)


def buyer_title_clean(title: BuyerTitle) -> BuyerTitle:
    """Validated and trimmed (raises field errors): a name; for a company a valid tax number."""
    kind = title.kind
    if kind not in InvoiceTitle.Kind.values:
        raise field_error("kind", _("请选择抬头类型。"), InvoiceErrorCode.INVALID)
    name = (title.name or "").strip()
    if not name:
        raise field_error("name", _("请填写发票抬头。"), InvoiceErrorCode.REQUIRED)
    if len(name) > 100:
        raise field_error("name", _("发票抬头不能超过 100 个字符。"), InvoiceErrorCode.INVALID)
    tax_no = (title.tax_no or "").strip().upper()
    if kind == InvoiceTitle.Kind.COMPANY:
        if not tax_no:
            raise field_error("taxNo", _("单位抬头须填写税号。"), InvoiceErrorCode.REQUIRED)
        if not tax_no_valid(tax_no):
            raise field_error("taxNo", _("税号格式不正确：应为 18 位统一社会信用代码（或 15、20 位纳税人识别号）。"),
                              InvoiceErrorCode.INVALID_TAX_NO)
    elif tax_no and not tax_no_valid(tax_no):
        raise field_error("taxNo", _("税号格式不正确。"), InvoiceErrorCode.INVALID_TAX_NO)
    email = (title.email or "").strip()
    if email and ("@" not in email or len(email) > 254):
        raise field_error("email", _("邮箱格式不正确。"), InvoiceErrorCode.INVALID)
    phone = (title.phone or "").strip()
    if phone and (not phone.isdigit() or len(phone) > 20):
        raise field_error("phone", _("手机号格式不正确。"), InvoiceErrorCode.INVALID)
    return BuyerTitle(kind=kind, name=name, tax_no=tax_no, phone=phone, email=email,
                      address_phone=(title.address_phone or "").strip()[:200],
                      bank_account=(title.bank_account or "").strip()[:200])


def _default_title(order: PaymentOrder, resident) -> BuyerTitle:
    """The resident's default title, else personal with the house owner's name."""
    who = resident or order.resident
    if who is not None:
        saved = InvoiceTitle.objects.filter(resident=who).order_by("-is_default", "-id").first()
        if saved is not None and saved.is_default:
            return BuyerTitle.of(saved)
    item = order.items.select_related("bill__house").order_by("bill_id").first()
    owner = item.bill.house.owner_name if item else ""
    return BuyerTitle(kind=InvoiceTitle.Kind.PERSONAL, name=owner or (who.display_name if who else "") or _("个人"))


def _same_buyer(invoice: Invoice, buyer: BuyerTitle) -> bool:
    return (invoice.buyer_kind, invoice.buyer_name, invoice.buyer_tax_no) == (buyer.kind, buyer.name, buyer.tax_no)


def _buyer_fields(buyer: BuyerTitle) -> dict:
    return dict(buyer_kind=buyer.kind, buyer_name=buyer.name, buyer_tax_no=buyer.tax_no, buyer_phone=buyer.phone,
                buyer_email=buyer.email, buyer_address_phone=buyer.address_phone,
                buyer_bank_account=buyer.bank_account)


def invoice_request(*, order_id: int, title: BuyerTitle | InvoiceTitle | None = None, resident=None,
                    actor=None) -> Invoice:
    """Request the blue invoice of a paid order (a resident for their own order, staff, or the automatic
    policy). The same buyer again returns the invoice already requested. Its submission is queued after commit."""
    if invoice_settings_enabled() is None:
        raise field_error("orderId", _("本公司尚未开通电子发票。"), InvoiceErrorCode.NOT_ENABLED)
    order = PaymentOrder.objects.select_related("resident").filter(pk=order_id).first()
    if order is None or (resident is not None and order.resident_id != resident.pk):
        raise field_error("orderId", _("找不到该订单。"), InvoiceErrorCode.NOT_FOUND)
    if order.status != PaymentOrder.Status.PAID:
        raise field_error("orderId", _("只有已支付的订单可以开票。"), InvoiceErrorCode.ORDER_NOT_PAID)
    if order.refund_status == PaymentOrder.RefundStatus.FULL:
        raise field_error("orderId", _("该订单已全额退款，不能开票。"), InvoiceErrorCode.NOT_ALLOWED_IN_STATE)
    if isinstance(title, InvoiceTitle):
        title = BuyerTitle.of(title)
    buyer = buyer_title_clean(title) if title is not None else _default_title(order, resident)
    who = actor or resident
    with transaction.atomic():
        # The order row serialises requests for it and gives the lines a consistent view of its refunds.
        order = PaymentOrder.objects.select_for_update().get(pk=order.pk)
        existing = Invoice.objects.select_for_update().filter(order=order, kind=Invoice.Kind.BLUE).first()
        if existing is not None:
            if _same_buyer(existing, buyer):
                return existing
            if existing.attempts == 0 and existing.status in (S.REQUESTED, S.FAILED):
                # Never sent: the new title replaces the old one.
                Invoice.objects.filter(pk=existing.pk).update(**_buyer_fields(buyer), updated_at=timezone.now())
                existing.refresh_from_db()
                audit_record(actor=who, action="invoice.title_changed", target=existing, buyer_kind=buyer.kind)
                return existing
            raise field_error("orderId", _("该订单已申请过发票。"), InvoiceErrorCode.ALREADY_REQUESTED)
        pk = next_id(Invoice)
        invoice = Invoice.objects.create(
            id=pk, order_no=order_no_for("HCI", pk), order=order, total_fen=0, **_buyer_fields(buyer),
            requested_by_resident=resident if resident is not None else None,
            requested_by=actor if actor is not None and resident is None else None)
        problem = _build_lines(invoice, order)
        audit_record(actor=who, action="invoice.requested", target=invoice, order=order.out_trade_no,
                     order_no=invoice.order_no, buyer_kind=buyer.kind, total_fen=invoice.total_fen)
        if problem:
            _fail_now(invoice, problem, retry=False)
        else:
            from .tasks import submit_invoice

            enqueue_on_commit(submit_invoice, invoice.pk)
    invoice.refresh_from_db()
    return invoice


class LinesProblem(str):
    """Why lines could not be built (shown to people)."""


def _build_lines(invoice: Invoice, order: PaymentOrder) -> LinesProblem | None:
    """(Re)write the blue invoice's lines from the money the order's bills took, net of refunds so far, with
    each fee item's tax treatment for the house's category. Call with the order row locked."""
    items = list(OrderBill.objects.filter(order=order).select_related("bill__house").order_by("bill_id"))
    charges: dict[int, list[tuple[str, int]]] = {}
    for bill_id, kind, fen in BillLine.objects.filter(bill_id__in=[i.bill_id for i in items], kind__in=CHARGE_KINDS,
                                                      amount_fen__gt=0).values_list("bill_id", "kind", "amount_fen"):
        charges.setdefault(bill_id, []).append((kind, fen))
    taxes = {(t.line_kind, t.category): t for t in FeeItemTax.objects.all()}
    netted = list(Refund.objects.filter(order=order, status=Refund.Status.SUCCESS).values_list("pk", flat=True))
    rows: list[InvoiceLine] = []
    problem: LinesProblem | None = None
    for item in items:
        net = item.applied_fen - item.refunded_fen
        late = item.late_fee_fen if item.priced_as_quoted else 0
        late_net = late - share_upto(late, item.refunded_fen, item.applied_fen)
        category = item.bill.house.category
        try:
            parts = split_paid(paid_fen=net, late_fee_fen=late_net, charges=charges.get(item.bill_id, []))
        except NoChargeLinesError:
            problem = LinesProblem(_("账单 #%(bill)s 没有可开票的收费项目。") % {"bill": item.bill_id})
            break
        for kind, fen in parts:
            treatment = taxes.get((kind, category))
            if treatment is None:
                problem = LinesProblem(_("收费项目「%(item)s·%(category)s」未设置开票信息") % {
                    "item": BillLine.Kind(kind).label, "category": FeeItemTax.Category(category).label})
                break
            excl, tax, explanation = line_tax(fen, treatment.tax_rate, treatment.favoured_policy)
            quantity = Decimal(1)
            rows.append(InvoiceLine(
                invoice=invoice, index=len(rows) + 1, bill_id=item.bill_id, line_kind=kind,
                goods_name=treatment.goods_name, tax_code=treatment.tax_code, unit=treatment.unit,
                quantity=quantity, unit_price_excl=unit_price_excl(excl, quantity), tax_rate=treatment.tax_rate,
                favoured_policy=treatment.favoured_policy, excl_fen=excl, tax_fen=tax, incl_fen=fen,
                explanation=explanation[:255]))
        if problem:
            break
    if problem is None and not rows:
        problem = LinesProblem(_("该订单已全额退款，无需开票。") if netted else _("该订单没有可开票的金额。"))
    InvoiceLine.objects.filter(invoice=invoice).delete()
    if problem:
        rows = []
    InvoiceLine.objects.bulk_create(rows)
    totals = dict(total_fen=sum(r.incl_fen for r in rows), excl_fen=sum(r.excl_fen for r in rows),
                  tax_fen=sum(r.tax_fen for r in rows), netted_refund_ids=netted)
    Invoice.objects.filter(pk=invoice.pk).update(**totals, updated_at=timezone.now())
    for key, value in totals.items():
        setattr(invoice, key, value)
    return problem


# --- transitions --------------------------------------------------------------------------------------------

def _move(invoice: Invoice, *, sources: tuple[str, ...], to: str, actor=None, action: str, **fields) -> bool:
    """Compare-and-set `sources` → `to` (with `fields`), an audit row when it moved."""
    moved = Invoice.objects.filter(pk=invoice.pk, status__in=sources).update(status=to, updated_at=timezone.now(),
                                                                              **fields)
    if moved:
        previous = invoice.status
        invoice.status = to
        for key, value in fields.items():
            setattr(invoice, key, value)
        detail = {k: v for k, v in fields.items() if k in ("fail_reason", "invoice_number", "serial_no", "attempts")}
        audit_record(actor=actor, action=action, target=invoice, previous_status=previous, status=to,
                     order_no=invoice.order_no, **detail)
    return bool(moved)


def _backoff(day_attempts: int) -> dt.timedelta:
    return RETRY_BACKOFF[min(max(day_attempts, 1), len(RETRY_BACKOFF)) - 1]


def _next_day_start(now: dt.datetime) -> dt.datetime:
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(tomorrow, dt.time.min))


def _day_attempts(invoice: Invoice, today: dt.date) -> int:
    return invoice.day_attempts if invoice.attempts_on == today else 0


def daily_cap() -> int:
    return getattr(settings, "INVOICE_DAILY_RETRY_CAP", 10)


def _fail_now(invoice: Invoice, reason: str, *, retry: bool, sources: tuple[str, ...] | None = None) -> bool:
    """→ FAILED with `reason`; a retryable failure gets its next attempt by backoff (next day past the cap)."""
    now = timezone.now()
    next_at = None
    if retry:
        done = _day_attempts(invoice, timezone.localdate(now))
        next_at = _next_day_start(now) if done >= daily_cap() else now + _backoff(done)
    return _move(invoice, sources=sources or (S.REQUESTED, S.ISSUING), to=S.FAILED, action="invoice.failed",
                 fail_reason=reason[:255], next_attempt_at=next_at)


def _issue_request(invoice: Invoice, config: InvoiceSettings) -> p.IssueRequest:
    lines = tuple(p.InvoiceLineRequest(
        goods_name=line.goods_name, tax_code=line.tax_code, unit=line.unit, quantity=_text(line.quantity),
        unit_price_excl=_text(line.unit_price_excl), tax_rate=_text(line.tax_rate), excl_fen=line.excl_fen,
        tax_fen=line.tax_fen, incl_fen=line.incl_fen, favoured_policy=line.favoured_policy,
        favoured_policy_name=_policy_name(line.favoured_policy)) for line in invoice.lines.all())
    push = {(True, True): 2, (True, False): 0, (False, True): 1}.get((bool(invoice.buyer_email),
                                                                       bool(invoice.buyer_phone)), -1)
    return p.IssueRequest(
        order_no=invoice.order_no, invoice_line=invoice.invoice_line, issued_at=timezone.localtime(),
        buyer_name=invoice.buyer_name, buyer_tax_no=invoice.buyer_tax_no, buyer_phone=invoice.buyer_phone,
        buyer_email=invoice.buyer_email, buyer_address_phone=invoice.buyer_address_phone,
        buyer_bank_account=invoice.buyer_bank_account, seller_name=config.seller_name,
        seller_address_phone=config.seller_address_phone, seller_bank_account=config.seller_bank_account,
        drawer=config.drawer, push_mode=push, callback_url=callback_url(), lines=lines)


def _text(value: Decimal) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text if text not in ("-0",) else "0"


def _policy_name(code: str) -> str:
    from .tax import POLICY_NAMES

    return POLICY_NAMES.get(code, "")


def invoice_submit(*, invoice_id: int) -> Invoice | None:
    """Send a REQUESTED invoice to the provider (REQUESTED → ISSUING), outside any transaction. An answer of
    "duplicate order" means it was sent before: query it. A timeout leaves it ISSUING for the poll to find."""
    with session_lock(LOCK_SCOPE, invoice_id) as held:
        if not held:
            return None
        return _submit(invoice_id)


def _submit(invoice_id: int) -> Invoice | None:
    config = invoice_settings_enabled()
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None or config is None or invoice.status != S.REQUESTED or invoice.kind != Invoice.Kind.BLUE:
        return invoice  # a red invoice is never sent as an order: the bureau issues it from its confirmation
    now = timezone.now()
    today = timezone.localdate(now)
    if session_paused(config):
        reason = _pause_reason(config)[:255]
        Invoice.objects.filter(pk=invoice.pk, status=S.REQUESTED).update(fail_reason=reason, next_attempt_at=None)
        invoice.fail_reason = reason
        return invoice
    done = _day_attempts(invoice, today)
    if done >= daily_cap():
        reason = _("今日重试次数已达上限（%(cap)s 次），明日自动重试。") % {"cap": daily_cap()}
        _fail_now(invoice, reason, retry=True, sources=(S.REQUESTED,))
        return invoice
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().get(pk=invoice.order_id)
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        if invoice.status != S.REQUESTED:
            return invoice
        if invoice.kind == Invoice.Kind.BLUE and invoice.attempts == 0:
            # Never sent: refunds since the request are netted out (their money is not invoiced at all).
            problem = _build_lines(invoice, order)
            if problem:
                _fail_now(invoice, problem, retry=False)
                return invoice
        resend = bool(invoice.serial_no)
        if not _move(invoice, sources=(S.REQUESTED,), to=S.ISSUING, action="invoice.submitted",
                     attempts=invoice.attempts + 1, attempts_on=today, day_attempts=done + 1, fail_reason="",
                     next_attempt_at=now + POLL_AFTER):
            return invoice
        request = _issue_request(invoice, config)
    provider = invoice_provider(config)
    try:
        if resend:
            # The provider has it (failed, or signing failed): Nuonuo re-issues it under the same serial.
            provider.reissue(order_no=invoice.order_no, serial_no=invoice.serial_no)
            serial = invoice.serial_no
        else:
            serial = provider.issue(request)
    except p.DuplicateOrder:
        return _poll(invoice.pk, config=config, provider=provider)
    except p.InvoiceProviderError as exc:
        return _provider_failed(invoice, config, exc, during="submit")
    if serial and serial != invoice.serial_no:
        Invoice.objects.filter(pk=invoice.pk).update(serial_no=serial[:64])
        invoice.serial_no = serial[:64]
    from .tasks import poll_invoice

    poll_invoice.apply_async((invoice.pk,), countdown=FIRST_POLL_SECONDS,
                             headers={"_schema_name": connection.schema_name})
    return invoice


def _provider_failed(invoice: Invoice, config: InvoiceSettings, exc: p.InvoiceProviderError, *,
                     during: str) -> Invoice:
    logger.warning("invoice %s: provider %s failed code=%s: %s", invoice.order_no, during, exc.code, exc)
    message = _("开票服务商返回错误（%(code)s）：%(message)s") % {"code": exc.code or "-", "message": str(exc)[:150]}
    if exc.session:
        session_mark(config, state=p.SESSION_LOGIN_REQUIRED, message=str(exc)[:255])
        # Back to REQUESTED: it is resent (the same order number) once the session is OK again.
        _move(invoice, sources=(S.ISSUING,), to=S.REQUESTED, action="invoice.paused",
              fail_reason=_pause_reason(config)[:255], next_attempt_at=None)
    elif exc.retryable:
        # The request may have arrived (a timeout): the poll asks, and resends if the provider never got it.
        Invoice.objects.filter(pk=invoice.pk, status=S.ISSUING).update(
            fail_reason=message[:255], next_attempt_at=timezone.now() + POLL_AFTER)
    else:
        _fail_now(invoice, message, retry=False, sources=(S.ISSUING,))
    invoice.refresh_from_db()
    return invoice


def invoice_poll(*, invoice_id: int) -> Invoice | None:
    """Ask the provider about an ISSUING invoice and act on the answer (the only way to ISSUED)."""
    with session_lock(LOCK_SCOPE, invoice_id) as held:
        if not held:
            return None
        return _poll(invoice_id)


def _poll(invoice_id: int, *, config: InvoiceSettings | None = None,
          provider: p.InvoiceProvider | None = None) -> Invoice | None:
    config = config or invoice_settings_enabled()
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None or config is None or invoice.status != S.ISSUING:
        return invoice
    provider = provider or invoice_provider(config)
    try:
        result = provider.query(invoice.order_no)
    except p.InvoiceProviderError as exc:
        return _provider_failed(invoice, config, exc, during="query")
    now = timezone.now()
    if result.serial_no and result.serial_no != invoice.serial_no:
        Invoice.objects.filter(pk=invoice.pk).update(serial_no=result.serial_no[:64])
        invoice.serial_no = result.serial_no[:64]
    if result.state == p.ISSUED:
        return _issued(invoice, provider, result)
    if result.state in (p.ISSUING, p.SIGNING):
        Invoice.objects.filter(pk=invoice.pk, status=S.ISSUING).update(next_attempt_at=now + POLL_AFTER)
    elif result.state == p.SIGN_FAILED:
        try:
            provider.reissue(order_no=invoice.order_no, serial_no=invoice.serial_no or result.serial_no)
        except p.InvoiceProviderError as exc:
            return _provider_failed(invoice, config, exc, during="reissue")
        audit_record(actor=None, action="invoice.reissued", target=invoice, order_no=invoice.order_no,
                     reason=result.fail_reason[:150])
        Invoice.objects.filter(pk=invoice.pk, status=S.ISSUING).update(next_attempt_at=now + POLL_AFTER)
    elif result.state == p.FAILED:
        if result.session_dropped:
            session_mark(config, state=p.SESSION_LOGIN_REQUIRED, message=result.fail_reason[:255])
            _move(invoice, sources=(S.ISSUING,), to=S.REQUESTED, action="invoice.paused",
                  fail_reason=_pause_reason(config)[:255], next_attempt_at=None)
        else:
            _fail_now(invoice, result.fail_reason or _("开票失败（服务商未说明原因）"), retry=True,
                      sources=(S.ISSUING,))
    elif result.state == p.NOT_FOUND:
        if invoice.serial_no and invoice.updated_at > now - 5 * POLL_AFTER:
            # Accepted moments ago: Nuonuo answers "not found" for a while after a submission.
            Invoice.objects.filter(pk=invoice.pk, status=S.ISSUING).update(next_attempt_at=now + POLL_AFTER)
        elif _move(invoice, sources=(S.ISSUING,), to=S.REQUESTED, action="invoice.resend",
                   serial_no="", next_attempt_at=now):
            # It never arrived (the submission timed out before the provider had it): send it again, same number.
            from .tasks import submit_invoice

            submit_invoice.apply_async((invoice.pk,), headers={"_schema_name": connection.schema_name})
    invoice.refresh_from_db()
    return invoice


FILE_KINDS = (("pdf", "pdf_url", "pdf_path"), ("ofd", "ofd_url", "ofd_path"), ("xml", "xml_url", "xml_path"))


def _issued(invoice: Invoice, provider: p.InvoiceProvider, result: p.InvoiceResult) -> Invoice:
    """Copy the layout files into the company's storage (provider URLs expire), then ISSUING → ISSUED."""
    paths: dict[str, str] = {}
    issued_at = result.issued_at or timezone.now()
    for ext, url_field, path_field in FILE_KINDS:
        url = getattr(result, url_field)
        if not url:
            continue
        try:
            content = provider.download(url)
        except p.InvoiceProviderError as exc:
            if ext == "xml":
                continue  # optional; the PDF and OFD are what people open
            logger.warning("invoice %s: %s download failed (%s); polled again", invoice.order_no, ext, exc)
            Invoice.objects.filter(pk=invoice.pk, status=S.ISSUING).update(
                next_attempt_at=timezone.now() + POLL_AFTER)
            invoice.refresh_from_db()
            return invoice
        name = f"invoices/{timezone.localtime(issued_at):%Y%m}/{invoice.order_no}.{ext}"
        if default_storage.exists(name):
            default_storage.delete(name)  # an earlier poll's copy of the same file
        paths[path_field] = default_storage.save(name, ContentFile(content))
    with transaction.atomic():
        moved = _move(invoice, sources=(S.ISSUING,), to=S.ISSUED, action="invoice.issued",
                      invoice_number=(result.invoice_number or "")[:20], issued_at=issued_at, fail_reason="",
                      next_attempt_at=None, serial_no=(result.serial_no or invoice.serial_no)[:64], **paths)
        if moved and invoice.kind == Invoice.Kind.RED:
            from .red import red_invoice_issued

            red_invoice_issued(invoice)
        if moved and invoice.kind == Invoice.Kind.BLUE:
            messaging_hooks.invoice_issued(invoice.pk)  # tell the resident, after commit
    if moved and invoice.kind == Invoice.Kind.BLUE:
        from .red import reds_catch_up

        reds_catch_up(invoice)
    invoice.refresh_from_db()
    return invoice


def invoice_retry(*, invoice_id: int, actor=None) -> Invoice:
    """FAILED → REQUESTED and submit again (staff, or the sweeper when its backoff is due). Within the day's cap."""
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None:
        raise field_error("id", _("找不到该发票。"), InvoiceErrorCode.NOT_FOUND)
    if invoice.status != S.FAILED:
        raise field_error("id", _("只有开票失败的发票可以重试。"), InvoiceErrorCode.NOT_ALLOWED_IN_STATE)
    if invoice.kind != Invoice.Kind.BLUE:
        raise field_error("id", _("红字发票由税局依红字确认单开具，不能重试；请对蓝字发票重新红冲。"),
                          InvoiceErrorCode.NOT_ALLOWED_IN_STATE)
    if _day_attempts(invoice, timezone.localdate()) >= daily_cap():
        raise field_error("id", _("今日重试次数已达上限（%(cap)s 次），请明日再试。") % {"cap": daily_cap()},
                          InvoiceErrorCode.DAILY_CAP)
    with transaction.atomic():
        if not _move(invoice, sources=(S.FAILED,), to=S.REQUESTED, actor=actor, action="invoice.retry",
                     next_attempt_at=timezone.now()):
            raise field_error("id", _("发票状态已变化，请刷新后重试。"), InvoiceErrorCode.CONCURRENT_CHANGE)
        from .tasks import submit_invoice

        enqueue_on_commit(submit_invoice, invoice.pk)
    invoice.refresh_from_db()
    return invoice


def invoice_callback(*, order_no: str = "", bill_id: str = "") -> str:
    """A provider callback named an order (or a red confirmation): never trusted, it only queues a query."""
    from .models import RedConfirmation
    from .tasks import poll_invoice, red_poll_task

    schema = {"_schema_name": connection.schema_name}
    if order_no:
        invoice = Invoice.objects.filter(order_no=order_no).only("pk", "status").first()
        if invoice is not None:
            if invoice.status == S.ISSUING:
                poll_invoice.apply_async((invoice.pk,), headers=schema)
                return "poll"
            confirmation = RedConfirmation.objects.filter(red_order_no=order_no).only("pk").first()
            if confirmation is not None:
                red_poll_task.apply_async((confirmation.pk,), headers=schema)
                return "red poll"
            return "ignored"
    if bill_id:
        confirmation = RedConfirmation.objects.filter(bill_id=bill_id).only("pk").first()
        if confirmation is not None:
            red_poll_task.apply_async((confirmation.pk,), headers=schema)
            return "red poll"
    return "unknown"


# --- the tax-bureau session --------------------------------------------------------------------------------

def session_mark(config: InvoiceSettings, *, state: str, message: str = "") -> None:
    """Record the session state as seen now (a failure that named the session, or a check)."""
    now = timezone.now()
    previous = config.session_state
    InvoiceSettings.objects.filter(pk=config.pk).update(session_state=state, session_message=message[:255],
                                                        session_checked_at=now)
    config.session_state, config.session_message, config.session_checked_at = state, message[:255], now
    if previous != state:
        audit_record(actor=None, action="invoice.session", target=config, previous_state=previous, state=state)


def session_refresh() -> InvoiceSettings | None:
    """Ask the provider for the session state and the credit line; store both on the settings. When the session
    is OK again, invoices paused for it are submitted."""
    config = invoice_settings_enabled()
    if config is None:
        return None
    provider = invoice_provider(config)
    try:
        state = provider.session_state()
    except p.InvoiceProviderError as exc:
        logger.warning("invoice session check failed code=%s: %s", exc.code, exc)
        if exc.session:
            session_mark(config, state=p.SESSION_LOGIN_REQUIRED, message=str(exc))
        return config
    was_paused = session_paused(config)
    session_mark(config, state=state.state, message=state.message)
    if state.state == p.SESSION_OK:
        try:
            credit = provider.credit_line()
        except p.InvoiceProviderError as exc:
            logger.info("credit line not available: %s", exc)
        else:
            InvoiceSettings.objects.filter(pk=config.pk).update(
                credit_total_fen=credit.total_fen, credit_remaining_fen=credit.remaining_fen,
                credit_checked_at=credit.checked_at or timezone.now())
        if was_paused:
            invoices_resume()
    config.refresh_from_db()
    return config


def session_face_qr() -> p.SessionState | None:
    """Fetch a face-verification QR code for the drawer (the bureau gives at most one a minute). Not stored:
    it expires within minutes."""
    config = invoice_settings_enabled()
    if config is None:
        return None
    try:
        state = invoice_provider(config).face_qr()
    except p.InvoiceProviderError as exc:
        raise field_error("session", _("获取人脸认证二维码失败：%(message)s") % {"message": str(exc)[:150]},
                          InvoiceErrorCode.PROVIDER_ERROR) from exc
    session_mark(config, state=state.state, message=state.message)
    return state


def invoices_resume() -> int:
    """Queue the submission of REQUESTED invoices that are due (paused ones included)."""
    from .tasks import submit_invoice

    ids = list(Invoice.objects.filter(status=S.REQUESTED).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())).values_list("pk", flat=True))
    for pk in ids:
        enqueue_on_commit(submit_invoice, pk)
    return len(ids)


# --- automatic policy -------------------------------------------------------------------------------------

def invoice_auto_request(*, order_id: int) -> Invoice | None:
    """Policy AUTOMATIC: after a payment settles, its blue invoice for the resident's default title (or personal
    with the owner's name). Nothing when invoicing is off, the policy is on request, or one exists already."""
    config = invoice_settings_enabled()
    if config is None or config.policy != InvoiceSettings.Policy.AUTOMATIC:
        return None
    if Invoice.objects.filter(order_id=order_id, kind=Invoice.Kind.BLUE).exists():
        return None
    order = PaymentOrder.objects.filter(pk=order_id, status=PaymentOrder.Status.PAID).first()
    if order is None or order.refund_status == PaymentOrder.RefundStatus.FULL:
        return None
    return invoice_request(order_id=order_id, title=None, resident=None, actor=None)


# --- the sweeper ------------------------------------------------------------------------------------------

def invoices_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """One company, every minute: submit REQUESTED invoices that are due (paused ones wait for the session),
    poll ISSUING ones whose next look is due, retry FAILED ones whose backoff is over, poll red confirmations
    under way. Each step runs inline: the invoice's lock keeps it from doubling with a queued task."""
    from .models import RedConfirmation
    from .red import red_poll

    config = invoice_settings_enabled()
    if config is None:
        return {}
    now = now or timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    counts = {"submitted": 0, "polled": 0, "retried": 0, "red": 0}
    # Only blue invoices are sent: a red one is issued by the bureau from its confirmation (red.py polls it).
    blue = Q(kind=Invoice.Kind.BLUE)
    if not session_paused(config):
        for pk in Invoice.objects.filter(due, blue, status=S.REQUESTED).values_list("pk", flat=True)[:200]:
            invoice_submit(invoice_id=pk)
            counts["submitted"] += 1
    for pk in Invoice.objects.filter(due, status=S.ISSUING).values_list("pk", flat=True)[:200]:
        invoice_poll(invoice_id=pk)
        counts["polled"] += 1
    failed = Invoice.objects.filter(blue, status=S.FAILED, next_attempt_at__lte=now)
    for pk in failed.values_list("pk", flat=True)[:200]:
        try:
            invoice_retry(invoice_id=pk, actor=None)
        except Exception as exc:  # the cap reached meanwhile: its next attempt is tomorrow
            logger.info("invoice #%s not retried: %s", pk, exc)
            continue
        counts["retried"] += 1
    open_reds = RedConfirmation.objects.filter(status__in=(
        RedConfirmation.Status.REQUESTED, RedConfirmation.Status.PENDING, RedConfirmation.Status.CONFIRMED))
    for pk in open_reds.values_list("pk", flat=True)[:200]:
        red_poll(confirmation_id=pk)
        counts["red"] += 1
    return counts
