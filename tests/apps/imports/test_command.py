"""`manage.py import_houses <tenant-slug> <file> [--dry-run] [--create-missing]`."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from apps.properties.models import House
from tests.factories.imports import csv_bytes, house_row, row, write_xlsx_shared


def _call(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_houses", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_imports_with_a_progress_bar(alpha, tmp_path):
    path = write_xlsx_shared(tmp_path / "ledger.xlsx", [house_row(i) for i in range(7)], total_rows=7)
    out, err = _call("alpha", str(path), "--create-missing")
    assert "导入完成" in out and "新增 7 户" in out
    assert "100% 7/7" in err and "[" + "#" * 30 + "]" in err
    with schema_context(alpha.schema):
        assert House.objects.count() == 7


def test_dry_run_writes_nothing(alpha, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_bytes(csv_bytes([house_row(i) for i in range(3)], encoding="gbk"))
    out, _ = _call("alpha", str(path), "--dry-run", "--create-missing")
    assert "试运行" in out and "新增 3 户" in out
    with schema_context(alpha.schema):
        assert House.objects.count() == 0


def test_prints_the_error_report_and_fails(alpha, ledger, tmp_path):
    rows = [row(**{"户号": "A1"}), row(**{"户号": "A2", "户主电话": "555"}), row(**{"户号": "A1"})]
    path = tmp_path / "ledger.csv"
    path.write_bytes(csv_bytes(rows))
    out = io.StringIO()
    with pytest.raises(CommandError, match="共 2 处错误，未写入任何数据"):
        call_command("import_houses", "alpha", str(path), stdout=out, stderr=io.StringIO())
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("第 3 行 [户主电话] ") and lines[0].endswith("(INVALID_PHONE)")
    assert lines[1] == "第 4 行 [户号] 户号与第 2 行重复。 (DUPLICATE_ACCOUNT_NO)"
    with schema_context(alpha.schema):
        assert House.objects.count() == 0


def test_an_unreadable_file_fails(alpha, tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(b"not a workbook")
    out = io.StringIO()
    with pytest.raises(CommandError, match="文件无法导入"):
        call_command("import_houses", "alpha", str(path), stdout=out, stderr=io.StringIO())
    assert "(INVALID_FILE)" in out.getvalue()


@pytest.mark.parametrize(("tenant", "name", "message"), [("nope", "a.csv", "找不到标识为 nope"),
                                                         ("platform", "a.csv", "找不到标识为 platform"),
                                                         ("alpha", "a.xls", "只支持"),
                                                         ("alpha", "missing.csv", "无法打开文件")])
def test_bad_arguments(alpha, tmp_path, tenant, name, message):
    path = tmp_path / name
    if name != "missing.csv":
        path.write_bytes(csv_bytes([row()]))
    with pytest.raises(CommandError, match=message):
        _call(tenant, str(path))


def test_a_dry_run_with_errors_prints_no_counts(alpha, ledger, tmp_path):
    rows = [row(**{"户号": "A1"}), row(**{"户号": "A2", "户主电话": "555"})]
    path = tmp_path / "ledger.csv"
    path.write_bytes(csv_bytes(rows))
    out = io.StringIO()
    with pytest.raises(CommandError, match="试运行：共 1 处错误") as info:
        call_command("import_houses", "alpha", str(path), "--dry-run", stdout=out, stderr=io.StringIO())
    assert "新增" not in out.getvalue() + str(info.value) and "更新" not in out.getvalue()
    assert "(INVALID_PHONE)" in out.getvalue()
