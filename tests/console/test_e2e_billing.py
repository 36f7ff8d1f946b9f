"""Seasons, tariff plans, bill runs and bills in a real browser: the admin creates a season and its tariff
plans through the forms (errors shown on their fields first: as typed, and the API's typed errors), previews
and runs a bill run while its progress bar moves, publishes the season, reads a bill's line explanations,
adjusts one bill and waives another with reasons; a collector sees the bills without the adjust buttons
and exports them.

Bill runs go to Celery; the test settings run tasks eagerly (inside the request), so here the bill-run task
runs on a background thread instead, as a worker would, in small slowed batches, so the page has a run in
progress to follow. The run itself (apps.billing.runs) is the real one."""

from __future__ import annotations

import re
import threading
import time

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from apps.billing import runs
from apps.billing.models import Bill, BillLine, BillRun
from apps.billing.tasks import bill_run_process_task
from apps.tariffs.models import Season, TariffPlan


@pytest.fixture
def background_bill_runs(monkeypatch):
    """generateBills' task on a thread of its own (a worker), 20 houses a batch, ~0.2 s a batch."""
    threads: list[threading.Thread] = []

    def apply_async(args=None, kwargs=None, headers=None, **options):
        schema, run_id = (headers or {})["_schema_name"], (args or [])[0]

        def work():
            try:
                with schema_context(schema):
                    runs.bill_run_process(bill_run_id=run_id)
            finally:
                connection.close()

        thread = threading.Thread(target=work, daemon=True)
        threads.append(thread)
        thread.start()

    monkeypatch.setattr(runs, "BATCH_SIZE", 20)
    monkeypatch.setattr(runs, "BATCH_HOOK", lambda run, last: time.sleep(0.2))
    monkeypatch.setattr(bill_run_process_task, "apply_async", apply_async)
    yield
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a bill run did not finish"


@pytest.fixture
def own_season(console_tenant):
    """The season the test creates (2027-2028), removed afterwards with its plans, runs and bills: the
    company is shared by every browser test, whose figures and bills are the demo's. Requested first, so it
    is torn down after the bill-run threads are joined."""
    yield "2027-2028"
    with schema_context(console_tenant.info.schema):
        season = Season.objects.filter(name="2027-2028").first()
        if season is not None:
            BillLine.objects.filter(bill__season=season).delete()
            Bill.objects.filter(season=season).delete()
            BillRun.objects.filter(season=season).delete()
            TariffPlan.objects.filter(season=season).delete()
            season.delete()


def _field(page, testid: str):
    """The form item around an input (its label, its error)."""
    return page.locator(".ant-form-item", has=page.get_by_test_id(testid))


def _field_error(page, testid: str):
    return _field(page, testid).locator(".ant-form-item-explain-error")


def _date(page, testid: str, day: str) -> None:
    box = page.get_by_test_id(testid)
    box.click()
    box.fill(day)
    box.press("Enter")


def _choose(page, testid: str, label: str) -> None:
    page.get_by_test_id(testid).click()
    page.locator(f".ant-select-dropdown:visible .ant-select-item-option[title='{label}']").click()


def test_admin_sets_up_a_season_runs_its_bills_and_corrects_them(own_season, console, console_tenant,
                                                                 background_bill_runs):
    host = console_tenant.info.host
    page = console.login(host, console_tenant.staff["TENANT_ADMIN"])
    page.get_by_test_id("menu-seasons").click()
    page.get_by_test_id("seasons-table").wait_for()
    console.shot("seasons")

    # --- a new season: a date error as typed, then the API's overlap error on its field, then created
    page.get_by_test_id("season-new").click()
    assert page.get_by_test_id("season-name").input_value() == "2027-2028"  # the demo season a year on
    _date(page, "season-heatingEnd", "2027-11-01")
    _field_error(page, "season-heatingEnd").filter(has_text="供暖结束日期必须晚于开始日期").wait_for()
    console.shot("season-date-error-as-typed")
    _date(page, "season-heatingEnd", "2028-03-15")
    _date(page, "season-heatingStart", "2027-03-01")  # inside the demo season
    page.get_by_test_id("season-create-submit").click()
    _field_error(page, "season-heatingStart").filter(has_text="重叠").wait_for()
    console.shot("season-overlap-error-from-the-api")
    _date(page, "season-heatingStart", "2027-11-15")
    page.get_by_test_id("season-create-submit").click()
    page.get_by_test_id("season-status-2027-2028").wait_for()
    with schema_context(console_tenant.info.schema):
        season = Season.objects.get(name="2027-2028")
        assert (str(season.heating_start), str(season.late_fee_start), season.status) == (
            "2027-11-15", "2028-01-01", "draft")
    page.get_by_test_id("plans-card").filter(has_text="2027-2028").wait_for()

    # --- a residential area plan: a negative price refused as typed, the rules of the engine filled in
    page.get_by_test_id("plan-new").click()
    page.get_by_test_id("plan-name").fill("居民面积计费")
    page.get_by_test_id("plan-areaUnitPrice").fill("-1")
    _field_error(page, "plan-areaUnitPrice").filter(has_text="价格不能为负数").wait_for()
    console.shot("plan-price-error-as-typed")
    page.get_by_test_id("plan-areaUnitPrice").fill("24.5")
    page.get_by_test_id("plan-optedOutBasicPct").fill("30")
    _choose(page, "plan-lowIncomeMode", "按比例减免")
    page.get_by_test_id("plan-lowIncomePct").fill("50")
    page.get_by_test_id("plan-earlyDiscountPct").fill("3")
    _date(page, "plan-earlyDiscountUntil", "2028-01-05")  # after late fees start on 2028-01-01
    _field_error(page, "plan-earlyDiscountUntil").filter(has_text="2028-01-01").wait_for()
    _date(page, "plan-earlyDiscountUntil", "2027-12-31")
    page.get_by_test_id("plan-lateFeeDailyPermille").fill("2")
    page.get_by_test_id("plan-lateFeeCapPct").fill("30")
    console.shot("plan-form-filled")
    page.get_by_test_id("plan-save").click()
    page.get_by_test_id("plans-table").filter(has_text="居民面积计费").wait_for()

    # --- a second plan for the same category and pricing: the API's DUPLICATE on the category field
    page.get_by_test_id("plan-new").click()
    page.get_by_test_id("plan-name").fill("非居民面积计费")
    page.get_by_test_id("plan-areaUnitPrice").fill("45")
    page.get_by_test_id("plan-save").click()
    _field_error(page, "plan-category").filter(has_text="已有").wait_for()
    console.shot("plan-duplicate-error-from-the-api")
    _choose(page, "plan-category", "非居民")
    page.get_by_test_id("plan-save").click()
    page.get_by_test_id("plans-table").filter(has_text="非居民面积计费").wait_for()
    console.shot("plans")
    with schema_context(console_tenant.info.schema):
        plan = TariffPlan.objects.get(season=season, category="residential")
        assert (str(plan.area_unit_price), str(plan.opted_out_basic_pct), plan.low_income_mode) == (
            "24.5000", "30.00", "percent")
        assert (str(plan.early_discount_until), str(plan.late_fee_daily_permille)) == ("2027-12-31", "2.000")

    # --- bill run: the preview per community, then the real run with its progress bar
    page.get_by_test_id("menu-billRuns").click()
    _choose(page, "bill-run-season", "2027-2028")
    page.get_by_test_id("bill-run-dry").click()
    page.locator("[data-testid=bill-run-status][data-status=SUCCEEDED]").wait_for(timeout=30_000)
    totals = page.get_by_test_id("bill-run-totals")
    console.shot("dry-run-preview-per-community")
    names = totals.locator("tbody tr.ant-table-row td:first-child").all_inner_texts()
    assert len(names) >= 2, names  # the demo ledger has two communities
    _choose(page, "bill-run-community", names[0])
    assert totals.locator("tbody tr.ant-table-row").count() == 1
    with schema_context(console_tenant.info.schema):
        assert not Bill.objects.filter(season=season).exists()  # a dry run writes no bill

    page.get_by_test_id("bill-run-go").click()
    page.get_by_test_id("bill-run-confirm").click()
    page.locator("[data-testid=bill-run-status][data-status=RUNNING]").wait_for(timeout=30_000)
    progress = page.get_by_test_id("bill-run-progress")
    assert int(progress.get_attribute("aria-valuenow")) < 100
    console.shot("bill-run-in-progress")
    page.locator("[data-testid=bill-run-status][data-status=SUCCEEDED]").wait_for(timeout=60_000)
    assert int(progress.get_attribute("aria-valuenow")) == 100
    assert "ant-progress-status-success" in progress.get_attribute("class")
    console.shot("bill-run-finished")
    with schema_context(console_tenant.info.schema):
        issued = Bill.objects.filter(season=season).count()
    assert issued > 0
    result = page.get_by_test_id("bill-run-result")
    assert result.locator(".ant-statistic-content-value").first.inner_text() == str(issued)

    # --- publish: the dialog says residents will see the bills, and how many
    page.get_by_test_id("bill-run-publish-link").click()
    page.get_by_test_id("season-publish-2027-2028").click()
    dialog = page.get_by_test_id("publish-dialog")
    dialog.filter(has_text="居民将在小程序中看到").wait_for()
    expect(page.get_by_test_id("publish-confirm")).to_be_enabled()
    page.wait_for_timeout(400)  # the dialog's opening animation, for the screenshot
    assert page.get_by_test_id("publish-bill-count").inner_text() == str(issued)
    console.shot("publish-dialog")
    page.get_by_test_id("publish-confirm").click()
    page.get_by_test_id("season-status-2027-2028").filter(has_text="收费中").wait_for()
    console.shot("published")

    # --- bills: one bill's lines with their explanations, then adjust it and waive another
    page.get_by_test_id("menu-bills").click()
    _choose(page, "bills-filter-season", "2027-2028")
    page.locator(".ant-pro-table-search").get_by_role("button", name=re.compile(r"查\s*询")).click()
    first = page.get_by_test_id("bills-table").locator("[data-testid^=bill-open-]").first
    first.wait_for()
    with schema_context(console_tenant.info.schema):
        bill = (Bill.objects.filter(season=season, status="issued").select_related("house")
                .order_by("house__account_no").first())
        lines = list(BillLine.objects.filter(bill=bill).order_by("position").values_list("explanation", flat=True))
    assert first.get_attribute("data-testid") == f"bill-open-{bill.house.account_no}"
    first.click()
    explanations = page.get_by_test_id("bill-line-explanation")
    explanations.first.wait_for()
    assert explanations.all_inner_texts() == lines
    assert any("元/㎡" in text for text in lines)
    console.shot("bill-detail-lines")

    page.get_by_test_id("bill-adjust").click()
    page.get_by_test_id("adjust-amount").fill("10.005")
    page.locator(".ant-form-item", has=page.get_by_test_id("adjust-amount")).locator(
        ".ant-form-item-explain-error").wait_for()
    page.get_by_test_id("adjust-amount").fill("10.50")
    page.get_by_test_id("adjust-reason").fill("面积复核少算")
    page.get_by_test_id("adjust-dialog").filter(has_text="调整后应收").wait_for()
    console.shot("adjust-dialog")
    page.get_by_test_id("adjust-submit").click()
    page.get_by_test_id("bill-lines").filter(has_text="人工调整：-10.50元（面积复核少算）").wait_for()
    console.shot("bill-adjusted")
    with schema_context(console_tenant.info.schema):
        adjusted = Bill.objects.get(pk=bill.pk)
        assert adjusted.principal_fen == bill.principal_fen - 1050
    page.locator(".ant-drawer-close").click()
    page.locator(".ant-drawer-content").wait_for(state="hidden")

    second = page.get_by_test_id("bills-table").locator("[data-testid^=bill-open-]").nth(1)
    account = second.get_attribute("data-testid").removeprefix("bill-open-")
    second.click()
    page.get_by_test_id("bill-waive").click()
    page.get_by_test_id("waive-submit").click()
    page.get_by_test_id("waive-dialog").locator(".ant-form-item-explain-error").filter(has_text="请填写原因").wait_for()
    page.get_by_test_id("waive-reason").fill("低保户困难减免（民政证明）")
    console.shot("waive-dialog")
    page.get_by_test_id("waive-submit").click()
    page.get_by_test_id("bill-status").filter(has_text="已减免").wait_for()
    console.shot("bill-waived")
    with schema_context(console_tenant.info.schema):
        assert Bill.objects.get(season=season, house__account_no=account).status == "waived"


def test_a_collector_reads_and_exports_bills_but_cannot_adjust_them(console, console_tenant):
    page = console.login(console_tenant.info.host, console_tenant.staff["COLLECTOR"])
    page.get_by_test_id("menu-bills").click()
    opener = page.get_by_test_id("bills-table").locator("[data-testid^=bill-open-]").first
    opener.click()
    page.get_by_test_id("bill-line-explanation").first.wait_for()
    assert page.get_by_test_id("bill-adjust").count() == 0
    assert page.get_by_test_id("bill-waive").count() == 0
    console.shot("collector-bill-detail")
    page.locator(".ant-drawer-close").click()
    page.locator(".ant-drawer-content").wait_for(state="hidden")
    # The list exports as it is filtered (the shared export button; the job is the API's).
    with page.expect_download() as download:
        page.get_by_test_id("bills-export").click()
        page.get_by_test_id("bills-export-ready").wait_for()
    assert download.value.suggested_filename.endswith(".xlsx")
    console.shot("collector-bills-exported")
