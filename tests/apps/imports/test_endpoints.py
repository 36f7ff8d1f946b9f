"""The file endpoints on a company's domain: upload (auth, roles, other
tenants' tokens, file checks), template, export (masking per role, streaming,
audit) and the export → re-import round trip."""

from __future__ import annotations

import csv
import io
import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from apps.audit.models import AuditLog
from apps.imports.columns import HEADERS
from apps.imports.models import ImportUpload
from apps.imports.services import MAX_UPLOAD_BYTES
from apps.properties.models import House
from tests.factories.imports import csv_bytes, exported_rows, house_row, row, xlsx_bytes

PHONE, ID_NO = HEADERS.index("户主电话"), HEADERS.index("证件号码")


def error_code(resp) -> str:
    return resp.json()["error"]["code"]


# --- upload --------------------------------------------------------------------------------------------

def test_admin_uploads_a_ledger_into_the_companys_own_folder(upload, make_staff, alpha, media_root):
    token = make_staff(alpha, "tenant_admin")
    resp = upload(alpha, token, "台账 2026.xlsx", xlsx_bytes([row()]))
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["fileName"], body["fileKind"]) == ("台账 2026.xlsx", "xlsx")
    with schema_context(alpha.schema):
        stored = ImportUpload.objects.get(pk=body["uploadId"])
    assert stored.file.name == f"imports/{body['uploadId']}.xlsx"  # the client's name never reaches the disk
    assert os.path.exists(os.path.join(media_root, alpha.schema, stored.file.name))


def test_upload_needs_a_token(upload, alpha):
    resp = upload(alpha, None, "a.csv", csv_bytes([row()]))
    assert (resp.status_code, error_code(resp)) == (401, "UNAUTHENTICATED")
    assert resp["WWW-Authenticate"].startswith("Bearer")
    resp = upload(alpha, "not-a-token", "a.csv", csv_bytes([row()]))
    assert (resp.status_code, error_code(resp)) == (401, "UNAUTHENTICATED")


@pytest.mark.parametrize("role", ["collector", "technician", "finance"])
def test_upload_needs_the_import_role(upload, make_staff, alpha, role):
    resp = upload(alpha, make_staff(alpha, role), "a.csv", csv_bytes([row()]))
    assert (resp.status_code, error_code(resp)) == (403, "PERMISSION_DENIED")


def test_a_token_of_another_company_is_refused(upload, make_staff, alpha, beta):
    resp = upload(alpha, make_staff(beta, "tenant_admin"), "a.csv", csv_bytes([row()]))
    assert (resp.status_code, error_code(resp)) == (401, "UNAUTHENTICATED")
    with schema_context(alpha.schema):
        assert not ImportUpload.objects.exists()


def test_a_resident_token_is_refused(upload, make_resident, alpha):
    _resident, token = make_resident(alpha)
    resp = upload(alpha, token, "a.csv", csv_bytes([row()]))
    assert (resp.status_code, error_code(resp)) == (403, "PERMISSION_DENIED")


@pytest.mark.parametrize(("name", "content", "status", "code"), [
    ("ledger.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, 400, "UNSUPPORTED_FILE_TYPE"),
    ("ledger.txt", b"hello", 400, "UNSUPPORTED_FILE_TYPE"),
    ("ledger", b"hello", 400, "UNSUPPORTED_FILE_TYPE"),
    ("ledger.xlsx", b"", 400, "EMPTY_FILE"),
    ("ledger.csv", b"", 400, "EMPTY_FILE"),
    ("ledger.xlsx", "户号,小区\n".encode(), 400, "INVALID_FILE"),
    ("ledger.XLSX", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, 400, "INVALID_FILE"),
    ("ledger.csv", xlsx_bytes([row()]), 400, "INVALID_FILE"),
])
def test_upload_refuses_files_that_are_not_ledgers(upload, make_staff, alpha, name, content, status, code):
    resp = upload(alpha, make_staff(alpha, "tenant_admin"), name, content)
    assert (resp.status_code, error_code(resp)) == (status, code)
    assert resp.json()["error"]["message"]
    with schema_context(alpha.schema):
        assert not ImportUpload.objects.exists()


def test_upload_refuses_a_body_announced_too_large_before_reading_it(upload, make_staff, alpha):
    resp = upload(alpha, make_staff(alpha, "tenant_admin"), "a.csv", csv_bytes([row()]),
                  CONTENT_LENGTH=str(MAX_UPLOAD_BYTES + 10 * 1024 * 1024))
    assert (resp.status_code, error_code(resp)) == (413, "FILE_TOO_LARGE")


def test_upload_refuses_a_file_over_the_limit(upload, make_staff, alpha):
    content = csv_bytes([row()]) + b"x" * MAX_UPLOAD_BYTES
    resp = upload(alpha, make_staff(alpha, "tenant_admin"), "a.csv", content)
    assert (resp.status_code, error_code(resp)) == (413, "FILE_TOO_LARGE")
    with schema_context(alpha.schema):
        assert not ImportUpload.objects.exists()


def test_upload_without_a_file_field(client, make_staff, alpha):
    resp = client.post("/files/imports/", {"other": "x"}, HTTP_HOST=alpha.host,
                       HTTP_AUTHORIZATION=f"Bearer {make_staff(alpha, 'tenant_admin')}")
    connection.set_schema_to_public()
    assert (resp.status_code, error_code(resp)) == (400, "EMPTY_FILE")


# --- template ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["tenant_admin", "technician"])
def test_template_for_any_staff(download, make_staff, alpha, role):
    token = make_staff(alpha, role)
    resp, body = download(alpha, token, "/files/houses/template.xlsx")
    assert resp.status_code == 200 and "attachment" in resp["Content-Disposition"]
    wb = load_workbook(io.BytesIO(body))
    assert [c.value for c in wb.worksheets[0][1]] == list(HEADERS)
    assert wb.worksheets[0].max_row == 1  # no example row to import by mistake
    assert wb.worksheets[0].column_dimensions["A"].number_format == "@"  # keeps 0101 and 18-digit IDs as text
    resp, body = download(alpha, token, "/files/houses/template.csv")
    assert resp.status_code == 200 and body.startswith(b"\xef\xbb\xbf")
    assert next(csv.reader(io.StringIO(body.decode("utf-8-sig")))) == list(HEADERS)


def test_template_needs_staff(download, make_resident, alpha):
    resp, _ = download(alpha, None, "/files/houses/template.csv")
    assert resp.status_code == 401
    _resident, token = make_resident(alpha)
    assert download(alpha, token, "/files/houses/template.csv")[0].status_code == 403


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_the_filled_in_template_imports(download, make_staff, run_import, alpha, kind):
    _, template = download(alpha, make_staff(alpha, "tenant_admin"), f"/files/houses/template.{kind}")
    if kind == "xlsx":
        wb = load_workbook(io.BytesIO(template))
        wb.worksheets[0].append(row())
        buf = io.BytesIO()
        wb.save(buf)
        filled = buf.getvalue()
    else:
        filled = template + (",".join(row()) + "\r\n").encode()
    outcome = run_import(filled, kind=kind, create_missing=True)
    assert outcome.ok and outcome.counts.created == 1


# --- export --------------------------------------------------------------------------------------------

def _ledger(run_import, n: int = 3):
    rows = [house_row(i) for i in range(n)]
    assert run_import(csv_bytes(rows), create_missing=True).ok
    return rows


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
@pytest.mark.parametrize(("role", "masked"), [("tenant_admin", False), ("collector", False),
                                              ("technician", True), ("finance", True)])
def test_export_masks_personal_numbers_by_role(download, make_staff, run_import, alpha, kind, role, masked):
    rows = _ledger(run_import)
    resp, body = download(alpha, make_staff(alpha, role), f"/files/houses/export.{kind}")
    assert resp.status_code == 200 and "attachment" in resp["Content-Disposition"]
    exported = exported_rows(kind, body)
    assert exported[0] == list(HEADERS) and len(exported) == len(rows) + 1
    phone, id_no = rows[1][PHONE], rows[1][ID_NO]
    got = exported[2]
    if masked:
        assert (got[PHONE], got[ID_NO]) == (f"{phone[:3]}****{phone[-4:]}", f"{id_no[:3]}{'*' * 11}{id_no[-4:]}")
    else:
        assert (got[PHONE], got[ID_NO]) == (phone, id_no)
    with schema_context(alpha.schema):
        log = AuditLog.objects.get(action="houses.export")
    assert log.detail == {"format": kind, "masked": masked}


def test_export_is_streamed_and_reads_the_ledger_in_one_query(download, make_staff, run_import, alpha):
    token = make_staff(alpha, "finance")
    _ledger(run_import, 2)
    with CaptureQueriesContext(connection) as two:
        resp, body = download(alpha, token, "/files/houses/export.csv")
    assert resp.streaming
    _ledger(run_import, 7)
    with CaptureQueriesContext(connection) as seven:
        _, body = download(alpha, token, "/files/houses/export.csv")
    assert len(exported_rows("csv", body)) == 8
    assert len(seven.captured_queries) == len(two.captured_queries)


def test_export_needs_staff_of_this_company(download, make_staff, run_import, alpha, beta):
    _ledger(run_import)
    assert download(alpha, None, "/files/houses/export.csv")[0].status_code == 401
    assert download(alpha, make_staff(beta, "tenant_admin"), "/files/houses/export.csv")[0].status_code == 401
    resp, body = download(beta, make_staff(beta, "tenant_admin"), "/files/houses/export.csv")
    assert resp.status_code == 200 and len(exported_rows("csv", body)) == 1  # beta's own, empty ledger


def test_export_keeps_spreadsheet_formulas_inert(download, make_staff, run_import, alpha):
    rows = [house_row(0)]
    rows[0][HEADERS.index("户主姓名")] = "=HYPERLINK(\"x\")"
    assert run_import(csv_bytes(rows), create_missing=True).ok
    token = make_staff(alpha, "tenant_admin")
    _, body = download(alpha, token, "/files/houses/export.csv")
    assert exported_rows("csv", body)[1][HEADERS.index("户主姓名")] == "'=HYPERLINK(\"x\")"
    _, body = download(alpha, token, "/files/houses/export.xlsx")
    ws = load_workbook(io.BytesIO(body)).worksheets[0]
    cell = ws.cell(row=2, column=HEADERS.index("户主姓名") + 1)
    assert (cell.data_type, cell.value) == ("s", "=HYPERLINK(\"x\")")


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_export_then_reimport_changes_nothing(download, make_staff, run_import, alpha, kind):
    rows = [house_row(i) for i in range(40)]
    rows[3][HEADERS.index("单元")] = ""
    rows[4][HEADERS.index("室号")] = "0101"
    rows[5][HEADERS.index("户号")] = "00042"
    rows[6][HEADERS.index("户主电话")] = "010-12345678"
    assert run_import(csv_bytes(rows), create_missing=True).ok
    before = _snapshot(alpha)
    _, body = download(alpha, make_staff(alpha, "tenant_admin"), f"/files/houses/export.{kind}")
    outcome = run_import(body, kind=kind)
    assert outcome.ok, outcome.errors[:3]
    assert (outcome.counts.created, outcome.counts.updated) == (0, 40)
    assert _snapshot(alpha) == before


def test_a_masked_export_cannot_overwrite_personal_numbers(download, make_staff, run_import, alpha):
    _ledger(run_import)
    _, body = download(alpha, make_staff(alpha, "technician"), "/files/houses/export.xlsx")
    outcome = run_import(body, kind="xlsx")
    assert {e["code"] for e in outcome.errors} == {"INVALID_PHONE", "INVALID_ID_NO"}
    assert outcome.counts.updated == 0


def _snapshot(alpha) -> list[tuple]:
    with schema_context(alpha.schema):
        return list(House.objects.order_by("account_no").values_list(
            "account_no", "community__name", "building__name", "unit__name", "room", "building_area", "usable_area",
            "category", "low_income", "meter_no", "heating_status", "owner_name", "owner_phone", "owner_id_no",
            "owner_phone_index", "owner_id_no_index"))
