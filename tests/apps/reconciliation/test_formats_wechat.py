"""WeChat Pay v3 bill parsers against hand-written files in the documented format (fixtures/), every error code,
and writer → parser round trips for random rows."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.reconciliation.formats import (
    ABNORMAL,
    CLOSED,
    PAYMENT,
    PROCESSING,
    REFUND,
    REVOKED,
    SUCCESS,
    Entry,
    StatementFormatError,
    Summary,
)
from apps.reconciliation.formats.wechat import (
    EXPENSE,
    INCOME,
    FundFlowBill,
    FundFlowRow,
    FundFlowSummary,
    TradeBill,
    read_fundflowbill,
    read_tradebill,
    render_fundflowbill,
    render_tradebill,
    sha1_of_decompressed,
)

FIXTURES = Path(__file__).parent / "fixtures"
TRADE = (FIXTURES / "wechat_tradebill_all.csv").read_bytes()
FUNDFLOW = (FIXTURES / "wechat_fundflowbill.csv").read_bytes()
BEIJING = dt.timezone(dt.timedelta(hours=8))


def parse(data: bytes) -> tuple[list[Entry], TradeBill]:
    bill = TradeBill(io.BytesIO(data))
    return list(bill), bill


def lines_of(data: bytes) -> list[str]:
    return data.decode("utf-8").split("\r\n")


def edit(data: bytes, line_no: int, old: str, new: str) -> bytes:
    """Replace `old` by `new` once on line `line_no` (1-based)."""
    lines = lines_of(data)
    assert old in lines[line_no - 1], (old, lines[line_no - 1])
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    return "\r\n".join(lines).encode("utf-8")


def drop_column(data: bytes, name: str) -> bytes:
    lines = lines_of(data)
    position = lines[0].split(",").index(name)
    summary_title = next(i for i, line in enumerate(lines) if line.startswith("总交易单数"))
    out = [",".join(c for i, c in enumerate(line.split(",")) if i != position) if n < summary_title else line
           for n, line in enumerate(lines)]
    return "\r\n".join(out).encode("utf-8")


def failure(data: bytes, *, bill_class: type = TradeBill) -> StatementFormatError:
    with pytest.raises(StatementFormatError) as caught:
        list(bill_class(io.BytesIO(data)))
    return caught.value


# ---- the hand-written ALL bill ----

def test_hand_written_all_bill_gives_payments_and_refunds_by_header_name():
    entries, bill = parse(TRADE)

    assert [(e.kind, e.out_trade_no, e.status) for e in entries] == [
        (PAYMENT, "HC202603010001", SUCCESS),
        (PAYMENT, "HC202603010002", SUCCESS),
        (PAYMENT, "HC202603010003", REVOKED),
        (PAYMENT, "HC202603010004", SUCCESS),
        (REFUND, "HC202602280007", SUCCESS),
        (REFUND, "HC202602280009", PROCESSING),
    ]
    first = entries[0]
    assert first == Entry(kind=PAYMENT, out_trade_no="HC202603010001", transaction_id="4200002601202603011234567801",
                          amount_fen=258000, fee_fen=1548, booked_at=dt.datetime(2026, 3, 1, 8, 15, 2, tzinfo=BEIJING),
                          merchant_id="1900000109", sub_merchant_id="1900000201", app_id="wx8888888888888888",
                          fee_rate="0.60%")
    assert first.booked_at.tzinfo is not None and first.booked_at.utcoffset() == dt.timedelta(hours=8)
    assert entries[1].amount_fen == 129999
    assert entries[3].booked_at == dt.datetime(2026, 3, 1, 23, 59, 59, tzinfo=BEIJING)
    refund = entries[4]
    assert (refund.amount_fen, refund.fee_fen, refund.out_refund_no, refund.refund_id) == (
        50000, -300, "HCR202603010001", "50300000012026030100000001")
    # Booked when the refund succeeded (退款成功时间), not at the row's 交易时间 (10:20:40).
    assert refund.booked_at == dt.datetime(2026, 3, 1, 10, 20, 44, tzinfo=BEIJING)
    processing = entries[5]  # no 退款成功时间 yet: booked at 交易时间
    assert (processing.amount_fen, processing.fee_fen, processing.booked_at) == (
        12000, -72, dt.datetime(2026, 3, 1, 18, 2, 9, tzinfo=BEIJING))
    assert bill.summary == Summary(count=6, paid_fen=474450, refunded_fen=62000, fee_fen=2475)


def test_summary_is_set_only_once_every_row_is_read_and_rows_are_numbered_by_file_line():
    bill = TradeBill(io.BytesIO(TRADE))
    numbered = bill.numbered()
    line, _entry = next(numbered)
    assert line == 2 and bill.summary is None
    assert [line for line, _entry in numbered] == [3, 4, 5, 6, 7]
    assert bill.summary is not None


def test_columns_are_found_by_name_in_any_order():
    lines = lines_of(TRADE)
    title = next(i for i, line in enumerate(lines) if line.startswith("总交易单数"))
    width = len(lines[0].split(","))
    order = list(reversed(range(width)))
    shuffled = [",".join(line.split(",")[i] for i in order) if n < title else line for n, line in enumerate(lines)]
    assert parse("\r\n".join(shuffled).encode("utf-8"))[0] == parse(TRADE)[0]


def test_without_refund_time_columns_a_refund_is_booked_at_its_trade_time():
    entries, _bill = parse(drop_column(drop_column(TRADE, "退款申请时间"), "退款成功时间"))
    assert entries[4].booked_at == dt.datetime(2026, 3, 1, 10, 20, 40, tzinfo=BEIJING)
    assert [e.out_refund_no for e in entries if e.kind == REFUND] == ["HCR202603010001", "HCR202603010002"]


def test_a_bom_is_tolerated():
    assert parse(b"\xef\xbb\xbf" + TRADE)[0] == parse(TRADE)[0]


def test_gzip_reader_and_sha1_of_the_decompressed_bill():
    packed = gzip.compress(TRADE)
    bill = read_tradebill(io.BytesIO(packed))
    assert list(bill) == parse(TRADE)[0]
    assert bill.summary == parse(TRADE)[1].summary
    assert sha1_of_decompressed(io.BytesIO(packed)) == hashlib.sha1(TRADE).hexdigest()  # noqa: S324


def test_a_bill_streams_once():
    bill = TradeBill(io.BytesIO(TRADE))
    list(bill)
    with pytest.raises(RuntimeError):
        list(bill)


# ---- errors ----

SUMMARY_VALUES = ["6", "4744.50", "620.00", "0.00", "24.75", "4744.50", "620.00"]


@pytest.mark.parametrize(("position", "figure", "tampered"), [
    (0, "总交易单数", "7"),
    (1, "应结订单总金额", "4744.51"),
    (2, "退款总金额", "620.01"),
    (3, "充值券退款总金额", "0.01"),
    (4, "手续费总金额", "24.74"),
    (5, "订单总金额", "4744.49"),
    (6, "申请退款总金额", "619.00"),
])
def test_each_tampered_summary_figure_is_named_with_both_values(position, figure, tampered):
    lines = lines_of(TRADE)
    assert lines[-2] == ",".join("`" + value for value in SUMMARY_VALUES)
    values = list(SUMMARY_VALUES)
    values[position] = tampered
    lines[-2] = ",".join("`" + value for value in values)
    error = failure("\r\n".join(lines).encode())
    assert error.code == "SUMMARY_MISMATCH"
    assert figure in str(error) and tampered in str(error) and SUMMARY_VALUES[position] in str(error)


def test_a_tampered_row_amount_is_caught_by_the_summary():
    error = failure(edit(TRADE, 3, "`1299.99,`0.00,", "`1299.98,`0.00,"))
    assert error.code == "SUMMARY_MISMATCH"
    assert "应结订单总金额" in str(error)


@pytest.mark.parametrize("column", ["商户订单号", "交易状态", "手续费", "申请退款金额", "退款状态"])
def test_a_missing_column_is_named(column):
    error = failure(drop_column(TRADE, column))
    assert error.code == "BAD_HEADER"
    assert column in str(error)


@pytest.mark.parametrize(("old", "new"), [
    ("`2580.00,`0.00,", "`2580.0x,`0.00,"),  # not a number
    ("`2580.00,`0.00,", "`2580.001,`0.00,"),  # a third decimal: not a whole fen
    ("`2580.00,`0.00,", "`2,580.00,`0.00,"),  # thousands separator: one cell too many
    ("`2026-03-01 08:15:02,", "`2026/03/01 08:15:02,"),
    ("`SUCCESS,", "`PAYING,"),
])
def test_a_bad_row_is_reported_with_its_line(old, new):
    error = failure(edit(TRADE, 2, old, new))
    assert error.code == "BAD_ROW"
    assert "第 2 行" in str(error)


def test_extra_zero_decimals_are_exact_and_accepted():
    entries, bill = parse(edit(TRADE, 2, "`15.48,", "`15.48000,"))
    assert entries[0].fee_fen == 1548
    assert bill.summary.fee_fen == 2475


def test_a_missing_summary_is_reported():
    lines = lines_of(TRADE)
    assert failure("\r\n".join(lines[:-3]).encode()).code == "SUMMARY_MISSING"  # neither summary line
    assert failure("\r\n".join(lines[:-2]).encode()).code == "SUMMARY_MISSING"  # title without values


def test_a_summary_without_one_of_its_figures_is_reported():
    lines = lines_of(TRADE)
    lines[-3] = lines[-3].replace(",申请退款总金额", "")
    lines[-2] = lines[-2].rsplit(",", 1)[0]
    error = failure("\r\n".join(lines).encode())
    assert error.code == "SUMMARY_MISSING" and "申请退款总金额" in str(error)


def test_unreadable_files():
    assert failure(b"").code == "BAD_FILE"
    assert failure(TRADE + b"`more\r\n").code == "BAD_FILE"  # something after the summary
    assert failure(TRADE.replace("采暖费".encode(), "采暖费".encode("gbk"), 1)).code == "BAD_FILE"  # not UTF-8
    with pytest.raises(StatementFormatError) as caught:
        list(read_tradebill(io.BytesIO(b"not gzip at all")))
    assert caught.value.code == "BAD_FILE"
    with pytest.raises(StatementFormatError) as caught:
        sha1_of_decompressed(io.BytesIO(gzip.compress(TRADE)[:-20]))
    assert caught.value.code == "BAD_FILE"


# ---- fund-flow bill ----

def test_hand_written_fund_flow_bill():
    bill = FundFlowBill(io.BytesIO(FUNDFLOW))
    rows = list(bill)
    assert [(r.kind, r.amount_fen, r.business_type) for r in rows] == [
        (INCOME, 258000, "交易"), (EXPENSE, 1548, "扣除交易手续费"), (EXPENSE, 50000, "退款"),
        (INCOME, 300, "手续费退还")]
    assert rows[2] == FundFlowRow(
        booked_at=dt.datetime(2026, 3, 1, 10, 20, 44, tzinfo=BEIJING), kind=EXPENSE, amount_fen=50000,
        business_type="退款", ref="50300000012026030100000001", transaction_id="50300000012026030100000001",
        flow_id="1900000109202603011020440003", business_name="退款", balance_fen=206452, applicant="1900000109API",
        note="供暖报停退费")
    assert bill.summary == FundFlowSummary(count=4, income_count=2, income_fen=258300, expense_count=2,
                                           expense_fen=51548)
    assert list(read_fundflowbill(io.BytesIO(gzip.compress(FUNDFLOW)))) == rows


def test_fund_flow_errors():
    tampered = FUNDFLOW.replace(b"`515.48", b"`515.49")
    error = failure(tampered, bill_class=FundFlowBill)
    assert error.code == "SUMMARY_MISMATCH" and "支出金额" in str(error) and "515.49" in str(error)
    assert failure(FUNDFLOW.replace(b"`2,`2583.00", b"`3,`2583.00"), bill_class=FundFlowBill).code == \
        "SUMMARY_MISMATCH"
    assert failure(FUNDFLOW.replace("`收入,".encode(), "`入账,".encode(), 1), bill_class=FundFlowBill).code == "BAD_ROW"
    assert failure(FUNDFLOW.replace("收支类型,".encode(), "类型,".encode()), bill_class=FundFlowBill).code == \
        "BAD_HEADER"
    assert failure(FUNDFLOW.rsplit(b"\r\n", 3)[0], bill_class=FundFlowBill).code == "SUMMARY_MISSING"


# ---- writer → parser ----

ids = st.text(alphabet="ABCDEFGHJKMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789_-|*@", min_size=1, max_size=32)
moments = st.datetimes(min_value=dt.datetime(2026, 3, 1), max_value=dt.datetime(2026, 3, 1, 23, 59, 59)).map(
    lambda moment: moment.replace(microsecond=0, tzinfo=BEIJING))


@st.composite
def trade_entries(draw) -> Entry:
    kind = draw(st.sampled_from([PAYMENT, REFUND]))
    amount = draw(st.integers(min_value=1, max_value=10**10))
    fee = draw(st.integers(min_value=0, max_value=amount // 100 + 1))
    common = {"out_trade_no": draw(ids), "transaction_id": draw(ids), "amount_fen": amount,
              "booked_at": draw(moments), "merchant_id": "1900000109", "fee_rate": draw(st.sampled_from(["0.60%",
                                                                                                        "0.38%"])),
              "sub_merchant_id": draw(st.sampled_from(["", "1900000201"])), "app_id": "wx8888888888888888"}
    if kind == PAYMENT:
        return Entry(kind=PAYMENT, fee_fen=fee, status=draw(st.sampled_from([SUCCESS, REVOKED])), **common)
    return Entry(kind=REFUND, fee_fen=-fee, status=draw(st.sampled_from([SUCCESS, PROCESSING, CLOSED, ABNORMAL])),
                 out_refund_no=draw(ids), refund_id=draw(ids), **common)


@settings(max_examples=150, deadline=None)
@given(entries=st.lists(trade_entries(), max_size=30), refund_time_columns=st.booleans(), bom=st.booleans())
def test_rendered_trade_bill_parses_back_to_the_same_rows_and_totals(entries, refund_time_columns, bom):
    data = render_tradebill(entries, refund_time_columns=refund_time_columns, bom=bom)
    parsed, bill = parse(data)
    assert parsed == entries
    assert bill.summary == Summary(
        count=len(entries), paid_fen=sum(e.amount_fen for e in entries if e.kind == PAYMENT),
        refunded_fen=sum(e.amount_fen for e in entries if e.kind == REFUND), fee_fen=sum(e.fee_fen for e in entries))
    assert data.startswith(b"\xef\xbb\xbf") == bom


@st.composite
def fund_rows(draw) -> FundFlowRow:
    return FundFlowRow(booked_at=draw(moments), kind=draw(st.sampled_from([INCOME, EXPENSE])),
                       amount_fen=draw(st.integers(min_value=0, max_value=10**10)),
                       business_type=draw(st.sampled_from(["交易", "退款", "扣除交易手续费"])), ref=draw(ids),
                       transaction_id=draw(ids), flow_id=draw(ids), business_name=draw(st.sampled_from(["", "退款"])),
                       balance_fen=draw(st.integers(min_value=-(10**8), max_value=10**10)),
                       applicant=draw(st.sampled_from(["", "system"])), note=draw(st.sampled_from(["", "报停, 退费"])))


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(fund_rows(), max_size=20))
def test_rendered_fund_flow_bill_parses_back(rows):
    bill = FundFlowBill(io.BytesIO(render_fundflowbill(rows)))
    assert list(bill) == rows
    assert bill.summary == FundFlowSummary(
        count=len(rows), income_count=sum(r.kind == INCOME for r in rows),
        income_fen=sum(r.amount_fen for r in rows if r.kind == INCOME),
        expense_count=sum(r.kind == EXPENSE for r in rows),
        expense_fen=sum(r.amount_fen for r in rows if r.kind == EXPENSE))


# ---- memory flat in file size ----

def big_bill(rows: int) -> bytes:
    start = dt.datetime(2026, 3, 1, tzinfo=BEIJING)
    return render_tradebill(
        Entry(kind=PAYMENT, out_trade_no=f"HC{i:012d}", transaction_id=f"42{i:026d}", amount_fen=100 + i,
              fee_fen=1, booked_at=start + dt.timedelta(seconds=i % 86400), merchant_id="1900000109")
        for i in range(rows))


def peak_while_parsing(data: bytes) -> int:
    stream = io.BytesIO(data)
    tracemalloc.start()
    try:
        count = sum(1 for _entry in TradeBill(stream))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count > 0
    return peak


def test_parsing_memory_does_not_grow_with_the_file():
    small, large = peak_while_parsing(big_bill(1_000)), peak_while_parsing(big_bill(20_000))
    # Holding the rows would take ~20x more for the large file; streaming stays about the same.
    assert large < small * 2 + 256 * 1024, (small, large)
