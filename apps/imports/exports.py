"""The import template and the ledger export, in the import's own format
(same headers, same words), so an export re-imports cleanly.

Spreadsheet safety: text that Excel would run as a formula (=, +, -, @ …) is
written as a text cell in .xlsx and prefixed with an apostrophe in .csv (OWASP
"CSV injection"); the importer drops that apostrophe again."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from apps.accounts.models import User
from apps.accounts.permissions import PII_FULL
from apps.audit.services import audit_record
from heat_platform.pii import mask_id_no, mask_phone
from tenants.directory import company_context

from .columns import CHOICE_LABELS, CHOICE_WORDS, COLUMNS, HEADERS, INDEX
from .models import FileKind
from .selectors import house_export_rows
from .validation import CLEAR_MARKER, FORMULA_TRIGGERS

CSV_CHUNK_ROWS = 500
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
_TEXT_COLUMNS = tuple(i for i, c in enumerate(COLUMNS) if c.field not in ("building_area", "usable_area"))
_CATEGORY, _LOW_INCOME, _STATUS = INDEX["category"], INDEX["low_income"], INDEX["heating_status"]
_PHONE, _ID_NO = INDEX["owner_phone"], INDEX["owner_id_no"]


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    masked: bool
    chunks: Iterator[bytes] | None = None  # .csv: streamed
    file: BinaryIO | None = None  # .xlsx: a temporary file, rewound


def ledger_template(*, file_kind: str) -> bytes:
    """The empty ledger: the header row only (no example row that an import
    would have to recognise and skip). The .xlsx adds dropdowns for the choice
    columns, text format for number-like columns (keeps 0101, 18-digit IDs),
    and an instructions sheet; the importer reads only the first sheet."""
    if file_kind == FileKind.CSV:
        return _csv_line(HEADERS).encode("utf-8-sig")
    wb = Workbook()
    ws = wb.active
    ws.title = "房屋台账"
    ws.append(list(HEADERS))
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for i, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(i)
        header = ws.cell(row=1, column=i)
        header.font = bold
        if column.required:
            header.fill = required_fill
        ws.column_dimensions[letter].width = max(10, len(column.header) * 3)
        if i - 1 in _TEXT_COLUMNS:
            ws.column_dimensions[letter].number_format = "@"
    for field, words in CHOICE_WORDS.items():
        letter = get_column_letter(INDEX[field] + 1)
        validation = DataValidation(type="list", formula1=f'"{",".join(words)}"', allow_blank=True)
        validation.add(f"{letter}2:{letter}1048576")
        ws.add_data_validation(validation)
    notes = wb.create_sheet(_("填写说明"))
    notes.append([_("列"), _("必填"), _("说明")])
    for cell in notes[1]:
        cell.font = bold
    for column in COLUMNS:
        notes.append([column.header, _("是") if column.required else _("否"), str(column.note)])
    notes.append([])
    for line in (_("只导入第一个工作表；第 1 行为表头，列的顺序可以调整，但列名不能修改。"),
                 _("户号已存在的房屋会被更新：填写的内容替换原内容；选填项留空表示不修改（单元在楼号改变时除外）。"),
                 _("要清空已有房屋的某个选填项（单元、套内面积、热表编号、户主电话、证件号码），"
                   "请在该格填写 %(clear)s。必填项和类别、低保特困、供热状态不能清空。") % {"clear": CLEAR_MARKER},
                 _("户主电话和证件号码不能是导出文件中的脱敏号码（如 138****5678）："
                   "请填写完整号码，或将该格留空表示不修改。"),
                 _("任意一行有错误时，整个文件都不会导入；请按错误报告修改后重新上传。")):
        notes.append([line])
    notes.column_dimensions["C"].width = 60
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def house_export(*, actor: User, file_kind: str, ip: str | None = None) -> ExportFile:
    """Every house of the company in the import format. Phone and ID numbers
    are masked (138****5678) unless the actor's role may see them in full.
    The export is audited (who, which format, masked or not)."""
    masked = actor.role not in PII_FULL
    audit_record(actor=actor, action="houses.export", ip=ip, format=file_kind, masked=masked)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"房屋台账-{stamp}.{file_kind}"
    if file_kind == FileKind.CSV:
        return ExportFile(filename=filename, content_type=CSV_CONTENT_TYPE, masked=masked,
                          chunks=_csv_chunks(masked=masked, company=connection.tenant))
    return ExportFile(filename=filename, content_type=XLSX_CONTENT_TYPE, masked=masked,
                      file=_xlsx_file(masked=masked))


def _export_row(values: tuple, *, masked: bool) -> list:
    row = list(values)
    row[_CATEGORY] = CHOICE_LABELS["category"].get(row[_CATEGORY], row[_CATEGORY])
    row[_LOW_INCOME] = CHOICE_LABELS["low_income"].get(row[_LOW_INCOME], row[_LOW_INCOME])
    row[_STATUS] = CHOICE_LABELS["heating_status"].get(row[_STATUS], row[_STATUS])
    if masked:
        row[_PHONE] = mask_phone(row[_PHONE] or "")
        row[_ID_NO] = mask_id_no(row[_ID_NO] or "")
    return row


def _csv_line(values) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow(values)
    return buf.getvalue()


def _csv_safe(value) -> object:
    if isinstance(value, str) and value[:1] in FORMULA_TRIGGERS:
        return "'" + value
    return "" if value is None else value


def _csv_chunks(*, masked: bool, company) -> Iterator[bytes]:
    """Runs while the response is sent, after the view returned and the middleware gave the thread its main
    cluster back: it pins the company's cluster and schema itself."""
    with company_context(company):
        yield _csv_line(HEADERS).encode("utf-8-sig")  # BOM: Excel then reads UTF-8
        buf = io.StringIO()
        writer = csv.writer(buf)
        for n, values in enumerate(house_export_rows(), start=1):
            writer.writerow([_csv_safe(v) for v in _export_row(values, masked=masked)])
            if n % CSV_CHUNK_ROWS == 0:
                yield buf.getvalue().encode()
                buf.seek(0)
                buf.truncate()
        if buf.tell():
            yield buf.getvalue().encode()


def _xlsx_file(*, masked: bool) -> BinaryIO:
    """openpyxl's write-only mode keeps one row in memory; the sheet goes to a
    temporary file, then the zip is written to another one that is streamed."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("房屋台账")
    ws.append(list(HEADERS))
    for values in house_export_rows():
        row = _export_row(values, masked=masked)
        for i, value in enumerate(row):
            if isinstance(value, str) and value.startswith("="):
                cell = WriteOnlyCell(ws, value)
                cell.data_type = "s"  # text, never a formula
                row[i] = cell
        ws.append(row)
    out = tempfile.TemporaryFile()
    wb.save(out)
    out.seek(0)
    return out
