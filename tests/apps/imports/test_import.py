"""The import as a whole: upsert, dry run, encryption at rest, history and
audit, file formats and encodings, and malformed files (a clear typed error,
nothing written)."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from openpyxl import Workbook, load_workbook

from apps.audit.models import AuditLog
from apps.imports.columns import HEADERS
from apps.imports.errors import ImportFileError
from apps.imports.readers import _sheet_rows, ledger_rows
from apps.imports.validation import MAX_CELL_CHARS
from apps.properties.models import Building, Community, HeatingStatusChange, House, Unit
from heat_platform.crypto import blind_index, decrypt
from tests.factories.imports import csv_bytes, house_row, raw_house_columns, row, write_xlsx_shared, xlsx_bytes


def snapshot(alpha) -> list[tuple]:
    with schema_context(alpha.schema):
        return list(House.objects.order_by("account_no").values_list(
            "account_no", "community__name", "building__name", "unit__name", "room", "building_area", "usable_area",
            "category", "low_income", "meter_no", "heating_status", "owner_name", "owner_phone", "owner_id_no"))


# --- writing -----------------------------------------------------------------------------------------

def test_phone_and_id_number_are_encrypted_with_blind_indexes(run_import, ledger, alpha):
    id_no = row()[HEADERS.index("证件号码")]
    assert run_import(csv_bytes([row()])).ok
    phone_ct, phone_idx, id_ct, id_idx, _ = raw_house_columns(alpha, "A0001")
    assert "13800138000" not in phone_ct and id_no not in id_ct
    assert (decrypt(phone_ct), decrypt(id_ct)) == ("13800138000", id_no)
    assert phone_idx == blind_index("13800138000", purpose="phone")
    assert id_idx == blind_index(id_no, purpose="id_no")


def test_existing_houses_are_updated_by_account_number(run_import, ledger, alpha):
    first = run_import(csv_bytes([row(**{"户号": "A1"}), row(**{"户号": "A2", "户主电话": "13900139000"})]))
    assert (first.counts.created, first.counts.updated) == (2, 0)
    a1_before = raw_house_columns(alpha, "A1")
    changed = [row(**{"户号": "A1", "户主姓名": "李四", "建筑面积": "100", "套内面积": "80"}),
               row(**{"户号": "A2", "户主电话": "13700137000", "热表编号": "M777"}),
               row(**{"户号": "A3"})]
    second = run_import(csv_bytes(changed))
    assert (second.counts.created, second.counts.updated) == (1, 2)
    with schema_context(alpha.schema):
        a1, a2 = House.objects.get(account_no="A1"), House.objects.get(account_no="A2")
        assert House.objects.count() == 3
    assert (a1.owner_name, a1.building_area, a1.usable_area) == ("李四", Decimal("100.00"), Decimal("80.00"))
    assert (a2.owner_phone, a2.owner_phone_index) == ("13700137000", blind_index("13700137000", purpose="phone"))
    assert a2.meter_no == "M777"
    a1_after = raw_house_columns(alpha, "A1")
    assert a1_after[0] == a1_before[0], "an unchanged phone keeps its ciphertext"
    assert a1_after[4] > a1_before[4], "updated_at moves"


def test_dry_run_writes_nothing_and_counts_what_it_would_do(run_import, ledger, alpha):
    run_import(csv_bytes([row(**{"户号": "A1"})]))
    before = snapshot(alpha)
    rows = [row(**{"户号": "A1", "户主姓名": "李四"}), row(**{"户号": "A2"}), row(**{"户号": "A3", "小区": "新小区"})]
    outcome = run_import(csv_bytes(rows), dry_run=True, create_missing=True)
    assert outcome.ok and outcome.dry_run
    assert (outcome.counts.created, outcome.counts.updated, outcome.counts.new_communities) == (2, 1, 1)
    assert snapshot(alpha) == before
    with schema_context(alpha.schema):
        assert not Community.objects.filter(name="新小区").exists()


@pytest.mark.parametrize("create_missing", [False, True])
def test_a_dry_run_with_errors_reports_them_and_no_counts(run_import, ledger, alpha, create_missing):
    """A file with errors would import nothing: its dry run must not read as
    "would create 1, update 1" (what its valid rows alone would do)."""
    run_import(csv_bytes([row(**{"户号": "A1"})]))
    rows = [row(**{"户号": "A1", "户主姓名": "李四"}), row(**{"户号": "A2", "小区": "新小区"}),
            row(**{"户号": "A3", "户主电话": "1"})]
    outcome = run_import(csv_bytes(rows), dry_run=True, create_missing=create_missing)
    assert [(e["row"], e["code"]) for e in outcome.errors] == [(3, "UNKNOWN_COMMUNITY"), (4, "INVALID_PHONE")][
        create_missing:]
    assert not outcome.ok and outcome.total_rows == 3
    assert outcome.counts.as_tuple() == (0, 0, 0, 0, 0)
    with schema_context(alpha.schema):
        assert House.objects.get(account_no="A1").owner_name == "王建国"
        assert not Community.objects.filter(name="新小区").exists()


def test_a_changed_heating_status_is_recorded_in_the_history(run_import, ledger, alpha, make_staff):
    from apps.accounts.models import User

    run_import(csv_bytes([row(**{"户号": "A1"}), row(**{"户号": "A2"})]))
    with schema_context(alpha.schema):
        admin = User.objects.get(username=alpha.admin)
    run_import(csv_bytes([row(**{"户号": "A1", "供热状态": "报停"}), row(**{"户号": "A2"})]), actor=admin)
    with schema_context(alpha.schema):
        change = HeatingStatusChange.objects.get()
        assert (change.house.account_no, change.from_status, change.to_status, change.changed_by) == (
            "A1", "normal", "opted_out", alpha.admin)
        assert House.objects.get(account_no="A1").heating_status == "opted_out"


def test_the_import_is_audited_without_personal_data(run_import, ledger, alpha):
    from apps.accounts.models import User

    with schema_context(alpha.schema):
        admin = User.objects.get(username=alpha.admin)
    run_import(csv_bytes([row()]), actor=admin)
    run_import(csv_bytes([row()]), dry_run=True, actor=admin)
    with schema_context(alpha.schema):
        log = AuditLog.objects.get(action="houses.import")
    assert (log.actor_name, log.detail["created"], log.detail["updated"]) == (alpha.admin, 1, 0)
    assert "13800138000" not in str(log.detail)


def test_houses_of_another_company_are_untouched(run_import, ledger, alpha, beta):
    assert run_import(csv_bytes([row()])).ok
    with schema_context(beta.schema):
        assert House.objects.count() == 0


# --- formats and encodings -------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "gb18030"])
def test_csv_encodings(run_import, ledger, alpha, encoding):
    rows = [row(**{"户号": "A1", "户主姓名": "欧阳娜娜"}), row(**{"户号": "A2", "户主姓名": "王𠮷"})]
    if encoding == "gbk":
        rows = rows[:1]  # 𠮷 is outside GBK
    outcome = run_import(csv_bytes(rows, encoding=encoding))
    assert outcome.ok, outcome.errors
    with schema_context(alpha.schema):
        names = set(House.objects.values_list("owner_name", flat=True))
    assert names == {r[HEADERS.index("户主姓名")] for r in rows}


def test_excel_style_workbook_with_shared_strings(run_import, alpha, tmp_path):
    path = write_xlsx_shared(tmp_path / "excel.xlsx", [house_row(i) for i in range(30)], total_rows=30)
    outcome = run_import(path.read_bytes(), kind="xlsx", create_missing=True)
    assert outcome.ok, outcome.errors
    with schema_context(alpha.schema):
        house = House.objects.select_related("community").get(account_no="HC0000007")
    expected = house_row(7)
    assert (house.community.name, house.owner_name, house.owner_id_no, str(house.building_area)) == (
        expected[1], expected[11], expected[13], expected[5])


def test_a_wrong_sheet_dimension_does_not_drop_rows(run_import, alpha, tmp_path):
    # Some generators write <dimension ref="A1"/> whatever the size; openpyxl's iter_rows stops there.
    path = write_xlsx_shared(tmp_path / "dim.xlsx", [house_row(i) for i in range(5)], total_rows=None)
    assert run_import(path.read_bytes(), kind="xlsx", create_missing=True).counts.created == 5


def test_only_the_first_sheet_is_read(run_import, ledger, alpha):
    wb = Workbook()
    wb.active.append(list(HEADERS))
    wb.active.append(row())
    wb.create_sheet("说明").append(["户号", "这里是说明"])
    wb.active = 1  # saved while looking at the notes
    buf = io.BytesIO()
    wb.save(buf)
    assert run_import(buf.getvalue(), kind="xlsx").counts.created == 1


def _workbook_with_every_cell_type(path):
    """Raw SpreadsheetML as Excel writes it: shared, rich and phonetic strings,
    inline strings, numbers, a date style, booleans, errors, formula results,
    cells without coordinates."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    sheet = (f'<worksheet xmlns="{main}"><dimension ref="A1:F4"/><sheetData>'
             '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
             '<c r="D1" t="inlineStr"><is><t xml:space="preserve"> in line </t></is></c>'
             '<c r="F1" t="inlineStr"><is><r><t>富</t></r><r><rPr><b/></rPr><t>文本</t></r></is></c></row>'
             '<row r="3"><c r="A3"><v>42</v></c><c r="B3"><v>89.5</v></c><c r="C3" s="1"><v>45292</v></c>'
             '<c r="D3" t="b"><v>1</v></c><c r="E3" t="e"><v>#N/A</v></c>'
             '<c r="F3" t="str"><f>A3&amp;"x"</f><v>42x</v></c></row>'
             '<row r="4"><c t="s"><v>3</v></c><c><v>1.5E3</v></c><c r="E4"><f>1+1</f><v>2</v></c></row>'
             '</sheetData></worksheet>')
    strings = (f'<sst xmlns="{main}"><si><t>户号</t></si><si><r><t>小</t></r><r><rPr><i/></rPr><t>区</t></r></si>'
               '<si><t>楼</t><rPh sb="0" eb="1"><t>ロウ</t></rPh></si><si><t>A&amp;B &lt;1&gt;</t></si></sst>')
    styles = (f'<styleSheet xmlns="{main}"><cellXfs count="2"><xf numFmtId="0"/>'
              '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>')
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{ct}.styles+xml"/></Types>'))
        zf.writestr("_rels/.rels", f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
                                   f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        zf.writestr("xl/workbook.xml", f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
                                       '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", (
            f'<Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{rel}/styles" Target="styles.xml"/></Relationships>'))
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
        zf.writestr("xl/sharedStrings.xml", strings)
        zf.writestr("xl/styles.xml", styles)
    return path


@pytest.mark.filterwarnings("ignore:Workbook contains no default style")
def test_cells_are_read_exactly_as_openpyxl_reads_them(tmp_path):
    from apps.imports.readers import _LedgerExcelReader

    path = _workbook_with_every_cell_type(tmp_path / "types.xlsx")
    expected = {}
    wb = load_workbook(path, read_only=True, data_only=True)
    for r, values in enumerate(wb.worksheets[0].iter_rows(values_only=True), start=1):
        if any(v is not None for v in values):
            expected[r] = list(values)
    wb.close()
    with open(path, "rb") as fh:
        reader = _LedgerExcelReader(fh, read_only=True, data_only=True, keep_links=False)
        reader.read()
        ours = {r: values + [None] * (6 - len(values)) for r, values in
                _sheet_rows(reader.wb.worksheets[0], reader.shared_strings)}
        reader.archive.close()
    assert ours == expected
    assert ours[1][:4] == ["户号", "小区", "楼", " in line "]  # rich text joined, phonetic guide dropped
    assert ours[4][:2] == ["A&B <1>", 1500]


# --- malformed files: a typed error, nothing written ------------------------------------------------

def _nothing_written(alpha) -> bool:
    with schema_context(alpha.schema):
        return House.objects.count() == 0 and Community.objects.count() <= 1 and Building.objects.count() <= 2 \
            and Unit.objects.count() <= 1


def _file_error(run_import, content: bytes, kind: str, **options) -> ImportFileError:
    with pytest.raises(ImportFileError) as info:
        run_import(content, kind=kind, create_missing=True, **options)
    return info.value


def _zip(**parts: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return buf.getvalue()


@pytest.mark.parametrize(("content", "kind", "code"), [
    (b"", "xlsx", "EMPTY_FILE"),
    (b"", "csv", "EMPTY_FILE"),
    ("户号,小区\nA1,幸福\n".encode(), "xlsx", "INVALID_FILE"),  # a csv named .xlsx
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "xlsx", "INVALID_FILE"),  # legacy .xls
    (_zip(**{"hello.txt": "not a workbook"}), "xlsx", "INVALID_FILE"),
    (b"PK\x03\x04truncated", "xlsx", "INVALID_FILE"),
    (xlsx_bytes([row()]), "csv", "INVALID_FILE"),  # a workbook named .csv
    ("\ufeff户号".encode("utf-16"), "csv", "INVALID_ENCODING"),
    (b"\x00\x01\x02binary" * 10, "csv", "INVALID_FILE"),
    (xlsx_bytes([], headers=None), "xlsx", "EMPTY_FILE"),  # a sheet with no cells
    (csv_bytes([]), "csv", "NO_ROWS"),
    (xlsx_bytes([]), "xlsx", "NO_ROWS"),
])
def test_unreadable_files(run_import, ledger, alpha, content, kind, code):
    assert _file_error(run_import, content, kind).code == code
    assert _nothing_written(alpha)


def test_a_file_cut_short_is_refused(run_import, ledger, alpha):
    content = xlsx_bytes([row(**{"户号": f"A{i}"}) for i in range(50)])
    assert _file_error(run_import, content[: len(content) // 2], "xlsx").code == "INVALID_FILE"
    assert _nothing_written(alpha)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize(("headers", "words"), [
    (HEADERS[:-1], "缺少列：证件号码"),
    ([*HEADERS, "备注"], "无法识别的列：备注"),
    (["户 号", *HEADERS[1:]], "缺少列：户号"),
    ([*HEADERS, "户号"], "重复的列：户号"),
])
def test_wrong_headers(run_import, ledger, alpha, kind, headers, words):
    rows = [row()[: len(headers)]]
    content = csv_bytes(rows, headers=headers) if kind == "csv" else xlsx_bytes(rows, headers=headers)
    error = _file_error(run_import, content, kind)
    assert (error.code, error.row) == ("INVALID_HEADER", 1)
    assert words in error.messages[0]
    assert _nothing_written(alpha)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_huge_cell_refuses_the_file(run_import, ledger, alpha, kind):
    rows = [row(**{"户号": "A1"}), row(**{"户号": "A2", "户主姓名": "王" * (MAX_CELL_CHARS + 1)})]
    content = csv_bytes(rows) if kind == "csv" else xlsx_bytes(rows)
    error = _file_error(run_import, content, kind)
    assert (error.code, error.row, error.column) == ("CELL_TOO_LARGE", 3, "户主姓名")
    assert _nothing_written(alpha)


def test_a_csv_cell_beyond_the_csv_modules_limit(run_import, ledger, alpha):
    content = csv_bytes([row(), row(**{"户主姓名": "x" * 200_000})])
    error = _file_error(run_import, content, "csv")
    assert (error.code, error.row) == ("CELL_TOO_LARGE", 3)
    assert _nothing_written(alpha)


def test_a_csv_whose_encoding_breaks_midway(run_import, ledger, alpha):
    good = csv_bytes([row(**{"户号": f"A{i}"}) for i in range(800)])  # > 64 KB of UTF-8
    content = good + "A9999,幸福小区,1号楼,1单元,101,89.5,,居民,无,,正常,张三,,\n".encode("gbk")
    error = _file_error(run_import, content, "csv")
    assert (error.code, error.row) == ("INVALID_ENCODING", 802)
    assert _nothing_written(alpha)


def test_an_undecodable_byte_in_the_first_chunk_is_reported_on_its_row(run_import, ledger, alpha):
    """The csv file is decoded in chunks of several KB: the byte is still
    located on its own record, after a quoted cell spanning two lines too."""
    good = csv_bytes([row(**{"户号": "A1", "户主姓名": "王\n建国"}), row(**{"户号": "A2"})])
    content = good + "A3,幸福小区,1号楼,1单元,101,89.5,,居民,无,,正常,张三,,\n".encode("gbk") + good[3:]
    error = _file_error(run_import, content, "csv")
    assert (error.code, error.row) == ("INVALID_ENCODING", 4)
    assert _nothing_written(alpha)


def test_a_bad_row_before_an_undecodable_byte_is_reported_first(run_import, ledger, alpha):
    """As if the file were read row by row: the first problem in row order wins."""
    rows = [row(**{"户号": "A1"}), row(**{"户号": "A2", "户主姓名": "王" * (MAX_CELL_CHARS + 1)})]
    content = csv_bytes(rows) + "A3,幸福小区,1号楼,1单元,101,89.5,,居民,无,,正常,张三,,\n".encode("gbk")
    error = _file_error(run_import, content, "csv")
    assert (error.code, error.row) == ("CELL_TOO_LARGE", 3)
    assert _nothing_written(alpha)


def test_reading_holds_one_row_at_a_time(monkeypatch):
    """The sheet parser releases rows as it goes: no parsed row stays attached
    to the tree (openpyxl's iter_rows keeps an emptied element per row)."""
    import apps.imports.readers as readers

    content = io.BytesIO(xlsx_bytes([house_row(i) for i in range(300)]))
    sheet_data = []
    stdlib_iterparse = readers.iterparse

    def spying_iterparse(*args, **kwargs):
        for event, element in stdlib_iterparse(*args, **kwargs):
            if element.tag == readers._SHEET_DATA:
                sheet_data.append(element)
            yield event, element

    monkeypatch.setattr(readers, "iterparse", spying_iterparse)
    attached = []
    with ledger_rows(content, "xlsx") as ledger:
        for _row in ledger.rows:
            attached.append(len(sheet_data[0]))
    assert len(attached) == 300 and max(attached) <= 2


# --- progress ------------------------------------------------------------------------------------------

def test_progress_is_reported_every_batch(run_import, ledger):
    from apps.imports.services import BATCH_ROWS

    calls = []
    rows = [row(**{"户号": f"A{i}"}) for i in range(2 * BATCH_ROWS + 1)]
    outcome = run_import(csv_bytes(rows), dry_run=True, on_progress=lambda done, total: calls.append((done, total)))
    assert outcome.ok
    total = 2 * BATCH_ROWS + 1
    assert calls == [(BATCH_ROWS, total), (2 * BATCH_ROWS, total), (total, total)]


def test_job_progress_and_heartbeat_are_visible_while_the_import_transaction_is_open(alpha):
    """The import is one transaction; pollers (and redelivered tasks) read
    progress and the heartbeat through another session. Only the job's own
    worker stamps them."""
    import uuid

    from django.db import connections, transaction

    from apps.imports.services import JobProgress

    job_id = uuid.uuid4()
    other = connections.create_connection("default")
    other.set_schema(alpha.schema)

    def read():
        with other.cursor() as cur:
            cur.execute("SELECT processed_rows, total_rows, heartbeat_at > now() - interval '1 minute' "
                        "FROM imports_importjob WHERE id = %s", [job_id])
            return cur.fetchone()

    with other.cursor() as cur:  # committed, as a job row is when its task starts
        cur.execute(
            "INSERT INTO imports_importjob (id, status, dry_run, options, file_path, file_kind, file_name, "
            "total_rows, processed_rows, created_count, updated_count, new_communities, new_buildings, new_units, "
            "errors, error_count, requested_by, created_at, worker, heartbeat_at) VALUES "
            "(%s, 'running', false, '{}', 'x', 'csv', 'x.csv', 0, 0, 0, 0, 0, 0, 0, '[]', 0, 't', now(), 'w1', "
            "now() - interval '1 hour')", [job_id])
    with schema_context(alpha.schema):
        progress, stranger = JobProgress(job_id=job_id, worker="w1"), JobProgress(job_id=job_id, worker="w2")
    try:
        with schema_context(alpha.schema), transaction.atomic():
            stranger(4000, 12000)
            assert read() == (0, 0, False)
            progress(5000, 12000)
            assert read() == (5000, 12000, True)
    finally:
        progress.close()
        stranger.close()
        with other.cursor() as cur:
            cur.execute("DELETE FROM imports_importjob WHERE id = %s", [job_id])
        other.close()


def test_a_house_added_meanwhile_by_someone_else_rolls_the_import_back(run_import, ledger, alpha):
    """Staff add 户号 A1 in another transaction while the import writes it: the
    import waits for them, then fails as a whole with a clear error."""
    import threading

    import psycopg

    schema = f'"{alpha.schema}"'
    other = psycopg.connect(**connection.get_connection_params())
    try:
        community = other.execute(f"INSERT INTO {schema}.properties_community (name, address) "
                                  "VALUES ('别处小区', '') RETURNING id").fetchone()[0]
        building = other.execute(f"INSERT INTO {schema}.properties_building (community_id, name) "
                                 "VALUES (%s, '1号楼') RETURNING id", [community]).fetchone()[0]
        other.execute(f"INSERT INTO {schema}.properties_house (account_no, community_id, building_id, room, "
                      "building_area, category, low_income, meter_no, heating_status, owner_name, owner_phone, "
                      "owner_phone_index, owner_id_no, owner_id_no_index, created_at, updated_at) VALUES "
                      "('A1', %s, %s, '1', 50, 'residential', 'none', '', 'normal', '别人', '', '', '', '', "
                      "now(), now())",
                      [community, building])
        commit_later = threading.Timer(1.5, other.commit)  # while the import waits on 户号 A1
        commit_later.start()
        try:
            with pytest.raises(ImportFileError) as info:
                run_import(csv_bytes([row(**{"户号": "A2"}), row(**{"户号": "A1"})]))
        finally:
            commit_later.join()
        assert info.value.code == "CONCURRENT_CHANGE"
        with schema_context(alpha.schema):
            assert not House.objects.filter(account_no="A2").exists()
            assert House.objects.get(account_no="A1").owner_name == "别人"
    finally:
        other.rollback()
        other.execute(f"DELETE FROM {schema}.properties_house WHERE account_no = 'A1'")
        other.execute(f"DELETE FROM {schema}.properties_building WHERE name = '1号楼' AND community_id IN "
                      f"(SELECT id FROM {schema}.properties_community WHERE name = '别处小区')")
        other.execute(f"DELETE FROM {schema}.properties_community WHERE name = '别处小区'")
        other.commit()
        other.close()


def test_the_garbage_collector_runs_again_after_an_import(run_import, ledger):
    """It is paused while rows stream through (a speed-up), never left off."""
    import gc

    seen = []
    assert run_import(csv_bytes([row()]), on_progress=lambda done, total: seen.append(gc.isenabled())).ok
    assert seen == [False] and gc.isenabled()
    with pytest.raises(ImportFileError):
        run_import(b"", kind="csv")
    assert gc.isenabled()
