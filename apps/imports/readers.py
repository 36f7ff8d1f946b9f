"""Streamed rows of a ledger file (.xlsx or .csv): the header, then every
non-blank row with its number as the user sees it in Excel.

Nothing here holds more than one row at a time. For .xlsx, openpyxl
(read-only mode) opens the workbook (parts, sheets, styles, dates), with two
changes stock openpyxl lacks: the shared-strings table (every distinct text of
the workbook; Excel and WPS always write one) is spooled to a temporary file
instead of a list, and sheet rows are parsed so that each is released once read.
Cell values are converted exactly as openpyxl's own parser does, with its
helpers (openpyxl is pinned, 3.1.5); tests compare the two on every cell type.
"""

from __future__ import annotations

import codecs
import csv
import io
import mmap
import tempfile
import zipfile
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree.ElementTree import ParseError, iterparse

from django.utils.translation import gettext as _
from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._reader import _cast_number
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

from .columns import HEADERS
from .errors import ImportErrorCode, ImportFileError
from .models import FileKind

# A .xlsx is a zip of XML parts; refuse archives that would inflate beyond this
# (zip bombs). A 50 MB upload of real ledger data inflates to about 400 MB.
MAX_XLSX_UNCOMPRESSED = 1024 * 1024 * 1024
# How much of a .csv decides its encoding (the header row is in it).
CSV_SNIFF_BYTES = 64 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and other OLE2 documents)
ZIP_MAGIC = b"PK\x03\x04"

# XML_SAFETY: the parts of an uploaded workbook are parsed with the standard
# library's expat (defusedxml is not a dependency; openpyxl parses the same parts
# the same way). ElementTree never fetches external entities or DTDs, and
# expat >= 2.4 (Python 3.11 ships 2.5) caps entity amplification ("billion
# laughs"); archive size is capped by MAX_XLSX_UNCOMPRESSED.
_SI = f"{{{SHEET_MAIN_NS}}}si"
_T = f"{{{SHEET_MAIN_NS}}}t"
_ROW = f"{{{SHEET_MAIN_NS}}}row"
_C = f"{{{SHEET_MAIN_NS}}}c"
_V = f"{{{SHEET_MAIN_NS}}}v"
_IS = f"{{{SHEET_MAIN_NS}}}is"
_SHEET_DATA = f"{{{SHEET_MAIN_NS}}}sheetData"


@dataclass
class LedgerRows:
    positions: tuple[int, ...]  # index in the file's rows of each template column (HEADERS order)
    header_row: int
    estimated_rows: int | None  # data rows, from the sheet's dimension or the file's line count
    rows: Iterator[tuple[int, list]]  # (row number, cells in file order)
    text_only: bool = False  # every cell is a str (a .csv), never None or a number


def check_signature(head: bytes, file_kind: str) -> None:
    """The first bytes of the file must fit its extension (checked on upload and on import)."""
    if not head:
        raise ImportFileError(_("文件是空的。"), code=ImportErrorCode.EMPTY_FILE)
    if file_kind == FileKind.XLSX:
        if head.startswith(OLE_MAGIC):
            raise ImportFileError(_("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再上传。"),
                                  code=ImportErrorCode.INVALID_FILE)
        if not head.startswith(ZIP_MAGIC):
            raise ImportFileError(_("这不是有效的 .xlsx 文件。"), code=ImportErrorCode.INVALID_FILE)
    elif file_kind == FileKind.CSV:
        if head.startswith((ZIP_MAGIC, OLE_MAGIC)):
            raise ImportFileError(_("这是 Excel 文件而不是 CSV，请以 .xlsx 上传或另存为 CSV。"),
                                  code=ImportErrorCode.INVALID_FILE)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise ImportFileError(_("不支持 UTF-16 编码的文件，请另存为“CSV UTF-8”。"),
                                  code=ImportErrorCode.INVALID_ENCODING)
    else:
        raise ImportFileError(_("只支持 .xlsx 和 .csv 文件。"), code=ImportErrorCode.UNSUPPORTED_FILE_TYPE)


@contextmanager
def ledger_rows(source: BinaryIO, file_kind: str) -> Iterator[LedgerRows]:
    """Open a ledger file (a seekable binary file object) for streaming.
    Raises ImportFileError for anything that is not a readable ledger."""
    head = source.read(8)
    source.seek(0)
    check_signature(head, file_kind)
    if file_kind == FileKind.XLSX:
        with _xlsx_rows(source) as rows:
            yield rows
    else:
        yield _csv_rows(source)


def header_positions(cells: list, row_no: int) -> tuple[int, ...]:
    """Map the template's columns onto the file's header row (any order).
    Every template column must be present exactly once; unknown headers are
    refused so that no column is silently ignored."""
    names = [_header_text(c) for c in cells]
    seen: dict[str, int] = {}
    duplicate, unknown = [], []
    for i, name in enumerate(names):
        if not name:
            continue
        if name not in HEADERS:
            unknown.append(name)
        elif name in seen:
            duplicate.append(name)
        else:
            seen[name] = i
    missing = [h for h in HEADERS if h not in seen]
    problems = []
    if missing:
        problems.append(_("缺少列：%(names)s") % {"names": "、".join(missing)})
    if unknown:
        problems.append(_("无法识别的列：%(names)s") % {"names": "、".join(unknown[:10])})
    if duplicate:
        problems.append(_("重复的列：%(names)s") % {"names": "、".join(duplicate)})
    if problems:
        raise ImportFileError(
            _("表头不正确（%(problems)s）。请使用下载的模板，表头应为：%(headers)s。")
            % {"problems": "；".join(problems), "headers": "、".join(HEADERS)},
            code=ImportErrorCode.INVALID_HEADER, row=row_no)
    return tuple(seen[h] for h in HEADERS)


def _header_text(cell) -> str:
    if cell is None:
        return ""
    return str(cell).strip().lstrip("\ufeff").strip()


def _first_row(rows: Iterator[tuple[int, list]]) -> tuple[int, list]:
    for row_no, cells in rows:
        if any(c is not None and str(c).strip() for c in cells):
            return row_no, cells
    raise ImportFileError(_("文件中没有任何内容。"), code=ImportErrorCode.EMPTY_FILE)


# --- .xlsx -------------------------------------------------------------------

class SpooledStrings:
    """A workbook's shared-strings table in a temporary file (UTF-8, one
    offset per string) instead of a Python list, so memory does not grow with
    the number of distinct texts. Looked up by openpyxl's sheet parser."""

    def __init__(self, src: BinaryIO):
        self._file = tempfile.TemporaryFile()
        offsets = array("I", [0])  # 4 bytes each: the archive inflates to < 4 GiB (MAX_XLSX_UNCOMPRESSED)
        position, write = 0, self._file.write
        root = None
        for event, node in iterparse(src, events=("start", "end")):  # noqa: S314  (see XML_SAFETY)
            if event == "start":
                if root is None:
                    root = node
                continue
            if node.tag != _SI:
                continue
            if len(node) == 1 and node[0].tag == _T and not len(node[0]):
                text = node[0].text or ""  # the usual <si><t>…</t></si>
            else:
                text = Text.from_tree(node).content  # rich text / phonetic runs: openpyxl's reading
            data = text.replace("x005F_", "").encode()  # as openpyxl's read_string_table
            write(data)
            position += len(data)
            offsets.append(position)
            root.clear()  # the string is on disk; drop its element
        self._file.flush()
        self._offsets = offsets
        # File-backed pages: the kernel can drop them at any time, they are not heap.
        self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ) if position else b""

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, index: int) -> str:
        if index < 0:
            raise IndexError(index)
        return self._map[self._offsets[index]:self._offsets[index + 1]].decode()

    def close(self) -> None:
        if isinstance(self._map, mmap.mmap):
            self._map.close()
        self._file.close()


class _LedgerExcelReader(ExcelReader):
    """openpyxl's workbook reader with the shared strings spooled to disk."""

    def read_strings(self):
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as src:
                self.shared_strings = SpooledStrings(src)


@contextmanager
def _xlsx_rows(source: BinaryIO) -> Iterator[LedgerRows]:
    try:
        with zipfile.ZipFile(source) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFileError(_("这不是有效的 .xlsx 文件。"), code=ImportErrorCode.INVALID_FILE) from exc
    if inflated > MAX_XLSX_UNCOMPRESSED:
        raise ImportFileError(_("文件解压后过大，无法导入。"), code=ImportErrorCode.FILE_TOO_LARGE)
    source.seek(0)
    reader = None
    try:
        reader = _LedgerExcelReader(source, read_only=True, data_only=True, keep_links=False)
        reader.read()
    except Exception as exc:  # openpyxl raises anything from KeyError to ValueError on broken packages
        _close_reader(reader)
        raise ImportFileError(_("这不是有效的 .xlsx 文件，或文件已损坏。"), code=ImportErrorCode.INVALID_FILE) from exc
    try:
        sheets = reader.wb.worksheets
        if not sheets:
            raise ImportFileError(_("文件中没有任何内容。"), code=ImportErrorCode.EMPTY_FILE)
        sheet = sheets[0]  # the first sheet is the ledger; others (notes) are ignored
        rows = _sheet_rows(sheet, reader.shared_strings)
        header_row, header = _first_row(rows)
        positions = header_positions(header, header_row)
        dimension_rows = sheet.max_row  # from <dimension>; a hint only, never a limit
        estimate = dimension_rows - header_row if dimension_rows and dimension_rows > header_row else None
        yield LedgerRows(positions=positions, header_row=header_row, estimated_rows=estimate,
                         rows=_widen(rows, max(positions) + 1))
    finally:
        _close_reader(reader)


def _close_reader(reader: _LedgerExcelReader | None) -> None:
    if reader is None:
        return
    if isinstance(reader.shared_strings, SpooledStrings):
        reader.shared_strings.close()
    reader.archive.close()


def _sheet_rows(sheet, shared_strings) -> Iterator[tuple[int, list]]:
    """Rows of a read-only worksheet as (row number, values), parsed with
    ElementTree's C parser and converted exactly like openpyxl's
    WorkSheetParser.parse_cell (data_only). Unlike ReadOnlyWorksheet.iter_rows
    it releases every row once read (iter_rows keeps an emptied element per
    row) and never stops at the sheet's <dimension>, which can be wrong.

    A row is converted when the next one starts (its content is complete by
    then), so only `start` events are needed: as fast as openpyxl's `end`
    events, and they give us <sheetData> to remove parsed rows from."""
    wb = sheet.parent
    convert = _CellConverter(shared_strings, epoch=wb.epoch, date_styles=wb._date_formats,
                             timedelta_styles=wb._timedelta_formats)
    pending = sheet_data = None
    row_no = 0
    try:
        with sheet._get_source() as src:
            for _event, element in iterparse(src, events=("start",)):  # noqa: S314  (see XML_SAFETY)
                tag = element.tag
                if tag == _ROW:
                    if pending is not None:
                        row_no, values = convert.row(pending, row_no)
                        if sheet_data is not None:
                            del sheet_data[:-1]  # drop parsed rows; the newest may still be filling
                        yield row_no, values
                    pending = element
                elif tag == _SHEET_DATA:
                    sheet_data = element
        if pending is not None:
            yield convert.row(pending, row_no)
    except (ParseError, IndexError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as exc:
        raise ImportFileError(_("这不是有效的 .xlsx 文件，或文件已损坏。"), code=ImportErrorCode.INVALID_FILE) from exc


class _CellConverter:
    """openpyxl.worksheet._reader.WorkSheetParser.parse_cell for data_only
    reading, on the C ElementTree elements (same helpers, same results)."""

    def __init__(self, shared_strings, *, epoch, date_styles, timedelta_styles):
        self.strings = shared_strings
        self.epoch = epoch
        self.date_styles = date_styles
        self.timedelta_styles = timedelta_styles
        self.columns: dict[str, int] = {}

    def row(self, element, previous_row: int) -> tuple[int, list]:
        ref = element.get("r")
        row_no = int(ref) if ref else previous_row + 1
        values: list = []
        column = 0
        for cell in element:
            if cell.tag != _C:
                continue
            ref = cell.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                column = self.columns.get(letters) or self.columns.setdefault(letters,
                                                                              column_index_from_string(letters))
            else:
                column += 1
            value = self.value(cell)
            if column > len(values):
                values.extend([None] * (column - len(values)))
            values[column - 1] = value
        return row_no, values

    def value(self, cell):
        data_type = cell.get("t", "n")
        if data_type == "inlineStr":
            inline = cell.find(_IS)
            if inline is None:
                return None
            if len(inline) == 1 and inline[0].tag == _T and not len(inline[0]):
                return inline[0].text or ""
            return Text.from_tree(inline).content
        value = cell.findtext(_V) or None
        if value is None:
            return None
        if data_type == "n":
            value = _cast_number(value)
            style = cell.get("s")
            if style and int(style) in self.date_styles:
                try:
                    return from_excel(value, self.epoch, timedelta=int(style) in self.timedelta_styles)
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return value
        if data_type == "s":
            return self.strings[int(value)]
        if data_type == "b":
            return bool(int(value))
        if data_type == "d":
            return from_ISO8601(value)
        return value  # "str" (a formula's text result), "e" (#N/A …)


def _widen(rows: Iterator[tuple[int, list]], width: int, fill: str | None = None) -> Iterator[tuple[int, list]]:
    for row_no, values in rows:
        if len(values) < width:
            values.extend([fill] * (width - len(values)))
        yield row_no, values


# --- .csv --------------------------------------------------------------------

def _csv_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030, the superset of the GBK that
    Chinese Excel writes for "CSV (逗号分隔)". Decided on the first 64 KB, which
    hold the Chinese header."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _csv_rows(source: BinaryIO) -> LedgerRows:
    sample = source.read(CSV_SNIFF_BYTES)
    if b"\x00" in sample:
        raise ImportFileError(_("这不是有效的 CSV 文本文件。"), code=ImportErrorCode.INVALID_FILE)
    encoding = _csv_encoding(sample)
    source.seek(0)
    lines = sum(chunk.count(b"\n") for chunk in iter(lambda: source.read(1 << 20), b""))
    source.seek(0)
    rows = _csv_records(source, encoding)
    header_row, header = _first_row(rows)
    positions = header_positions(header, header_row)
    return LedgerRows(positions=positions, header_row=header_row, estimated_rows=max(lines - header_row, 0),
                      rows=_widen(rows, max(positions) + 1, fill=""), text_only=True)


def _decoded_lines(source: BinaryIO, encoding: str) -> Iterator[str]:
    """Line by line, so that an undecodable byte is reported on its own row.
    Safe for both encodings: a newline byte never occurs inside a UTF-8 or
    GB18030 character."""
    decode = codecs.getincrementaldecoder(encoding)().decode
    for line in iter(source.readline, b""):
        yield decode(line)
    decode(b"", True)


def _csv_records(source: BinaryIO, encoding: str) -> Iterator[tuple[int, list]]:
    """Records numbered as Excel shows them (a quoted cell may span lines),
    decoded in large chunks. Should a chunk hold an undecodable byte, the
    rest of the file is read line by line from the last record returned, so
    the byte is reported on its own row, as if the whole file had been read so."""
    text = io.TextIOWrapper(source, encoding=encoding, newline="")
    done = 0
    try:
        for record in csv.reader(text):
            done += 1
            yield done, record
        return
    except UnicodeDecodeError:
        pass  # somewhere ahead in the chunk; located below
    except csv.Error as exc:
        raise _csv_error(exc, done + 1) from exc
    finally:
        try:
            text.detach()  # the caller's file stays open (closing the wrapper would close it)
        except ValueError:  # the caller closed it already
            pass
    source.seek(0)
    for row_no, record in _csv_records_by_line(source, encoding):
        if row_no > done:
            yield row_no, record


def _csv_records_by_line(source: BinaryIO, encoding: str) -> Iterator[tuple[int, list]]:
    row_no = 0
    try:
        for row_no, record in enumerate(csv.reader(_decoded_lines(source, encoding)), start=1):
            yield row_no, record
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("第 %(row)s 行的文字无法识别（编码不一致），请将文件另存为“CSV UTF-8”后重新上传。")
                              % {"row": row_no + 1}, code=ImportErrorCode.INVALID_ENCODING, row=row_no + 1) from exc
    except csv.Error as exc:
        raise _csv_error(exc, row_no + 1) from exc


def _csv_error(exc: csv.Error, row: int) -> ImportFileError:
    if "field larger than field limit" in str(exc):
        return ImportFileError(_("第 %(row)s 行有一个单元格内容过长。") % {"row": row},
                               code=ImportErrorCode.CELL_TOO_LARGE, row=row)
    return ImportFileError(_("第 %(row)s 行不是有效的 CSV 格式。") % {"row": row},
                           code=ImportErrorCode.INVALID_FILE, row=row)
