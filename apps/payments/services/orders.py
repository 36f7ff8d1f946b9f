"""Online payment orders: creating (or reusing) the order that pays a
resident's bills, closing orders, and superseding an order's open siblings.

- The amount is computed here from the bills' amount due now (quotes.py);
  the client never sends one.
- Provider calls never run inside a database transaction. An order row is
  committed before the provider hears of it, so a notify that races the call
  always finds it.
- Status moves by compare-and-set under a row lock (`select_for_update`), and
  each transition writes an audit row.
- Lock order: bills → orders with `SKIP LOCKED` here; settlement takes
  order → bills (settlement.py), so neither waits for the other."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.billing.models import Bill
from apps.billing.selectors import resident_bill_ids
from apps.billing.services import PAYABLE, bills_lock
from heat_platform.kernel.errors import field_error
from heat_platform.kernel.tasks import enqueue_on_commit
from tenants.selectors import current_company

from .. import providers as p
from ..errors import PaymentErrorCode
from ..merchants import active_account, merchant_fields, provider_for
from ..models import Channel, OrderBill, PaymentOrder
from .quotes import item_for_quote, quote_bills

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


def order_close_locked(order: PaymentOrder, *, reason: str, actor=None,
                       superseded_by: PaymentOrder | None = None) -> bool:
    """created → closed (order row locked by the caller). The provider is told
    after commit, always: even an order without a prepay_id may be in flight there."""
    updated = PaymentOrder.objects.filter(pk=order.pk, status=PaymentOrder.Status.CREATED).update(
        status=PaymentOrder.Status.CLOSED, close_reason=reason, closed_at=timezone.now(),
        superseded_by=superseded_by, provider_closed=False, updated_at=timezone.now())
    if updated:
        order.status = PaymentOrder.Status.CLOSED
        audit_record(actor=actor, action="payment.closed", target=order, reason=reason,
                     superseded_by=superseded_by.out_trade_no if superseded_by else None)
        from ..tasks import close_at_provider

        enqueue_on_commit(close_at_provider, order.pk)
    return bool(updated)


@dataclass(frozen=True)
class CreatedPayment:
    order: PaymentOrder
    pay_params: dict  # {"channel", …client fields}


def _owns_bills(resident, bill_ids: list[int]) -> bool:
    """Same answer for missing bills, other residents' bills and bills of an unpublished season."""
    return resident_bill_ids(resident=resident, bill_ids=bill_ids) == set(bill_ids)


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
        bills = bills_lock(bill_ids)
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
            order_close_locked(old, reason=PaymentOrder.CloseReason.SUPERSEDED, actor=resident, superseded_by=order)
        audit_record(actor=resident, action="payment.created", target=order, ip=ip, amount_fen=total,
                     channel=channel, bills=sorted(bill_ids))
        from ..tasks import close_siblings

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
            order_close_locked(locked, reason=PaymentOrder.CloseReason.CANCELLED)
        raise ValidationError(_("支付下单失败，请稍后再试。"), code=PaymentErrorCode.PROVIDER_ERROR) from None
    updated = PaymentOrder.objects.filter(pk=order.pk, status=PaymentOrder.Status.CREATED, prepay_id="").update(
        prepay_id=created.prepay_id, updated_at=timezone.now())
    if not updated:  # superseded while we were asking the provider: do not let it be paid
        from ..tasks import close_at_provider

        close_at_provider.delay(order.pk)
        raise ValidationError(_("订单已更新，请重新发起支付。"), code=PaymentErrorCode.INVALID_STATUS)
    order.prepay_id = created.prepay_id
    return CreatedPayment(order=order, pay_params={"channel": channel, **created.params})


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
            closed += order_close_locked(sibling, reason=PaymentOrder.CloseReason.SUPERSEDED, superseded_by=order)
    return closed



def orders_forget_payer(*, resident_id: int) -> int:
    """A resident deleted their account: their orders stay (accounting records, still linked to the
    anonymous resident row) but no longer carry their WeChat openid / Alipay user id. Settling,
    querying and refunding go by our order number and the provider's transaction id, never the payer.
    Returns how many orders changed; the caller holds the transaction."""
    return PaymentOrder.objects.filter(resident_id=resident_id).exclude(payer_id="").update(payer_id="")
