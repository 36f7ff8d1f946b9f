"""Online payments: orders, settlement, closing, refunds.

Rules that make payments exactly-once:
- The amount is computed here from the bills' amount due now; the client
  never sends one.
- Provider calls never run inside a database transaction. An order (or
  refund) row is committed before the provider hears of it, so a notify that
  races the call always finds it.
- Status moves by compare-and-set under a row lock (`select_for_update`), and
  each transition writes an audit row. Settling is the one transition that
  touches bills, so a duplicate notify, a concurrent duplicate, or the sweeper
  answering for the same order settle it once.
- Money that no bill can take (a late payment on a superseded order, a bill
  already paid at the counter) is recorded as `needs_refund_fen`, never dropped.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.billing.models import Bill
from heat_platform.kernel.errors import field_error
from heat_platform.kernel.tasks import enqueue_on_commit
from tenants.selectors import current_company

from . import providers as p
from .errors import PaymentErrorCode
from .merchants import account_matches, active_account, channel_account, merchant_fields, provider_for
from .models import Channel, OrderBill, PaymentOrder, Refund
from .settlement import PAYABLE, apply_order, item_for_quote, lock_bills, quote_bills, unapply_for_refund

logger = logging.getLogger(__name__)

ONLINE = (Channel.WECHAT, Channel.ALIPAY)
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
# Reuse an open order only if it still has this long to live.
REUSE_MARGIN = dt.timedelta(minutes=2)


def new_out_trade_no(prefix: str) -> str:
    """`<prefix><yymmdd><14 random>`: 21 chars of [0-9A-Z], valid for WeChat Pay
    (6–32) and Alipay (≤64), unique enough across companies sharing a service provider."""
    stamp = timezone.localdate().strftime("%y%m%d")
    return prefix + stamp + "".join(secrets.choice(_ALPHABET) for _ in range(14))


def notify_url(channel: str) -> str:
    domain = current_company().get_primary_domain().domain
    return settings.PAYMENTS_NOTIFY_BASE_URL.format(domain=domain).rstrip("/") + f"/payments/notify/{channel}/"


def _payer_id(resident, channel: str) -> str:
    return resident.openid if channel == Channel.WECHAT else resident.alipay_user_id


def _description(bills: list[Bill]) -> str:
    company = current_company().name
    houses = sorted({b.house.account_no for b in bills})
    seasons = sorted({b.season.name for b in bills})
    text = _("%(company)s 采暖费 %(seasons)s %(houses)s") % {
        "company": company, "seasons": "/".join(seasons), "houses": ",".join(houses)}
    return text[:127]


def _close_locked(order: PaymentOrder, *, reason: str, actor=None, superseded_by: PaymentOrder | None = None) -> bool:
    """created → closed (order row locked by the caller). The provider is told
    after commit, always: even an order without a prepay_id may be in flight there."""
    updated = PaymentOrder.objects.filter(pk=order.pk, status=PaymentOrder.Status.CREATED).update(
        status=PaymentOrder.Status.CLOSED, close_reason=reason, closed_at=timezone.now(),
        superseded_by=superseded_by, provider_closed=False, updated_at=timezone.now())
    if updated:
        order.status = PaymentOrder.Status.CLOSED
        audit_record(actor=actor, action="payment.closed", target=order, reason=reason,
                     superseded_by=superseded_by.out_trade_no if superseded_by else None)
        from .tasks import close_at_provider

        enqueue_on_commit(close_at_provider, order.pk)
    return bool(updated)


@dataclass(frozen=True)
class CreatedPayment:
    order: PaymentOrder
    pay_params: dict  # {"channel", …client fields}


def _owns_bills(resident, bill_ids: list[int]) -> bool:
    """Same answer for missing bills and other residents' bills."""
    own = Bill.objects.filter(pk__in=bill_ids, house__bindings__resident=resident).values_list("pk", flat=True)
    return set(own) == set(bill_ids)


def _reusable(order: PaymentOrder, quotes, channel: str) -> bool:
    if order.channel != channel or not order.prepay_id or order.expires_at - REUSE_MARGIN <= timezone.now():
        return False
    items = {i.bill_id: i for i in order.items.all()}
    if set(items) != {q.bill.pk for q in quotes}:
        return False
    return all(items[q.bill.pk].amount_fen == q.total_fen and items[q.bill.pk].quoted_paid_fen == q.bill.paid_fen
               and items[q.bill.pk].quoted_principal_fen == q.bill.principal_fen for q in quotes)


def payment_create(*, resident, bill_ids: list[int], channel: str, ip: str | None = None) -> CreatedPayment:
    """Create (or reuse) the order paying these bills of the resident's houses and
    return the client parameters. Never inside an outer transaction."""
    if channel not in ONLINE:
        raise field_error("channel", _("不支持的支付渠道。"), PaymentErrorCode.INVALID)
    if not bill_ids:
        raise field_error("billIds", _("请选择要缴费的账单。"), PaymentErrorCode.REQUIRED)
    if not _owns_bills(resident, bill_ids):
        raise field_error("billIds", _("找不到该账单。"), PaymentErrorCode.NOT_FOUND)
    account = active_account(channel)
    if account is None:
        raise field_error("channel", _("本公司暂未开通该支付方式。"), PaymentErrorCode.CHANNEL_NOT_CONFIGURED)
    payer = _payer_id(resident, channel)
    if not payer:
        raise field_error("channel", _("当前账号无法使用该支付方式。"), PaymentErrorCode.NO_PAYER)
    provider = provider_for(account)

    with transaction.atomic():
        if not _owns_bills(resident, bill_ids):  # again, under the bill locks' transaction
            raise field_error("billIds", _("找不到该账单。"), PaymentErrorCode.NOT_FOUND)
        bills = lock_bills(bill_ids)
        if any(b.status not in PAYABLE for b in bills):
            raise field_error("billIds", _("所选账单已缴清或不可缴费。"), PaymentErrorCode.INVALID_STATUS)
        quotes = quote_bills(bills)
        total = sum(q.total_fen for q in quotes)
        if total <= 0 or any(q.total_fen <= 0 for q in quotes):
            raise field_error("billIds", _("所选账单当前无需缴费。"), PaymentErrorCode.NOTHING_DUE)
        # skip_locked: a locked open order is being settled or closed right now (order → bills is the
        # lock order there; waiting here, bills → order, could deadlock). Settling closes its siblings.
        open_orders = list(PaymentOrder.objects.select_for_update(skip_locked=True).filter(
            status=PaymentOrder.Status.CREATED, channel__in=ONLINE,
            pk__in=OrderBill.objects.filter(bill_id__in=bill_ids).values("order_id")).order_by("pk"))
        for order in open_orders:
            if order.resident_id == resident.pk and _reusable(order, quotes, channel):
                params = provider.client_params(prepay_id=order.prepay_id)
                return CreatedPayment(order=order, pay_params={"channel": channel, **params})
        now = timezone.now()
        order = PaymentOrder.objects.create(
            out_trade_no=new_out_trade_no("W" if channel == Channel.WECHAT else "A"), channel=channel,
            amount_fen=total, description=_description(bills), resident=resident, payer_id=payer,
            expires_at=now + dt.timedelta(minutes=settings.PAYMENTS_ORDER_TTL_MINUTES), **merchant_fields(account))
        OrderBill.objects.bulk_create([item_for_quote(order, q) for q in quotes])
        for old in open_orders:  # one open order per bill: the new one supersedes the rest
            _close_locked(old, reason=PaymentOrder.CloseReason.SUPERSEDED, actor=resident, superseded_by=order)
        audit_record(actor=resident, action="payment.created", target=order, ip=ip, amount_fen=total,
                     channel=channel, bills=sorted(bill_ids))
        from .tasks import close_siblings

        enqueue_on_commit(close_siblings, order.pk)  # any open order skip_locked passed over

    try:
        created = provider.create_order(p.CreateOrderRequest(
            out_trade_no=order.out_trade_no, amount_fen=order.amount_fen, description=order.description,
            payer_id=payer, notify_url=notify_url(channel), expires_at=order.expires_at))
    except p.ProviderError as exc:
        logger.warning("payment create failed at provider order=%s code=%s: %s", order.out_trade_no, exc.code, exc)
        with transaction.atomic():
            locked = PaymentOrder.objects.select_for_update().get(pk=order.pk)
            # It may exist at the provider after all (a timeout): the sweeper asks and closes it there.
            _close_locked(locked, reason=PaymentOrder.CloseReason.CANCELLED)
        raise ValidationError(_("支付下单失败，请稍后再试。"), code=PaymentErrorCode.PROVIDER_ERROR) from None
    updated = PaymentOrder.objects.filter(pk=order.pk, status=PaymentOrder.Status.CREATED, prepay_id="").update(
        prepay_id=created.prepay_id, updated_at=timezone.now())
    if not updated:  # superseded while we were asking the provider: do not let it be paid
        from .tasks import close_at_provider

        close_at_provider.delay(order.pk)
        raise ValidationError(_("订单已更新，请重新发起支付。"), code=PaymentErrorCode.INVALID_STATUS)
    order.prepay_id = created.prepay_id
    return CreatedPayment(order=order, pay_params={"channel": channel, **created.params})


# --- settlement -----------------------------------------------------------------------------------------

SETTLED = "settled"
DUPLICATE = "duplicate"
IGNORED = "ignored"
REJECTED = "rejected"


@dataclass(frozen=True)
class Outcome:
    result: str  # SETTLED | DUPLICATE | IGNORED | REJECTED
    reason: str = ""
    order: PaymentOrder | None = None


def _mismatch(order: PaymentOrder, trade: p.TradeState) -> str:
    """Why a provider's word about a trade cannot be about this order, or ''."""
    if trade.merchant_id and trade.merchant_id != order.merchant_id:
        return "merchant id mismatch"
    if order.channel == Channel.WECHAT:
        if not trade.merchant_id:
            return "merchant id missing"
        if trade.app_id and order.app_id and trade.app_id != order.app_id:
            return "app id mismatch"
        if order.merchant_mode == "partner" and trade.sub_merchant_id != order.sub_merchant_id:
            return "sub-merchant id mismatch"
    elif order.sub_merchant_id and trade.seller_id and trade.seller_id != order.sub_merchant_id:
        return "seller id mismatch"
    if trade.amount_fen is None or trade.amount_fen != order.amount_fen:
        return "amount mismatch"
    return ""


def payment_settle(*, trade: p.TradeState, channel: str, source: str) -> Outcome:
    """Apply the provider's word that an order was paid. Idempotent and safe
    under concurrent duplicates (the order row lock serialises them)."""
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().filter(out_trade_no=trade.out_trade_no,
                                                                channel=channel).first()
        if order is None:
            return Outcome(REJECTED, "unknown order")
        why = _mismatch(order, trade)
        if why:
            return Outcome(REJECTED, why, order)
        if trade.state != p.PAID:
            return Outcome(IGNORED, f"trade state {trade.raw_state or trade.state}", order)
        if order.status == PaymentOrder.Status.PAID:
            return Outcome(DUPLICATE, "already settled", order)
        was = order.status
        order.status = PaymentOrder.Status.PAID
        order.transaction_id = trade.transaction_id[:64]
        order.paid_at = trade.paid_at or timezone.now()
        applied = apply_order(order)
        reasons = list(applied.reasons)
        if was != PaymentOrder.Status.CREATED:
            reasons.insert(0, f"paid after the order was {was} ({order.close_reason or 'no reason'})")
        order.needs_refund_fen += applied.excess_fen
        order.flag_reason = "; ".join(reasons)[:255]
        updated = PaymentOrder.objects.filter(pk=order.pk, status=was).update(
            status=order.status, transaction_id=order.transaction_id, paid_at=order.paid_at,
            needs_refund_fen=order.needs_refund_fen, flag_reason=order.flag_reason, updated_at=timezone.now())
        if updated != 1:  # the row lock makes this unreachable; never settle twice regardless
            raise RuntimeError(f"order {order.out_trade_no} changed under its lock")
        audit_record(actor=None, action="payment.paid", target=order, source=source, previous_status=was,
                     transaction_id=order.transaction_id, applied_fen=applied.applied_fen,
                     needs_refund_fen=applied.excess_fen, flag=order.flag_reason or None)
        # Other open orders for bills this one just paid must not be paid too.
        # Best effort and skip_locked: a sibling locked elsewhere is being settled itself, and
        # waiting for it while holding bill locks could deadlock.
        siblings = PaymentOrder.objects.select_for_update(skip_locked=True).filter(
            status=PaymentOrder.Status.CREATED, pk__in=OrderBill.objects.filter(
                bill_id__in=order.items.values("bill_id")).values("order_id")).exclude(pk=order.pk).order_by("pk")
        for sibling in siblings:
            _close_locked(sibling, reason=PaymentOrder.CloseReason.SUPERSEDED, superseded_by=order)
    if order.needs_refund_fen:
        logger.warning("payment %s settled with %s fen no bill could take: flagged for refund (%s)",
                       order.out_trade_no, order.needs_refund_fen, order.flag_reason)
    return Outcome(SETTLED, order.flag_reason, order)


def payment_sync(*, order: PaymentOrder, close_if_expired: bool = True, now: dt.datetime | None = None) -> str:
    """Ask the provider about an order we have not heard back on (lost notify,
    stuck order, superseded order not yet closed there) and act on the answer."""
    account = channel_account(order.channel)
    if not account_matches(order, account):
        # Asking another merchant would answer "no such order" and close a paid one here.
        logger.warning("order %s was placed with another merchant account; not queried", order.out_trade_no)
        return "merchant changed"
    provider = provider_for(account)
    trade = provider.query_order(order.out_trade_no)
    if trade.state == p.PAID:
        return payment_settle(trade=trade, channel=order.channel, source="query").result
    now = now or timezone.now()
    if order.status == PaymentOrder.Status.CREATED:
        if trade.state in (p.CLOSED, p.NOT_FOUND, p.FAILED) or (close_if_expired and order.expires_at <= now):
            if trade.state in (p.OPEN,):
                provider.close_order(order.out_trade_no)
            with transaction.atomic():
                locked = PaymentOrder.objects.select_for_update().get(pk=order.pk)
                reason = PaymentOrder.CloseReason.EXPIRED
                if trade.state == p.FAILED:
                    if PaymentOrder.objects.filter(pk=order.pk, status=PaymentOrder.Status.CREATED).update(
                            status=PaymentOrder.Status.FAILED, closed_at=now, provider_closed=True):
                        audit_record(actor=None, action="payment.failed", target=locked)
                    return "failed"
                _close_locked(locked, reason=reason)
                PaymentOrder.objects.filter(pk=order.pk).update(provider_closed=True)
            return "closed"
        return "open"
    if order.status == PaymentOrder.Status.CLOSED and not order.provider_closed:
        if trade.state == p.OPEN:
            provider.close_order(order.out_trade_no)
        PaymentOrder.objects.filter(pk=order.pk).update(provider_closed=True)
        return "closed at provider"
    return "unchanged"


def payment_close_siblings(*, order_id: int) -> int:
    """Close the open online orders that share a bill with this order (superseded by it).
    Runs after the order's own transaction, holding no bill lock, so it may wait for
    order locks: it catches what `skip_locked` passed over and what a counter payment
    left open."""
    order = PaymentOrder.objects.filter(pk=order_id).first()
    if order is None:
        return 0
    closed = 0
    with transaction.atomic():
        siblings = PaymentOrder.objects.select_for_update().filter(
            status=PaymentOrder.Status.CREATED, channel__in=ONLINE, pk__in=OrderBill.objects.filter(
                bill_id__in=order.items.values("bill_id")).values("order_id")).exclude(pk=order.pk).order_by("pk")
        for sibling in siblings:
            if order.channel in ONLINE and sibling.created_at > order.created_at:
                continue  # a newer order supersedes this one, not the other way round
            closed += _close_locked(sibling, reason=PaymentOrder.CloseReason.SUPERSEDED, superseded_by=order)
    return closed


def payment_close_at_provider(*, order_id: int) -> str:
    order = PaymentOrder.objects.filter(pk=order_id).first()
    if order is None or order.provider_closed or order.channel not in ONLINE:
        return "nothing to do"
    # Query first: a payment that beat our close is settled (and flagged), never dropped.
    return payment_sync(order=order)


def sweep_open_orders(*, now: dt.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Beat job body for one company: orders still open after N minutes, closed
    orders not yet closed at the provider, refunds still processing."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=settings.PAYMENTS_SWEEP_AFTER_MINUTES)
    counts: dict[str, int] = {}
    stuck = PaymentOrder.objects.filter(channel__in=ONLINE, status=PaymentOrder.Status.CREATED, created_at__lte=cutoff)
    unclosed = PaymentOrder.objects.filter(channel__in=ONLINE, status=PaymentOrder.Status.CLOSED,
                                           provider_closed=False, closed_at__lte=now - dt.timedelta(seconds=30))
    for order in list(stuck.order_by("created_at")[:limit]) + list(unclosed.order_by("closed_at")[:limit]):
        try:
            result = payment_sync(order=order, now=now)
        except p.ProviderError as exc:
            result = "provider error"
            logger.warning("sweep: query of %s failed: %s", order.out_trade_no, exc)
        counts[result] = counts.get(result, 0) + 1
    for refund in Refund.objects.filter(status__in=Refund.PENDING, created_at__lte=cutoff).select_related(
            "order")[:limit]:
        try:
            result = "refund " + refund_sync(refund=refund)
        except p.ProviderError as exc:
            result = "refund provider error"
            logger.warning("sweep: refund query of %s failed: %s", refund.out_refund_no, exc)
        counts[result] = counts.get(result, 0) + 1
    return counts


# --- refunds ----------------------------------------------------------------------------------------------

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
        try:
            with transaction.atomic():  # savepoint: the same request number sent twice at once
                refund = Refund.objects.create(order=order, out_refund_no=out_refund_no, amount_fen=amount_fen,
                                               reason=reason[:80], requested_by=actor)
        except IntegrityError:
            existing = Refund.objects.get(out_refund_no=out_refund_no)
            if existing.order_id != order_id or existing.amount_fen != amount_fen:
                raise field_error("requestNo", _("该退款请求号已用于另一笔退款。"), PaymentErrorCode.INVALID) from None
            return existing
        audit_record(actor=actor, action="refund.requested", target=refund, ip=ip, order=order.out_trade_no,
                     amount_fen=amount_fen, reason=reason[:80])
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


def _refund_finish_locked(refund: Refund, order: PaymentOrder, *, status: str, provider_refund_id: str) -> None:
    """processing → success / closed / abnormal; abnormal → success / closed (it is not final)."""
    now = timezone.now()
    final = status != Refund.Status.ABNORMAL
    sources = Refund.PENDING if final else (Refund.Status.PROCESSING,)
    updated = Refund.objects.filter(pk=refund.pk, status__in=sources).update(
        status=status, finished_at=now if final else None,
        provider_refund_id=provider_refund_id[:64] or refund.provider_refund_id)
    if not updated:
        return
    effects: list[dict] = []
    if status == Refund.Status.SUCCESS:
        effects = unapply_for_refund(order, refund.amount_fen)
        order.refunded_fen += refund.amount_fen
        order.refund_status = (PaymentOrder.RefundStatus.FULL if order.refunded_fen >= order.amount_fen
                               else PaymentOrder.RefundStatus.PARTIAL)
        order.save(update_fields=["refunded_fen", "refund_status", "needs_refund_fen", "updated_at"])
        Refund.objects.filter(pk=refund.pk).update(bill_effects=effects)
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
        _refund_finish_locked(refund, order, status=status, provider_refund_id=state.provider_refund_id)
    return Outcome(SETTLED, source, order)
