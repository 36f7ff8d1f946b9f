"""Refunds: requested by finance or an admin, sent to the provider outside
any transaction, finished by the provider's word (the call's answer, a
notify or a query), idempotent per request number.

The amount comes back first from money no bill took (`needs_refund_fen`),
then from the order's bills, last bill first; billing takes it back from
each bill (`apps.billing.services.bill_payment_reverse`), with, pro rata,
the discount or late fee the payment earned. Counter payments are refunded
at once: cash handed back by the refunding person, so the refund belongs to
their open counter shift (opened for it if they have none) and shows in its
日结, whenever the payment was taken and whoever took it.

Lock order: order row → (counter refunds) the refunder's shift → bills in id
order; counter payments take shift → bills, so neither waits on the other."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.billing.services import PaymentReversal, bill_payment_reverse
from apps.invoices import hooks as invoice_hooks
from apps.messaging import hooks as messaging_hooks
from heat_platform.kernel.errors import field_error

from .. import providers as p
from ..errors import PaymentErrorCode
from ..merchants import account_matches, channel_account, provider_for
from ..models import Channel, PaymentOrder, Refund
from .counter import shift_open_locked
from .orders import ONLINE, new_out_trade_no, notify_url
from .settlement import DUPLICATE, IGNORED, REJECTED, SETTLED, Outcome, payment_sync

logger = logging.getLogger(__name__)


# Provider answers that mean "this refund was refused" (as opposed to "we could not tell").
REFUSED_REFUND_CODES = frozenset({
    "PARAM_ERROR", "INVALID_REQUEST", "NOT_ENOUGH", "NO_AUTH", "USER_ACCOUNT_ABNORMAL", "MCH_NOT_EXISTS",
    "ACQ.TRADE_NOT_EXIST", "ACQ.TRADE_STATUS_ERROR", "ACQ.SELLER_BALANCE_NOT_ENOUGH",
    "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "ACQ.TRADE_HAS_FINISHED", "ACQ.REASON_TRADE_REFUND_FEE_ERR",
})
# A refund query answering "no such refund".
UNKNOWN_REFUND_CODES = frozenset({"RESOURCE_NOT_EXISTS", "ORDER_NOT_EXIST"})


def _refund_no(request_no: str | None) -> str:
    if request_no:
        text = request_no.strip()
        if not (6 <= len(text) <= 32) or not all(c.isalnum() or c in "-_" for c in text) or not text.isascii():
            raise field_error("requestNo", _("退款请求号须为 6–32 位字母、数字、- 或 _。"), PaymentErrorCode.INVALID)
        return text
    return new_out_trade_no("R")


def refund_request(*, order_id: int, amount_fen: int, reason: str, actor, request_no: str | None = None,
                   ip: str | None = None) -> Refund:
    """Refund part or all of a paid order. The same request number is the same
    refund (also at the provider). Never inside an outer transaction."""
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", _("请填写退款原因。"), PaymentErrorCode.REQUIRED)
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise field_error("amountFen", _("退款金额须大于 0。"), PaymentErrorCode.INVALID_AMOUNT)
    out_refund_no = _refund_no(request_no)
    existing = Refund.objects.filter(out_refund_no=out_refund_no).first()
    if existing is not None:
        if existing.order_id != order_id or existing.amount_fen != amount_fen:
            raise field_error("requestNo", _("该退款请求号已用于另一笔退款。"), PaymentErrorCode.INVALID)
        return _refund_send(existing) if existing.status == Refund.Status.PROCESSING else existing
    order = PaymentOrder.objects.filter(pk=order_id).first()
    if order is None:
        raise field_error("orderId", _("找不到该订单。"), PaymentErrorCode.NOT_FOUND)
    if order.status == PaymentOrder.Status.CREATED and order.channel in ONLINE:
        payment_sync(order=order, close_if_expired=False)  # its notify may not have arrived yet
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().get(pk=order_id)
        existing = Refund.objects.filter(out_refund_no=out_refund_no).first()  # sent twice at once: now serialised
        if existing is not None and existing.order_id == order_id and existing.amount_fen == amount_fen:
            return existing
        if order.status != PaymentOrder.Status.PAID:
            raise field_error("orderId", _("只有已支付的订单可以退款。"), PaymentErrorCode.INVALID_STATUS)
        pending = sum(Refund.objects.filter(order=order, status__in=Refund.PENDING).values_list(
            "amount_fen", flat=True))
        if amount_fen > order.amount_fen - order.refunded_fen - pending:
            raise field_error("amountFen", _("退款金额超过可退金额。"), PaymentErrorCode.REFUND_EXCEEDS)
        if order.channel in ONLINE and not account_matches(order, channel_account(order.channel)):
            raise field_error("orderId", _("该订单的收款商户已更换，请在原商户平台退款。"),
                              PaymentErrorCode.INVALID_STATUS)
        # Cash handed back at the counter comes out of the refunder's drawer: their open shift.
        shift = shift_open_locked(actor) if order.channel == Channel.COUNTER else None
        try:
            with transaction.atomic():  # savepoint: the same request number sent twice at once
                refund = Refund.objects.create(order=order, out_refund_no=out_refund_no, amount_fen=amount_fen,
                                               reason=reason[:80], requested_by=actor, shift=shift)
        except IntegrityError:
            existing = Refund.objects.get(out_refund_no=out_refund_no)
            if existing.order_id != order_id or existing.amount_fen != amount_fen:
                raise field_error("requestNo", _("该退款请求号已用于另一笔退款。"), PaymentErrorCode.INVALID) from None
            return existing
        audit_record(actor=actor, action="refund.requested", target=refund, ip=ip, order=order.out_trade_no,
                     amount_fen=amount_fen, reason=reason[:80], shift_id=shift.pk if shift else None)
        if order.channel == Channel.COUNTER:  # cash handed back at the counter: done now
            _refund_finish_locked(refund, order, status=Refund.Status.SUCCESS, provider_refund_id="")
            return refund
    return _refund_send(refund)


def _refund_send(refund: Refund) -> Refund:
    order = refund.order
    account = channel_account(order.channel)
    if not account_matches(order, account):
        logger.warning("refund %s: the order's merchant account changed; not sent", refund.out_refund_no)
        return refund
    try:
        state = provider_for(account).refund(p.RefundRequest(
            out_trade_no=order.out_trade_no, out_refund_no=refund.out_refund_no, amount_fen=refund.amount_fen,
            total_fen=order.amount_fen, reason=refund.reason, notify_url=notify_url(order.channel)))
    except p.ProviderError as exc:
        logger.warning("refund %s failed at provider code=%s: %s", refund.out_refund_no, exc.code, exc)
        if exc.code in REFUSED_REFUND_CODES:
            # A definite refusal: ABNORMAL holds the amount and asks for a person; never CLOSED here,
            # because an unreadable or unverifiable answer may hide a refund that went through.
            refund_settle(state=p.RefundState(out_refund_no=refund.out_refund_no, status=p.REFUND_ABNORMAL,
                                              raw_status=exc.code), channel=order.channel, source="refund call")
        refund.refresh_from_db()
        return refund
    refund_settle(state=state, channel=order.channel, source="refund call")
    refund.refresh_from_db()
    return refund


def refund_sync(*, refund: Refund) -> str:
    order = refund.order
    account = channel_account(order.channel)
    if not account_matches(order, account):
        logger.warning("refund %s: the order's merchant account changed; not queried", refund.out_refund_no)
        return "merchant changed"
    try:
        state = provider_for(account).query_refund(out_refund_no=refund.out_refund_no,
                                                   out_trade_no=order.out_trade_no)
    except p.ProviderError as exc:
        if exc.code not in UNKNOWN_REFUND_CODES:
            raise
        state = None
    # WeChat answers 404 for a refund it never received; Alipay has no refund query status for
    # one (and its refund call is synchronous and idempotent per out_request_no).
    unknown = state is None or state.status == p.NOT_FOUND or (
        order.channel == Channel.ALIPAY and state.status == p.REFUND_PROCESSING)
    if unknown:
        if refund.status == Refund.Status.PROCESSING:
            _refund_send(refund)  # the same number again, so at most one refund at the provider
            return "resent"
        return "unknown at provider"
    return refund_settle(state=state, channel=order.channel, source="query").result


def _refund_finish_locked(refund: Refund, order: PaymentOrder, *, status: str, provider_refund_id: str,
                          success_time: dt.datetime | None = None) -> None:
    """processing → success / closed / abnormal; abnormal → success / closed (it is not final).
    A refund is finished when the provider says it completed it (`success_time`, never later than now), as
    its bill books it: a query or a late notify days after must not move the money to the day we heard."""
    now = timezone.now()
    final = status != Refund.Status.ABNORMAL
    finished = min(success_time, now) if success_time is not None and status == Refund.Status.SUCCESS else now
    sources = Refund.PENDING if final else (Refund.Status.PROCESSING,)
    updated = Refund.objects.filter(pk=refund.pk, status__in=sources).update(
        status=status, finished_at=finished if final else None,
        provider_refund_id=provider_refund_id[:64] or refund.provider_refund_id)
    if not updated:
        return
    effects: list[dict] = []
    if status == Refund.Status.SUCCESS:
        effects = order_unapply(order, refund.amount_fen)
        order.refunded_fen += refund.amount_fen
        order.refund_status = (PaymentOrder.RefundStatus.FULL if order.refunded_fen >= order.amount_fen
                               else PaymentOrder.RefundStatus.PARTIAL)
        order.save(update_fields=["refunded_fen", "refund_status", "needs_refund_fen", "updated_at"])
        Refund.objects.filter(pk=refund.pk).update(bill_effects=effects)
        invoice_hooks.refund_succeeded(refund.pk, order.pk)  # after commit; nothing unless invoicing is on
        messaging_hooks.refund_succeeded(refund.pk)  # the refund receipt, after commit
    refund.status = status
    audit_record(actor=None, action=f"refund.{status}", target=refund, order=order.out_trade_no,
                 amount_fen=refund.amount_fen, bills=effects)


def refund_settle(*, state: p.RefundState, channel: str, source: str) -> Outcome:
    """Apply the provider's word on a refund (notify, call answer or query). Idempotent."""
    status = {p.REFUND_SUCCESS: Refund.Status.SUCCESS, p.REFUND_CLOSED: Refund.Status.CLOSED,
              p.REFUND_ABNORMAL: Refund.Status.ABNORMAL}.get(state.status)
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("order").filter(
            out_refund_no=state.out_refund_no, order__channel=channel).first()
        if refund is None:
            return Outcome(REJECTED, "unknown refund")
        order = PaymentOrder.objects.select_for_update().get(pk=refund.order_id)
        if state.out_trade_no and state.out_trade_no != order.out_trade_no:
            return Outcome(REJECTED, "refund belongs to another order", order)
        if state.merchant_id and state.merchant_id != order.merchant_id:
            return Outcome(REJECTED, "merchant id mismatch", order)
        if order.merchant_mode == "partner" and state.sub_merchant_id and \
                state.sub_merchant_id != order.sub_merchant_id:
            return Outcome(REJECTED, "sub-merchant id mismatch", order)
        # Alipay's refund notify carries the trade's refunded total so far, not this refund's amount.
        if channel == "wechat" and state.amount_fen is not None and state.amount_fen != refund.amount_fen:
            return Outcome(REJECTED, "refund amount mismatch", order)
        if status is None:
            return Outcome(IGNORED, f"refund {state.raw_status or state.status}", order)
        if refund.status not in Refund.PENDING or refund.status == status:
            return Outcome(DUPLICATE, "refund already recorded", order)
        _refund_finish_locked(refund, order, status=status, provider_refund_id=state.provider_refund_id,
                              success_time=state.success_time)
    return Outcome(SETTLED, source, order)


def order_unapply(order: PaymentOrder, amount_fen: int) -> list[dict]:
    """Take a refund back: first from money no bill took (needs_refund_fen),
    then from the order's bills, last item first, through billing. Returns
    billing's effects [{"bill_id", "amount_fen", …}]. The order row is locked
    by the caller (lock order: order → bills)."""
    remaining = amount_fen
    from_excess = min(remaining, order.needs_refund_fen)
    order.needs_refund_fen -= from_excess
    remaining -= from_excess
    if remaining <= 0:
        return []
    takes = []
    for item in order.items.all().order_by("-bill_id"):
        if remaining <= 0:
            break
        take = min(remaining, item.applied_fen - item.refunded_fen)
        if take > 0:
            takes.append((item, take))
            remaining -= take
    if not takes:
        return []
    effects = bill_payment_reverse(reversals=[PaymentReversal(
        bill_id=item.bill_id, amount_fen=take, applied_fen=item.applied_fen, refunded_before_fen=item.refunded_fen,
        discount_fen=item.discount_fen if item.priced_as_quoted else 0,
        late_fee_fen=item.late_fee_fen if item.priced_as_quoted else 0) for item, take in takes])
    for item, take in takes:
        item.refunded_fen += take
        item.save(update_fields=["refunded_fen"])
    return effects
