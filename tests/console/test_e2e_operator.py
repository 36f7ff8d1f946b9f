"""The operator console in a real browser: the overview's charts render non-empty from the companies'
refreshed figures; the operator suspends a company with a reason (shown in the companies table) while one of
its staff has the console open in another tab, which then shows the suspended page; the operator reactivates it
with a reason and the staff console works again; both reasons are in the platform audit log."""

from __future__ import annotations

import json
import urllib.request

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tenants.models import HeatingCompany
from tenants.stats import platform_figures, tenant_stats_refresh
from tests.factories.tenants import OPERATOR, PASSWORD

SUSPEND_REASON = "合同续签前暂停服务（运营测试）"
REACTIVATE_REASON = "合同已续签，恢复服务（运营测试）"


@pytest.fixture(scope="module")
def refreshed_figures(console_tenant, django_db_blocker):
    """The company's public-schema summary, as the beat task refreshes it (committed: the server reads it)."""
    with django_db_blocker.unblock():
        with schema_context(console_tenant.info.schema):
            summary = tenant_stats_refresh()
        connection.set_schema_to_public()
    return summary


def _nonzero(page, testid: str) -> int:
    chart = page.get_by_test_id(testid)
    chart.wait_for()
    return int(chart.get_attribute("data-nonzero"))


def test_overview_charts_show_the_platform_figures(console, console_tenant, refreshed_figures):
    page = console.login("localhost", OPERATOR, PASSWORD)
    assert console.menu() == ["op.tenants", "op.overview", "op.audit", "op.settings"]
    page.get_by_test_id("menu-op.overview").click()
    page.get_by_test_id("operator-overview").wait_for()
    assert _nonzero(page, "chart-platform-collections") > 0
    assert _nonzero(page, "chart-tenant-status") > 0
    assert _nonzero(page, "chart-tenant-rates") > 0
    figures = page.get_by_test_id("platform-figures").inner_text()
    expected = platform_figures()
    assert expected.houses >= refreshed_figures.houses > 0
    assert f"{expected.houses:,}" in figures and f"{expected.residents:,}" in figures, figures
    console.shot("overview")


def _shot(console, page, name: str) -> None:
    """A numbered screenshot of another tab, in the test's artifacts."""
    console.step += 1
    console.shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(console.shots / f"{console.step:02d}-{name}.png"), full_page=True)


def _graphql(console, query: str, variables: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    body = json.dumps({"query": query, "variables": variables}).encode()
    req = urllib.request.Request(console.url("localhost", "/graphql/"), data=body, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as response:
        return json.loads(response.read())["data"]


def _reactivate_if_needed(console, console_tenant) -> None:
    """Leave the shared company active even when the test stopped half-way (through the server: this test's own
    database writes are rolled back)."""
    if HeatingCompany.objects.get(pk=console_tenant.tenant_id).status == HeatingCompany.Status.ACTIVE:
        return
    token = _graphql(console, "mutation($u: String!, $p: String!) { operatorLogin(username: $u, password: $p) "
                              "{ token } }", {"u": OPERATOR, "p": PASSWORD})["operatorLogin"]["token"]
    _graphql(console, "mutation($id: ID!) { reactivateTenant(id: $id, reason: \"e2e cleanup\") "
                      "{ errors { code } } }", {"id": str(console_tenant.tenant_id)}, token)


def test_operator_suspends_with_a_reason_and_the_staff_console_waits(console, console_tenant, chromium):
    slug, host = console_tenant.info.slug, console_tenant.info.host
    staff_context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    staff = staff_context.new_page()
    try:
        # A staff member is at work in the company's console.
        staff.goto(console.url(host))
        staff.get_by_test_id("login-username").fill(console_tenant.staff["FINANCE"])
        staff.get_by_test_id("login-password").fill(PASSWORD)
        staff.get_by_test_id("login-submit").click()
        staff.get_by_test_id("chart-collections-by-day").wait_for()

        page = console.login("localhost", OPERATOR, PASSWORD)
        page.get_by_test_id(f"suspend-{slug}").click()
        page.get_by_test_id("suspend-confirm").click()
        page.locator(".ant-form-item-explain-error", has_text="请填写原因").wait_for()  # a reason is required
        page.get_by_test_id("suspend-reason").fill(SUSPEND_REASON)
        console.shot("suspend-dialog")
        page.get_by_test_id("suspend-confirm").click()
        page.get_by_test_id(f"reactivate-{slug}").wait_for()
        assert page.get_by_test_id(f"tenant-status-{slug}").inner_text() == "已暂停"
        assert page.get_by_test_id(f"tenant-reason-{slug}").inner_text() == SUSPEND_REASON
        console.shot("suspended-with-reason")

        # Meanwhile the staff console shows the suspended page, not the console nor the login form.
        staff.reload()
        staff.get_by_test_id("tenant-suspended").wait_for()
        assert staff.get_by_test_id("console-menu").count() == 0
        assert staff.get_by_test_id("login-submit").count() == 0
        _shot(console, staff, "staff-sees-suspended")

        page.get_by_test_id(f"reactivate-{slug}").click()
        page.get_by_test_id("reactivate-reason").fill(REACTIVATE_REASON)
        page.get_by_test_id("reactivate-confirm").click()
        page.get_by_test_id(f"suspend-{slug}").wait_for()
        assert page.get_by_test_id(f"tenant-status-{slug}").inner_text() == "正常"
        assert page.get_by_test_id(f"tenant-reason-{slug}").count() == 0
        console.shot("reactivated")

        # The staff console works again: the same tab, still signed in, loads its dashboard.
        staff.reload()
        staff.get_by_test_id("console-menu").wait_for()
        staff.get_by_test_id("chart-collections-by-day").wait_for()
        staff.get_by_test_id("menu-bills").click()
        staff.get_by_test_id("page-title").filter(has_text="账单").wait_for()
        _shot(console, staff, "staff-console-again")

        # Both reasons are in the platform's audit log, newest first.
        page.get_by_test_id("menu-op.audit").click()
        table = page.get_by_test_id("operator-audit-table")
        table.locator("tbody tr.ant-table-row", has_text=REACTIVATE_REASON).wait_for()
        rows = table.locator("tbody tr.ant-table-row").all_inner_texts()
        ours = [r for r in rows if slug in r and (SUSPEND_REASON in r or REACTIVATE_REASON in r)]
        assert len(ours) == 2 and REACTIVATE_REASON in ours[0] and "恢复公司" in ours[0] and "暂停公司" in ours[1], rows
        console.shot("operator-audit-log")
    finally:
        staff_context.close()
        _reactivate_if_needed(console, console_tenant)
