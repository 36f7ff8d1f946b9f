"""The console in a real browser: each role signs in and sees exactly its menu (and the dashboard parts
its role may use), pages outside a role's menu answer 403, the operator signs in on the platform host,
a suspended company's console shows its own page while the operator keeps it suspended, and a session the
server ended sends the user back to the login page."""

from __future__ import annotations

import pytest

from tests.factories.tenants import OPERATOR, PASSWORD

from .menus import MENUS, PARTS, PATHS


@pytest.mark.parametrize("role", list(MENUS))
def test_each_role_sees_exactly_its_menu(console, console_tenant, role):
    host = console_tenant.info.host
    page = console.open(host)
    page.get_by_test_id("login-heading").wait_for()
    assert console_tenant.info.slug in page.get_by_test_id("login-heading").inner_text()
    console.shot("login")
    console.login(host, console_tenant.staff[role])
    assert console.menu() == MENUS[role], "a page was added or its roles changed: update tests/console/menus.py"
    page.get_by_test_id("chart-community-rate").wait_for()
    page.get_by_test_id("chart-arrears-aging").wait_for()
    for part, roles in PARTS.items():
        if role in roles:
            page.get_by_test_id(part).wait_for()
        else:
            assert page.get_by_test_id(part).count() == 0, f"{role} sees {part}"
    console.shot("dashboard")
    for key, path in PATHS.items():
        if key not in MENUS[role]:
            console.open(host, path)
            page.get_by_test_id("forbidden").wait_for()
            console.shot(f"forbidden-{key}")
    # Log out: back to the login page, and the token no longer opens the console.
    console.open(host)
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    page.get_by_test_id("login-submit").wait_for()
    console.open(host)
    page.get_by_test_id("login-submit").wait_for()
    console.shot("logged-out")


def test_wrong_password_is_refused_on_the_form(console, console_tenant):
    page = console.open(console_tenant.info.host)
    page.get_by_test_id("login-username").fill(console_tenant.staff["FINANCE"])
    page.get_by_test_id("login-password").fill("not-the-password")
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("login-error").wait_for()
    assert page.get_by_test_id("console-menu").count() == 0
    console.shot("refused")


def test_a_session_ended_by_the_server_returns_to_login(console, console_tenant):
    host = console_tenant.info.host
    page = console.login(host, console_tenant.staff["FINANCE"])
    page.get_by_test_id("chart-collections-by-day").wait_for()
    # The token stops working server-side (as after a password change elsewhere or an expiry) ...
    ended = page.evaluate("""async () => {
        const token = JSON.parse(sessionStorage.getItem('heatcloud.console.session')).token;
        const r = await fetch('/graphql/', {method: 'POST', headers: {'Content-Type': 'application/json',
            Authorization: 'Bearer ' + token}, body: JSON.stringify({query: 'mutation { logout { ok } }'})});
        return (await r.json()).data.logout.ok;
    }""")
    assert ended is True
    # ... so the next request the console makes is refused and the user lands on the login page, told why.
    page.get_by_text("近 90 天").click()
    page.get_by_test_id("session-expired").wait_for()
    assert page.get_by_test_id("console-menu").count() == 0
    console.shot("back-to-login")
    assert page.evaluate("sessionStorage.getItem('heatcloud.console.session')") is None


def test_operator_signs_in_on_the_platform_host(console, console_tenant):
    page = console.login("localhost", OPERATOR, PASSWORD)
    assert console.menu() == ["op.tenants", "op.overview", "op.audit", "op.settings"]
    row_status = page.get_by_test_id(f"tenant-status-{console_tenant.info.slug}")
    row_status.wait_for()
    assert row_status.inner_text() == "正常"
    console.shot("tenants")
    # A staff account cannot sign in to the operator console.
    console.open("localhost")
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    page.get_by_test_id("login-username").fill(console_tenant.staff["TENANT_ADMIN"])
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("login-error").wait_for()
    console.shot("staff-refused")


def test_suspended_company_sees_its_page_until_reactivated(console, console_tenant, chromium):
    slug, host = console_tenant.info.slug, console_tenant.info.host
    staff_page = chromium.new_page(locale="zh-CN")
    try:
        page = console.login("localhost", OPERATOR, PASSWORD)
        page.get_by_test_id(f"suspend-{slug}").click()
        page.get_by_test_id("suspend-reason").fill("欠缴平台服务费（测试）")
        page.get_by_test_id("suspend-confirm").click()
        page.get_by_test_id(f"reactivate-{slug}").wait_for()
        assert page.get_by_test_id(f"tenant-status-{slug}").inner_text() == "已暂停"
        console.shot("suspended-by-operator")

        staff_page.goto(console.url(host))
        staff_page.get_by_test_id("tenant-suspended").wait_for()
        assert staff_page.get_by_test_id("login-submit").count() == 0
        staff_page.screenshot(path=str(console.shots / "suspended-company-page.png"), full_page=True)

        page.get_by_test_id(f"reactivate-{slug}").click()
        page.get_by_test_id("reactivate-reason").fill("已补缴服务费（测试）")
        page.get_by_test_id("reactivate-confirm").click()
        page.get_by_test_id(f"suspend-{slug}").wait_for()
        assert page.get_by_test_id(f"tenant-status-{slug}").inner_text() == "正常"
        console.shot("reactivated")

        staff_page.goto(console.url(host))
        staff_page.get_by_test_id("login-submit").wait_for()
    finally:
        staff_page.close()
        _reactivate_if_suspended(console, console_tenant)


def _reactivate_if_suspended(console, console_tenant) -> None:
    """Leave the shared company active for the next tests even when this one stopped half-way: through the
    server (this test's own database writes are rolled back)."""
    from tenants.models import HeatingCompany

    if HeatingCompany.objects.get(pk=console_tenant.tenant_id).status == HeatingCompany.Status.ACTIVE:
        return
    token = _graphql(console, 'mutation($u: String!, $p: String!) { operatorLogin(username: $u, password: $p) '
                              '{ token } }', {"u": OPERATOR, "p": PASSWORD})["operatorLogin"]["token"]
    _graphql(console, "mutation($id: ID!) { reactivateTenant(id: $id) { errors { code } } }",
             {"id": str(console_tenant.tenant_id)}, token)


def _graphql(console, query: str, variables: dict, token: str | None = None) -> dict:
    import json
    import urllib.request

    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    body = json.dumps({"query": query, "variables": variables}).encode()
    # Python's resolver does not know *.localhost; the platform host is plain localhost.
    req = urllib.request.Request(console.url("localhost", "/graphql/"), data=body, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as response:
        return json.loads(response.read())["data"]


def test_antd_texts_follow_the_console_language(console, console_tenant):
    """antd's own texts (a table's page size here) are Chinese, and English after the switch: the antd locale
    once reached ConfigProvider wrapped in its CommonJS module object and every table said "20 / page"."""
    host = console_tenant.info.host
    page = console.login(host, console_tenant.staff["FINANCE"])
    console.open(host, PATHS["houses"])
    size = page.locator(".ant-pagination-options .ant-select-selection-item")
    size.wait_for()
    assert size.inner_text() == "20 条/页"
    console.shot("houses-zh")
    page.get_by_test_id("switch-language").click()
    page.get_by_text("20 / page").wait_for()
    console.shot("houses-en")
