"""Statement reconciliation (对账), the daily close (日结) and the finance reports in a real browser.

Finance opens 对账 and finds a matched WeChat Pay run of two days ago with differences (an amount 1 fen off, a fee
off, an order paid at midnight carried to the next day's run), sees why the run cannot close, resolves the amount
difference with a note (refused without one, on the field), opens 日结 for that day and follows the blocker's
link back to the run, resolves the fee difference and closes the run; then reads the statement results and the
collections in 财务报表.

The run and its differences are built with the ORM (tests/factories/reconciliation.py, as the API tests do: the
fetch/parse/match pipeline is tested through the sandbox in tests/apps/reconciliation) on a merchant account id
of its own, and removed afterwards with the audit rows the browser's actions wrote."""

from __future__ import annotations

import datetime as dt
import os
from types import SimpleNamespace

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.factories.db import committed

ACCOUNT_ID = 900000 + os.getpid() % 100000  # per run: the run's unique key never collides with a leftover


def _make_run(tenant):
    from apps.audit.models import AuditLog
    from apps.reconciliation.models import Difference, StatementRun
    from tests.factories.reconciliation import make_difference, make_run

    day = timezone.localdate() - dt.timedelta(days=2)
    with schema_context(tenant.schema):
        audit_mark = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        run = make_run(bill_date=day, merchant_account_id=ACCOUNT_ID, matched_at=timezone.now(),
                       summary={"count": 3, "paid_fen": 643202, "refunded_fen": 0, "fee_fen": 3861},
                       totals={"matched": 1, "channel_paid_fen": 643202, "local_paid_fen": 643201,
                               "channel_refunded_fen": 0, "local_refunded_fen": 0})
        amount = make_difference(run, kind=Difference.Kind.AMOUNT_MISMATCH, out_trade_no=f"E2EAMT{ACCOUNT_ID}",
                                 channel_amount_fen=214801, local_amount_fen=214800, channel_fee_fen=1289,
                                 expected_fee_fen=1289)
        fee = make_difference(run, kind=Difference.Kind.FEE_MISMATCH, out_trade_no=f"E2EFEE{ACCOUNT_ID}",
                              channel_amount_fen=214800, local_amount_fen=214800, channel_fee_fen=1290,
                              expected_fee_fen=1289)
        carried = make_difference(run, kind=Difference.Kind.CROSS_DAY, status=Difference.Status.CARRIED,
                                  out_trade_no=f"E2EDAY{ACCOUNT_ID}", channel_amount_fen=None,
                                  local_amount_fen=213601, auto_action="queried: 渠道查询已支付，本地已入账。")
        assert run.status == StatementRun.Status.MATCHED
    return SimpleNamespace(id=run.pk, day=day, amount=amount.pk, fee=fee.pk, carried=carried.pk,
                           audit_mark=audit_mark)


def _remove_run(tenant, made) -> None:
    from apps.audit.models import AuditLog
    from apps.reconciliation.models import StatementRun

    with schema_context(tenant.schema):
        StatementRun.objects.filter(merchant_account_id=ACCOUNT_ID).delete()  # differences cascade
        AuditLog.objects.filter(pk__gt=made.audit_mark, action__startswith="reconciliation.").delete()


@pytest.fixture
def statement_run(console_tenant, console):
    made = committed(_make_run, console_tenant.info)
    yield made
    committed(_remove_run, console_tenant.info, made)


def _difference(tenant, pk):
    from apps.reconciliation.models import Difference

    with schema_context(tenant.schema):
        return Difference.objects.select_related("resolved_by").get(pk=pk)


def _resolve(page, pk: int, resolution: str, note: str) -> None:
    page.get_by_test_id(f"diff-resolve-{pk}").click()
    page.get_by_test_id("resolve-note").wait_for()
    page.get_by_test_id("resolve-resolution").click()
    page.locator(".ant-select-item-option", has_text=resolution).click()
    page.get_by_test_id("resolve-note").fill(note)
    page.get_by_test_id("resolve-submit").click()
    expect(page.get_by_test_id(f"diff-status-{pk}")).to_have_attribute("data-status", "RESOLVED")


def test_finance_resolves_differences_closes_the_run_and_reads_the_day_and_the_reports(
        console, console_tenant, statement_run):
    tenant, run = console_tenant.info, statement_run
    page = console.login(tenant.host, console_tenant.staff["FINANCE"])
    page.get_by_test_id("menu-reconciliation").click()
    page.get_by_test_id("runs-table").wait_for()
    expect(page.get_by_test_id(f"run-status-{run.id}")).to_have_attribute("data-status", "MATCHED")
    assert "金额不符 1" in page.get_by_test_id(f"run-differences-{run.id}").inner_text()
    console.shot("runs")

    # The run: the bill against the ledger, differences by class; it cannot close while two are open.
    page.get_by_test_id(f"run-{run.id}").click()
    page.get_by_test_id("run-detail").wait_for()
    assert "待处理差异 2 条" in page.get_by_test_id("run-open-count").inner_text()
    figures = page.get_by_test_id("run-figures").inner_text()
    assert "¥6,432.02" in figures and "¥6,432.01" in figures and "¥0.01" in figures
    expect(page.get_by_test_id("run-close")).to_be_disabled()
    assert page.get_by_test_id("run-close-reason").get_attribute("data-reason") == "还有 2 条差异未处理"
    expect(page.get_by_test_id(f"diff-status-{run.carried}")).to_have_attribute("data-status", "CARRIED")
    expect(page.get_by_test_id(f"diff-resolve-{run.carried}")).to_have_count(0)
    # Both sides' states by name, and what the system did as a tag with its text (no raw API strings).
    carried_row = page.get_by_test_id("differences-table").locator(
        "tr", has=page.get_by_test_id(f"diff-kind-{run.carried}"))
    expect(carried_row).to_contain_text("成功")
    expect(carried_row).to_contain_text("已支付")
    expect(carried_row).not_to_contain_text("success")
    expect(page.get_by_test_id(f"diff-auto-{run.carried}")).to_have_text("已查询渠道渠道查询已支付，本地已入账。")
    console.shot("run")

    # Resolve the amount difference: refused without a note (on the field), then with one.
    page.get_by_test_id(f"diff-resolve-{run.amount}").click()
    page.get_by_test_id("resolve-note").wait_for()
    page.get_by_test_id("resolve-submit").click()
    note_error = page.locator(".ant-form-item", has=page.get_by_test_id("resolve-note")).locator(
        ".ant-form-item-explain-error")
    expect(note_error).to_have_text("请填写处理说明")
    console.shot("resolve-needs-a-note")
    page.get_by_test_id("resolve-resolution").click()
    page.locator(".ant-select-item-option", has_text="以渠道为准").click()
    page.get_by_test_id("resolve-note").fill("渠道多收 1 分，已与微信支付核实")
    console.shot("resolve-entered")
    page.get_by_test_id("resolve-submit").click()
    expect(page.get_by_test_id(f"diff-status-{run.amount}")).to_have_attribute("data-status", "RESOLVED")
    expect(page.get_by_test_id("run-open-count")).to_contain_text("待处理差异 1 条")
    amount = _difference(tenant, run.amount)
    assert (amount.status, amount.resolution, amount.note) == ("resolved", "accept_channel",
                                                              "渠道多收 1 分，已与微信支付核实")
    assert amount.resolved_by.username == console_tenant.staff["FINANCE"]
    console.shot("resolved")

    # 日结 of the bill's day: the run not closed blocks it, with a link back to the run.
    page.get_by_test_id("menu-dailyClose").click()
    page.get_by_test_id("days-table").wait_for()
    page.get_by_test_id(f"day-{run.day.isoformat()}").click()
    page.get_by_test_id("day-view").wait_for()
    expect(page.get_by_test_id("day-close")).to_be_disabled()
    blocker = page.get_by_test_id("day-blockers").locator("[data-kind='RUN_NOT_CLOSED']")
    expect(blocker).to_contain_text(f"#{run.id}")
    page.get_by_test_id("day-channels").wait_for()
    console.shot("day-blocked")
    blocker.get_by_role("link").click()

    # Back on the run: resolve the fee difference, then close the run.
    page.get_by_test_id("run-detail").wait_for()
    _resolve(page, run.fee, "以本地为准", "费率按 0.60% 核对，渠道多扣 1 分已申请退回")
    expect(page.get_by_test_id("run-close")).to_be_enabled()
    page.get_by_test_id("run-close").click()
    page.get_by_test_id("run-close-confirm").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "CLOSED")
    console.shot("run-closed")
    with schema_context(tenant.schema):
        from apps.reconciliation.models import StatementRun

        closed = StatementRun.objects.select_related("closed_by").get(pk=run.id)
    assert closed.status == "closed" and closed.closed_by.username == console_tenant.staff["FINANCE"]

    # The day no longer lists the run among its blockers.
    page.goto(console.url(tenant.host, f"/console/daily-close/{run.day.isoformat()}"))
    page.get_by_test_id("day-view").wait_for()
    expect(page.locator("[data-kind='RUN_NOT_CLOSED']")).to_have_count(0)
    console.shot("day-after")

    # 财务报表: the statement results list the run with its differences; the collections chart draws.
    page.get_by_test_id("menu-reports").click()
    page.get_by_test_id("table-collections-day").wait_for()
    assert int(page.get_by_test_id("chart-collections-day").get_attribute("data-nonzero")) > 0
    console.shot("reports-collections")
    page.get_by_test_id("report-tab-statements").click()
    page.get_by_test_id("report-statements").wait_for()
    runs = page.get_by_test_id("table-statement-runs")
    expect(runs).to_contain_text(run.day.isoformat())
    expect(runs).to_contain_text("已关闭")
    page.get_by_test_id("statements-status").click()
    page.locator(".ant-select-item-option", has_text="已处理").click()
    expect(page.get_by_test_id("table-statement-differences")).to_contain_text(f"E2EAMT{ACCOUNT_ID}")
    console.shot("reports-statements")

    # The tab exports what it shows as a background .xlsx job.
    with page.expect_download() as download:
        page.get_by_test_id("export-statements").click()
        page.get_by_test_id("export-statements-ready").wait_for()
    assert download.value.suggested_filename.endswith(".xlsx")
    console.shot("reports-exported")
