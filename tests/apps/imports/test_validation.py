"""Row validation of the house-ledger import: every class of error, with the
row number Excel shows and the column header, and all-or-nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.imports.columns import HEADERS
from apps.imports.services import MAX_STORED_ERRORS
from apps.properties.models import Community, House
from tests.factories.imports import ID_NO, csv_bytes, errors_of, id_number, row, xlsx_bytes


def house_count(alpha) -> int:
    with schema_context(alpha.schema):
        return House.objects.count()


def test_a_valid_row_fills_every_field(run_import, ledger, alpha):
    outcome = run_import(csv_bytes([row(**{"低保特困": "低保", "供热状态": "报停", "类别": "非居民"})]))
    assert outcome.ok and outcome.counts.created == 1
    with schema_context(alpha.schema):
        house = House.objects.select_related("community", "building", "unit").get(account_no="A0001")
        assert (house.community.name, house.building.name, house.unit.name, house.room) == ("幸福小区", "1号楼",
                                                                                             "1单元", "101")
        assert (house.building_area, house.usable_area) == (Decimal("89.50"), Decimal("70.25"))
        assert (house.category, house.low_income, house.heating_status) == ("non_residential", "dibao",
                                                                            "opted_out")
        assert (house.meter_no, house.owner_name, house.owner_phone, house.owner_id_no) == (
            "M001", "王建国", "13800138000", ID_NO)


def test_missing_required_cells_are_reported_by_row_and_column(run_import, ledger, alpha):
    bad = row(**{"户号": "", "小区": " ", "楼号": "", "室号": "", "建筑面积": "", "户主姓名": ""})
    outcome = run_import(csv_bytes([row(), bad]))
    assert sorted(errors_of(outcome)) == sorted((3, h, "REQUIRED") for h in ("户号", "小区", "楼号", "室号",
                                                                           "建筑面积", "户主姓名"))
    assert all(e["message"] == "此项必填。" for e in outcome.errors)
    assert house_count(alpha) == 0


@pytest.mark.parametrize("area", ["abc", "0", "-5", "89.123", "100000.01", "NaN", "1,200"])
def test_bad_building_area(run_import, ledger, area):
    outcome = run_import(csv_bytes([row(**{"建筑面积": area, "套内面积": ""})]))
    assert errors_of(outcome) == [(2, "建筑面积", "INVALID_AREA")]


def test_usable_area_larger_than_building_area(run_import, ledger):
    outcome = run_import(csv_bytes([row(**{"建筑面积": "60", "套内面积": "60.01"})]))
    assert errors_of(outcome) == [(2, "套内面积", "INVALID_AREA")]


def test_areas_accept_full_width_digits_and_excel_float_noise(run_import, ledger, alpha):
    rows = [row(**{"户号": "A1", "建筑面积": "８９.５"}),
            row(**{"户号": "A2", "建筑面积": 89.30000000000001, "套内面积": 70.0})]
    outcome = run_import(xlsx_bytes(rows), kind="xlsx")
    assert outcome.ok, outcome.errors
    with schema_context(alpha.schema):
        assert dict(House.objects.values_list("account_no", "building_area")) == {"A1": Decimal("89.50"),
                                                                                 "A2": Decimal("89.30")}


@pytest.mark.parametrize("phone", ["12345678901", "1380013800", "138001380001", "010-1234", "13800l38000",
                                   "88886666"])
def test_bad_phone(run_import, ledger, phone):
    outcome = run_import(csv_bytes([row(**{"户主电话": phone})]))
    assert errors_of(outcome) == [(2, "户主电话", "INVALID_PHONE")]


def test_a_masked_phone_is_refused_with_a_hint(run_import, ledger):
    outcome = run_import(csv_bytes([row(**{"户主电话": "138****5678"})]))
    assert errors_of(outcome) == [(2, "户主电话", "INVALID_PHONE")]
    assert "脱敏" in outcome.errors[0]["message"]


@pytest.mark.parametrize(("phone", "stored"), [("010-12345678", "010-12345678"), ("0755 12345678", "075512345678"),
                                               ("+86 138 0013 8000", "13800138000"),
                                               ("１３８００１３８０００", "13800138000")])
def test_good_phones_are_normalized(run_import, ledger, alpha, phone, stored):
    assert run_import(csv_bytes([row(**{"户主电话": phone})])).ok
    with schema_context(alpha.schema):
        assert House.objects.get().owner_phone == stored


@pytest.mark.parametrize("id_no", [ID_NO[:-1] + ("0" if ID_NO[-1] != "0" else "1"), "11010519800101", "12#45678",
                                   "110105*********123"])
def test_bad_id_number(run_import, ledger, id_no):
    outcome = run_import(csv_bytes([row(**{"证件号码": id_no})]))
    assert errors_of(outcome) == [(2, "证件号码", "INVALID_ID_NO")]


def test_other_identity_documents_and_lower_case_x_are_accepted(run_import, ledger, alpha):
    with_x = next(n for n in (id_number(s) for s in range(200)) if n.endswith("X"))
    rows = [row(**{"户号": "A1", "证件号码": "E12345678"}), row(**{"户号": "A2", "证件号码": with_x.lower()}),
            row(**{"户号": "A3", "证件号码": "110105800101123"})]
    assert run_import(csv_bytes(rows)).ok
    with schema_context(alpha.schema):
        assert House.objects.get(account_no="A2").owner_id_no == with_x


@pytest.mark.parametrize(("header", "value"), [("类别", "商业"), ("低保特困", "是"), ("供热状态", "停暖")])
def test_bad_choice(run_import, ledger, header, value):
    outcome = run_import(csv_bytes([row(**{header: value})]))
    assert errors_of(outcome) == [(2, header, "INVALID_CHOICE")]
    assert outcome.errors[0]["message"].startswith("只能填写：")


def test_blank_choices_take_defaults_and_ledger_labels_are_accepted(run_import, ledger, alpha):
    rows = [row(**{"户号": "A1", "类别": "", "低保特困": "", "供热状态": ""}),
            row(**{"户号": "A2", "供热状态": "停供/拆除"})]
    assert run_import(csv_bytes(rows)).ok
    with schema_context(alpha.schema):
        a1, a2 = House.objects.order_by("account_no")
    assert (a1.category, a1.low_income, a1.heating_status) == ("residential", "none", "normal")
    assert a2.heating_status == "disconnected"


def test_too_long_values(run_import, ledger):
    outcome = run_import(csv_bytes([row(**{"户号": "A" * 33, "户主姓名": "王" * 65})]))
    assert errors_of(outcome) == [(2, "户号", "TOO_LONG"), (2, "户主姓名", "TOO_LONG")]  # in column order


def test_duplicate_account_numbers_in_the_file(run_import, ledger, alpha):
    rows = [row(**{"户号": "A1"}), row(**{"户号": "A2"}), row(**{"户号": "A1"}), row(**{"户号": "A1"})]
    outcome = run_import(csv_bytes(rows))
    assert errors_of(outcome) == [(4, "户号", "DUPLICATE_ACCOUNT_NO"), (5, "户号", "DUPLICATE_ACCOUNT_NO")]
    assert outcome.errors[0]["message"] == "户号与第 2 行重复。"
    assert house_count(alpha) == 0


def test_unknown_community_building_and_unit_are_rejected_by_default(run_import, ledger, alpha):
    rows = [row(**{"户号": "A1", "小区": "阳光花园"}), row(**{"户号": "A2", "楼号": "9号楼"}),
            row(**{"户号": "A3", "单元": "7单元"}), row(**{"户号": "A4", "楼号": "2号楼", "单元": ""})]
    outcome = run_import(csv_bytes(rows))
    assert errors_of(outcome) == [(2, "小区", "UNKNOWN_COMMUNITY"), (3, "楼号", "UNKNOWN_BUILDING"),
                                  (4, "单元", "UNKNOWN_UNIT")]
    assert "阳光花园" in outcome.errors[0]["message"]
    assert house_count(alpha) == 0


def test_create_missing_creates_communities_buildings_and_units(run_import, ledger, alpha):
    rows = [row(**{"户号": "A1", "小区": "阳光花园", "楼号": "1号楼", "单元": "1单元"}),
            row(**{"户号": "A2", "小区": "阳光花园", "楼号": "1号楼", "单元": "2单元"}),
            row(**{"户号": "A3", "楼号": "9号楼", "单元": ""}), row(**{"户号": "A4"})]
    preview = run_import(csv_bytes(rows), create_missing=True, dry_run=True)
    assert preview.ok
    assert (preview.counts.new_communities, preview.counts.new_buildings, preview.counts.new_units) == (1, 2, 2)
    outcome = run_import(csv_bytes(rows), create_missing=True)
    assert outcome.ok and outcome.counts.created == 4
    assert (outcome.counts.new_communities, outcome.counts.new_buildings, outcome.counts.new_units) == (1, 2, 2)
    with schema_context(alpha.schema):
        assert House.objects.get(account_no="A2").address == "阳光花园1号楼2单元101"
        assert House.objects.get(account_no="A3").unit is None


def test_one_bad_row_imports_nothing(run_import, ledger, alpha):
    rows = [row(**{"户号": f"A{i}", "小区": "新小区"}) for i in range(5)]
    rows[3][HEADERS.index("户主电话")] = "123"
    outcome = run_import(csv_bytes(rows), create_missing=True)
    assert errors_of(outcome) == [(5, "户主电话", "INVALID_PHONE")]
    assert (outcome.counts.created, outcome.counts.new_communities) == (0, 0)
    with schema_context(alpha.schema):
        assert House.objects.count() == 0
        assert not Community.objects.filter(name="新小区").exists()


def test_error_list_is_capped_but_counted(run_import, ledger):
    rows = [row(**{"户号": f"A{i}", "户主姓名": ""}) for i in range(MAX_STORED_ERRORS + 200)]
    outcome = run_import(csv_bytes(rows))
    assert outcome.error_count == MAX_STORED_ERRORS + 200
    assert len(outcome.errors) == MAX_STORED_ERRORS
    assert [e["row"] for e in outcome.errors] == list(range(2, MAX_STORED_ERRORS + 2))


def test_blank_rows_are_skipped_and_rows_are_numbered_as_in_excel(run_import, ledger):
    content = csv_bytes([row(**{"户号": "A1"}), ["", "", ""], [], row(**{"户号": "A2", "室号": ""})])
    outcome = run_import(content)
    assert errors_of(outcome) == [(5, "室号", "REQUIRED")]
    assert outcome.total_rows == 2


def test_xlsx_rows_are_numbered_as_in_excel(run_import, ledger):
    rows = [row(**{"户号": "A1"}), [None] * len(HEADERS), row(**{"户号": "A2", "建筑面积": "x"})]
    outcome = run_import(xlsx_bytes(rows), kind="xlsx")
    assert errors_of(outcome) == [(4, "建筑面积", "INVALID_AREA")]


def test_numbers_typed_into_text_columns_import_as_text(run_import, ledger, alpha):
    rows = [row(**{"户号": 100001, "室号": 101, "户主电话": 13800138000, "热表编号": 5566})]
    assert run_import(xlsx_bytes(rows), kind="xlsx").ok
    with schema_context(alpha.schema):
        house = House.objects.get()
    assert (house.account_no, house.room, house.owner_phone, house.meter_no) == ("100001", "101", "13800138000",
                                                                                "5566")


def test_the_exports_formula_guard_is_undone(run_import, ledger, alpha):
    assert run_import(csv_bytes([row(**{"户主姓名": "'=王建国", "热表编号": "'-12"})])).ok
    with schema_context(alpha.schema):
        assert House.objects.values_list("owner_name", "meter_no").get() == ("=王建国", "-12")


def test_columns_may_come_in_any_order(run_import, ledger, alpha):
    order = list(reversed(HEADERS))
    content = csv_bytes([[dict(zip(HEADERS, row(), strict=True))[h] for h in order]], headers=order)
    assert run_import(content).ok
    assert house_count(alpha) == 1


@pytest.mark.parametrize(("make_file", "kind"), [(csv_bytes, "csv"), (xlsx_bytes, "xlsx")])
def test_excel_formula_errors_are_cell_errors_not_values(run_import, ledger, alpha, make_file, kind):
    outcome = run_import(make_file([row(**{"户主姓名": "#N/A", "楼号": "#REF!"})]), kind=kind)
    assert sorted(errors_of(outcome)) == [(2, "户主姓名", "FORMULA_ERROR"), (2, "楼号", "FORMULA_ERROR")]
    assert house_count(alpha) == 0
