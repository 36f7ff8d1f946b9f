"""Counter payments (柜台收费) and shifts (日结) through the services: partial
payments, allocation to the oldest season, discounts and late fees only on a
bill paid in full, overpayment and duplicate receipts refused with nothing
written, shifts opened on demand, closed once, frozen and read-only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.billing.models import Bill, BillLine
from apps.billing.services import bill_waive
from apps.payments.models import CounterShift, OrderBill, PaymentOrder
from apps.payments.selectors_counter import shift_live_summary, shift_summaries
from apps.payments.services import counter_payment_record, shift_close, shift_open
from tests.factories.accounts import staff
from tests.factories.billing import FULL, bill_for
from tests.factories.payments import pay
from tests.factories.properties import HouseFactory
from tests.factories.tariffs import discount_season, late_fee_season, plain_season


def error_codes(exc: ValidationError) -> dict[str | None, str]:
    return {field: errs[0].code for field, errs in exc.error_dict.items()}


def refused(call) -> dict[str | None, str]:
    with pytest.raises(ValidationError) as info:
        call()
    return error_codes(info.value)


@pytest.fixture
def in_alpha(alpha):
    with schema_context(alpha.schema):
        yield alpha


# --- payments ----------------------------------------------------------------------------------------

def test_two_partial_payments_then_the_rest_pay_the_bill(in_alpha):
    collector = staff("li")
    bill = bill_for(plain_season())
    assert bill.principal_fen == FULL

    first = pay(collector, [bill], 100000, "NO.0001")
    bill.refresh_from_db()
    assert (bill.status, bill.paid_fen) == (Bill.Status.PARTIALLY_PAID, 100000)
    assert (first.channel, first.status, first.amount_fen, first.counter_method) == ("counter", "paid", 100000, "cash")
    assert first.out_trade_no.startswith("C") and 7 <= len(first.out_trade_no) <= 32
    assert first.paid_at is not None and first.collector == collector and first.shift.collector == collector

    pay(collector, [bill], 50000, "NO.0002", method="pos")
    bill.refresh_from_db()
    assert (bill.status, bill.paid_fen) == (Bill.Status.PARTIALLY_PAID, 150000)

    last = pay(collector, [bill], 90000, "NO.0003", method="transfer")
    bill.refresh_from_db()
    assert (bill.status, bill.paid_fen, bill.principal_fen) == (Bill.Status.PAID, FULL, FULL)
    items = list(OrderBill.objects.filter(bill=bill).order_by("id").values_list("amount_fen", "applied_fen"))
    assert items == [(100000, 100000), (50000, 50000), (90000, 90000)]
    assert last.needs_refund_fen == 0
    assert refused(lambda: pay(collector, [bill], 1, "NO.0004")) == {"billIds": "INVALID_STATUS"}


def test_overpayment_is_refused_and_nothing_is_written(in_alpha):
    collector = staff("li")
    bill = bill_for(plain_season())
    assert refused(lambda: pay(collector, [bill], FULL + 1, "NO.0001")) == {"amountFen": "OVERPAYMENT"}
    bill.refresh_from_db()
    assert (bill.status, bill.paid_fen) == (Bill.Status.ISSUED, 0)
    assert not PaymentOrder.objects.exists() and not OrderBill.objects.exists()
    assert not CounterShift.objects.exists()  # the shift it would have opened is rolled back too
    assert not AuditLog.objects.filter(action__startswith="payment.").exists()
    assert pay(collector, [bill], FULL, "NO.0001").amount_fen == FULL  # exactly what is due is fine


@pytest.mark.parametrize("amount", [0, -100])
def test_amount_must_be_positive(in_alpha, amount):
    collector = staff("li")
    bill = bill_for(plain_season())
    assert refused(lambda: pay(collector, [bill], amount, "NO.0001")) == {"amountFen": "INVALID_AMOUNT"}


def test_money_goes_to_the_oldest_season_first(in_alpha):
    collector = staff("li")
    house = HouseFactory(building_area=Decimal("100"))
    new = bill_for(plain_season("2026-2027", started_days_ago=10), house=house)
    old = bill_for(plain_season("2025-2026", started_days_ago=375), house=house)

    # Less than the old bill owes: all of it to the old season, none to the new one.
    order = pay(collector, [new, old], 60000, "NO.0001")
    assert list(order.items.values_list("bill_id", "amount_fen")) == [(old.pk, 60000)]
    # The rest of the old bill and part of the new one.
    order = pay(collector, [new, old], 200000, "NO.0002")
    assert sorted(order.items.values_list("bill_id", "amount_fen")) == sorted([(old.pk, 180000), (new.pk, 20000)])
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, old.paid_fen) == (Bill.Status.PAID, FULL)
    assert (new.status, new.paid_fen) == (Bill.Status.PARTIALLY_PAID, 20000)


def test_discount_applies_only_when_the_bill_is_paid_in_full(in_alpha):
    collector = staff("li")
    bill = bill_for(discount_season())

    pay(collector, [bill], 100000, "NO.0001")  # partial: principal only, no discount line
    bill.refresh_from_db()
    assert (bill.status, bill.paid_fen, bill.principal_fen) == (Bill.Status.PARTIALLY_PAID, 100000, FULL)
    assert not bill.lines.filter(kind=BillLine.Kind.DISCOUNT).exists()

    # The rest: 140000 outstanding less 5% = 133000 settles it, and the discount becomes a line.
    assert refused(lambda: pay(collector, [bill], 133001, "NO.0002")) == {"amountFen": "OVERPAYMENT"}
    order = pay(collector, [bill], 133000, "NO.0002")
    item = order.items.get()
    assert (item.amount_fen, item.outstanding_fen, item.discount_fen, item.late_fee_fen) == (133000, 140000, 7000, 0)
    bill.refresh_from_db()
    assert (bill.status, bill.paid_fen, bill.principal_fen) == (Bill.Status.PAID, 233000, 233000)
    assert list(bill.lines.filter(kind=BillLine.Kind.DISCOUNT).values_list("amount_fen", flat=True)) == [-7000]


def test_late_fee_is_charged_only_when_the_bill_is_paid_in_full(in_alpha):
    collector = staff("li")
    bill = bill_for(late_fee_season())

    pay(collector, [bill], 100000, "NO.0001")  # partial: principal only, the late fee keeps accruing
    bill.refresh_from_db()
    assert (bill.status, bill.paid_fen, bill.principal_fen) == (Bill.Status.PARTIALLY_PAID, 100000, FULL)
    assert not bill.lines.filter(kind=BillLine.Kind.LATE_FEE).exists()

    # 140000 principal + 1400 late fee (10‰). Clearing the principal but not the fee would leave a "paid"
    # bill with a fee owing: refused.
    assert refused(lambda: pay(collector, [bill], 140000, "NO.0002")) == {"amountFen": "INVALID_AMOUNT"}
    order = pay(collector, [bill], 141400, "NO.0002")
    item = order.items.get()
    assert (item.outstanding_fen, item.discount_fen, item.late_fee_fen) == (140000, 0, 1400)
    bill.refresh_from_db()
    assert (bill.status, bill.paid_fen, bill.principal_fen) == (Bill.Status.PAID, 241400, 241400)
    assert list(bill.lines.filter(kind=BillLine.Kind.LATE_FEE).values_list("amount_fen", flat=True)) == [1400]


def test_duplicate_receipt_number_is_refused_and_nothing_is_written(in_alpha):
    collector, other = staff("li"), staff("wang")
    first, second = bill_for(plain_season()), bill_for(plain_season("2027-2028"))
    pay(collector, [first], 1000, "NO.0001")
    assert refused(lambda: pay(other, [second], 1000, "  NO.0001 ")) == {"receiptNo": "DUPLICATE_RECEIPT"}
    second.refresh_from_db()
    assert second.paid_fen == 0
    assert PaymentOrder.objects.count() == 1
    assert not CounterShift.objects.filter(collector=other).exists()


@pytest.mark.parametrize(("receipt_no", "code"), [("", "REQUIRED"), ("   ", "REQUIRED"), ("N" * 33, "INVALID"),
                                                  ("NO.\n1", "INVALID")])
def test_receipt_number_is_required_and_bounded(in_alpha, receipt_no, code):
    collector = staff("li")
    bill = bill_for(plain_season())
    assert refused(lambda: pay(collector, [bill], 1000, receipt_no)) == {"receiptNo": code}


def test_receipt_number_is_stored_stripped(in_alpha):
    order = pay(staff("li"), [bill_for(plain_season())], 1000, "  NO.0001\t")
    assert order.receipt_no == "NO.0001"


def test_missing_and_unpayable_bills_are_refused_and_nothing_is_written(in_alpha):
    collector = staff("li")
    admin = staff("boss", role="tenant_admin")
    season = plain_season()
    bill, waived = bill_for(season), bill_for(season)
    bill_waive(bill_id=waived.pk, reason="困难户", actor=admin)
    assert refused(lambda: counter_payment_record(collector=collector, bill_ids=[bill.pk, 999999], method="cash",
                                                  amount_fen=1000, receipt_no="NO.1")) == {"billIds": "NOT_FOUND"}
    assert refused(lambda: counter_payment_record(collector=collector, bill_ids=[-1], method="cash",
                                                  amount_fen=1000, receipt_no="NO.1")) == {"billIds": "NOT_FOUND"}
    assert refused(lambda: pay(collector, [bill, waived], 1000, "NO.1")) == {"billIds": "INVALID_STATUS"}
    assert refused(lambda: counter_payment_record(collector=collector, bill_ids=[], method="cash",
                                                  amount_fen=1000, receipt_no="NO.1")) == {"billIds": "REQUIRED"}
    assert refused(lambda: pay(collector, [bill], 1000, "NO.1", method="cheque")) == {"method": "INVALID"}
    bill.refresh_from_db()
    assert bill.paid_fen == 0 and not PaymentOrder.objects.exists()


def test_payment_is_audited(in_alpha):
    collector = staff("li")
    bill = bill_for(plain_season())
    order = pay(collector, [bill], 1000, "NO.0001", method="pos")
    row = AuditLog.objects.get(action="payment.counter")
    assert (row.actor_name, row.target_id, str(row.ip)) == ("li", order.pk, "10.0.0.9")
    assert row.detail["receipt_no"] == "NO.0001" and row.detail["amount_fen"] == 1000
    assert row.detail["bills"] == [{"bill_id": bill.pk, "amount_fen": 1000, "discount_fen": 0, "late_fee_fen": 0}]


# --- shifts ------------------------------------------------------------------------------------------

def test_first_payment_opens_the_shift_and_open_is_idempotent(in_alpha):
    collector = staff("li")
    order = pay(collector, [bill_for(plain_season())], 1000, "NO.0001")
    assert order.shift.status == CounterShift.Status.OPEN
    assert shift_open(collector=collector).pk == order.shift_id
    assert shift_open(collector=collector).pk == order.shift_id
    assert CounterShift.objects.filter(collector=collector).count() == 1
    assert AuditLog.objects.filter(action="payment.shift_open").count() == 1


def test_shift_totals_by_method_live_and_frozen(in_alpha):
    collector = staff("li")
    season = plain_season()
    bills = [bill_for(season) for _ in range(7)]
    amounts = {"cash": [1000, 2000], "pos": [3000, 4000], "transfer": [5000, 6000]}
    n = 0
    for method, values in amounts.items():
        for value in values:
            n += 1
            pay(collector, [bills[n - 1]], value, f"NO.{n:04d}", method=method)
    both = pay(collector, bills[5:7], FULL + 7, "NO.0007")  # one receipt for two houses (bills[5] owes FULL-6000)
    shift = CounterShift.objects.get(collector=collector)

    live = shift_live_summary(shift)
    assert [(t.method, t.amount_fen, t.count) for t in live.totals] == [
        ("cash", 3000 + FULL + 7, 3), ("pos", 7000, 2), ("transfer", 11000, 2)]
    assert (live.count, live.total_fen) == (7, 21000 + FULL + 7)
    assert [r.receipt_no for r in live.receipts] == [f"NO.{i:04d}" for i in range(1, 8)]
    assert live.receipts[-1].account_nos == tuple(sorted(b.house.account_no for b in bills[5:7]))
    assert live.receipts[-1].out_trade_no == both.out_trade_no

    closed = shift_close(shift_id=shift.pk, actor=collector, ip="10.0.0.9")
    assert (closed.status, closed.totals["total_fen"], closed.totals["count"]) == ("closed", 21000 + FULL + 7, 7)
    assert closed.totals["by_method"] == {"cash": 3000 + FULL + 7, "pos": 7000, "transfer": 11000}
    shift.refresh_from_db()
    frozen = shift_summaries([shift])[shift.pk]
    assert frozen == live  # the same numbers, now read from the frozen JSON
    assert AuditLog.objects.get(action="payment.shift_close").detail["total_fen"] == 21000 + FULL + 7


def test_closed_shift_takes_no_payments_and_cannot_be_closed_twice(in_alpha):
    collector = staff("li")
    season = plain_season()
    first = pay(collector, [bill_for(season)], 1000, "NO.0001")
    closed = shift_close(shift_id=first.shift_id, actor=collector)
    assert refused(lambda: shift_close(shift_id=first.shift_id, actor=collector)) == {"id": "SHIFT_CLOSED"}

    later = pay(collector, [bill_for(season)], 2000, "NO.0002")
    assert later.shift_id != closed.pk and later.shift.status == CounterShift.Status.OPEN
    closed.refresh_from_db()
    assert list(closed.orders.values_list("receipt_no", flat=True)) == ["NO.0001"]
    assert closed.totals["total_fen"] == 1000
    assert shift_summaries([closed])[closed.pk].total_fen == 1000


def test_collector_cannot_close_another_collectors_shift_but_an_admin_can(in_alpha):
    li, wang = staff("li"), staff("wang")
    admin = staff("boss", role="tenant_admin")
    shift = pay(li, [bill_for(plain_season())], 1000, "NO.0001").shift
    assert refused(lambda: shift_close(shift_id=shift.pk, actor=wang)) == {"id": "NOT_FOUND"}
    assert refused(lambda: shift_close(shift_id=999999, actor=wang)) == {"id": "NOT_FOUND"}  # same answer
    shift.refresh_from_db()
    assert shift.status == CounterShift.Status.OPEN
    assert shift_close(shift_id=shift.pk, actor=admin).status == CounterShift.Status.CLOSED
    assert AuditLog.objects.get(action="payment.shift_close").actor_name == "boss"


def test_an_empty_shift_closes_with_zero_totals(in_alpha):
    collector = staff("li")
    shift = shift_open(collector=collector)
    closed = shift_close(shift_id=shift.pk, actor=collector)
    zeros = {"cash": 0, "pos": 0, "transfer": 0}
    assert closed.totals == {"by_method": zeros, "collected_by_method": zeros, "refunded_by_method": zeros,
                             "count_by_method": zeros, "count": 0, "total_fen": 0, "collected_fen": 0,
                             "refunded_fen": 0, "receipts": [], "refunds": []}
