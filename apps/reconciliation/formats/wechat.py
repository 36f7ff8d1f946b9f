"""WeChat Pay v3 bills: the trade bill (`tradebill`, bill_type=ALL) and the fund-flow bill (`fundflowbill`).

Format (decompressed, UTF-8, a BOM tolerated): a header line of column names; one line per row in which every
cell is prefixed with a backtick (so spreadsheets keep long numbers as text); amounts in yuan; then a summary
title line (names) and a summary values line (backtick-prefixed). Columns are found by NAME, never by
position: WeChat has added columns over the years, and the REFUND extra columns (退款申请时间, 退款成功时间)
are only known to sit after 代金券金额 in the v2 REFUND bill (DOMAIN-2 §2.1, unverified for v3).

Parsers stream (csv.reader over a text wrapper: memory flat in file size), sum every summary figure's column
as they go and, when the rows end, compare each figure with the file's summary line (SUMMARY_MISMATCH naming
the figure). Writers render the same format; the sandbox gateway serves what they produce.

Our reading of an ALL bill (the writer follows it; the parser only relies on names and sums):
- 交易状态 SUCCESS: a payment; REVOKED: a revoked payment (state REVOKED). Entry.amount_fen = 订单金额.
- 交易状态 REFUND: a refund, its state from 退款状态; 应结订单金额 and 订单金额 0.00, 退款金额 = 申请退款金额;
  Entry.amount_fen = 申请退款金额 (what was asked, as our Refund records it); booked at 退款成功时间 when the header
  has that column and the cell is filled, else at 交易时间.
- 手续费 is signed as printed: the fee charged on a payment, negative (fee given back) on a refund.
- Summary: Summary(count=总交易单数, paid_fen=应结订单总金额, refunded_fen=退款总金额, fee_fen=手续费总金额).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _

from . import (
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
from ._common import bad_row, fen_to_yuan, format_beijing, mismatch, parse_beijing, to_count, yuan_to_fen

# The ALL bill's columns in the order WeChat prints them (DOMAIN §5).
TRADE_COLUMNS = (
    "交易时间", "公众账号ID", "商户号", "特约商户号", "设备号", "微信订单号", "商户订单号", "用户标识", "交易类型",
    "交易状态", "付款银行", "货币种类", "应结订单金额", "代金券金额", "微信退款单号", "商户退款单号", "退款金额",
    "充值券退款金额", "退款类型", "退款状态", "商品名称", "商户数据包", "手续费", "费率", "订单金额", "申请退款金额",
    "费率备注",
)
# Where the writer puts the REFUND rows' two extra columns: right after 代金券金额, as the v2 REFUND bill does.
REFUND_TIME_COLUMNS = ("退款申请时间", "退款成功时间")
TRADE_COLUMNS_WITH_REFUND_TIMES = (
    TRADE_COLUMNS[: TRADE_COLUMNS.index("代金券金额") + 1]
    + REFUND_TIME_COLUMNS
    + TRADE_COLUMNS[TRADE_COLUMNS.index("代金券金额") + 1:]
)
# Summary figure → the row column it sums (None: the row count).
TRADE_SUMMARY = (
    ("总交易单数", None),
    ("应结订单总金额", "应结订单金额"),
    ("退款总金额", "退款金额"),
    ("充值券退款总金额", "充值券退款金额"),
    ("手续费总金额", "手续费"),
    ("订单总金额", "订单金额"),
    ("申请退款总金额", "申请退款金额"),
)
_TRADE_REQUIRED = ("交易时间", "商户号", "微信订单号", "商户订单号", "交易状态", "微信退款单号", "商户退款单号",
                   "退款状态", *(column for _figure, column in TRADE_SUMMARY if column))

FUNDFLOW_COLUMNS = ("记账时间", "微信支付业务单号", "资金流水单号", "业务名称", "业务类型", "收支类型",
                    "收支金额(元)", "账户结余(元)", "资金变更提交申请人", "备注", "业务凭证号")
FUNDFLOW_SUMMARY = ("资金流水总笔数", "收入笔数", "收入金额", "支出笔数", "支出金额")
_FUNDFLOW_REQUIRED = ("记账时间", "微信支付业务单号", "资金流水单号", "业务类型", "收支类型", "收支金额(元)")
INCOME = "收入"
EXPENSE = "支出"

_REFUND_STATES = {"SUCCESS": SUCCESS, "PROCESSING": PROCESSING, "CLOSED": CLOSED, "REFUNDCLOSE": CLOSED,
                  "ABNORMAL": ABNORMAL, "CHANGE": ABNORMAL}
_REFUND_WORDS = {SUCCESS: "SUCCESS", PROCESSING: "PROCESSING", CLOSED: "CLOSED", ABNORMAL: "ABNORMAL"}
_PAYMENT_STATES = {"SUCCESS": SUCCESS, "REVOKED": REVOKED}
_PAYMENT_WORDS = {SUCCESS: "SUCCESS", REVOKED: "REVOKED"}


@dataclass(frozen=True, slots=True)
class FundFlowRow:
    """One line of a fund-flow bill. `amount_fen` is positive; `kind` (收入|支出) says which way it moved."""

    booked_at: dt.datetime  # 记账时间, aware
    kind: str  # INCOME | EXPENSE
    amount_fen: int  # 收支金额(元)
    business_type: str  # 业务类型, e.g. 交易 / 退款 / 扣除交易手续费
    ref: str = ""  # 业务凭证号
    transaction_id: str = ""  # 微信支付业务单号
    flow_id: str = ""  # 资金流水单号
    business_name: str = ""  # 业务名称
    balance_fen: int = 0  # 账户结余(元)
    applicant: str = ""  # 资金变更提交申请人
    note: str = ""  # 备注


@dataclass(frozen=True, slots=True)
class FundFlowSummary:
    count: int  # 资金流水总笔数
    income_count: int  # 收入笔数
    income_fen: int  # 收入金额
    expense_count: int  # 支出笔数
    expense_fen: int  # 支出金额


def _cell(text: str) -> str:
    return (text[1:] if text.startswith("`") else text).strip()


class _BacktickBill(ABC):
    """Header by name, backtick rows, then the summary title and values lines. Subclasses turn a row into an item
    (adding to their running sums) and check the summary."""

    required: tuple[str, ...] = ()

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._started = False
        self.summary: Summary | FundFlowSummary | None = None  # set once every row is read and checked
        self.line_no = 0  # line of the row last yielded

    def __iter__(self) -> Iterator:
        for _line, item in self.numbered():
            yield item

    def numbered(self) -> Iterator[tuple[int, object]]:
        """(line number, item) for every row; the file's summary is checked after the last one."""
        if self._started:
            raise RuntimeError("a bill can be read once (it streams)")
        self._started = True
        try:
            yield from self._read()
        except (UnicodeDecodeError, csv.Error, EOFError, OSError, zlib.error) as exc:  # gzip's errors are OSError
            raise StatementFormatError(_("账单文件无法读取（%(error)s）") % {"error": exc}, code="BAD_FILE") from exc

    def _read(self) -> Iterator[tuple[int, object]]:
        reader = csv.reader(io.TextIOWrapper(self._stream, encoding="utf-8-sig", newline=""))
        header = next((cells for cells in reader if any(c.strip() for c in cells)), None)
        if header is None:
            raise StatementFormatError(_("账单文件为空"), code="BAD_FILE")
        columns = {_cell(name): index for index, name in enumerate(header)}
        for name in self.required:
            if name not in columns:
                raise StatementFormatError(_("账单表头缺少“%(column)s”列") % {"column": name}, code="BAD_HEADER")
        width = len(header)
        self._prepare(columns)

        summary_names = None
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if not cells[0].startswith("`"):  # rows are backtick-prefixed; the summary title line is not
                summary_names = [c.strip() for c in cells]
                break
            line = reader.line_num
            if len(cells) != width:
                raise bad_row(line, _("应有 %(want)s 列，实有 %(got)s 列") % {"want": width, "got": len(cells)})
            self.line_no = line
            # Inline rather than _cell(): this runs for every cell of every row.
            yield line, self._row([c[1:].strip() if c[:1] == "`" else c.strip() for c in cells], line)

        values = next((cells for cells in reader if any(c.strip() for c in cells)), None)
        if summary_names is None or values is None:
            raise StatementFormatError(_("账单缺少汇总行"), code="SUMMARY_MISSING")
        if len(values) != len(summary_names):
            raise StatementFormatError(_("账单汇总行的列数与汇总表头不符"), code="SUMMARY_MISSING")
        extra = next((cells for cells in reader if any(c.strip() for c in cells)), None)
        if extra is not None:
            raise StatementFormatError(
                _("账单第 %(line)s 行：汇总行之后还有内容") % {"line": reader.line_num}, code="BAD_FILE")
        self.summary = self._check(dict(zip(summary_names, (_cell(v) for v in values), strict=True)))

    @staticmethod
    def _figure(summary: dict[str, str], name: str, *, money: bool = True) -> int:
        if name not in summary:
            raise StatementFormatError(_("账单汇总缺少“%(figure)s”") % {"figure": name}, code="SUMMARY_MISSING")
        text = summary[name]
        value = yuan_to_fen(text) if money else to_count(text)
        if value is None:
            raise StatementFormatError(
                _("账单汇总“%(figure)s”的值“%(value)s”无法识别") % {"figure": name, "value": text}, code="BAD_ROW")
        return value

    @abstractmethod
    def _prepare(self, columns: dict[str, int]) -> None:
        """Find this bill's columns (by header name) before the first row."""

    @abstractmethod
    def _row(self, cells: list[str], line: int) -> object:
        """One row as this bill's item, added to its running sums."""

    @abstractmethod
    def _check(self, summary: dict[str, str]) -> Summary | FundFlowSummary:
        """The file's summary figures, each equal to the sums of the rows (else SUMMARY_MISMATCH)."""


def _amount(cells: list[str], index: int, line: int, name: str) -> int:
    fen = yuan_to_fen(cells[index])
    if fen is None:
        raise bad_row(line, _("“%(column)s”的金额“%(value)s”不是以元为单位、最多两位小数的数")
                      % {"column": name, "value": cells[index]})
    return fen


def _time(cells: list[str], index: int, line: int, name: str) -> dt.datetime:
    moment = parse_beijing(cells[index])
    if moment is None:
        raise bad_row(line, _("“%(column)s”的时间“%(value)s”不是 yyyy-MM-dd HH:mm:ss")
                      % {"column": name, "value": cells[index]})
    return moment


class TradeBill(_BacktickBill):
    """A v3 trade bill (bill_type=ALL), decompressed. Iterate for `Entry` rows (or `numbered()` for
    (line number, Entry)); after the last row `summary` holds the file's `Summary`, checked against the rows."""

    required = _TRADE_REQUIRED

    def _prepare(self, columns: dict[str, int]) -> None:
        self._col = columns
        self._sum_columns = [(figure, column, columns[column]) for figure, column in TRADE_SUMMARY if column]
        self._sums = [0] * len(self._sum_columns)
        self._count = 0
        self._optional = {name: columns.get(name)
                          for name in ("公众账号ID", "特约商户号", "费率", *REFUND_TIME_COLUMNS)}

    def _row(self, cells: list[str], line: int) -> Entry:
        col = self._col
        sums = self._sums
        for position, (_figure, column, index) in enumerate(self._sum_columns):
            sums[position] += _amount(cells, index, line, column)
        self._count += 1

        booked_at = _time(cells, col["交易时间"], line, "交易时间")
        state = cells[col["交易状态"]]
        out_trade_no = cells[col["商户订单号"]]
        if not out_trade_no:
            raise bad_row(line, _("缺少商户订单号"))
        optional = self._optional
        common = {
            "out_trade_no": out_trade_no,
            "transaction_id": cells[col["微信订单号"]],
            "fee_fen": yuan_to_fen(cells[col["手续费"]]),
            "merchant_id": cells[col["商户号"]],
            "sub_merchant_id": _optional_cell(cells, optional["特约商户号"], none="0"),
            "app_id": _optional_cell(cells, optional["公众账号ID"]),
            "fee_rate": _optional_cell(cells, optional["费率"]),
        }
        if state == "REFUND":
            refund_state = _REFUND_STATES.get(cells[col["退款状态"]])
            if refund_state is None:
                raise bad_row(line, _("未知的退款状态“%(state)s”") % {"state": cells[col["退款状态"]]})
            success_index = optional["退款成功时间"]
            if success_index is not None and cells[success_index]:
                booked_at = _time(cells, success_index, line, "退款成功时间")
            out_refund_no = cells[col["商户退款单号"]]
            if not out_refund_no:
                raise bad_row(line, _("退款行缺少商户退款单号"))
            return Entry(kind=REFUND, amount_fen=yuan_to_fen(cells[col["申请退款金额"]]), booked_at=booked_at,
                         status=refund_state, out_refund_no=out_refund_no, refund_id=cells[col["微信退款单号"]],
                         **common)
        payment_state = _PAYMENT_STATES.get(state)
        if payment_state is None:
            raise bad_row(line, _("未知的交易状态“%(state)s”") % {"state": state})
        return Entry(kind=PAYMENT, amount_fen=yuan_to_fen(cells[col["订单金额"]]), booked_at=booked_at,
                     status=payment_state, **common)

    def _check(self, summary: dict[str, str]) -> Summary:
        count = self._figure(summary, "总交易单数", money=False)
        if count != self._count:
            raise mismatch("总交易单数", count, self._count, money=False)
        figures = {}
        for (figure, _column, _index), ours in zip(self._sum_columns, self._sums, strict=True):
            theirs = figures[figure] = self._figure(summary, figure)
            if theirs != ours:
                raise mismatch(figure, theirs, ours)
        return Summary(count=count, paid_fen=figures["应结订单总金额"], refunded_fen=figures["退款总金额"],
                       fee_fen=figures["手续费总金额"])


def _optional_cell(cells: list[str], index: int | None, *, none: str = "") -> str:
    if index is None:
        return ""
    value = cells[index]
    return "" if value == none else value


class FundFlowBill(_BacktickBill):
    """A v3 fund-flow bill (account_type BASIC), decompressed: `FundFlowRow`s, then `summary` (FundFlowSummary)."""

    required = _FUNDFLOW_REQUIRED

    def _prepare(self, columns: dict[str, int]) -> None:
        self._col = columns
        self._counts = {INCOME: 0, EXPENSE: 0}
        self._sums = {INCOME: 0, EXPENSE: 0}
        self._optional = {name: columns.get(name) for name in ("业务名称", "账户结余(元)", "资金变更提交申请人",
                                                                 "备注", "业务凭证号")}

    def _row(self, cells: list[str], line: int) -> FundFlowRow:
        col = self._col
        kind = cells[col["收支类型"]]
        if kind not in self._counts:
            raise bad_row(line, _("收支类型应为“收入”或“支出”，实为“%(kind)s”") % {"kind": kind})
        amount = _amount(cells, col["收支金额(元)"], line, "收支金额(元)")
        if amount < 0:
            raise bad_row(line, _("收支金额不应为负数"))
        self._counts[kind] += 1
        self._sums[kind] += amount
        optional = self._optional
        balance_index = optional["账户结余(元)"]
        return FundFlowRow(
            booked_at=_time(cells, col["记账时间"], line, "记账时间"), kind=kind, amount_fen=amount,
            business_type=cells[col["业务类型"]], ref=_optional_cell(cells, optional["业务凭证号"]),
            transaction_id=cells[col["微信支付业务单号"]], flow_id=cells[col["资金流水单号"]],
            business_name=_optional_cell(cells, optional["业务名称"]),
            balance_fen=_amount(cells, balance_index, line, "账户结余(元)") if balance_index is not None else 0,
            applicant=_optional_cell(cells, optional["资金变更提交申请人"]),
            note=_optional_cell(cells, optional["备注"]),
        )

    def _check(self, summary: dict[str, str]) -> FundFlowSummary:
        ours = {
            "资金流水总笔数": (self._counts[INCOME] + self._counts[EXPENSE], False),
            "收入笔数": (self._counts[INCOME], False),
            "收入金额": (self._sums[INCOME], True),
            "支出笔数": (self._counts[EXPENSE], False),
            "支出金额": (self._sums[EXPENSE], True),
        }
        theirs = {}
        for figure in FUNDFLOW_SUMMARY:
            value, money = ours[figure]
            theirs[figure] = self._figure(summary, figure, money=money)
            if theirs[figure] != value:
                raise mismatch(figure, theirs[figure], value, money=money)
        return FundFlowSummary(count=theirs["资金流水总笔数"], income_count=theirs["收入笔数"],
                               income_fen=theirs["收入金额"], expense_count=theirs["支出笔数"],
                               expense_fen=theirs["支出金额"])


def read_tradebill(gz_stream: BinaryIO) -> TradeBill:
    """A trade bill from its gzip bytes as downloaded (tar_type=GZIP); decompressed while iterating."""
    return TradeBill(gzip.GzipFile(fileobj=gz_stream, mode="rb"))


def read_fundflowbill(gz_stream: BinaryIO) -> FundFlowBill:
    return FundFlowBill(gzip.GzipFile(fileobj=gz_stream, mode="rb"))


def sha1_of_decompressed(gz_stream: BinaryIO, *, chunk_size: int = 1 << 16) -> str:
    """Hex SHA1 of the decompressed bill (what WeChat's hash_value covers), streaming."""
    digest = hashlib.sha1(usedforsecurity=False)
    try:
        with gzip.GzipFile(fileobj=gz_stream, mode="rb") as plain:
            while chunk := plain.read(chunk_size):
                digest.update(chunk)
    except (EOFError, OSError, zlib.error) as exc:
        raise StatementFormatError(_("账单文件无法解压（%(error)s）") % {"error": exc}, code="BAD_FILE") from exc
    return digest.hexdigest()


# ---- writers (the sandbox's bills) ----

def _render(header: Iterable[str], rows: Iterable[list[str]], summary_names: Iterable[str],
            summary_values: Callable[[], list[str]], *, bom: bool) -> bytes:
    """Header, backtick rows, summary title and values (asked for once the rows are written: they sum them)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["`" + cell for cell in row])
    writer.writerow(summary_names)
    writer.writerow(["`" + cell for cell in summary_values()])
    data = out.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def render_tradebill(entries: Iterable[Entry], *, fee_rate: str = "0.60%", merchant_id: str = "", app_id: str = "",
                     sub_merchant_id: str = "", refund_time_columns: bool = True, bom: bool = False) -> bytes:
    """The decompressed ALL bill for `entries`, exactly as the parser reads it (the sandbox gzips it and hashes
    it). An entry's own merchant_id / app_id / sub_merchant_id / fee_rate win over the keyword defaults.
    `refund_time_columns` adds 退款申请时间 and 退款成功时间 after 代金券金额 (refunds fill both with booked_at:
    an Entry carries no request time)."""
    columns = TRADE_COLUMNS_WITH_REFUND_TIMES if refund_time_columns else TRADE_COLUMNS
    sums = dict.fromkeys((column for _figure, column in TRADE_SUMMARY if column), 0)
    count = 0

    def rows() -> Iterator[list[str]]:
        nonlocal count
        for entry in entries:
            when = format_beijing(entry.booked_at)
            zero = "0.00"
            if entry.kind == REFUND:
                values = {"交易状态": "REFUND", "应结订单金额": zero, "订单金额": zero,
                          "微信退款单号": entry.refund_id, "商户退款单号": entry.out_refund_no,
                          "退款金额": fen_to_yuan(entry.amount_fen), "申请退款金额": fen_to_yuan(entry.amount_fen),
                          "退款类型": "ORIGINAL", "退款状态": _REFUND_WORDS[entry.status],
                          "退款申请时间": when, "退款成功时间": when if entry.status == SUCCESS else ""}
            else:
                values = {"交易状态": _PAYMENT_WORDS[entry.status], "应结订单金额": fen_to_yuan(entry.amount_fen),
                          "订单金额": fen_to_yuan(entry.amount_fen), "微信退款单号": "0", "商户退款单号": "0",
                          "退款金额": zero, "申请退款金额": zero, "退款类型": "", "退款状态": "",
                          "退款申请时间": "", "退款成功时间": ""}
            values.update({
                "交易时间": when, "公众账号ID": entry.app_id or app_id, "商户号": entry.merchant_id or merchant_id,
                "特约商户号": entry.sub_merchant_id or sub_merchant_id or "0", "设备号": "",
                "微信订单号": entry.transaction_id, "商户订单号": entry.out_trade_no, "用户标识": "",
                "交易类型": "JSAPI", "付款银行": "OTHERS", "货币种类": "CNY", "代金券金额": zero,
                "充值券退款金额": zero, "商品名称": "", "商户数据包": "", "手续费": fen_to_yuan(entry.fee_fen),
                "费率": entry.fee_rate or fee_rate, "费率备注": "",
            })
            for column in sums:
                sums[column] += yuan_to_fen(values[column])
            count += 1
            yield [values[column] for column in columns]

    return _render(columns, rows(), [figure for figure, _column in TRADE_SUMMARY],
                   lambda: [str(count) if column is None else fen_to_yuan(sums[column])
                            for _figure, column in TRADE_SUMMARY], bom=bom)


def render_fundflowbill(rows: Iterable[FundFlowRow], *, bom: bool = False) -> bytes:
    """The decompressed fund-flow bill for `rows`, with its summary lines."""
    counts = {INCOME: 0, EXPENSE: 0}
    sums = {INCOME: 0, EXPENSE: 0}

    def lines() -> Iterator[list[str]]:
        for row in rows:
            counts[row.kind] += 1
            sums[row.kind] += row.amount_fen
            yield [format_beijing(row.booked_at), row.transaction_id, row.flow_id, row.business_name,
                   row.business_type, row.kind, fen_to_yuan(row.amount_fen), fen_to_yuan(row.balance_fen),
                   row.applicant, row.note, row.ref]

    return _render(FUNDFLOW_COLUMNS, lines(), FUNDFLOW_SUMMARY,
                   lambda: [str(counts[INCOME] + counts[EXPENSE]), str(counts[INCOME]), fen_to_yuan(sums[INCOME]),
                    str(counts[EXPENSE]), fen_to_yuan(sums[EXPENSE])], bom=bom)
