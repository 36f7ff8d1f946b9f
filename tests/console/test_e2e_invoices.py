"""E-invoices (电子发票) in a real browser.

Finance opens 电子发票 on a company whose invoicing runs against the sandbox Nuonuo cloud (a registered app, real
signed calls from the live server to its /sandbox/nuonuo/): the session was never checked; 刷新状态 asks the
provider and the banner says the drawer must log in to 电子税务局 again; once the drawer has (the sandbox's
knob), 刷新状态 turns it green with the credit line. Then face verification is due: the banner fetches the QR code,
the drawer "scans" it (the sandbox's face page), and 刷新状态 brings issuing back.

Then the list: an issued blue invoice (rows as the lifecycle leaves them: tests/factories/invoice_rows.py; the
lifecycle itself is tested through the sandbox in tests/apps/invoices) found by its number, its drawer with the
lines' tax explanation and the PDF fetched with the token, and the 红冲 dialog refusing a reversal without a note
and a line amount above what the line has left. A collector sees the banner and the list without the buttons.

Everything is built with the ORM in the shared console tenant and removed afterwards."""

from __future__ import annotations

import os
import urllib.request
from types import SimpleNamespace

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.factories.db import committed

TAX_NO = f"91120116MA{os.getpid() % 10**8:08d}"  # per run: the sandbox app is keyed by the tax number


def _make(tenant):
    from apps.audit.models import AuditLog
    from apps.invoices.sandbox.cloud import set_session
    from tests.factories.invoice_rows import blue_invoice, paid_order
    from tests.factories.invoices import enable_invoices

    with schema_context(tenant.schema):
        audit_mark = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        enable_invoices(tax_no=TAX_NO)
        order = paid_order(amount_fen=330000)
        blue = blue_invoice(order, buyer_name="赵六")
    set_session(TAX_NO, "login_required")  # the drawer's 电子税务局 login has lapsed
    return SimpleNamespace(audit_mark=audit_mark, order=order.pk, invoice=blue.pk, number=blue.invoice_number,
                           per_line=order.amount_fen // 2)


def _remove(tenant, made) -> None:
    from django.core.files.storage import default_storage

    from apps.audit.models import AuditLog
    from apps.invoices.models import FeeItemTax, Invoice, InvoiceSettings
    from apps.invoices.sandbox.models import NuonuoApp
    from apps.payments.models import PaymentOrder

    with schema_context(tenant.schema):
        for invoice in Invoice.objects.filter(order_id=made.order).order_by("-kind"):  # reds first
            for path in (invoice.pdf_path, invoice.ofd_path):
                if path:
                    default_storage.delete(path)
        Invoice.objects.filter(order_id=made.order, kind="red").delete()
        Invoice.objects.filter(order_id=made.order).delete()  # lines cascade
        PaymentOrder.objects.filter(pk=made.order).delete()
        FeeItemTax.objects.all().delete()
        InvoiceSettings.objects.all().delete()
        AuditLog.objects.filter(pk__gt=made.audit_mark, action__startswith="invoice").delete()
    connection.set_schema_to_public()
    NuonuoApp.objects.filter(user_tax=TAX_NO).delete()


@pytest.fixture
def invoicing(console_tenant, console, settings):
    settings.INVOICE_NUONUO_GATEWAY = f"http://localhost:{console.port}/sandbox/nuonuo"
    made = committed(_make, console_tenant.info)
    yield made
    committed(_remove, console_tenant.info, made)


def _session(page, state: str) -> None:
    page.locator(f'[data-testid="invoice-session"][data-state="{state}"]').wait_for()


def test_finance_follows_the_banner_through_a_login_drop_and_face_verification(console, console_tenant, invoicing):
    from apps.invoices.sandbox.cloud import set_session

    page = console.login(console_tenant.info.host, console_tenant.staff["FINANCE"])
    page.get_by_test_id("menu-invoices").click()
    _session(page, "UNKNOWN")
    page.get_by_test_id("invoice-session-refresh").click()
    _session(page, "LOGIN_REQUIRED")
    assert page.get_by_test_id("invoice-session-title").inner_text() == "电子税务局登录已失效，开票已暂停"
    assert "电子税务局登录" in page.get_by_test_id("invoice-session-action").inner_text()
    console.shot("login-required")

    committed(set_session, TAX_NO, "ok")  # the drawer logged in at the provider's console
    page.get_by_test_id("invoice-session-refresh").click()
    _session(page, "OK")
    assert page.get_by_test_id("invoice-credit-total").inner_text() == "¥1,000,000.00"
    console.shot("session-ok")

    committed(set_session, TAX_NO, "face_required")
    page.get_by_test_id("invoice-session-refresh").click()
    _session(page, "FACE_REQUIRED")
    assert page.get_by_test_id("invoice-face-qr").count() == 0
    page.get_by_test_id("invoice-face-qr-get").click()
    qr = page.get_by_test_id("invoice-face-qr")
    qr.wait_for()
    url = qr.get_attribute("data-url")
    assert url and "/sandbox/nuonuo/face/" in url
    assert qr.locator("svg").count() == 1  # drawn as a QR code for the drawer's phone
    console.shot("face-qr")
    # The drawer scans it and completes the face check (the sandbox's face page).
    with urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST"), timeout=10) as resp:
        assert resp.status == 200
    page.get_by_test_id("invoice-session-refresh").click()
    _session(page, "OK")
    assert page.get_by_test_id("invoice-face-qr").count() == 0
    console.shot("face-done")


def test_finance_opens_an_invoice_and_the_red_dialog_checks_what_it_sends(console, console_tenant, invoicing):
    made = invoicing
    page = console.login(console_tenant.info.host, console_tenant.staff["FINANCE"])
    page.get_by_test_id("menu-invoices").click()
    page.get_by_test_id("invoices-table").wait_for()
    search = page.get_by_placeholder("购方 / 发票号码 / 订单号")
    search.fill(made.number)
    search.press("Enter")
    status = page.get_by_test_id(f"invoice-row-status-{made.invoice}")
    status.wait_for()
    assert status.inner_text() == "已开票"
    console.shot("list")

    page.get_by_test_id(f"invoice-{made.invoice}").click()
    page.get_by_test_id("invoice-lines").wait_for()
    assert page.get_by_test_id("invoice-number").inner_text() == made.number
    assert page.get_by_test_id("invoice-total").inner_text() == "¥3,300.00"
    assert page.get_by_test_id("invoice-lines").get_by_text("免税（03）").count() == 2
    with page.expect_download() as download:
        page.get_by_test_id("invoice-file-pdf-download").click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"  # the company's stored copy, fetched with the token
    console.shot("drawer")

    page.get_by_test_id("invoice-reverse").click()
    page.get_by_test_id("red-note").wait_for()
    page.get_by_test_id("red-submit").click()
    note = page.get_by_test_id("red-note")
    note_error = page.locator(".ant-form-item", has=note).locator(".ant-form-item-explain-error")
    note_error.wait_for()
    assert note_error.inner_text() == "请填写红冲说明"
    page.get_by_test_id("red-scope-lines").click()
    page.get_by_test_id("red-line-1").click()
    amount = page.get_by_test_id("red-amount-1")
    amount.fill(f"{made.per_line / 100 + 0.01:.2f}")
    page.get_by_test_id("red-submit").click()
    amount_error = page.locator(".ant-form-item", has=amount).locator(".ant-form-item-explain-error")
    amount_error.wait_for()
    assert amount_error.inner_text() == "超过该行可红冲金额"
    console.shot("red-refused")
    page.keyboard.press("Escape")
    page.get_by_test_id("red-note").wait_for(state="detached")

    from apps.invoices.models import RedConfirmation

    with schema_context(console_tenant.info.schema):
        assert not RedConfirmation.objects.filter(blue_id=made.invoice).exists()  # nothing was sent


def test_a_collector_reads_the_banner_and_the_list_without_the_buttons(console, console_tenant, invoicing):
    made = invoicing
    page = console.login(console_tenant.info.host, console_tenant.staff["COLLECTOR"])
    page.get_by_test_id("menu-invoices").click()
    _session(page, "UNKNOWN")
    assert page.get_by_test_id("invoice-session-refresh").count() == 0
    page.get_by_test_id(f"invoice-{made.invoice}").click()
    page.get_by_test_id("invoice-lines").wait_for()
    assert page.get_by_test_id("invoice-reverse").count() == 0
    console.shot("collector")


def _remove_settings(tenant, audit_mark: int) -> None:
    from apps.audit.models import AuditLog
    from apps.invoices.models import FeeItemTax, InvoiceSettings

    with schema_context(tenant.schema):
        FeeItemTax.objects.all().delete()
        InvoiceSettings.objects.all().delete()
        AuditLog.objects.filter(pk__gt=audit_mark, action__startswith="invoice").delete()


def _audit_mark(tenant) -> int:
    from apps.audit.models import AuditLog

    with schema_context(tenant.schema):
        return AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture
def no_invoice_settings(console_tenant, console):
    mark = committed(_audit_mark, console_tenant.info)
    yield
    committed(_remove_settings, console_tenant.info, mark)


def test_admin_sets_up_invoicing_and_the_secrets_stay_write_only(console, console_tenant, no_invoice_settings):
    from apps.invoices.models import FeeItemTax, InvoiceSettings

    host = console_tenant.info.host
    page = console.login(host, console_tenant.staff["TENANT_ADMIN"])
    console.open(host, "/console/settings?tab=invoices")
    page.get_by_test_id("invoice-settings-form").wait_for()
    assert page.get_by_test_id("invoice-has-app-secret").inner_text() == "未设置"
    page.get_by_test_id("invoice-seller-name").fill("滨海热力有限公司")
    page.get_by_test_id("invoice-seller-tax-no").fill(TAX_NO.lower())
    page.get_by_test_id("invoice-drawer").fill("王会计")
    page.get_by_test_id("invoice-app-key").fill("SD-E2E-KEY")
    page.get_by_test_id("invoice-settings-save").click()
    secret = page.get_by_test_id("invoice-app-secret")
    page.locator(".ant-form-item", has=secret).locator(".ant-form-item-explain-error").wait_for()  # required at first
    secret.fill("e2e-app-secret")
    page.get_by_test_id("invoice-access-token").fill("e2e-access-token")
    page.get_by_test_id("invoice-settings-save").click()
    page.locator('[data-testid="invoice-has-app-secret"]', has_text="已设置").wait_for()
    with schema_context(console_tenant.info.schema):
        saved = InvoiceSettings.objects.get()
    assert (saved.seller_tax_no, saved.app_secret, saved.access_token) == (TAX_NO, "e2e-app-secret", "e2e-access-token")

    # Back later: the secrets are said to be set, never shown; saving untouched keeps them.
    console.open(host, "/console/settings?tab=invoices")
    page.locator('[data-testid="invoice-has-access-token"]', has_text="已设置").wait_for()
    assert page.get_by_test_id("invoice-app-secret").input_value() == ""
    assert page.get_by_test_id("invoice-access-token").input_value() == ""
    assert "e2e-app-secret" not in page.content()
    page.get_by_test_id("invoice-drawer").fill("李会计")
    page.get_by_test_id("invoice-settings-save").click()
    page.get_by_text("已保存").first.wait_for()
    with schema_context(console_tenant.info.schema):
        saved = InvoiceSettings.objects.get()
    assert (saved.drawer, saved.app_secret, saved.access_token) == ("李会计", "e2e-app-secret", "e2e-access-token")
    console.shot("settings")

    # Residential heating: exempt (03), which sets the rate to 0.
    row = "fee-item-HEATING_FEE-RESIDENTIAL"
    page.get_by_test_id(f"{row}-unset").wait_for()
    page.get_by_test_id(f"{row}-goods-name").fill("*供热*采暖费")
    page.get_by_test_id(f"{row}-tax-code").fill("1100301010000000000")
    page.get_by_test_id(f"{row}-policy").click()
    page.locator(".ant-select-dropdown:visible .ant-select-item-option", has_text="03 免税").click()
    page.get_by_test_id(f"{row}-save").click()
    page.get_by_test_id(f"{row}-unset").wait_for(state="detached")
    console.shot("fee-item")
    with schema_context(console_tenant.info.schema):
        item = FeeItemTax.objects.get(line_kind="heating_fee", category="residential")
    assert (item.goods_name, item.tax_code, str(item.tax_rate), item.favoured_policy) == (
        "*供热*采暖费", "1100301010000000000", "0.0000", "03")
