"""Reads for counter payments: shift summaries (日结), access to shifts and receipts.

An open shift's summary is computed with two queries (totals grouped by
method, receipts with their houses' account numbers aggregated), for one shift
or a whole page of them; a closed shift's summary is the JSON frozen when it
was closed, so it never changes afterwards (a later refund is the refund's
business, not the shift's)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Prefetch, QuerySet, Sum

from apps.accounts.models import Role
from apps.accounts.permissions import SHIFT_VIEW_ALL

from .models import Channel, CounterMethod, CounterShift, OrderBill, PaymentOrder

METHODS = tuple(CounterMethod.values)  # cash, pos, transfer: the order totals are listed in


@dataclass(frozen=True)
class MethodTotal:
    method: str
    amount_fen: int
    count: int


@dataclass(frozen=True)
class ShiftReceipt:
    receipt_no: str
    out_trade_no: str
    amount_fen: int
    method: str
    paid_at: dt.datetime
    account_nos: tuple[str, ...]


@dataclass(frozen=True)
class ShiftSummary:
    totals: tuple[MethodTotal, ...]  # one per method, zeros included
    receipts: tuple[ShiftReceipt, ...]  # in the order they were taken

    @property
    def count(self) -> int:
        return sum(t.count for t in self.totals)

    @property
    def total_fen(self) -> int:
        return sum(t.amount_fen for t in self.totals)

    def to_json(self) -> dict:
        """What a closed shift keeps in `CounterShift.totals`."""
        return {
            "by_method": {t.method: t.amount_fen for t in self.totals},
            "count_by_method": {t.method: t.count for t in self.totals},
            "count": self.count,
            "total_fen": self.total_fen,
            "receipts": [{"receipt_no": r.receipt_no, "out_trade_no": r.out_trade_no, "amount_fen": r.amount_fen,
                          "method": r.method, "paid_at": r.paid_at.isoformat(), "account_nos": list(r.account_nos)}
                         for r in self.receipts],
        }

    @classmethod
    def from_json(cls, data: dict) -> ShiftSummary:
        by_method, counts = data.get("by_method", {}), data.get("count_by_method", {})
        return cls(
            totals=tuple(MethodTotal(m, int(by_method.get(m, 0)), int(counts.get(m, 0))) for m in METHODS),
            receipts=tuple(ShiftReceipt(receipt_no=r["receipt_no"], out_trade_no=r["out_trade_no"],
                                        amount_fen=int(r["amount_fen"]), method=r["method"],
                                        paid_at=dt.datetime.fromisoformat(r["paid_at"]),
                                        account_nos=tuple(r["account_nos"]))
                           for r in data.get("receipts", [])))


def _shift_orders(shift_ids: list[int]) -> QuerySet[PaymentOrder]:
    return PaymentOrder.objects.filter(shift_id__in=shift_ids, channel=Channel.COUNTER,
                                       status=PaymentOrder.Status.PAID)


def _live_summaries(shift_ids: list[int]) -> dict[int, ShiftSummary]:
    """Two queries for any number of open shifts."""
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
    return {pk: ShiftSummary(totals=tuple(MethodTotal(m, *sums[pk].get(m, (0, 0))) for m in METHODS),
                             receipts=tuple(receipts[pk]))
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
