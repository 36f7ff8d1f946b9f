"""Alipay `trade` bill (alipay.data.dataservice.bill.downloadurl.query, bill_type=trade): a zip holding two
GBK CSVs, `<账号>0156_<yyyyMMdd>_业务明细.csv` and `…_业务明细(汇总).csv`, whose member names are GBK bytes
(no UTF-8 flag).

业务明细: `#` preamble (#支付宝业务明细查询, #账号：[2088…], #起始日期：[…]   终止日期：[…], #---业务明细列表---),
the header (line 5), rows whose cells carry a trailing TAB (so spreadsheets keep numbers as text), then `#`
trailer lines (#---业务明细列表结束---, #交易合计：N笔，商家实收共X元, #退款合计：M笔，商家实收共-Y元, #导出时间：[…]).
业务明细(汇总): the same kind of preamble, a header, one line per store and a 合计 line.

Rows (by header name, DOMAIN-2 §2.2): 业务类型 交易 → a payment, Entry.amount_fen = 订单金额（元）; 退款 → a
refund printed with negative amounts, Entry.amount_fen = −订单金额（元） (positive), out_refund_no from
退款批次号/请求号. Alipay rows are completed: state SUCCESS. booked_at = 完成时间.

Fee sign: Alipay prints 服务费（元） from the merchant's side — negative on a payment (money taken), positive on a
refund (given back). Entry.fee_fen is the fee CHARGED, as WeChat's 手续费: the parser flips the sign, so a
payment's fee is positive and a refund's negative (the writer flips it back).

Checks once the rows end (SUMMARY_MISMATCH naming the figure): the trailer's counts and 商家实收 sums per
业务类型; the 汇总's 合计 line (交易订单总笔数, 退款订单总笔数 and every money column it shares with the detail,
signed sums over all rows) and the sum of its store lines against its 合计. 实收净额 is not checked (its
relation to 分润 is undocumented). Summary(count = payments + refunds, paid_fen = the trailer's 交易 商家实收,
refunded_fen = −the trailer's 退款 商家实收, fee_fen = −合计 服务费, i.e. the net fee charged).

Streaming: the zip must be seekable (a file); the detail member is read through a GBK text wrapper row by row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from typing import IO, BinaryIO

from django.utils.translation import gettext as _

from . import PAYMENT, REFUND, SUCCESS, Entry, StatementFormatError, Summary
from ._common import BEIJING, bad_row, fen_to_yuan, format_beijing, mismatch, parse_beijing, to_count, yuan_to_fen

DETAIL_COLUMNS = (
    "支付宝交易号", "商户订单号", "业务类型", "商品名称", "创建时间", "完成时间", "门店编号", "门店名称", "操作员",
    "终端号", "对方账户", "订单金额（元）", "商家实收（元）", "支付宝红包（元）", "集分宝（元）", "支付宝优惠（元）",
    "商家优惠（元）", "券核销金额（元）", "券名称", "商家红包消费金额（元）", "卡消费金额（元）", "退款批次号/请求号",
    "服务费（元）", "分润（元）", "备注",
)
SUMMARY_COLUMNS = (
    "门店编号", "门店名称", "交易订单总笔数", "退款订单总笔数", "订单金额（元）", "商家实收（元）", "支付宝优惠（元）",
    "商家优惠（元）", "卡消费金额（元）", "服务费（元）", "分润（元）", "实收净额（元）",
)
_DETAIL_REQUIRED = ("支付宝交易号", "商户订单号", "业务类型", "完成时间", "订单金额（元）", "商家实收（元）",
                    "退款批次号/请求号", "服务费（元）")
_SUMMARY_REQUIRED = ("交易订单总笔数", "退款订单总笔数", "订单金额（元）", "商家实收（元）", "服务费（元）")
# Money columns of the 汇总 that are signed sums of the detail column of the same name.
_SUMMED = ("订单金额（元）", "商家实收（元）", "支付宝红包（元）", "集分宝（元）", "支付宝优惠（元）", "商家优惠（元）",
           "券核销金额（元）", "商家红包消费金额（元）", "卡消费金额（元）", "服务费（元）", "分润（元）")
_COUNTS = ("交易订单总笔数", "退款订单总笔数")
TRADE = "交易"
REFUND_WORD = "退款"
DETAIL_SUFFIX = "_业务明细.csv"
SUMMARY_SUFFIX = "_业务明细(汇总).csv"

_ACCOUNT = re.compile(r"#账号[：:]\[(\w*)\]")
_TRAILER = re.compile(r"#(交易|退款)合计[：:]([0-9]+)笔[，,]商家实收共(-?[0-9]+(?:\.[0-9]+)?)元")
_ENCODING = "gb18030"  # a superset of GBK: reads every GBK file the same


def _cells(cells: list[str]) -> list[str]:
    return [cell.strip() for cell in cells]  # the trailing TAB padding (and any spaces)


def _is_comment(cells: list[str]) -> bool:
    return bool(cells) and cells[0].lstrip().startswith("#")


def _line(cells: list[str]) -> str:
    return ",".join(cells).strip()


def _member_name(info: zipfile.ZipInfo) -> str:
    return info.filename.replace("（", "(").replace("）", ")")


class TradeBill:
    """The trade bill zip. Iterate for `Entry` rows (or `numbered()` for (line number, Entry)); after the last
    row `summary` holds the file's `Summary`, checked against the rows, and `account` the preamble's 账号."""

    def __init__(self, zip_stream: BinaryIO) -> None:
        self._zip_stream = zip_stream
        self._started = False
        self.summary: Summary | None = None
        self.account = ""
        self.line_no = 0

    def __iter__(self) -> Iterator[Entry]:
        for _line, entry in self.numbered():
            yield entry

    def numbered(self) -> Iterator[tuple[int, Entry]]:
        if self._started:
            raise RuntimeError("a bill can be read once (it streams)")
        self._started = True
        try:
            with zipfile.ZipFile(self._zip_stream, metadata_encoding="gbk") as archive:
                detail, summary = self._members(archive)
                with archive.open(summary) as raw:
                    totals, stores = self._read_summary(io.TextIOWrapper(raw, encoding=_ENCODING, newline=""))
                with archive.open(detail) as raw:
                    yield from self._read_detail(io.TextIOWrapper(raw, encoding=_ENCODING, newline=""))
        except (zipfile.BadZipFile, UnicodeDecodeError, csv.Error, EOFError, OSError, zlib.error) as exc:
            raise StatementFormatError(_("账单文件无法读取（%(error)s）") % {"error": exc}, code="BAD_FILE") from exc
        self.summary = self._check(totals, stores)

    @staticmethod
    def _members(archive: zipfile.ZipFile) -> tuple[zipfile.ZipInfo, zipfile.ZipInfo]:
        details = [info for info in archive.infolist()
                   if _member_name(info).endswith(".csv") and "汇总" not in _member_name(info)]
        summaries = [info for info in archive.infolist() if _member_name(info).endswith(SUMMARY_SUFFIX)]
        if len(details) != 1 or len(summaries) != 1:
            raise StatementFormatError(
                _("账单压缩包应含一个业务明细文件和一个业务明细(汇总)文件，实有：%(names)s")
                % {"names": "、".join(info.filename for info in archive.infolist()) or "无"}, code="BAD_FILE")
        return details[0], summaries[0]

    # ---- 汇总 ----

    def _read_summary(self, text: IO[str]) -> tuple[dict[str, int], dict[str, int]]:
        """The 合计 line and the sums of the store lines, by column name (counts and fen)."""
        reader = csv.reader(text)
        header = None
        total: dict[str, int] | None = None
        stores: dict[str, int] = {}
        for raw in reader:
            cells = _cells(raw)
            if not any(cells) or _is_comment(cells):
                continue
            if header is None:
                header = {name: index for index, name in enumerate(cells)}
                for name in _SUMMARY_REQUIRED:
                    if name not in header:
                        raise StatementFormatError(_("业务明细(汇总)表头缺少“%(column)s”列") % {"column": name},
                                                   code="BAD_HEADER")
                continue
            if len(cells) != len(header):
                raise bad_row(reader.line_num, _("汇总文件应有 %(want)s 列，实有 %(got)s 列")
                              % {"want": len(header), "got": len(cells)})
            values = {}
            for name in (*_COUNTS, *_SUMMED):
                if name in header:
                    text_value = cells[header[name]]
                    value = to_count(text_value) if name in _COUNTS else yuan_to_fen(text_value)
                    if value is None:
                        raise bad_row(reader.line_num, _("汇总文件“%(column)s”的值“%(value)s”无法识别")
                                      % {"column": name, "value": text_value})
                    values[name] = value
            if cells[0] == "合计":
                total = values
            else:
                for name, value in values.items():
                    stores[name] = stores.get(name, 0) + value
        if total is None:
            raise StatementFormatError(_("业务明细(汇总)文件缺少“合计”行"), code="SUMMARY_MISSING")
        return total, stores

    # ---- 业务明细 ----

    def _read_detail(self, text: IO[str]) -> Iterator[tuple[int, Entry]]:
        reader = csv.reader(text)
        header = None
        for raw in reader:
            cells = _cells(raw)
            if not any(cells):
                continue
            if _is_comment(cells):
                account = _ACCOUNT.match(_line(cells))
                if account:
                    self.account = account.group(1)
                continue
            header = cells
            break
        if header is None:
            raise StatementFormatError(_("业务明细文件没有表头"), code="BAD_FILE")
        col = {name: index for index, name in enumerate(header)}
        for name in _DETAIL_REQUIRED:
            if name not in col:
                raise StatementFormatError(_("业务明细表头缺少“%(column)s”列") % {"column": name}, code="BAD_HEADER")
        summed = [(name, col[name]) for name in _SUMMED if name in col]
        self._sums = dict.fromkeys((name for name, _index in summed), 0)
        self._counts = {TRADE: 0, REFUND_WORD: 0}
        self._received = {TRADE: 0, REFUND_WORD: 0}
        self._trailer: dict[str, tuple[int, int]] = {}
        width = len(header)
        in_trailer = False
        for raw in reader:
            cells = _cells(raw)
            if not any(cells):
                continue
            if _is_comment(cells):
                in_trailer = True
                found = _TRAILER.match(_line(cells))
                if found:
                    fen = yuan_to_fen(found.group(3))
                    if fen is None:
                        raise bad_row(reader.line_num, _("合计金额“%(value)s”无法识别") % {"value": found.group(3)})
                    self._trailer[found.group(1)] = (int(found.group(2)), fen)
                continue
            line = reader.line_num
            if in_trailer:
                raise StatementFormatError(_("业务明细第 %(line)s 行：结束标记之后还有明细") % {"line": line},
                                           code="BAD_FILE")
            if len(cells) != width:
                raise bad_row(line, _("应有 %(want)s 列，实有 %(got)s 列") % {"want": width, "got": len(cells)})
            amounts = {}
            for name, index in summed:
                fen = yuan_to_fen(cells[index]) if cells[index] else 0  # Alipay leaves unused money cells empty
                if fen is None:
                    raise bad_row(line, _("“%(column)s”的金额“%(value)s”不是以元为单位、最多两位小数的数")
                                  % {"column": name, "value": cells[index]})
                amounts[name] = fen
                self._sums[name] += fen
            kind = cells[col["业务类型"]]
            if kind not in self._counts:
                raise bad_row(line, _("未知的业务类型“%(kind)s”") % {"kind": kind})
            self._counts[kind] += 1
            self._received[kind] += amounts["商家实收（元）"]
            booked_at = parse_beijing(cells[col["完成时间"]])
            if booked_at is None:
                raise bad_row(line, _("完成时间“%(value)s”不是 yyyy-MM-dd HH:mm:ss")
                              % {"value": cells[col["完成时间"]]})
            out_trade_no = cells[col["商户订单号"]]
            if not out_trade_no:
                raise bad_row(line, _("缺少商户订单号"))
            amount = amounts["订单金额（元）"]
            common = {"out_trade_no": out_trade_no, "transaction_id": cells[col["支付宝交易号"]],
                      "fee_fen": -amounts["服务费（元）"], "booked_at": booked_at, "status": SUCCESS,
                      "merchant_id": self.account}
            self.line_no = line
            if kind == TRADE:
                if amount <= 0:
                    raise bad_row(line, _("交易行的订单金额应为正数"))
                yield line, Entry(kind=PAYMENT, amount_fen=amount, **common)
            else:
                out_refund_no = cells[col["退款批次号/请求号"]]
                if amount >= 0:
                    raise bad_row(line, _("退款行的订单金额应为负数"))
                if not out_refund_no:
                    raise bad_row(line, _("退款行缺少退款批次号/请求号"))
                yield line, Entry(kind=REFUND, amount_fen=-amount, out_refund_no=out_refund_no, **common)
        if TRADE not in self._trailer or REFUND_WORD not in self._trailer:
            raise StatementFormatError(_("业务明细缺少“交易合计”或“退款合计”行"), code="SUMMARY_MISSING")

    def _check(self, total: dict[str, int], stores: dict[str, int]) -> Summary:
        for kind in (TRADE, REFUND_WORD):
            count, received = self._trailer[kind]
            if count != self._counts[kind]:
                raise mismatch(f"{kind}合计笔数", count, self._counts[kind], money=False)
            if received != self._received[kind]:
                raise mismatch(f"{kind}合计商家实收", received, self._received[kind])
        ours = {"交易订单总笔数": self._counts[TRADE], "退款订单总笔数": self._counts[REFUND_WORD], **self._sums}
        for name, theirs in total.items():
            if name in ours and theirs != ours[name]:
                raise mismatch(f"汇总合计{name}", theirs, ours[name], money=name not in _COUNTS)
        if stores:
            for name, theirs in total.items():
                if stores.get(name, 0) != theirs:
                    raise mismatch(f"各门店{name}之和", stores.get(name, 0), theirs, money=name not in _COUNTS,
                                   against=_("“合计”行"))
        return Summary(count=self._counts[TRADE] + self._counts[REFUND_WORD], paid_fen=self._trailer[TRADE][1],
                       refunded_fen=-self._trailer[REFUND_WORD][1], fee_fen=-total["服务费（元）"])


# ---- writer (the sandbox's bills) ----

class _GbkZipInfo(zipfile.ZipInfo):
    """A member whose name is stored as GBK bytes without the UTF-8 flag, as Alipay's zips are."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 (zipfile's own name)
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def _chinese_date(moment: dt.datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y年%m月%d日 %H:%M:%S")


def _preamble(title: str, section: str, account: str, bill_date: dt.date) -> list[str]:
    start = dt.datetime.combine(bill_date, dt.time(), tzinfo=BEIJING)
    return [f"#{title}", f"#账号：[{account}]",
            f"#起始日期：[{_chinese_date(start)}]   终止日期：[{_chinese_date(start + dt.timedelta(days=1))}]",
            f"#-----------------------------------------{section}----------------------------------------"]


def _csv_line(cells: Iterable[str], *, pad: bool) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([cell + "\t" for cell in cells] if pad else list(cells))
    return out.getvalue()


def render_trade_zip(entries: Iterable[Entry], *, account: str, bill_date: dt.date,
                     exported_at: dt.datetime | None = None) -> bytes:
    """The trade bill zip for `entries`, exactly as the parser reads it. `account` is the 2088… id of the
    preamble and the member names; `exported_at` defaults to 09:00 Beijing the next day (deterministic bytes)."""
    exported = exported_at or dt.datetime.combine(bill_date + dt.timedelta(days=1), dt.time(9), tzinfo=BEIJING)
    lines = [*_preamble("支付宝业务明细查询", "业务明细列表", account, bill_date), _csv_line(DETAIL_COLUMNS, pad=False)]
    counts = {TRADE: 0, REFUND_WORD: 0}
    received = {TRADE: 0, REFUND_WORD: 0}
    order_fen = fee_fen = 0
    for entry in entries:
        kind = TRADE if entry.kind == PAYMENT else REFUND_WORD
        amount = entry.amount_fen if entry.kind == PAYMENT else -entry.amount_fen
        counts[kind] += 1
        received[kind] += amount
        order_fen += amount
        fee_fen -= entry.fee_fen
        when = format_beijing(entry.booked_at)
        zero = "0.00"
        row = {name: "" for name in DETAIL_COLUMNS}
        row.update({"支付宝交易号": entry.transaction_id, "商户订单号": entry.out_trade_no, "业务类型": kind,
                    "创建时间": when, "完成时间": when, "订单金额（元）": fen_to_yuan(amount),
                    "商家实收（元）": fen_to_yuan(amount), "支付宝红包（元）": zero, "集分宝（元）": zero,
                    "支付宝优惠（元）": zero, "商家优惠（元）": zero, "券核销金额（元）": zero,
                    "商家红包消费金额（元）": zero, "卡消费金额（元）": zero,
                    "退款批次号/请求号": entry.out_refund_no if entry.kind == REFUND else "",
                    "服务费（元）": fen_to_yuan(-entry.fee_fen), "分润（元）": zero})
        lines.append(_csv_line((row[name] for name in DETAIL_COLUMNS), pad=True))
    lines += ["#-----------------------------------------业务明细列表结束------------------------------------",
              f"#交易合计：{counts[TRADE]}笔，商家实收共{fen_to_yuan(received[TRADE])}元",
              f"#退款合计：{counts[REFUND_WORD]}笔，商家实收共{fen_to_yuan(received[REFUND_WORD])}元",
              f"#导出时间：[{_chinese_date(exported)}]"]
    detail = "\r\n".join(lines) + "\r\n"

    figures = [str(counts[TRADE]), str(counts[REFUND_WORD]), fen_to_yuan(order_fen), fen_to_yuan(order_fen),
               "0.00", "0.00", "0.00", fen_to_yuan(fee_fen), "0.00", fen_to_yuan(order_fen + fee_fen)]
    summary_lines = [*_preamble("支付宝业务汇总查询", "业务汇总列表", account, bill_date),
                     _csv_line(SUMMARY_COLUMNS, pad=False)]
    if counts[TRADE] or counts[REFUND_WORD]:
        summary_lines.append(_csv_line(["", "", *figures], pad=True))  # one store: our payments name none
    summary_lines += [_csv_line(["合计", "", *figures], pad=True),
                      "#-----------------------------------------业务汇总列表结束------------------------------------",
                      f"#导出时间：[{_chinese_date(exported)}]"]
    summary = "\r\n".join(summary_lines) + "\r\n"

    prefix = f"{account}0156_{bill_date:%Y%m%d}"
    stamp = exported.astimezone(BEIJING).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in ((prefix + DETAIL_SUFFIX, detail), (prefix + SUMMARY_SUFFIX, summary)):
            info = _GbkZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("gbk"))
    return out.getvalue()
