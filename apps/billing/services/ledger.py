"""How money reaches a bill: the only code that changes an issued bill's
lines, principal, paid amount or (live) status.

- `bills_post` / `bill_post`: the one writer. A posting appends one-off lines
  (`engine.one_off_line`: adjustment, discount, late fee, credit, true-up) at
  the bill's next positions, moves `principal_fen` by their sum and `paid_fen`
  by the money it brings or takes back; the status of a live bill follows
  (`bill_status_for`). Staff adjustments, the true-up, payments and refunds
  all post through it.
- `bill_payment_apply`: a payment reaches its bills. A bill still as it was
  quoted takes the quoted price: the early-payment discount or the late fee
  becomes a line of the bill. A bill changed since the quote (paid at the
  counter, adjusted) takes only what it still owes; the caller flags the rest
  for refund. A bill no longer payable takes nothing.
- `bill_payment_reverse`: a refund takes money back from a bill, and with it,
  pro rata, the discount or late fee its payment earned.

Callers hold the paying order's row lock; bills are locked here (or by
`bills_lock` earlier in the same transaction) in id order, so two
transactions never deadlock on bills. Money is applied in the transaction
that moves the order to paid, so a payment reaches its bills exactly once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from heat_platform.money import fen_to_yuan_str

from ..engine import Line, one_off_line
from ..models import Bill, BillLine

PAYABLE = (Bill.Status.ISSUED, Bill.Status.PARTIALLY_PAID)
LIVE = (Bill.Status.ISSUED, Bill.Status.PARTIALLY_PAID, Bill.Status.PAID)  # waived / cancelled are final
BILL_FIELDS = ["principal_fen", "paid_fen", "status", "updated_at"]


def bill_status_for(*, principal_fen: int, paid_fen: int) -> str:
    if paid_fen >= principal_fen:
        return Bill.Status.PAID
    return Bill.Status.PARTIALLY_PAID if paid_fen > 0 else Bill.Status.ISSUED


def bills_lock(bill_ids: Sequence[int], *, for_quote: bool = True) -> list[Bill]:
    """Lock the bills in id order; for quoting, with their season and their
    houses' stopped-heat history (amount due)."""
    qs = Bill.objects.select_for_update(of=("self",)).filter(pk__in=sorted(set(bill_ids))).order_by("pk")
    if for_quote:
        qs = qs.select_related("house", "season").prefetch_related("house__status_changes")
    return list(qs)


# --- the one writer -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Posting:
    """A change to one locked bill: lines to append and money paid in (+) or back (−)."""

    bill: Bill
    lines: Sequence[Line] = ()
    paid_fen: int = 0


def bills_post(postings: Sequence[Posting], *, last_positions: dict[int, int] | None = None) -> None:
    """Apply postings to their (locked) bills. One posting costs one UPDATE of
    its bill (plus, with lines, one position lookup and one INSERT); many
    postings one INSERT and one UPDATE in all. `last_positions` ({bill_id:
    highest line position}) spares the lookup when the caller has the lines."""
    if not postings:
        return
    with_lines = [p for p in postings if p.lines]
    if with_lines:
        positions = dict(last_positions or {})
        missing = [p.bill.pk for p in with_lines if p.bill.pk not in positions]
        if missing:
            positions.update(BillLine.objects.filter(bill_id__in=missing).order_by().values("bill_id")
                             .annotate(p=Max("position")).values_list("bill_id", "p"))
        rows = []
        for posting in with_lines:
            start = positions.get(posting.bill.pk) or 0
            rows += [BillLine(bill=posting.bill, position=start + i, kind=line.kind, quantity=line.quantity,
                              unit_price=line.unit_price, amount_fen=line.amount_fen, explanation=line.explanation)
                     for i, line in enumerate(posting.lines, start=1)]
        BillLine.objects.bulk_create(rows)
    for posting in postings:
        bill = posting.bill
        bill.principal_fen += sum(line.amount_fen for line in posting.lines)
        bill.paid_fen += posting.paid_fen
        if bill.status in LIVE:
            bill.status = bill_status_for(principal_fen=bill.principal_fen, paid_fen=bill.paid_fen)
    if len(postings) == 1:
        postings[0].bill.save(update_fields=BILL_FIELDS)
    else:
        now = timezone.now()
        for posting in postings:
            posting.bill.updated_at = now
        Bill.objects.bulk_update([p.bill for p in postings], BILL_FIELDS)


def bill_post(bill: Bill, *, lines: Sequence[Line] = (), paid_fen: int = 0) -> None:
    """One bill: see `bills_post`."""
    bills_post([Posting(bill, tuple(lines), paid_fen)])


# --- payments ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PaymentShare:
    """What one payment brings one bill, as quoted to the payer (apps.payments OrderBill)."""

    bill_id: int
    amount_fen: int
    discount_fen: int
    late_fee_fen: int
    quoted_paid_fen: int  # the bill's paid and principal when quoted: is it still as quoted?
    quoted_principal_fen: int


@dataclass(frozen=True)
class ShareApplied:
    bill_id: int
    applied_fen: int  # what the bill took
    priced_as_quoted: bool  # its discount / late fee became lines of the bill
    reason: str  # why the bill took less than the share, or ""


def bill_payment_apply(*, shares: Sequence[PaymentShare], paid_on: dt.date) -> list[ShareApplied]:
    """Apply a payment's shares to their bills, in the order given. Call inside the
    transaction that moves the payment to paid, holding its order row lock."""
    bills = {b.pk: b for b in bills_lock([s.bill_id for s in shares], for_quote=False)}
    out = []
    for share in shares:
        bill = bills[share.bill_id]
        lines: list[Line] = []
        as_quoted = False
        if bill.status not in PAYABLE:
            applied, why = 0, f"bill#{bill.pk} {bill.status}"
        elif bill.paid_fen == share.quoted_paid_fen and bill.principal_fen == share.quoted_principal_fen:
            # The price the payer was shown: the discount or the late fee become lines of the bill.
            if share.discount_fen:
                lines.append(one_off_line(BillLine.Kind.DISCOUNT, -share.discount_fen,
                                          _("提前缴费优惠：-%(amount)s元（%(date)s 支付）") % {
                                              "amount": fen_to_yuan_str(share.discount_fen),
                                              "date": paid_on.isoformat()}))
            if share.late_fee_fen:
                lines.append(one_off_line(BillLine.Kind.LATE_FEE, share.late_fee_fen,
                                          _("违约金：%(amount)s元（计至 %(date)s）") % {
                                              "amount": fen_to_yuan_str(share.late_fee_fen),
                                              "date": paid_on.isoformat()}))
            as_quoted = True
            applied, why = share.amount_fen, ""
        else:
            # Someone else paid or adjusted the bill since the quote: take only what it still owes.
            owed = max(0, bill.principal_fen - bill.paid_fen)
            applied = min(share.amount_fen, owed)
            why = f"bill#{bill.pk} changed since the quote" if applied < share.amount_fen else ""
        bill_post(bill, lines=lines, paid_fen=applied)
        out.append(ShareApplied(bill_id=bill.pk, applied_fen=applied, priced_as_quoted=as_quoted, reason=why))
    return out


@dataclass(frozen=True)
class PaymentReversal:
    """Money a refund takes back from one bill, and the price its payment earned there."""

    bill_id: int
    amount_fen: int  # taken back now
    applied_fen: int  # what the payment brought the bill
    refunded_before_fen: int  # taken back by earlier refunds of the same payment
    discount_fen: int = 0  # the quoted discount / late fee, when the payment was priced as quoted
    late_fee_fen: int = 0


def bill_payment_reverse(*, reversals: Sequence[PaymentReversal]) -> list[dict]:
    """Take refunded money back from bills, in the order given, reversing the
    discount / late-fee lines pro rata (cumulatively, so a full refund reverses
    them exactly). Returns [{"bill_id", "amount_fen"[, "discount_reversed_fen",
    "late_fee_reversed_fen"]}]."""
    bills = {b.pk: b for b in bills_lock([r.bill_id for r in reversals], for_quote=False)}
    effects: list[dict] = []
    for rev in reversals:
        bill = bills[rev.bill_id]
        effect: dict = {"bill_id": bill.pk, "amount_fen": rev.amount_fen}
        lines: list[Line] = []
        if rev.discount_fen or rev.late_fee_fen:
            before, after = rev.refunded_before_fen, rev.refunded_before_fen + rev.amount_fen
            discount = _share(rev.discount_fen, before, after, rev.applied_fen)
            late_fee = _share(rev.late_fee_fen, before, after, rev.applied_fen)
            if discount:
                lines.append(one_off_line(BillLine.Kind.DISCOUNT, discount,
                                          _("退款冲回提前缴费优惠：%(amount)s元") % {
                                              "amount": fen_to_yuan_str(discount)}))
            if late_fee:
                lines.append(one_off_line(BillLine.Kind.LATE_FEE, -late_fee,
                                          _("退款冲回违约金：-%(amount)s元") % {"amount": fen_to_yuan_str(late_fee)}))
            effect.update(discount_reversed_fen=discount, late_fee_reversed_fen=late_fee)
        bill_post(bill, lines=lines, paid_fen=-rev.amount_fen)
        effects.append(effect)
    return effects


def _share(total_fen: int, before: int, after: int, base: int) -> int:
    """The part of `total_fen` belonging to refunded money going from `before` to `after` of `base`,
    rounded so the parts of successive refunds add up to exactly `total_fen`."""
    def upto(x: int) -> int:
        return int((Decimal(total_fen) * x / base).quantize(Decimal(1), rounding=ROUND_HALF_UP)) if base else 0
    return upto(after) - upto(before)
