"""Ledger files for tests and the benchmark: rows, .csv in any encoding, and
.xlsx written two ways: by openpyxl (inline strings) and the way Excel and WPS
save them (a shared-strings table), since the importer must handle both; and
reading back what the importer stored or an export produced.

Importable without Django (bench_import.py writes its files from a plain
subprocess): Django and the apps are imported inside the functions that need them."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

HEADERS = ["户号", "小区", "楼号", "单元", "室号", "建筑面积", "套内面积", "类别", "低保特困", "热表编号",
           "供热状态", "户主姓名", "户主电话", "证件号码"]
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"


def id_number(seq: int, birth: str = "19800101") -> str:
    """A mainland resident ID number with a correct check digit."""
    body = f"110105{birth}{seq % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def house_row(i: int, *, community: str | None = None, prefix: str = "HC") -> list:
    """Row i of a realistic ledger: 20 communities of 5,000 houses, 50 buildings, 5 units."""
    return [
        f"{prefix}{i:07d}",
        community or f"幸福小区{i // 5000 + 1}期",
        f"{(i // 100) % 50 + 1}号楼",
        f"{(i // 20) % 5 + 1}单元",
        f"{(i % 20) // 2 + 1}0{i % 2 + 1}",
        f"{80 + i % 50}.{(i * 7) % 100:02d}",
        f"{60 + i % 20}.5" if i % 3 else "",
        "非居民" if i % 97 == 0 else "居民",
        ("无", "无", "无", "低保", "特困")[i % 5] if i % 11 == 0 else "无",
        f"M{i:08d}" if i % 4 == 0 else "",
        ("正常", "正常", "正常", "报停", "停供")[i % 5] if i % 13 == 0 else "正常",
        _SURNAMES[i % len(_SURNAMES)] + _GIVEN[(i // 20) % len(_GIVEN)] + _GIVEN[(i // 7) % len(_GIVEN)],
        f"1{3 + i % 7}{i % 1000000000:09d}",
        id_number(i % 1000, birth=f"19{50 + i % 50}0{1 + i % 9}1{i % 9}"),
    ]


def csv_bytes(rows: Iterable[Sequence], *, headers: Sequence[str] = HEADERS, encoding: str = "utf-8-sig") -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(headers)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def write_csv(path: Path, rows: Iterable[Sequence], *, encoding: str = "utf-8-sig") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path


def xlsx_bytes(rows: Iterable[Sequence], *, headers: Sequence[str] | None = HEADERS, title: str = "房屋") -> bytes:
    """openpyxl's own output (inline strings); numeric-looking cells stay text unless given as numbers."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    if headers is not None:
        ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _col(n: int) -> str:
    name = ""
    while n:
        n, rem = divmod(n - 1, 26)
        name = chr(65 + rem) + name
    return name


def write_xlsx_shared(path: Path, rows: Iterable[Sequence], *, headers: Sequence[str] = HEADERS,
                      numeric_columns: Sequence[int] = (5, 6), total_rows: int | None = None) -> Path:
    """Write an .xlsx the way Excel does: every text cell points into xl/sharedStrings.xml.
    Columns in `numeric_columns` are written as numbers when they parse as one."""
    strings: dict[str, int] = {}
    numeric = {_col(c + 1) for c in numeric_columns}

    def cell(column: str, row_no: int, value) -> str:
        if value is None or value == "":
            return ""
        text = str(value)
        if isinstance(value, (int, float)) or (column in numeric and _is_number(text)):
            return f'<c r="{column}{row_no}"><v>{text}</v></c>'
        index = strings.setdefault(text, len(strings))
        return f'<c r="{column}{row_no}" t="s"><v>{index}</v></c>'

    letters = [_col(c + 1) for c in range(max(len(headers), 1))]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
            '</Types>'))
        zf.writestr("_rels/.rels", (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        zf.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            '<sheets><sheet name="房屋" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        zf.writestr("xl/_rels/workbook.xml.rels", (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
            '</Relationships>'))
        with zf.open("xl/worksheets/sheet1.xml", "w") as sheet:
            dim = f"A1:{letters[-1]}{(total_rows or 0) + 1}" if total_rows is not None else "A1"
            sheet.write((f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">'
                         f'<dimension ref="{dim}"/><sheetData>').encode())
            for r, row in enumerate(_chain([list(headers)], rows), start=1):
                cells = "".join(cell(_col(c + 1), r, v) for c, v in enumerate(row))
                sheet.write(f'<row r="{r}">{cells}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
        with zf.open("xl/sharedStrings.xml", "w") as sst:
            sst.write((f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}" count="{len(strings)}" '
                       f'uniqueCount="{len(strings)}">').encode())
            for text in strings:  # dicts keep insertion order = index order
                sst.write(f"<si><t>{escape(text)}</t></si>".encode())
            sst.write(b"</sst>")
    return path


def _chain(first, rest):
    yield from first
    yield from rest


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- one row for the `ledger` fixture (tests/apps/imports/conftest.py) ------------------------------

ID_NO = id_number(7)


def row(**changes) -> list:
    """A valid row for the `ledger` fixture's 幸福小区 / 1号楼 / 1单元; changes by header."""
    from apps.imports.columns import HEADERS as COLUMNS

    values = dict(zip(COLUMNS, ["A0001", "幸福小区", "1号楼", "1单元", "101", "89.5", "70.25", "居民", "无", "M001",
                                "正常", "王建国", "13800138000", ID_NO], strict=True))
    values.update(changes)
    return [values[h] for h in COLUMNS]


def errors_of(outcome) -> list[tuple]:
    return [(e["row"], e["column"], e["code"]) for e in outcome.errors]


# --- reading back ------------------------------------------------------------------------------------

def raw_house_columns(tenant, account_no: str) -> tuple:
    """(owner_phone, owner_phone_index, owner_id_no, owner_id_no_index, updated_at) as stored: ciphertexts."""
    from django.db import connection
    from django_tenants.utils import schema_context

    with schema_context(tenant.schema), connection.cursor() as cur:
        cur.execute("SELECT owner_phone, owner_phone_index, owner_id_no, owner_id_no_index, updated_at "
                    "FROM properties_house WHERE account_no = %s", [account_no])
        return cur.fetchone()


def exported_rows(kind: str, body: bytes) -> list[list]:
    """The rows of an export (.csv or .xlsx body), header row first."""
    if kind == "csv":
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]
