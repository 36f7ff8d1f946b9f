"""Counter payments (柜台收费) and the collector's shift (日结).

A collector takes cash, a card (POS) or a bank transfer at the counter for one
or more bills, writes a pre-numbered paper receipt and records it here. The
order is paid on creation and applied to the bills in the same transaction,
with the bills locked, so the quote it was built from is still true.

Partial payments are allowed: the money goes to the oldest season first; a bill
it covers fully gets the price quoted now (early discount or late fee
included), the first bill it does not cover takes the rest against its
principal only, later bills nothing. More than is due is refused (change is
handed back in cash, never kept).

No money is taken on a bill whose season is not published yet.

A submission may carry a request number (the console makes one per click of
收款): the same number again by the same collector returns the payment already
recorded instead of a duplicate-receipt error, so a double click or a retry
after a lost answer neither charges twice nor tells the collector it failed.

Every payment belongs to the collector's open shift (opened on the first
payment), and so does every counter refund the collector hands back
(refunds.py), whenever the payment was taken. Closing the shift freezes its
totals, net of its refunds, with both listed; a closed shift takes no more
payments or refunds. The shift row is locked by all three, so nothing lands
in a shift that is being closed."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Role
from apps.audit.services import audit_record
from apps.billing.services import PAYABLE, bills_lock
from apps.invoices import hooks as invoice_hooks
from apps.messaging import hooks as messaging_hooks
from heat_platform.kernel.errors import field_error
from heat_platform.kernel.tasks import enqueue_on_commit
from heat_platform.money import fen_to_yuan_str

from ..errors import PaymentErrorCode
from ..models import Channel, CounterMethod, CounterShift, OrderBill, PaymentOrder
from ..selectors_counter import shift_live_summary
from .orders import new_out_trade_no
from .quotes import item_for_quote, item_partial, quote_bills
from .settlement import order_apply

RECEIPT_NO_MAX = 32
RECEIPT_CONSTRAINT = "unique_receipt_no"
REQUEST_CONSTRAINT = "unique_request_no"


def _counter_out_trade_no() -> str:
    """"C" + 20 chars of [0-9A-Z]: the online orders' generator, so every order
    number of the company has one shape and one uniqueness argument."""
    return new_out_trade_no("C")


def _clean_receipt_no(receipt_no: str | None) -> str:
    text = (receipt_no or "").strip()
    if not text:
        raise field_error("receiptNo", _("请填写收据号。"), PaymentErrorCode.REQUIRED)
    if len(text) > RECEIPT_NO_MAX:
        raise field_error("receiptNo", _("收据号不能超过 %(n)s 个字符。") % {"n": RECEIPT_NO_MAX},
                          PaymentErrorCode.INVALID)
    if not text.isprintable():
        raise field_error("receiptNo", _("收据号含有不可打印的字符。"), PaymentErrorCode.INVALID)
    return text


def _duplicate_receipt(receipt_no: str):
    return field_error("receiptNo", _("收据号 %(no)s 已被使用。") % {"no": receipt_no},
                       PaymentErrorCode.DUPLICATE_RECEIPT)


def _clean_request_no(request_no: str | None) -> str:
    text = (request_no or "").strip()
    if text and (not (6 <= len(text) <= 32) or not text.isascii()
                 or not all(c.isalnum() or c in "-_" for c in text)):
        raise field_error("requestNo", _("请求号须为 6–32 位字母、数字、- 或 _。"), PaymentErrorCode.INVALID)
    return text


def _replayed(request_no: str, *, collector, bill_ids: list[int], method: str, amount_fen: int,
              receipt_no: str) -> PaymentOrder | None:
    """The order an earlier submission with this request number recorded, or None when there is none.
    The number used for anything else (another collector, amount, method, receipt or bills) is an error."""
    if not request_no:
        return None
    order = PaymentOrder.objects.filter(request_no=request_no).first()
    if order is None:
        return None
    paid_bills = set(order.items.values_list("bill_id", flat=True))
    if (order.collector_id != collector.pk or order.counter_method != method or order.amount_fen != amount_fen
            or order.receipt_no != receipt_no or not paid_bills <= set(bill_ids)):
        raise field_error("requestNo", _("该请求号已用于另一笔收款。"), PaymentErrorCode.INVALID)
    return order


def _clean_bill_ids(bill_ids) -> list[int]:
    ids = [int(b) for b in (bill_ids or [])]
    if not ids:
        raise field_error("billIds", _("请选择要缴费的账单。"), PaymentErrorCode.REQUIRED)
    return ids


def shift_open_locked(collector) -> CounterShift:
    """The collector's open shift, row-locked for this transaction; opened if there is none.

    A shift closed while we waited for its lock no longer matches `status=open`
    (PostgreSQL re-checks the row), so we open a new one instead."""
    for _attempt in range(3):
        shift = CounterShift.objects.select_for_update().filter(collector=collector,
                                                               status=CounterShift.Status.OPEN).first()
        if shift is not None:
            return shift
        try:
            with transaction.atomic():  # savepoint: a concurrent open wins the unique constraint
                shift = CounterShift.objects.create(collector=collector)
        except IntegrityError:
            continue
        audit_record(actor=collector, action="payment.shift_open", target=shift)
        return shift  # a row this transaction inserted: no one else can see it, let alone close it, until commit
    raise RuntimeError("could not open a counter shift")  # pragma: no cover - three lost races in a row


@transaction.atomic
def shift_open(*, collector) -> CounterShift:
    """The collector's open shift; a new one if none is open (idempotent)."""
    return shift_open_locked(collector)


def _season_order(quote):
    bill = quote.bill
    return (bill.season.heating_start, bill.season_id, bill.house.account_no, bill.pk)


@transaction.atomic
def counter_payment_record(*, collector, bill_ids, method: str, amount_fen: int, receipt_no: str,
                           request_no: str | None = None, ip: str | None = None) -> PaymentOrder:
    """Record money received at the counter for these bills (partial payment allowed). With a request
    number already used by the same submission, the order it recorded (nothing new is written)."""
    receipt_no = _clean_receipt_no(receipt_no)
    request_no = _clean_request_no(request_no)
    if method not in CounterMethod.values:
        raise field_error("method", _("请选择收款方式。"), PaymentErrorCode.INVALID)
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise field_error("amountFen", _("收款金额须大于 0。"), PaymentErrorCode.INVALID_AMOUNT)
    ids = _clean_bill_ids(bill_ids)
    same = dict(collector=collector, bill_ids=ids, method=method, amount_fen=amount_fen, receipt_no=receipt_no)
    if (earlier := _replayed(request_no, **same)) is not None:
        return earlier
    if PaymentOrder.objects.filter(receipt_no=receipt_no).exists():
        raise _duplicate_receipt(receipt_no)

    shift = shift_open_locked(collector)  # always before the bills: one lock order
    if (earlier := _replayed(request_no, **same)) is not None:  # sent twice at once: the shift lock serialised us
        return earlier
    bills = bills_lock(ids)
    if len(bills) != len(set(ids)):
        raise field_error("billIds", _("找不到账单。"), PaymentErrorCode.NOT_FOUND)
    if any(b.status not in PAYABLE for b in bills):
        raise field_error("billIds", _("所选账单中有已缴清、已减免或已作废的账单。"), PaymentErrorCode.INVALID_STATUS)
    if any(not b.season.is_published for b in bills):
        # Residents cannot see a draft season's bills yet; no money is taken on them either.
        raise field_error("billIds", _("所选账单所属采暖季尚未发布，不能收费。"), PaymentErrorCode.NOT_PUBLISHED)
    now = timezone.now()
    quotes = sorted(quote_bills(bills, on=timezone.localdate(now)), key=_season_order)
    due_fen = sum(q.total_fen for q in quotes)
    if due_fen <= 0:
        raise field_error("billIds", _("所选账单当前无需缴费。"), PaymentErrorCode.NOTHING_DUE)
    if amount_fen > due_fen:
        raise field_error("amountFen", _("收款金额超过应缴金额 %(due)s 元，多收的钱请当场找零。") % {
            "due": fen_to_yuan_str(due_fen)}, PaymentErrorCode.OVERPAYMENT)

    order = PaymentOrder(
        out_trade_no=_counter_out_trade_no(), channel=Channel.COUNTER, status=PaymentOrder.Status.PAID,
        amount_fen=amount_fen, paid_at=now, collector=collector, shift=shift, counter_method=method,
        receipt_no=receipt_no, request_no=request_no, description=_description(quotes))
    items, remaining = [], amount_fen
    for quote in quotes:
        if remaining <= 0:
            break
        if quote.total_fen <= 0:
            continue
        if remaining >= quote.total_fen:
            items.append(item_for_quote(order, quote))
            remaining -= quote.total_fen
            continue
        if remaining >= quote.outstanding_fen:
            # Would clear the principal and leave the late fee owing on a bill marked paid.
            raise field_error("amountFen", _(
                "%(season)s 账单本金 %(principal)s 元，含违约金应缴 %(total)s 元：请收取全额，或少于本金的部分款。") % {
                "season": quote.bill.season.name, "principal": fen_to_yuan_str(quote.outstanding_fen),
                "total": fen_to_yuan_str(quote.total_fen)}, PaymentErrorCode.INVALID_AMOUNT)
        items.append(item_partial(order, quote.bill, remaining))
        remaining = 0

    try:
        with transaction.atomic():  # savepoint: another collector may take the same receipt number right now
            order.save(force_insert=True)
    except IntegrityError as exc:
        if REQUEST_CONSTRAINT in str(exc):
            # Another collector's payment with our number: our own replays waited on the shift lock above.
            raise field_error("requestNo", _("该请求号已用于另一笔收款。"), PaymentErrorCode.INVALID) from exc
        if RECEIPT_CONSTRAINT in str(exc):
            raise _duplicate_receipt(receipt_no) from exc
        raise
    for item in items:
        item.order = order
    OrderBill.objects.bulk_create(items)
    applied = order_apply(order)
    from ..tasks import close_siblings

    enqueue_on_commit(close_siblings, order.pk)  # a resident's open online order for these bills must not be paid too
    invoice_hooks.payment_settled(order.pk)  # after commit; nothing unless invoicing is on
    messaging_hooks.payment_settled(order.pk)  # receipts to the houses' residents, after commit
    if applied.excess_fen:  # cannot happen with the bills locked since the quote; never keep money silently
        order.needs_refund_fen = applied.excess_fen
        order.flag_reason = "; ".join(applied.reasons)[:255]
        order.save(update_fields=["needs_refund_fen", "flag_reason", "updated_at"])
    audit_record(actor=collector, action="payment.counter", target=order, ip=ip, out_trade_no=order.out_trade_no,
                 receipt_no=receipt_no, method=method, amount_fen=amount_fen, shift_id=shift.pk,
                 bills=[{"bill_id": i.bill_id, "amount_fen": i.amount_fen, "discount_fen": i.discount_fen,
                         "late_fee_fen": i.late_fee_fen} for i in items])
    return order


def _description(quotes) -> str:
    houses = sorted({q.bill.house.account_no for q in quotes})
    seasons = sorted({q.bill.season.name for q in quotes})
    text = _("柜台收费 采暖费 %(seasons)s %(houses)s") % {"seasons": "/".join(seasons), "houses": ",".join(houses)}
    return text[:127]


def _may_close(actor, shift: CounterShift) -> bool:
    return shift.collector_id == actor.pk or actor.role == Role.TENANT_ADMIN


@transaction.atomic
def shift_close(*, shift_id: int, actor, ip: str | None = None) -> CounterShift:
    """日结: close the shift and freeze its totals. A collector closes their own
    shift, an admin anyone's; others get the same "not found" as for a missing one."""
    shift = CounterShift.objects.select_for_update().select_related("collector").filter(pk=shift_id).first()
    if shift is None or not _may_close(actor, shift):
        raise field_error("id", _("找不到该班次。"), PaymentErrorCode.NOT_FOUND)
    if shift.status != CounterShift.Status.OPEN:
        raise field_error("id", _("该班次已日结。"), PaymentErrorCode.SHIFT_CLOSED)
    summary = shift_live_summary(shift)  # the row lock keeps payments out while we count
    closed_at = timezone.now()
    frozen = summary.to_json()
    updated = CounterShift.objects.filter(pk=shift.pk, status=CounterShift.Status.OPEN).update(
        status=CounterShift.Status.CLOSED, closed_at=closed_at, totals=frozen)
    if updated != 1:  # compare-and-set; the row lock makes this a safety net
        raise field_error("id", _("该班次已日结。"), PaymentErrorCode.SHIFT_CLOSED)
    shift.status, shift.closed_at, shift.totals = CounterShift.Status.CLOSED, closed_at, frozen
    audit_record(actor=actor, action="payment.shift_close", target=shift, ip=ip, collector=shift.collector.username,
                 count=summary.count, total_fen=summary.total_fen, by_method=frozen["by_method"])
    return shift
