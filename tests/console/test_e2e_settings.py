"""Company settings and the audit log in a real browser: the admin creates a collector account on the
settings page (a wrong password first, refused as typed), the collector signs in and sees exactly the
collector's menu, the admin finds the creation in the audit log (filtered by action), and disables the account
again, after which it cannot sign in. The branding tab shows a colour's contrast against white text as it is
typed and previews the mini-program home with it and a chosen logo (nothing saved: the company is shared)."""

from __future__ import annotations

import os
import time

from django.db import connection
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from apps.accounts.models import User
from tests.factories.tenants import png

from .menus import MENUS

NEW_PASSWORD = "Warm-winter-2026"


def _field_error(page, testid: str):
    return page.locator(".ant-form-item", has=page.get_by_test_id(testid)).locator(".ant-form-item-explain-error")


def _log_out(page) -> None:
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    page.get_by_test_id("login-submit").wait_for()


def test_admin_creates_a_collector_who_signs_in_and_the_audit_log_shows_it(console, console_tenant):
    host = console_tenant.info.host
    username = f"e2e-collector-{os.getpid()}"
    page = console.login(host, console_tenant.staff["TENANT_ADMIN"])
    page.get_by_test_id("menu-settings").click()
    page.get_by_test_id(f"staff-row-{console_tenant.staff['COLLECTOR']}").wait_for()
    console.shot("staff-table")

    page.get_by_test_id("staff-create").click()
    page.get_by_test_id("staff-username").fill(username)
    page.get_by_test_id("staff-display-name").fill("测试收费员")
    page.get_by_test_id("staff-role").click()
    page.locator(".ant-select-dropdown:visible .ant-select-item-option[title='收费员']").click()
    page.get_by_test_id("staff-password").fill("1234567890")
    page.get_by_test_id("staff-password-confirm").fill("1234567890")
    _field_error(page, "staff-password").filter(has_text="不能全是数字").wait_for()
    console.shot("password-refused-as-typed")
    page.get_by_test_id("staff-password").fill(NEW_PASSWORD)
    page.get_by_test_id("staff-password-confirm").fill(NEW_PASSWORD)
    page.get_by_test_id("staff-create-submit").click()
    page.get_by_test_id(f"staff-row-{username}").wait_for()
    assert page.get_by_test_id(f"staff-role-{username}").inner_text() == "收费员"
    console.shot("collector-created")
    with schema_context(console_tenant.info.schema):
        user = User.objects.get(username=username)
        assert (user.role, user.display_name, user.is_active) == ("collector", "测试收费员", True)
    connection.set_schema_to_public()

    # The new collector signs in and sees exactly the collector's pages.
    _log_out(page)
    console.login(host, username, NEW_PASSWORD)
    assert console.menu() == MENUS["COLLECTOR"]
    page.get_by_test_id("chart-collections-by-day").wait_for()
    console.shot("collector-signed-in")
    console.open(host, "/console/settings")
    page.get_by_test_id("forbidden").wait_for()
    _log_out(page)

    # The admin finds the creation in the audit log.
    console.login(host, console_tenant.staff["TENANT_ADMIN"])
    page.get_by_test_id("menu-audit").click()
    page.get_by_test_id("audit-table").locator("tbody tr.ant-table-row").first.wait_for()
    page.get_by_test_id("audit-filter-action").click()
    # The choices are every action the log holds, in a virtual list that renders only the first few: with the
    # other browser tests' rows (bills, payments, imports…) staff.create is out of view, so search for it.
    page.keyboard.type("staff.create")
    page.locator(".ant-select-dropdown:visible .ant-select-item-option[title='新建员工 · staff.create']").click()
    page.get_by_role("button", name="查 询").click()
    row = page.get_by_test_id("audit-table").locator("tbody tr.ant-table-row", has_text=f"员工 #{user.pk}")
    row.wait_for()
    text = row.inner_text()
    assert "新建员工" in text and console_tenant.staff["TENANT_ADMIN"] in text and "role: collector" in text, text
    # The unfiltered page holds the same newest row: wait for the filtered answer to replace the table.
    actions = page.get_by_test_id("audit-table").locator("tbody tr.ant-table-row [data-action]")
    deadline = time.monotonic() + 15
    while True:
        rows = actions.evaluate_all("nodes => nodes.map(n => n.dataset.action)")
        if (rows and set(rows) == {"staff.create"}) or time.monotonic() > deadline:
            break
        page.wait_for_timeout(200)
    assert rows and set(rows) == {"staff.create"}, rows
    console.shot("audit-log-staff-create")

    # Disabled again (the company is shared): the account can no longer sign in.
    page.get_by_test_id("menu-settings").click()
    page.get_by_test_id(f"staff-disable-{username}").click()
    page.get_by_test_id(f"staff-disable-confirm-{username}").click()
    page.get_by_test_id(f"staff-enable-{username}").wait_for()
    console.shot("collector-disabled")
    _log_out(page)
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(NEW_PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("login-error").wait_for()


def test_branding_shows_contrast_as_typed_and_previews_the_home(console, console_tenant, tmp_path):
    page = console.login(console_tenant.info.host, console_tenant.staff["TENANT_ADMIN"])
    console.open(console_tenant.info.host, "/console/settings?tab=branding")
    page.get_by_test_id("branding-form").wait_for()
    color = page.get_by_test_id("branding-theme-color")
    ratio = page.get_by_test_id("contrast-ratio")
    preview = page.get_by_test_id("miniprogram-preview")

    color.fill("#FA8C16")
    page.wait_for_function("() => document.querySelector(\"[data-testid='contrast-ratio']\").dataset.pass === 'no'")
    assert ratio.get_attribute("data-ratio") == "2.38"
    _field_error(page, "branding-theme-color").filter(has_text="低于 3:1").wait_for()
    assert preview.get_attribute("data-theme") == "#FA8C16"
    console.shot("colour-too-light")

    color.fill("#1677FF")
    page.wait_for_function("() => document.querySelector(\"[data-testid='contrast-ratio']\").dataset.pass === 'yes'")
    assert ratio.get_attribute("data-ratio") == "4.10"
    expect(_field_error(page, "branding-theme-color")).to_have_count(0)  # gone once its fade-out ends
    # The preview's header band is painted in the colour being typed.
    band = preview.get_by_test_id("preview-nav-title").evaluate(
        "n => getComputedStyle(n.parentElement).backgroundColor")
    assert band == "rgb(22, 119, 255)"

    logo = tmp_path / "logo.png"
    logo.write_bytes(png(128, 128))
    page.get_by_test_id("branding-logo-input").set_input_files(str(logo))
    preview.get_by_test_id("preview-logo").wait_for()
    page.get_by_test_id("branding-display-name").fill("暖云热力")
    assert preview.get_by_test_id("preview-name").inner_text() == "暖云热力"
    console.shot("branding-preview")
