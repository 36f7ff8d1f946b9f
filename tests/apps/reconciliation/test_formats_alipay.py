"""Alipay trade bill zip parser against a hand-written bill (fixtures/*.csv, encoded to GBK and zipped with GBK
member names here, independently of the writer), every error code, and writer → parser round trips."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.reconciliation.formats import PAYMENT, REFUND, SUCCESS, Entry, StatementFormatError, Summary
from apps.reconciliation.formats.alipay import TradeBill, render_trade_zip

FIXTURES = Path(__file__).parent / "fixtures"
DETAIL = (FIXTURES / "alipay_trade_detail.csv").read_bytes().decode("utf-8")  # CRLF kept, as Alipay serves it
SUMMARY = (FIXTURES / "alipay_trade_summary.csv").read_bytes().decode("utf-8")
PREFIX = "20881234567890120156_20260301"
BEIJING = dt.timezone(dt.timedelta(hours=8))


class GbkName(zipfile.ZipInfo):
    """Stores the member name as GBK bytes with no UTF-8 flag, as Alipay's zips do."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def gbk_zip(detail: str | None = DETAIL, summary: str | None = SUMMARY) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in ((f"{PREFIX}_业务明细.csv", detail), (f"{PREFIX}_业务明细(汇总).csv", summary)):
            if text is not None:
                info = GbkName(name, date_time=(2026, 3, 2, 9, 12, 34))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, text.encode("gbk"))
    return out.getvalue()


def parse(data: bytes) -> tuple[list[Entry], TradeBill]:
    bill = TradeBill(io.BytesIO(data))
    return list(bill), bill


def failure(data: bytes) -> StatementFormatError:
    with pytest.raises(StatementFormatError) as caught:
        list(TradeBill(io.BytesIO(data)))
    return caught.value


def test_the_fixture_zip_really_has_gbk_names_and_gbk_text():
    data = gbk_zip()
    raw_names = [info.filename for info in zipfile.ZipFile(io.BytesIO(data)).infolist()]  # read as cp437
    assert [name.encode("cp437").decode("gbk") for name in raw_names] == [
        f"{PREFIX}_业务明细.csv", f"{PREFIX}_业务明细(汇总).csv"]
    with pytest.raises(UnicodeDecodeError):
        zipfile.ZipFile(io.BytesIO(data)).read(raw_names[0]).decode("utf-8")


def test_hand_written_bill_gives_payments_and_refunds_with_the_fee_charged():
    entries, bill = parse(gbk_zip())
    assert entries == [
        Entry(kind=PAYMENT, out_trade_no="HC202603010101", transaction_id="2026030122001411111111111101",
              amount_fen=258000, fee_fen=1548, booked_at=dt.datetime(2026, 3, 1, 9, 1, 20, tzinfo=BEIJING),
              status=SUCCESS, merchant_id="2088123456789012"),
        Entry(kind=PAYMENT, out_trade_no="HC202603010102", transaction_id="2026030122001411111111111102",
              amount_fen=129999, fee_fen=780, booked_at=dt.datetime(2026, 3, 1, 20, 45, 9, tzinfo=BEIJING),
              status=SUCCESS, merchant_id="2088123456789012"),
        # Printed -500.00 with 服务费 +3.00 (given back): a refund of 500.00 whose fee charged is -3.00.
        Entry(kind=REFUND, out_trade_no="HC202602280055", transaction_id="2026022822001411111111111199",
              amount_fen=50000, fee_fen=-300, booked_at=dt.datetime(2026, 3, 1, 11, 30, 2, tzinfo=BEIJING),
              status=SUCCESS, out_refund_no="HCR202603010101", merchant_id="2088123456789012"),
    ]
    assert bill.summary == Summary(count=3, paid_fen=387999, refunded_fen=50000, fee_fen=2028)
    assert bill.account == "2088123456789012"


def test_rows_are_numbered_by_their_line_in_the_detail_file():
    bill = TradeBill(io.BytesIO(gbk_zip()))
    assert [line for line, _entry in bill.numbered()] == [6, 7, 8]  # header on line 5


def test_utf8_member_names_are_read_too():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:  # Python writes non-ASCII names as UTF-8 with the flag
        archive.writestr(f"{PREFIX}_业务明细.csv", DETAIL.encode("gbk"))
        archive.writestr(f"{PREFIX}_业务明细(汇总).csv", SUMMARY.encode("gbk"))
    assert parse(out.getvalue())[0] == parse(gbk_zip())[0]


# ---- errors ----

@pytest.mark.parametrize(("old", "new", "figure"), [
    ("#交易合计：2笔", "#交易合计：3笔", "交易合计笔数"),
    ("商家实收共3879.99元", "商家实收共3879.98元", "交易合计商家实收"),
    ("#退款合计：1笔", "#退款合计：0笔", "退款合计笔数"),
    ("商家实收共-500.00元", "商家实收共-500.01元", "退款合计商家实收"),
])
def test_a_tampered_trailer_is_named(old, new, figure):
    error = failure(gbk_zip(detail=DETAIL.replace(old, new)))
    assert error.code == "SUMMARY_MISMATCH"
    assert figure in str(error)


@pytest.mark.parametrize(("old", "new", "figure", "theirs", "ours"), [
    ("合计\t,\t,2\t,1\t,3379.99\t", "合计\t,\t,2\t,1\t,3379.98\t", "订单金额", "3379.98", "3379.99"),
    ("合计\t,\t,2\t,1\t,3379.99\t,3379.99\t", "合计\t,\t,2\t,1\t,3379.99\t,3380.99\t", "商家实收", "3380.99",
     "3379.99"),
    ("\t,-20.28\t", "\t,-20.29\t", "服务费", "-20.29", "-20.28"),
    ("合计\t,\t,2\t,1\t", "合计\t,\t,2\t,2\t", "退款订单总笔数", "2", "1"),
])
def test_a_tampered_summary_total_is_named_with_both_values(old, new, figure, theirs, ours):
    assert SUMMARY.count(old) == 1
    error = failure(gbk_zip(summary=SUMMARY.replace(old, new)))
    assert error.code == "SUMMARY_MISMATCH"
    assert figure in str(error) and theirs in str(error) and ours in str(error)


def test_store_lines_must_add_up_to_the_total():
    error = failure(gbk_zip(summary=SUMMARY.replace("\t,-7.80\t,", "\t,-7.81\t,")))
    assert error.code == "SUMMARY_MISMATCH"
    assert "各门店服务费（元）之和" in str(error) and "-20.29" in str(error) and "“合计”行为 -20.28" in str(error)


def test_a_tampered_row_is_caught():
    assert failure(gbk_zip(detail=DETAIL.replace("\t,1299.99\t,1299.99\t", "\t,1299.99\t,1299.89\t"))).code == \
        "SUMMARY_MISMATCH"


def test_missing_summaries():
    assert failure(gbk_zip(summary=SUMMARY.replace("合计\t,", "小计\t,"))).code == "SUMMARY_MISSING"
    assert failure(gbk_zip(detail=DETAIL.replace("#退款合计", "#退款"))).code == "SUMMARY_MISSING"


@pytest.mark.parametrize("column", ["商户订单号", "业务类型", "服务费（元）", "退款批次号/请求号"])
def test_a_missing_detail_column_is_named(column):
    lines = DETAIL.split("\r\n")
    position = lines[4].split(",").index(column)
    lines[4:8] = [",".join(c for i, c in enumerate(line.split(",")) if i != position) for line in lines[4:8]]
    error = failure(gbk_zip(detail="\r\n".join(lines)))
    assert error.code == "BAD_HEADER" and column in str(error)


def test_a_missing_summary_column_is_named():
    error = failure(gbk_zip(summary=SUMMARY.replace(",服务费（元）,", ",手续费（元）,")))
    assert error.code == "BAD_HEADER" and "服务费（元）" in str(error)


@pytest.mark.parametrize(("old", "new"), [
    ("\t,2580.00\t,2580.00\t", "\t,2580.001\t,2580.00\t"),  # a third decimal
    ("\t,2580.00\t,2580.00\t", "\t,2580.0o\t,2580.00\t"),
    ("2026-03-01 09:01:20", "2026-03-01T09:01:20"),
    ("\t,交易\t,2025-2026采暖费\t,2026-03-01 09:01:12", "\t,冻结\t,2025-2026采暖费\t,2026-03-01 09:01:12"),
    ("HC202603010101\t,", ""),  # a cell short
])
def test_a_bad_row_is_reported_with_its_line(old, new):
    assert DETAIL.count(old) == 1
    error = failure(gbk_zip(detail=DETAIL.replace(old, new)))
    assert error.code == "BAD_ROW"
    assert "第 6 行" in str(error)


def test_refund_rows_must_be_negative_and_carry_their_request_number():
    positive = DETAIL.replace("\t,-500.00\t,-500.00\t", "\t,500.00\t,-500.00\t")
    assert failure(gbk_zip(detail=positive)).code == "BAD_ROW"
    assert failure(gbk_zip(detail=DETAIL.replace("HCR202603010101\t", "\t"))).code == "BAD_ROW"


def test_unreadable_files():
    assert failure(b"PK not a zip").code == "BAD_FILE"
    assert failure(gbk_zip(summary=None)).code == "BAD_FILE"
    assert failure(gbk_zip(detail=DETAIL + "20260301\t,x\t\r\n")).code == "BAD_FILE"  # a row after the trailer


# ---- writer → parser ----

ids = st.text(alphabet="ABCDEFGHJKMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789_", min_size=1, max_size=32)
moments = st.datetimes(min_value=dt.datetime(2026, 3, 1), max_value=dt.datetime(2026, 3, 1, 23, 59, 59)).map(
    lambda moment: moment.replace(microsecond=0, tzinfo=BEIJING))
ACCOUNT = "2088123456789012"


@st.composite
def trade_entries(draw) -> Entry:
    kind = draw(st.sampled_from([PAYMENT, REFUND]))
    amount = draw(st.integers(min_value=1, max_value=10**10))
    fee = draw(st.integers(min_value=0, max_value=amount // 100 + 1))
    return Entry(kind=kind, out_trade_no=draw(ids), transaction_id=draw(ids), amount_fen=amount,
                 fee_fen=fee if kind == PAYMENT else -fee, booked_at=draw(moments), merchant_id=ACCOUNT,
                 out_refund_no=draw(ids) if kind == REFUND else "")


@settings(max_examples=100, deadline=None)
@given(entries=st.lists(trade_entries(), max_size=30))
def test_rendered_zip_parses_back_to_the_same_rows_and_totals(entries):
    data = render_trade_zip(entries, account=ACCOUNT, bill_date=dt.date(2026, 3, 1))
    parsed, bill = parse(data)
    assert parsed == entries
    assert bill.summary == Summary(
        count=len(entries), paid_fen=sum(e.amount_fen for e in entries if e.kind == PAYMENT),
        refunded_fen=sum(e.amount_fen for e in entries if e.kind == REFUND), fee_fen=sum(e.fee_fen for e in entries))


def test_rendered_zip_has_the_documented_member_names_and_layout():
    entry = Entry(kind=PAYMENT, out_trade_no="HC1", transaction_id="2026030122001", amount_fen=100, fee_fen=1,
                  booked_at=dt.datetime(2026, 3, 1, 9, 0, tzinfo=BEIJING))
    archive = zipfile.ZipFile(io.BytesIO(render_trade_zip([entry], account=ACCOUNT, bill_date=dt.date(2026, 3, 1))))
    names = [info.filename.encode("cp437").decode("gbk") for info in archive.infolist()]
    assert names == [f"{PREFIX}_业务明细.csv", f"{PREFIX}_业务明细(汇总).csv"]
    detail = archive.read(archive.infolist()[0]).decode("gbk").split("\r\n")
    assert detail[:2] == ["#支付宝业务明细查询", f"#账号：[{ACCOUNT}]"]
    assert detail[2].startswith("#起始日期：[2026年03月01日 00:00:00]   终止日期：[2026年03月02日 00:00:00]")
    assert detail[4].startswith("支付宝交易号,商户订单号,业务类型,")
    assert detail[5].startswith("2026030122001\t,HC1\t,交易\t,") and ",-0.01\t," in detail[5]
    assert detail[7:9] == ["#交易合计：1笔，商家实收共1.00元", "#退款合计：0笔，商家实收共0.00元"]
