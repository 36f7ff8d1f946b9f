"""Reads for counter payments: shift summaries (日结), access to shifts and receipts.

A shift's summary is the money its collector took (counter payments, by
method) less the money they handed back (counter refunds made in that shift,
by the refunded payment's method), with both listed. An open shift's summary
is computed with three queries (payment totals grouped by method, receipts
and refunds with their houses' account numbers aggregated), for one shift or
a whole page of them; a closed shift's summary is the JSON frozen when it was
closed, so it never changes afterwards: a later refund lands in the
refunder's current shift."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Prefetch, QuerySet, Sum

from apps.accounts.models import Role
from apps.accounts.permissions import SHIFT_VIEW_ALL

from .models import Channel, CounterMethod, CounterShift, OrderBill, PaymentOrder, Refund
from .selectors import orders_of_resident

METHODS = tuple(CounterMethod.values)  # cash, pos, transfer: the order totals are listed in


@dataclass(frozen=True)
class MethodTotal:
    method: str
    collected_fen: int  # counter payments taken
    count: int  # number of payments
    refunded_fen: int = 0  # handed back in this shift (refunds of payments made with this method)

    @property
    def amount_fen(self) -> int:
        """Net: what the drawer should hold for this method."""
        return self.collected_fen - self.refunded_fen


@dataclass(frozen=True)
class ShiftReceipt:
    receipt_no: str
    out_trade_no: str
    amount_fen: int
    method: str
    paid_at: dt.datetime
    account_nos: tuple[str, ...]


@dataclass(frozen=True)
class ShiftRefund:
    """Cash handed back in this shift for a counter payment (of this or an earlier shift)."""

    out_refund_no: str
    out_trade_no: str  # the refunded payment
    receipt_no: str  # its paper receipt
    amount_fen: int
    method: str  # the refunded payment's method
    refunded_at: dt.datetime
    account_nos: tuple[str, ...]


@dataclass(frozen=True)
class ShiftSummary:
    totals: tuple[MethodTotal, ...]  # one per method, zeros included
    receipts: tuple[ShiftReceipt, ...]  # in the order they were taken
    refunds: tuple[ShiftRefund, ...] = ()  # in the order they were made

    @property
    def count(self) -> int:
        return sum(t.count for t in self.totals)

    @property
    def collected_fen(self) -> int:
        return sum(t.collected_fen for t in self.totals)

    @property
    def refunded_fen(self) -> int:
        return sum(t.refunded_fen for t in self.totals)

    @property
    def total_fen(self) -> int:
        """Net of refunds."""
        return self.collected_fen - self.refunded_fen

    def to_json(self) -> dict:
        """What a closed shift keeps in `CounterShift.totals` (by_method and total_fen are net)."""
        return {
            "by_method": {t.method: t.amount_fen for t in self.totals},
            "collected_by_method": {t.method: t.collected_fen for t in self.totals},
            "refunded_by_method": {t.method: t.refunded_fen for t in self.totals},
            "count_by_method": {t.method: t.count for t in self.totals},
            "count": self.count,
            "total_fen": self.total_fen,
            "collected_fen": self.collected_fen,
            "refunded_fen": self.refunded_fen,
            "receipts": [{"receipt_no": r.receipt_no, "out_trade_no": r.out_trade_no, "amount_fen": r.amount_fen,
                          "method": r.method, "paid_at": r.paid_at.isoformat(), "account_nos": list(r.account_nos)}
                         for r in self.receipts],
            "refunds": [{"out_refund_no": r.out_refund_no, "out_trade_no": r.out_trade_no,
                         "receipt_no": r.receipt_no, "amount_fen": r.amount_fen, "method": r.method,
                         "refunded_at": r.refunded_at.isoformat(), "account_nos": list(r.account_nos)}
                        for r in self.refunds],
        }

    @classmethod
    def from_json(cls, data: dict) -> ShiftSummary:
        """Shifts closed before refunds were counted kept only gross totals (no refund could land in a shift)."""
        collected = data.get("collected_by_method", data.get("by_method", {}))
        refunded, counts = data.get("refunded_by_method", {}), data.get("count_by_method", {})
        return cls(
            totals=tuple(MethodTotal(m, int(collected.get(m, 0)), int(counts.get(m, 0)), int(refunded.get(m, 0)))
                         for m in METHODS),
            receipts=tuple(ShiftReceipt(receipt_no=r["receipt_no"], out_trade_no=r["out_trade_no"],
                                        amount_fen=int(r["amount_fen"]), method=r["method"],
                                        paid_at=dt.datetime.fromisoformat(r["paid_at"]),
                                        account_nos=tuple(r["account_nos"]))
                           for r in data.get("receipts", [])),
            refunds=tuple(ShiftRefund(out_refund_no=r["out_refund_no"], out_trade_no=r["out_trade_no"],
                                      receipt_no=r["receipt_no"], amount_fen=int(r["amount_fen"]),
                                      method=r["method"], refunded_at=dt.datetime.fromisoformat(r["refunded_at"]),
                                      account_nos=tuple(r["account_nos"]))
                          for r in data.get("refunds", [])))


def _shift_orders(shift_ids: list[int]) -> QuerySet[PaymentOrder]:
    return PaymentOrder.objects.filter(shift_id__in=shift_ids, channel=Channel.COUNTER,
                                       status=PaymentOrder.Status.PAID)


def _live_summaries(shift_ids: list[int]) -> dict[int, ShiftSummary]:
    """Three queries for any number of open shifts."""
    if not shift_ids:
        return {}
    sums: dict[int, dict[str, tuple[int, int]]] = {pk: {} for pk in shift_ids}
    for row in (_shift_orders(shift_ids).order_by().values("shift_id", "counter_method")
                .annotate(amount=Sum("amount_fen"), n=Count("id"))):
        sums[row["shift_id"]][row["counter_method"]] = (row["amount"] or 0, row["n"])
    receipts: dict[int, list[ShiftReceipt]] = {pk: [] for pk in shift_ids}
    rows = (_shift_orders(shift_ids)
            .annotate(account_nos=ArrayAgg("items__bill__house__account_no", distinct=True,
                                           order_by="items__bill__house__account_no"))
            .order_by("paid_at", "id")
            .values("shift_id", "receipt_no", "out_trade_no", "amount_fen", "counter_method", "paid_at",
                    "account_nos"))
    for row in rows:
        receipts[row["shift_id"]].append(ShiftReceipt(
            receipt_no=row["receipt_no"], out_trade_no=row["out_trade_no"], amount_fen=row["amount_fen"],
            method=row["counter_method"], paid_at=row["paid_at"],
            account_nos=tuple(a for a in row["account_nos"] if a)))
    refunds: dict[int, list[ShiftRefund]] = {pk: [] for pk in shift_ids}
    refunded: dict[int, dict[str, int]] = {pk: {} for pk in shift_ids}
    rows = (Refund.objects.filter(shift_id__in=shift_ids, status=Refund.Status.SUCCESS)
            .annotate(account_nos=ArrayAgg("order__items__bill__house__account_no", distinct=True,
                                           order_by="order__items__bill__house__account_no"))
            .order_by("finished_at", "id")
            .values("shift_id", "out_refund_no", "order__out_trade_no", "order__receipt_no", "amount_fen",
                    "order__counter_method", "finished_at", "created_at", "account_nos"))
    for row in rows:
        method = row["order__counter_method"]
        refunds[row["shift_id"]].append(ShiftRefund(
            out_refund_no=row["out_refund_no"], out_trade_no=row["order__out_trade_no"],
            receipt_no=row["order__receipt_no"], amount_fen=row["amount_fen"], method=method,
            refunded_at=row["finished_at"] or row["created_at"], account_nos=tuple(a for a in row["account_nos"] if a)))
        refunded[row["shift_id"]][method] = refunded[row["shift_id"]].get(method, 0) + row["amount_fen"]
    return {pk: ShiftSummary(totals=tuple(MethodTotal(m, *sums[pk].get(m, (0, 0)), refunded[pk].get(m, 0))
                                          for m in METHODS),
                             receipts=tuple(receipts[pk]), refunds=tuple(refunds[pk]))
            for pk in shift_ids}


def shift_live_summary(shift: CounterShift) -> ShiftSummary:
    """Totals and receipts as of now, from the orders (used to freeze a shift at close)."""
    return _live_summaries([shift.pk])[shift.pk]


def shift_summaries(shifts: Iterable[CounterShift]) -> dict[int, ShiftSummary]:
    """Frozen JSON for closed shifts, two queries for all the open ones."""
    shifts = list(shifts)
    out = {s.pk: ShiftSummary.from_json(s.totals or {}) for s in shifts if s.status == CounterShift.Status.CLOSED}
    out.update(_live_summaries([s.pk for s in shifts if s.status != CounterShift.Status.CLOSED]))
    return out


# --- access ------------------------------------------------------------------------------------------

def _sees_all_shifts(user) -> bool:
    return user.role in SHIFT_VIEW_ALL


def open_shift_for(*, user) -> CounterShift | None:
    return CounterShift.objects.select_related("collector").filter(collector=user,
                                                                   status=CounterShift.Status.OPEN).first()


def access_shift(*, user, shift_id: int) -> CounterShift | None:
    """The same None for a missing shift and for another collector's."""
    qs = CounterShift.objects.select_related("collector").filter(pk=shift_id)
    if not _sees_all_shifts(user):
        qs = qs.filter(collector=user)
    return qs.first()


def shift_list(*, user, collector_id: int | None = None, status: str | None = None) -> QuerySet[CounterShift]:
    """Newest first. Collectors see only their own shifts, whatever they ask for."""
    qs = CounterShift.objects.select_related("collector")
    if not _sees_all_shifts(user):
        qs = qs.filter(collector=user)
    if collector_id is not None:
        qs = qs.filter(collector_id=collector_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-opened_at", "-id")


def _order_details(qs: QuerySet[PaymentOrder]) -> QuerySet[PaymentOrder]:
    items = OrderBill.objects.select_related(
        "bill__house__community", "bill__house__building", "bill__house__unit", "bill__season",
    ).prefetch_related("bill__lines", "bill__house__status_changes").order_by("id")
    return qs.select_related("collector", "shift").prefetch_related(Prefetch("items", queryset=items), "refunds")


def counter_order(*, order_id: int) -> PaymentOrder | None:
    """A counter order with what the PaymentOrder type and the receipt show."""
    return _order_details(PaymentOrder.objects.filter(pk=order_id, channel=Channel.COUNTER)).first()


def access_receipt_order(*, user, out_trade_no: str) -> PaymentOrder | None:
    """A counter order whose receipt this staff member may print: collectors
    their own, other payment roles any. None alike for missing, online and foreign."""
    qs = PaymentOrder.objects.filter(out_trade_no=out_trade_no, channel=Channel.COUNTER)
    if user.role == Role.COLLECTOR:
        qs = qs.filter(collector=user)
    return _order_details(qs).first()


def receipt_order_for_resident(*, resident, out_trade_no: str) -> PaymentOrder | None:
    """A counter payment for the resident's own houses (every house on it bound
    to them). None alike for missing, online, other residents' and shared ones."""
    return _order_details(orders_of_resident(resident).filter(out_trade_no=out_trade_no,
                                                              channel=Channel.COUNTER)).first()
