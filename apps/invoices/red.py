"""Red reversal (红冲) of issued blue invoices: a red-letter confirmation (红字确认单) at the provider, after which
the bureau issues the red invoice by itself (数电: 无需确认 / 双方已确认), which we then poll like any invoice.

- A refund of an order whose blue invoice is ISSUED: the whole invoice when the order is fully refunded and
  nothing of it was reversed yet (reason 02 销货退回; the blue becomes RED_REQUESTED), else the lines of the bills
  the refund took money from (`Refund.bill_effects`): the late fee it took back on the late-fee line, the rest over
  the bill's other lines in proportion to what they have left, never more than a line has left (reversed by
  issued reds, or claimed by reds under way).
- Staff reverse by hand (`red_manual`), in full or by line, with a reason and a note.
- The red invoice ISSUED: blue lines' `reversed_fen` grows by its lines; the blue is REVERSED once nothing is left.
- A refund that succeeded while the blue was being issued is caught up when it is ISSUED (`reds_catch_up`); a
  refund before the blue was first sent is netted out of its lines instead (`Invoice.netted_refund_ids`).

Numbers: the confirmation's billId "HCR…" and its red invoice's orderNo "HCV…", both from the confirmation id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.payments.models import PaymentOrder, Refund
from heat_platform.kernel.errors import field_error
from heat_platform.kernel.locks import session_lock, xact_lock
from heat_platform.kernel.tasks import enqueue_on_commit
from heat_platform.money import fen_to_yuan_str

from . import providers as p
from .errors import InvoiceErrorCode
from .models import Invoice, InvoiceLine, RedConfirmation
from .services import (
    LOCK_SCOPE,
    _move,
    _poll,
    _text,
    invoice_provider,
    invoice_settings_enabled,
    next_id,
    order_no_for,
)
from .tax import LATE_FEE, QTY_PLACES, line_tax, red_split, share_upto, unit_price_excl

logger = logging.getLogger(__name__)

RS = RedConfirmation.Status
S = Invoice.Status
OPEN = (RS.REQUESTED, RS.PENDING, RS.CONFIRMED)
REASONS = (p.RED_REASON_WRONG, p.RED_REASON_RETURN, p.RED_REASON_STOPPED, p.RED_REASON_ALLOWANCE)


@dataclass(frozen=True)
class RedLineInput:
    """Staff's partial reversal: reverse `incl_fen` (positive, tax included) of blue line `index`."""

    index: int
    incl_fen: int


def lines_left(blue: Invoice) -> dict[int, int]:
    """{blue line index: fen still reversible}: the line's amount less what issued reds reversed and reds under way
    claim."""
    left = {line.index: line.incl_fen - line.reversed_fen for line in blue.lines.all()}
    for confirmation in RedConfirmation.objects.filter(blue=blue, status__in=OPEN):
        if confirmation.full:
            return dict.fromkeys(left, 0)
        for row in confirmation.lines:
            left[row["blue_line_index"]] = left.get(row["blue_line_index"], 0) + row["incl_fen"]  # negative
    return left


def _red_rows(blue: Invoice, amounts: dict[int, int]) -> list[dict]:
    """Red lines for `amounts` {blue index: fen to reverse (positive)}: excl, tax and quantity cut from the blue
    line cumulatively, so a line reversed in parts gives back exactly its excl, tax and quantity."""
    lines = {line.index: line for line in blue.lines.all()}
    claimed = {i: lines[i].incl_fen - left for i, left in lines_left(blue).items()}
    rows = []
    for index in sorted(amounts):
        fen = amounts[index]
        if fen <= 0:
            continue
        line = lines[index]
        before, after = claimed[index], claimed[index] + fen
        excl = share_upto(line.excl_fen, after, line.incl_fen) - share_upto(line.excl_fen, before, line.incl_fen)

        quantity = max(_qty_upto(line, after) - _qty_upto(line, before), QTY_PLACES)
        rows.append({"blue_line_index": index, "incl_fen": -fen, "excl_fen": -excl, "tax_fen": -(fen - excl),
                     "quantity": str(-quantity)})
    return rows


def _qty_upto(line: InvoiceLine, fen: int) -> Decimal:
    return (line.quantity * fen / line.incl_fen).quantize(QTY_PLACES, rounding=ROUND_HALF_UP)


def _create(blue: Invoice, *, full: bool, amounts: dict[int, int], reason: str, refund: Refund | None = None,
            note: str = "", actor=None) -> RedConfirmation:
    """The confirmation, its red invoice (REQUESTED, negative lines) and, for a full one, blue → RED_REQUESTED.
    Call inside a transaction holding the blue's red lock."""
    lines = {line.index: line for line in blue.lines.all()}
    if full:
        amounts = {i: line.incl_fen for i, line in lines.items()}
    rows = _red_rows(blue, amounts)
    total = sum(r["incl_fen"] for r in rows)
    pk = next_id(RedConfirmation)
    confirmation = RedConfirmation.objects.create(
        id=pk, blue=blue, refund=refund, bill_id=order_no_for("HCR", pk), red_order_no=order_no_for("HCV", pk),
        reason=reason, full=full, lines=[] if full else rows, total_fen=total, note=note[:255], requested_by=actor)
    red = Invoice.objects.create(
        kind=Invoice.Kind.RED, status=S.REQUESTED, order_id=blue.order_id, order_no=confirmation.red_order_no,
        blue=blue, invoice_line=blue.invoice_line, buyer_kind=blue.buyer_kind, buyer_name=blue.buyer_name,
        buyer_tax_no=blue.buyer_tax_no, total_fen=total, excl_fen=sum(r["excl_fen"] for r in rows),
        tax_fen=sum(r["tax_fen"] for r in rows), requested_by=actor)
    red_lines = []
    for n, row in enumerate(rows, start=1):
        blue_line = lines[row["blue_line_index"]]
        quantity = Decimal(row["quantity"])
        _excl, _tax, explanation = line_tax(row["incl_fen"], blue_line.tax_rate, blue_line.favoured_policy)
        red_lines.append(InvoiceLine(
            invoice=red, index=n, bill_id=blue_line.bill_id, line_kind=blue_line.line_kind,
            goods_name=blue_line.goods_name, tax_code=blue_line.tax_code, unit=blue_line.unit, quantity=quantity,
            unit_price_excl=unit_price_excl(row["excl_fen"], quantity), tax_rate=blue_line.tax_rate,
            favoured_policy=blue_line.favoured_policy, excl_fen=row["excl_fen"], tax_fen=row["tax_fen"],
            incl_fen=row["incl_fen"], blue_line=blue_line, explanation=explanation[:255]))
    InvoiceLine.objects.bulk_create(red_lines)
    RedConfirmation.objects.filter(pk=pk).update(red_invoice=red)
    confirmation.red_invoice = red
    if full:
        _move(blue, sources=(S.ISSUED,), to=S.RED_REQUESTED, actor=actor, action="invoice.red_requested")
    audit_record(actor=actor, action="invoice.red_confirmation", target=confirmation, blue=blue.order_no,
                 bill_id=confirmation.bill_id, full=full, reason=reason, total_fen=total,
                 refund=refund.out_refund_no if refund else None,
                 lines=[{"index": r["blue_line_index"], "incl_fen": r["incl_fen"]} for r in rows])
    enqueue_on_commit(_red_submit_task(), confirmation.pk)
    return confirmation


def _red_submit_task():
    from .tasks import red_submit_task

    return red_submit_task


def _lock_blue(blue_id: int) -> Invoice:
    xact_lock("invoice.red", blue_id)
    return Invoice.objects.select_for_update().get(pk=blue_id)


def red_for_refund(*, refund_id: int) -> RedConfirmation | None:
    """Answer a successful refund of an order with an ISSUED blue invoice (idempotent per refund)."""
    if invoice_settings_enabled() is None:
        return None
    refund = Refund.objects.select_related("order").filter(pk=refund_id, status=Refund.Status.SUCCESS).first()
    if refund is None:
        return None
    blue = Invoice.objects.filter(order_id=refund.order_id, kind=Invoice.Kind.BLUE).first()
    if blue is None:
        return None
    with transaction.atomic():
        blue = _lock_blue(blue.pk)
        existing = RedConfirmation.objects.filter(refund=refund).first()
        if existing is not None or refund.pk in blue.netted_refund_ids:
            return existing
        if blue.status != S.ISSUED:
            # Not sent yet: netted out when it is sent. Being issued: caught up once ISSUED (reds_catch_up).
            return None
        left = lines_left(blue)
        if not any(left.values()):
            return None
        nothing_reversed = all(left[line.index] == line.incl_fen for line in blue.lines.all())
        order = PaymentOrder.objects.get(pk=refund.order_id)
        if order.refund_status == PaymentOrder.RefundStatus.FULL:
            if nothing_reversed:
                return _create(blue, full=True, amounts={}, reason=p.RED_REASON_RETURN, refund=refund)
            return _create(blue, full=False, amounts={i: f for i, f in left.items() if f > 0},
                           reason=p.RED_REASON_RETURN, refund=refund)
        amounts = _refund_amounts(blue, refund, left)
        if not any(amounts.values()):
            return None
        return _create(blue, full=False, amounts=amounts, reason=p.RED_REASON_RETURN, refund=refund)


def _refund_amounts(blue: Invoice, refund: Refund, left: dict[int, int]) -> dict[int, int]:
    """{blue index: fen}: per bill the refund took money from, its late fee back on the late-fee line, the rest over
    the bill's other lines by what they have left."""
    by_bill: dict[int, list[InvoiceLine]] = {}
    for line in blue.lines.all():
        by_bill.setdefault(line.bill_id, []).append(line)
    amounts: dict[int, int] = {}
    for effect in refund.bill_effects or []:
        lines = by_bill.get(effect.get("bill_id"), [])
        amount = int(effect.get("amount_fen") or 0)
        late_lines = [ln for ln in lines if ln.line_kind == LATE_FEE]
        if late_lines:
            late = late_lines[0]
            take = min(int(effect.get("late_fee_reversed_fen") or 0), left[late.index] - amounts.get(late.index, 0),
                       amount)
            if take > 0:
                amounts[late.index] = amounts.get(late.index, 0) + take
                amount -= take
        others = [ln for ln in lines if ln.line_kind != LATE_FEE] or lines
        parts = red_split(amount, [left[ln.index] - amounts.get(ln.index, 0) for ln in others])
        for line, part in zip(others, parts, strict=True):
            if part:
                amounts[line.index] = amounts.get(line.index, 0) + part
    return amounts


def red_manual(*, invoice_id: int, reason: str, note: str, lines: list[RedLineInput] | None = None,
               actor=None) -> RedConfirmation:
    """Staff reverse an ISSUED blue invoice: in full (no lines) or the given amounts of given lines."""
    if invoice_settings_enabled() is None:
        raise field_error("id", _("本公司尚未开通电子发票。"), InvoiceErrorCode.NOT_ENABLED)
    if reason not in REASONS:
        raise field_error("reason", _("请选择红冲原因。"), InvoiceErrorCode.INVALID)
    note = (note or "").strip()
    if not note:
        raise field_error("note", _("请填写红冲说明。"), InvoiceErrorCode.REQUIRED)
    blue = Invoice.objects.filter(pk=invoice_id, kind=Invoice.Kind.BLUE).first()
    if blue is None:
        raise field_error("id", _("找不到该发票。"), InvoiceErrorCode.NOT_FOUND)
    with transaction.atomic():
        blue = _lock_blue(blue.pk)
        if blue.status != S.ISSUED:
            raise field_error("id", _("只有已开具的蓝字发票可以红冲。"), InvoiceErrorCode.NOT_ALLOWED_IN_STATE)
        left = lines_left(blue)
        if not lines:
            if any(left[line.index] != line.incl_fen for line in blue.lines.all()):
                raise field_error("lines", _("该发票已部分红冲，请按行红冲剩余金额。"),
                                  InvoiceErrorCode.NOT_ALLOWED_IN_STATE)
            return _create(blue, full=True, amounts={}, reason=reason, note=note, actor=actor)
        amounts: dict[int, int] = {}
        for row in lines:
            if row.index not in left:
                raise field_error("lines", _("发票没有第 %(n)s 行。") % {"n": row.index}, InvoiceErrorCode.INVALID)
            if row.incl_fen <= 0:
                raise field_error("lines", _("红冲金额须大于 0。"), InvoiceErrorCode.INVALID)
            amounts[row.index] = amounts.get(row.index, 0) + row.incl_fen
        for index, fen in amounts.items():
            if fen > left[index]:
                raise field_error("lines", _("第 %(n)s 行最多还可红冲 %(left)s 元。") % {
                    "n": index, "left": fen_to_yuan_str(left[index])}, InvoiceErrorCode.RED_EXCEEDS)
        return _create(blue, full=False, amounts=amounts, reason=reason, note=note, actor=actor)


def _red_request(confirmation: RedConfirmation, blue: Invoice) -> p.RedRequest:
    config = invoice_settings_enabled()
    lines = {line.index: line for line in blue.lines.all()}
    rows = tuple(p.RedLineRequest(
        blue_line_index=row["blue_line_index"], goods_name=lines[row["blue_line_index"]].goods_name,
        tax_code=lines[row["blue_line_index"]].tax_code, tax_rate=_text(lines[row["blue_line_index"]].tax_rate),
        quantity=row["quantity"],
        unit_price_excl=_text(unit_price_excl(row["excl_fen"], Decimal(row["quantity"]))),
        excl_fen=row["excl_fen"], tax_fen=row["tax_fen"],
        favoured_policy=lines[row["blue_line_index"]].favoured_policy) for row in confirmation.lines)
    from .services import callback_url

    return p.RedRequest(bill_id=confirmation.bill_id, order_no=confirmation.red_order_no,
                        blue_invoice_number=blue.invoice_number, blue_invoice_line=blue.invoice_line,
                        reason=confirmation.reason, seller_tax_no=config.seller_tax_no,
                        seller_name=config.seller_name, buyer_name=blue.buyer_name, buyer_tax_no=blue.buyer_tax_no,
                        callback_url=callback_url(), lines=rows)


def red_submit(*, confirmation_id: int) -> RedConfirmation | None:
    """Send a REQUESTED confirmation to the provider (outside any transaction) and act on its answer."""
    with session_lock("invoice.red", confirmation_id) as held:
        if not held:
            return None
        config = invoice_settings_enabled()
        confirmation = RedConfirmation.objects.select_related("blue").filter(pk=confirmation_id).first()
        if confirmation is None or config is None or confirmation.status != RS.REQUESTED:
            return confirmation
        provider = invoice_provider(config)
        try:
            result = provider.request_red(_red_request(confirmation, confirmation.blue))
        except p.DuplicateOrder:
            result = None
        except p.InvoiceProviderError as exc:
            logger.warning("red %s: provider refused code=%s: %s", confirmation.bill_id, exc.code, exc)
            if not exc.retryable and not exc.session:
                _red_failed(confirmation, _("红字确认单申请失败（%(code)s）：%(message)s") % {
                    "code": exc.code or "-", "message": str(exc)[:150]})
            return confirmation  # retryable: the sweeper sends it again (the same billId)
        if result is None:
            result = provider.query_red(confirmation.bill_id)
        return _red_apply(confirmation, result, provider)


def red_poll(*, confirmation_id: int) -> RedConfirmation | None:
    """Ask about a confirmation under way (or send it if it was never sent) and act on the answer."""
    confirmation = RedConfirmation.objects.filter(pk=confirmation_id).first()
    if confirmation is None:
        return None
    if confirmation.status == RS.REQUESTED:
        return red_submit(confirmation_id=confirmation_id)
    if confirmation.status not in (RS.PENDING, RS.CONFIRMED):
        return confirmation
    config = invoice_settings_enabled()
    if config is None:
        return confirmation
    provider = invoice_provider(config)
    with session_lock("invoice.red", confirmation_id) as held:
        if not held:
            return None
        try:
            result = provider.query_red(confirmation.bill_id)
        except p.InvoiceProviderError as exc:
            logger.warning("red %s: query failed code=%s: %s", confirmation.bill_id, exc.code, exc)
            return confirmation
        return _red_apply(confirmation, result, provider)


_STATES = {p.RED_PENDING: RS.PENDING, p.RED_CONFIRMED: RS.CONFIRMED, p.RED_ISSUED: RS.CONFIRMED,
           p.RED_FAILED: RS.FAILED, p.RED_REVOKED: RS.REVOKED}


def _red_apply(confirmation: RedConfirmation, result: p.RedResult, provider: p.InvoiceProvider) -> RedConfirmation:
    to = _STATES.get(result.state)
    if to is None:
        return confirmation
    if to in (RS.FAILED, RS.REVOKED):
        _red_failed(confirmation, result.fail_reason or _("红字确认单未通过"), status=to)
        confirmation.refresh_from_db()
        return confirmation
    sources = (RS.REQUESTED,) if to == RS.PENDING else (RS.REQUESTED, RS.PENDING)
    moved = RedConfirmation.objects.filter(pk=confirmation.pk, status__in=sources).update(
        status=to, confirmation_no=(result.confirmation_no or confirmation.confirmation_no)[:64],
        updated_at=timezone.now())
    if moved:
        audit_record(actor=None, action=f"invoice.red_{to}", target=confirmation, bill_id=confirmation.bill_id,
                     confirmation_no=result.confirmation_no)
    confirmation.refresh_from_db()
    if confirmation.status == RS.CONFIRMED and confirmation.red_invoice_id:
        # The bureau issues the red invoice by itself: poll it like any invoice being issued.
        red = Invoice.objects.get(pk=confirmation.red_invoice_id)
        _move(red, sources=(S.REQUESTED,), to=S.ISSUING, action="invoice.submitted",
              attempts=red.attempts + 1, next_attempt_at=timezone.now())
        with session_lock(LOCK_SCOPE, red.pk) as held:
            if held:
                _poll(red.pk, provider=provider)
        confirmation.refresh_from_db()
    return confirmation


def _red_failed(confirmation: RedConfirmation, reason: str, *, status: str = RS.FAILED) -> None:
    with transaction.atomic():
        moved = RedConfirmation.objects.filter(pk=confirmation.pk, status__in=OPEN).update(
            status=status, fail_reason=reason[:255], updated_at=timezone.now())
        if not moved:
            return
        audit_record(actor=None, action=f"invoice.red_{status}", target=confirmation, bill_id=confirmation.bill_id,
                     fail_reason=reason[:255])
        if confirmation.red_invoice_id:
            red = Invoice.objects.get(pk=confirmation.red_invoice_id)
            _move(red, sources=(S.REQUESTED, S.ISSUING), to=S.FAILED, action="invoice.failed",
                  fail_reason=reason[:255], next_attempt_at=None)
        if confirmation.full:
            blue = Invoice.objects.get(pk=confirmation.blue_id)
            _move(blue, sources=(S.RED_REQUESTED,), to=S.ISSUED, action="invoice.red_cancelled")


def red_invoice_issued(red: Invoice) -> None:
    """A red invoice just became ISSUED (inside that transaction): its confirmation is done, the blue lines record
    what they lost, and a blue with nothing left is REVERSED."""
    confirmation = RedConfirmation.objects.filter(red_invoice=red).first()
    if confirmation is not None:
        RedConfirmation.objects.filter(pk=confirmation.pk).update(status=RS.ISSUED, updated_at=timezone.now())
        audit_record(actor=None, action="invoice.red_issued", target=confirmation, bill_id=confirmation.bill_id,
                     red_invoice_number=red.invoice_number)
    for line in red.lines.all():
        if line.blue_line_id:
            InvoiceLine.objects.filter(pk=line.blue_line_id).update(reversed_fen=F("reversed_fen") - line.incl_fen)
    blue = Invoice.objects.get(pk=red.blue_id)
    if not blue.lines.filter(reversed_fen__lt=F("incl_fen")).exists():
        _move(blue, sources=(S.ISSUED, S.RED_REQUESTED), to=S.REVERSED, action="invoice.reversed",
              fail_reason="")


def reds_catch_up(blue: Invoice) -> int:
    """A blue just ISSUED: refunds of its order that succeeded after it was sent (not netted, no red yet) are
    answered now."""
    refunds = Refund.objects.filter(order_id=blue.order_id, status=Refund.Status.SUCCESS).exclude(
        pk__in=blue.netted_refund_ids or []).order_by("finished_at", "pk")
    done = set(RedConfirmation.objects.filter(blue=blue, refund__isnull=False).values_list("refund_id", flat=True))
    count = 0
    for refund in refunds:
        if refund.pk not in done:
            red_for_refund(refund_id=refund.pk)
            count += 1
    return count
