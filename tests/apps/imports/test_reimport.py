"""Re-importing never destroys data: an empty optional cell leaves an existing
house's value unchanged (the clear marker <清空> clears it), masked phone and
ID numbers from an export are row errors, and the messages name the option as
the caller knows it (createMissing / --create-missing)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from apps.imports.columns import HEADERS
from apps.imports.validation import CLEAR_MARKER
from apps.properties.models import Building, House, Unit
from heat_platform.crypto import blind_index
from heat_platform.pii import mask_id_no, mask_phone
from tests.factories.imports import ID_NO, csv_bytes, errors_of, exported_rows, raw_house_columns, row, xlsx_bytes

# A house with a non-default value in every optional column.
FULL = {"户号": "A1", "单元": "1单元", "套内面积": "70.25", "类别": "非居民", "低保特困": "低保", "热表编号": "M001",
        "供热状态": "报停", "户主电话": "13800138000", "证件号码": ID_NO}
# Optional column -> (House attribute, stored value of FULL).
OPTIONAL = {"单元": ("unit_id", None), "套内面积": ("usable_area", Decimal("70.25")),
            "类别": ("category", "non_residential"), "低保特困": ("low_income", "dibao"),
            "热表编号": ("meter_no", "M001"), "供热状态": ("heating_status", "opted_out"),
            "户主电话": ("owner_phone", "13800138000"), "证件号码": ("owner_id_no", ID_NO)}


def _house(alpha, account_no: str = "A1") -> House:
    with schema_context(alpha.schema):
        return House.objects.select_related("unit", "building").get(account_no=account_no)


def _value(house: House, attribute: str):
    return house.unit.name if attribute == "unit_id" and house.unit_id else getattr(house, attribute)


@pytest.fixture
def existing(run_import, ledger, alpha) -> House:
    assert run_import(csv_bytes([row(**FULL)])).ok
    return _house(alpha)


# --- empty = unchanged -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("header", list(OPTIONAL))
def test_an_empty_optional_cell_leaves_the_stored_value(run_import, existing, alpha, header, kind):
    before = raw_house_columns(alpha, "A1")
    cells = {**FULL, header: "", "户主姓名": "李四", "室号": "202"}  # other columns do change
    content = csv_bytes([row(**cells)]) if kind == "csv" else xlsx_bytes([row(**cells)])
    outcome = run_import(content, kind=kind)
    assert outcome.ok and (outcome.counts.created, outcome.counts.updated) == (0, 1)
    house = _house(alpha)
    assert (house.owner_name, house.room) == ("李四", "202")
    attribute = OPTIONAL[header][0]
    expected = "1单元" if header == "单元" else OPTIONAL[header][1]
    assert _value(house, attribute) == expected
    after = raw_house_columns(alpha, "A1")
    assert after[:4] == before[:4], "phone and ID numbers: same ciphertext, same index"


def test_a_whole_row_of_empty_optional_cells_changes_only_the_required_ones(run_import, existing, alpha):
    before = _house(alpha)
    cells = {**{header: "" for header in OPTIONAL}, "户号": "A1", "建筑面积": "95"}
    assert run_import(csv_bytes([row(**cells)])).ok
    house = _house(alpha)
    assert house.building_area == Decimal("95.00")
    for attribute, _stored in OPTIONAL.values():
        assert getattr(house, attribute) == getattr(before, attribute), attribute


def test_a_new_house_with_empty_optional_cells_gets_the_defaults(run_import, ledger, alpha):
    cells = {**{header: "" for header in OPTIONAL}, "户号": "N1"}
    assert run_import(csv_bytes([row(**cells)])).ok
    house = _house(alpha, "N1")
    assert (house.unit_id, house.usable_area, house.category, house.low_income, house.meter_no,
            house.heating_status, house.owner_phone, house.owner_id_no) == (
        None, None, "residential", "none", "", "normal", "", "")
    assert (house.owner_phone_index, house.owner_id_no_index) == ("", "")


def test_an_empty_unit_is_kept_in_the_same_building_and_dropped_when_the_building_changes(run_import, existing,
                                                                                         alpha):
    assert run_import(csv_bytes([row(**{**FULL, "单元": ""})])).ok
    assert _house(alpha).unit.name == "1单元"
    assert run_import(csv_bytes([row(**{**FULL, "单元": "", "楼号": "2号楼"})])).ok
    house = _house(alpha)
    assert (house.building.name, house.unit_id) == ("2号楼", None)  # 1单元 belongs to 1号楼


def test_an_unchanged_status_is_not_a_status_change(run_import, existing, alpha):
    from apps.properties.models import HeatingStatusChange

    with schema_context(alpha.schema):
        before = HeatingStatusChange.objects.count()
    assert run_import(csv_bytes([row(**{**FULL, "供热状态": ""})])).ok
    with schema_context(alpha.schema):
        assert HeatingStatusChange.objects.count() == before
    assert _house(alpha).heating_status == "opted_out"


def test_a_kept_usable_area_must_still_fit_a_new_building_area(run_import, existing, alpha):
    for dry_run in (True, False):
        outcome = run_import(csv_bytes([row(**{**FULL, "套内面积": "", "建筑面积": "60"})]), dry_run=dry_run)
        assert errors_of(outcome) == [(2, "套内面积", "INVALID_AREA")]
        assert "70.25" in outcome.errors[0]["message"] and CLEAR_MARKER in outcome.errors[0]["message"]
        assert outcome.counts.updated == 0
    assert _house(alpha).building_area == Decimal("89.50")
    assert run_import(csv_bytes([row(**{**FULL, "套内面积": "", "建筑面积": "75"})])).ok  # still fits


# --- the clear marker --------------------------------------------------------------------------------

@pytest.mark.parametrize("marker", [CLEAR_MARKER, "＜清空＞", f" {CLEAR_MARKER} "])
@pytest.mark.parametrize(("header", "attribute", "cleared"), [
    ("单元", "unit_id", None), ("套内面积", "usable_area", None), ("热表编号", "meter_no", ""),
    ("户主电话", "owner_phone", ""), ("证件号码", "owner_id_no", "")])
def test_the_clear_marker_clears_an_optional_value(run_import, existing, alpha, header, attribute, cleared, marker):
    outcome = run_import(csv_bytes([row(**{**FULL, header: marker})]))
    assert outcome.ok, outcome.errors
    house = _house(alpha)
    assert getattr(house, attribute) == cleared
    if header == "户主电话":
        assert house.owner_phone_index == "" and house.owner_id_no == ID_NO
    if header == "证件号码":
        assert house.owner_id_no_index == "" and house.owner_phone == "13800138000"


def test_the_clear_marker_on_a_new_house_means_no_value(run_import, ledger, alpha):
    cells = {"户号": "N1", "单元": CLEAR_MARKER, "套内面积": CLEAR_MARKER, "户主电话": CLEAR_MARKER}
    assert run_import(csv_bytes([row(**cells)])).ok
    house = _house(alpha, "N1")
    assert (house.unit_id, house.usable_area, house.owner_phone, house.owner_phone_index) == (None, None, "", "")


@pytest.mark.parametrize(("header", "code"), [("户号", "REQUIRED"), ("户主姓名", "REQUIRED"), ("建筑面积", "REQUIRED"),
                                              ("类别", "INVALID_CHOICE"), ("低保特困", "INVALID_CHOICE"),
                                              ("供热状态", "INVALID_CHOICE")])
def test_required_and_choice_columns_cannot_be_cleared(run_import, existing, alpha, header, code):
    outcome = run_import(csv_bytes([row(**{**FULL, "户主姓名": "李四", header: CLEAR_MARKER})]))
    assert errors_of(outcome) == [(2, header, code)]
    assert "清空" in outcome.errors[0]["message"]
    assert _house(alpha).owner_name == "王建国"


def test_the_marker_is_only_the_whole_cell(run_import, existing, alpha):
    assert run_import(csv_bytes([row(**{**FULL, "热表编号": "<清空>M2"})])).ok
    assert _house(alpha).meter_no == "<清空>M2"


# --- masked values -----------------------------------------------------------------------------------

PHONES = ["13800138000", "010-12345678", "0755-1234567", "1380013"]
ID_NOS = [ID_NO, "110105800101123", "E12345678", "H1234567(8)"]


@pytest.mark.parametrize("masked", sorted({mask_phone(p) for p in PHONES} | {"138＊＊＊＊8000", "138 **** 8000"}))
def test_a_masked_phone_is_a_row_error(run_import, existing, alpha, masked):
    assert "*" in masked or "＊" in masked
    outcome = run_import(csv_bytes([row(**{**FULL, "户主电话": masked, "户主姓名": "李四"})]))
    assert errors_of(outcome) == [(2, "户主电话", "INVALID_PHONE")]
    assert "脱敏" in outcome.errors[0]["message"]
    house = _house(alpha)
    assert (house.owner_name, house.owner_phone) == ("王建国", "13800138000")


@pytest.mark.parametrize("masked", sorted({mask_id_no(n) for n in ID_NOS} | {"110＊＊＊＊＊＊＊＊＊＊＊1234"}))
def test_a_masked_id_number_is_a_row_error(run_import, existing, alpha, masked):
    outcome = run_import(csv_bytes([row(**{**FULL, "证件号码": masked})]))
    assert errors_of(outcome) == [(2, "证件号码", "INVALID_ID_NO")]
    assert "脱敏" in outcome.errors[0]["message"]
    assert _house(alpha).owner_id_no == ID_NO


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_finance_export_reimported_keeps_the_real_numbers(download, make_staff, run_import, existing, alpha,
                                                            kind):
    """Finance edits a masked export: as is, every masked number is a row
    error; with those columns emptied, the edit imports and the real numbers stay."""
    _, body = download(alpha, make_staff(alpha, "finance"), f"/files/houses/export.{kind}")
    rows = exported_rows(kind, body)[1:]
    phone, id_no = HEADERS.index("户主电话"), HEADERS.index("证件号码")
    assert "*" in rows[0][phone] and "*" in rows[0][id_no]
    rows[0][HEADERS.index("户主姓名")] = "李四"
    outcome = run_import(csv_bytes(rows))
    assert errors_of(outcome) == [(2, "户主电话", "INVALID_PHONE"), (2, "证件号码", "INVALID_ID_NO")]
    assert _house(alpha).owner_name == "王建国"
    rows[0][phone] = rows[0][id_no] = ""
    assert run_import(csv_bytes(rows)).ok
    house = _house(alpha)
    assert (house.owner_name, house.owner_phone, house.owner_id_no) == ("李四", "13800138000", ID_NO)
    assert house.owner_phone_index == blind_index("13800138000", purpose="phone")


# --- the option is named as the caller knows it -----------------------------------------------------

def test_unknown_structures_name_the_api_option(run_import, ledger, alpha):
    rows = [row(**{"户号": "A1", "小区": "阳光花园"}), row(**{"户号": "A2", "楼号": "9号楼"}),
            row(**{"户号": "A3", "单元": "7单元"})]
    outcome = run_import(csv_bytes(rows))
    assert [e["code"] for e in outcome.errors] == ["UNKNOWN_COMMUNITY", "UNKNOWN_BUILDING", "UNKNOWN_UNIT"]
    assert all("createMissing" in e["message"] and "--create-missing" not in e["message"] for e in outcome.errors)


def test_the_command_names_its_own_option(alpha, ledger, tmp_path):
    rows = [row(**{"户号": "A1", "小区": "阳光花园"}), row(**{"户号": "A2", "楼号": "9号楼"}),
            row(**{"户号": "A3", "单元": "7单元"})]
    path = tmp_path / "ledger.csv"
    path.write_bytes(csv_bytes(rows))
    out = io.StringIO()
    with pytest.raises(CommandError, match="共 3 处错误"):
        call_command("import_houses", "alpha", str(path), stdout=out, stderr=io.StringIO())
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and all("--create-missing" in line and "createMissing" not in line for line in lines)
    out = io.StringIO()
    call_command("import_houses", "alpha", str(path), "--create-missing", stdout=out, stderr=io.StringIO())
    with schema_context(alpha.schema):
        assert House.objects.count() == 3
        assert Building.objects.filter(name="9号楼").exists() and Unit.objects.filter(name="7单元").exists()


def test_the_template_documents_the_clear_marker_and_the_masked_rule(download, make_staff, alpha):
    from openpyxl import load_workbook

    _, body = download(alpha, make_staff(alpha, "tenant_admin"), "/files/houses/template.xlsx")
    notes = load_workbook(io.BytesIO(body)).worksheets[1]
    text = "\n".join(str(c.value) for r in notes.iter_rows() for c in r if c.value)
    assert f"请在该格填写 {CLEAR_MARKER}" in text and "留空表示不修改" in text
    assert "脱敏" in text and "138****5678" in text
    assert "空白的选填项会清空" not in text  # the old, destructive rule


def test_new_and_existing_houses_in_one_batch(run_import, existing, alpha):
    """New houses are inserted first; the update that follows meets them too
    but neither counts them as updated nor records a status change for them."""
    from apps.properties.models import HeatingStatusChange

    rows = [row(**{**FULL, "供热状态": "正常"}), row(**{"户号": "N1", "供热状态": "报停"}), row(**{"户号": "N2"})]
    outcome = run_import(csv_bytes(rows))
    assert (outcome.counts.created, outcome.counts.updated) == (2, 1)
    with schema_context(alpha.schema):
        changes = list(HeatingStatusChange.objects.values_list("house__account_no", "from_status", "to_status"))
    assert changes == [("A1", "opted_out", "normal")]
    assert (_house(alpha, "N1").heating_status, _house(alpha, "N2").unit.name) == ("opted_out", "1单元")
