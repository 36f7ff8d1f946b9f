"""The house ledger and its bulk import in a real browser: the admin imports a file with bad rows, reads the
errors by row, column and message in the check's report, fixes the file, checks and imports it while the
progress bar moves, and finds the new houses; the houses table filters by heating status (and exports what
the filter matches to Excel) and by a search, a house's detail opens with its bills, the admin changes its
heating status with a reason (the history tab shows it) and edits it; a collector sees the houses and may
change a heating status but finds no edit button, and a technician sees phone numbers masked.

Imports go to Celery; the test settings run tasks eagerly (inside the request), so here the import task runs
on a background thread instead, as a worker would, in small slowed batches, so the page has an import in
progress to follow. The import itself (apps.imports.services) is the real one. Every house these tests
create is theirs (户号 E2EIMP<run>… / E2EHSE<run>, <run> from the process id, so a leftover of an aborted run
never collides) and is deleted afterwards with what hangs on it: the company is shared with the other
browser tests.
The test itself runs in a transaction rolled back at its end (the `console` fixture asks for pytest-django's
db), so what the server must see is written and removed on a connection of its own (`_committed`)."""

from __future__ import annotations

import io
import os
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from apps.imports import services as import_services
from apps.imports.tasks import run_house_import
from apps.payments.models import PaymentOrder
from apps.properties.models import Building, Community, HeatingStatusChange, House, Unit

from .conftest import purge_houses

HEADER = "户号,小区,楼号,单元,室号,建筑面积,套内面积,类别,低保特困,热表编号,供热状态,户主姓名,户主电话,证件号码"
RUN = f"{os.getpid() % 100000:05d}"
IMPORT_PREFIX = f"E2EIMP{RUN}"
HOUSE_NO = f"E2EHSE{RUN}"
ROWS = 60  # three batches of 20 (BATCH_ROWS below), so the bar has steps to show


@pytest.fixture
def background_imports(monkeypatch):
    """startHouseImport's task on a thread of its own (a worker): 20 rows a batch, ~0.3 s a batch."""
    threads: list[threading.Thread] = []

    def apply_async(args=None, kwargs=None, headers=None, **options):
        schema, job_id = (headers or {})["_schema_name"], (args or [])[0]

        def work():
            try:
                with schema_context(schema):
                    import_services.import_job_run(job_id=job_id)
            finally:
                connection.close()

        thread = threading.Thread(target=work, daemon=True)
        threads.append(thread)
        thread.start()

    publish = import_services.JobProgress.__call__

    def slowly(self, done, estimate):
        publish(self, done, estimate)
        time.sleep(0.3)

    monkeypatch.setattr(import_services, "BATCH_ROWS", 20)
    monkeypatch.setattr(import_services.JobProgress, "__call__", slowly)
    monkeypatch.setattr(run_house_import, "apply_async", apply_async)
    yield
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "an import did not finish"


def _committed(schema: str, work):
    """Run `work()` in `schema` on a thread, i.e. on a database connection of its own, committed at once
    (the test's connection is inside the transaction pytest-django rolls back); returns its result."""
    result: list = []
    failure: list[BaseException] = []

    def run():
        try:
            with schema_context(schema):
                result.append(work())
        except BaseException as exc:  # re-raised on the test's thread
            failure.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    if failure:
        raise failure[0]
    return result[0]


@pytest.fixture
def own_houses(console_tenant):
    """Deletes, after the test, this run's houses (imported or E2EHSE<run>) with their bills, payments and status
    history, in dependency order; other modules' houses are theirs to remove."""
    yield
    _committed(console_tenant.info.schema, lambda: purge_houses(
        House.objects.filter(account_no__startswith=IMPORT_PREFIX) | House.objects.filter(account_no=HOUSE_NO)))


def _ledger_rows(bad: bool) -> str:
    """ROWS new houses in 阳光花园 5号楼 2单元 (rooms 9xx: none exist); with bad=True four rows are wrong."""
    lines = [HEADER]
    for i in range(1, ROWS + 1):
        cells = {"area": f"{80 + i}.50", "phone": f"139{i:08d}", "name": f"导入测试{i}", "community": "阳光花园"}
        if bad and i == 3:
            cells["area"] = "八十"  # not a number
        if bad and i == 7:
            cells["phone"] = "139****0007"  # a masked number from an export
        if bad and i == 12:
            cells["name"] = ""  # required
        if bad and i == 20:
            cells["community"] = "没有这个小区"  # unknown without createMissing
        lines.append(f"{IMPORT_PREFIX}{i:03d},{cells['community']},5号楼,2单元,9{i:02d},{cells['area']},,,,,,"
                     f"{cells['name']},{cells['phone']},")
    return "\n".join(lines) + "\n"


def _wait_status(page, section: str, status: str) -> None:
    page.locator(f"[data-testid='import-job-{section}'] [data-testid='import-job-status'][data-status='{status}']"
                 ).wait_for(timeout=30_000)


def test_admin_imports_a_file_with_bad_rows_fixes_it_and_imports(console, console_tenant, background_imports,
                                                                   own_houses, tmp_path):
    page = console.login(console_tenant.info.host, console_tenant.staff["TENANT_ADMIN"])
    page.get_by_test_id("menu-imports").click()
    page.get_by_test_id("import-page").wait_for()
    assert "<清空>" in page.get_by_test_id("clear-marker").inner_text()
    with page.expect_download() as download:
        page.get_by_test_id("template-xlsx").click()
    assert download.value.suggested_filename == "房屋台账导入模板.xlsx"
    console.shot("import-page")

    bad = tmp_path / "台账-有错.csv"
    bad.write_text(_ledger_rows(bad=True), encoding="utf-8")
    page.get_by_test_id("import-upload").locator("input[type=file]").set_input_files(bad)
    _wait_status(page, "dry-run", "FAILED")
    errors = page.get_by_test_id("import-errors")
    errors.locator("tbody tr").first.wait_for()
    rows = errors.locator("tbody tr").evaluate_all(
        "trs => trs.map(tr => [...tr.querySelectorAll('td')].map(td => td.innerText.trim()))")
    # Excel's row numbers (the header is row 1): data row i is row i + 1.
    assert [(r[0], r[1]) for r in rows] == [("4", "建筑面积"), ("8", "户主电话"), ("13", "户主姓名"), ("21", "小区")]
    assert all(r[2] for r in rows), rows  # every error has its message
    assert "createMissing" in rows[3][2]
    assert "4" in page.get_by_test_id("import-error-summary").inner_text()
    assert page.get_by_test_id("import-start").is_disabled()
    console.shot("check-errors")
    with schema_context(console_tenant.info.schema):
        assert not House.objects.filter(account_no__startswith=IMPORT_PREFIX).exists()  # a check writes nothing
    connection.set_schema_to_public()

    fixed = tmp_path / "台账-已改.csv"
    fixed.write_text(_ledger_rows(bad=False), encoding="utf-8")
    page.get_by_test_id("import-upload").locator("input[type=file]").set_input_files(fixed)
    _wait_status(page, "dry-run", "SUCCEEDED")
    assert page.get_by_test_id("import-job-dry-run").get_by_test_id("import-created").inner_text() == str(ROWS)
    console.shot("check-passed")

    page.get_by_test_id("import-start").click()
    bar = page.get_by_test_id("import-job-import").get_by_test_id("import-progress")
    bar.wait_for()
    # The bar follows the worker: seen part-way (rows done of the estimate) before it finishes.
    page.wait_for_function(
        """() => {
            const el = document.querySelector("[data-testid='import-job-import'] [data-testid='import-progress']");
            const p = el && Number(el.dataset.percent);
            return p > 0 && p < 100;
        }""", timeout=30_000)
    console.shot("importing")
    _wait_status(page, "import", "SUCCEEDED")
    assert bar.get_attribute("data-percent") == "100"
    assert page.get_by_test_id("import-job-import").get_by_test_id("import-created").inner_text() == str(ROWS)
    console.shot("imported")
    with schema_context(console_tenant.info.schema):
        assert House.objects.filter(account_no__startswith=IMPORT_PREFIX, community__name="阳光花园").count() == ROWS
    connection.set_schema_to_public()

    page.get_by_test_id("import-to-houses").click()
    page.get_by_test_id("houses-search").fill(IMPORT_PREFIX)
    page.get_by_test_id("houses-search").press("Enter")
    _wait_total(page, ROWS)
    page.get_by_test_id(f"house-link-{IMPORT_PREFIX}001").wait_for()
    console.shot("imported-houses")


@pytest.fixture
def e2e_house(console_tenant, own_houses):
    """A house of the test's own (HOUSE_NO), heating, in 幸福里小区 1号楼 1单元."""
    def create():
        community = Community.objects.get(name="幸福里小区")
        building = Building.objects.get(community=community, name="1号楼")
        return House.objects.create(account_no=HOUSE_NO, community=community, building=building,
                                    unit=Unit.objects.get(building=building, name="1单元"), room="999",
                                    building_area=Decimal("88.00"), owner_name="测试户主", owner_phone="13912345678")

    return _committed(console_tenant.info.schema, create)


def _choose(page, label: str, option: str) -> None:
    """Pick an option of a ProTable search-form select, found by its label."""
    page.locator(".ant-pro-table-search .ant-form-item", has=page.locator(f"label[title='{label}']")).locator(
        ".ant-select").click()
    page.locator(f".ant-select-dropdown:visible .ant-select-item-option[title='{option}']").click()


def _wait_total(page, total: int) -> None:
    """Until the houses table's pager says it holds `total` houses."""
    page.wait_for_function(
        f"() => document.querySelector(\"[data-testid='houses-table']\").innerText.includes('共 {total} 条')")


def _table_rows(page) -> list[str]:
    return page.get_by_test_id("houses-table").locator("tbody tr.ant-table-row").all_inner_texts()


def test_houses_table_filters_and_a_house_opens(console, console_tenant, e2e_house):
    host = console_tenant.info.host
    with schema_context(console_tenant.info.schema):
        total = House.objects.count()
        opted_out = House.objects.filter(heating_status="opted_out").count()
    connection.set_schema_to_public()
    page = console.login(host, console_tenant.staff["TENANT_ADMIN"])
    page.get_by_test_id("menu-houses").click()
    page.get_by_test_id("house-link-H10001").wait_for()
    assert f"共 {total} 条" in page.get_by_test_id("houses-table").inner_text()
    console.shot("houses")

    _choose(page, "供热状态", "报停")
    page.get_by_role("button", name="查 询").click()
    _wait_total(page, opted_out)
    rows = _table_rows(page)
    assert opted_out > 0 and len(rows) == opted_out and all("报停" in r for r in rows), rows
    assert "heatingStatus=OPTED_OUT" in page.url  # the filter is in the URL: back from a house keeps it
    console.shot("filter-opted-out")

    # Export what the filter matches (every page of it): a background job, downloaded when ready.
    with page.expect_download() as download:
        page.get_by_test_id("houses-export").click()
    page.locator("[data-testid='houses-export-progress'][data-status='SUCCEEDED']").wait_for()
    console.shot("exported")
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True).active
    exported = list(sheet.iter_rows(values_only=True))
    assert exported[0][:2] == ("户号", "小区") and len(exported) == 1 + opted_out
    assert {row[10] for row in exported[1:]} == {"报停"}
    page.get_by_test_id("houses-export-close").click()

    page.get_by_role("button", name="重 置").click()
    page.get_by_test_id("houses-search").fill(HOUSE_NO)
    page.get_by_test_id("houses-search").press("Enter")
    _wait_total(page, 1)
    assert len(_table_rows(page)) == 1
    console.shot("search")

    page.get_by_test_id(f"house-link-{HOUSE_NO}").click()
    page.get_by_test_id("house-detail").wait_for()
    assert page.get_by_test_id("house-detail-account-no").inner_text() == HOUSE_NO
    assert page.get_by_test_id("house-detail-phone").inner_text() == "13912345678"  # admins see it in full
    console.shot("detail")

    # 报停 with a reason: the status changes on the page and in the ledger, with its history row.
    page.get_by_test_id(f"heating-status-{HOUSE_NO}").click()
    page.get_by_role("button", name="确认变更").click()
    page.get_by_text("请填写原因").wait_for()  # checked before anything is sent
    page.get_by_test_id("heating-status-reason").fill("房屋空置，业主申请报停")
    page.get_by_role("button", name="确认变更").click()
    page.wait_for_function("() => document.querySelector(\"[data-testid='house-detail-status']\").innerText === '报停'")
    console.shot("opted-out")
    with schema_context(console_tenant.info.schema):
        change = HeatingStatusChange.objects.get(house__account_no=HOUSE_NO)
        assert (change.from_status, change.to_status) == ("normal", "opted_out")
        assert change.reason == "房屋空置，业主申请报停"
    connection.set_schema_to_public()
    page.get_by_test_id("house-tab-status").click()
    history = page.get_by_test_id("house-status-history").locator("tbody tr.ant-table-row")
    history.first.wait_for()
    assert history.count() == 1 and "房屋空置，业主申请报停" in history.first.inner_text()
    console.shot("status-history")

    # Edit: an invalid area is refused as typed, then a changed owner name is saved.
    page.get_by_test_id("house-edit").click()
    area = page.get_by_test_id("edit-building-area")
    area.fill("0")
    page.get_by_text("面积须大于 0").wait_for()
    area.fill("90.5")
    page.get_by_label("户主姓名").fill("测试新户主")
    console.shot("edit")
    page.get_by_role("button", name="保 存").click()
    page.get_by_text("测试新户主").wait_for()
    with schema_context(console_tenant.info.schema):
        house = House.objects.get(account_no=HOUSE_NO)
        assert (house.owner_name, house.building_area) == ("测试新户主", Decimal("90.50"))
        assert house.owner_phone == "13912345678"  # untouched: only changed fields are sent
    connection.set_schema_to_public()
    console.shot("edited")

    page.get_by_test_id("house-back").click()
    page.get_by_test_id(f"house-link-{HOUSE_NO}").wait_for()  # back on the same search


def test_a_house_shows_its_bills_and_payments(console, console_tenant):
    with schema_context(console_tenant.info.schema):
        house = House.objects.get(account_no="H10001")
        bills = house.bills.count()
        payments = PaymentOrder.objects.filter(items__bill__house=house).distinct().count()
    connection.set_schema_to_public()
    page = console.login(console_tenant.info.host, console_tenant.staff["FINANCE"])
    page.get_by_test_id("menu-houses").click()
    page.get_by_test_id("house-link-H10001").click()
    page.get_by_test_id("house-detail").wait_for()
    rows = page.locator("[data-testid^='house-bill-']")
    rows.first.wait_for()
    assert bills > 0 and rows.count() == bills
    console.shot("bills")
    rows.first.click()
    page.get_by_test_id("bill-line-explanation").first.wait_for()  # the bills page's drawer, every line explained
    console.shot("bill-drawer")
    page.keyboard.press("Escape")
    page.get_by_test_id("house-tab-payments").click()
    table = page.get_by_test_id("house-payments")
    table.wait_for()
    page.wait_for_function("() => !document.querySelector(\"[data-testid='house-payments'] .ant-spin-spinning\")")
    assert table.locator("tbody tr.ant-table-row").count() == min(payments, 10)
    console.shot("payments")
    page.get_by_test_id("house-tab-residents").click()
    page.get_by_test_id("house-residents").wait_for()
    console.shot("residents")


def test_collector_sees_the_houses_but_no_edit_button(console, console_tenant, e2e_house):
    page = console.login(console_tenant.info.host, console_tenant.staff["COLLECTOR"])
    page.get_by_test_id("menu-houses").click()
    page.get_by_test_id("house-link-H10001").wait_for()
    assert page.get_by_test_id("heating-status-H10001").count() == 1  # 报停 is filed at the counter
    console.shot("houses")
    console.open(console_tenant.info.host, f"/console/houses/{e2e_house.pk}")
    page.get_by_test_id("house-detail").wait_for()
    assert page.get_by_test_id(f"heating-status-{HOUSE_NO}").count() == 1
    assert page.get_by_test_id("house-edit").count() == 0
    console.shot("detail-no-edit")


def test_technician_sees_phones_masked_and_changes_nothing(console, console_tenant, e2e_house):
    page = console.login(console_tenant.info.host, console_tenant.staff["TECHNICIAN"])
    console.open(console_tenant.info.host, f"/console/houses/{e2e_house.pk}")
    page.get_by_test_id("house-detail").wait_for()
    assert page.get_by_test_id("house-detail-phone").inner_text() == "139****5678"
    assert page.get_by_test_id("house-edit").count() == 0
    assert page.get_by_test_id(f"heating-status-{HOUSE_NO}").count() == 0
    console.shot("detail-masked")
