"""The blue invoice's lifecycle against the sandbox Nuonuo cloud through the real adapter (signed requests,
envelopes, async states, files): requested for a paid order, sent, polled to ISSUED with its files copied into
the company's storage; the late answer after a timeout, the duplicate order, failures retried with backoff up to
the daily cap, the tax-bureau session dropping and coming back, the automatic policy, and nothing at all when the
company has not enabled invoicing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.invoices import services as svc
from apps.invoices.models import FeeItemTax, Invoice, InvoiceSettings, InvoiceTitle
from apps.invoices.sandbox import cloud
from apps.invoices.sandbox.models import NuonuoOrder
from apps.invoices.services import BuyerTitle, invoice_request, invoice_retry, invoices_sweep
from tests.factories.accounts import staff
from tests.factories.billing import FULL
from tests.factories.invoices import COMPANY, PERSON, SELLER_TAX_NO, drive, enable_invoices, paid, request
from tests.factories.residents import ResidentFactory

pytestmark = pytest.mark.django_db

def test_a_counter_payments_invoice_is_issued_with_exempt_lines_and_its_files_stored(world):
    enable_invoices()
    order = paid(world)
    invoice = drive(request(world, order))
    assert invoice.status == Invoice.Status.ISSUED, invoice.fail_reason
    assert invoice.order_no == svc.order_no_for("HCI", invoice.pk) and invoice.order_no.startswith("HCI")
    assert len(invoice.invoice_number) == 20 and invoice.issued_at is not None
    assert (invoice.total_fen, invoice.excl_fen, invoice.tax_fen) == (FULL, FULL, 0)
    [line] = invoice.lines.all()
    assert (line.line_kind, line.favoured_policy, line.incl_fen, line.tax_fen) == ("heating_fee", "03", FULL, 0)
    assert line.explanation == "价税合计 ¥2400.00，免税（03），税额 ¥0.00"
    month = timezone.localtime(invoice.issued_at).strftime("%Y%m")
    assert invoice.pdf_path == f"invoices/{month}/{invoice.order_no}.pdf"
    with default_storage.open(invoice.pdf_path, "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    assert default_storage.exists(invoice.ofd_path) and invoice.ofd_path.endswith(".ofd")
    actions = list(AuditLog.objects.filter(target_type="invoices.invoice", target_id=invoice.pk)
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["invoice.requested", "invoice.submitted", "invoice.issued"]
    with schema_context("public"):
        assert NuonuoOrder.objects.filter(order_no=invoice.order_no).count() == 1


def test_a_company_title_on_a_non_residential_house_is_taxed_at_9_percent(world):
    enable_invoices()
    order = paid(world, category="non_residential")
    invoice = drive(request(world, order, title=COMPANY))
    assert invoice.status == Invoice.Status.ISSUED
    assert (invoice.buyer_kind, invoice.buyer_tax_no) == ("company", COMPANY.tax_no)
    assert (invoice.excl_fen, invoice.tax_fen) == (220183, 19817)


def test_nothing_happens_without_settings_or_when_disabled(world):
    order = paid(world)
    assert not Invoice.objects.exists()
    with pytest.raises(ValidationError) as exc:
        invoice_request(order_id=order.pk, title=PERSON)
    assert exc.value.error_dict["orderId"][0].code == "NOT_ENABLED"
    enable_invoices(policy=InvoiceSettings.Policy.AUTOMATIC)
    InvoiceSettings.objects.update(enabled=False)
    paid(world)
    assert not Invoice.objects.exists()
    assert not world.http.calls  # not a single call to the provider


def test_automatic_policy_requests_the_invoice_after_a_counter_payment_for_the_owner(world):
    enable_invoices(policy=InvoiceSettings.Policy.AUTOMATIC)
    order = paid(world)
    invoice = drive(Invoice.objects.get(order=order))
    assert invoice.status == Invoice.Status.ISSUED
    owner = order.items.get().bill.house.owner_name
    assert (invoice.buyer_kind, invoice.buyer_name) == ("personal", owner)


def test_automatic_policy_uses_the_residents_default_title(world):
    enable_invoices(policy=InvoiceSettings.Policy.AUTOMATIC)
    resident = ResidentFactory()
    InvoiceTitle.objects.create(resident=resident, kind="company", name=COMPANY.name, tax_no=COMPANY.tax_no,
                                is_default=True)
    order = paid(world)
    order.resident = resident  # as an online order of this resident would be
    order.save(update_fields=["resident"])
    Invoice.objects.filter(order=order).delete()
    invoice = svc.invoice_auto_request(order_id=order.pk)
    assert (invoice.buyer_kind, invoice.buyer_name, invoice.buyer_tax_no) == ("company", COMPANY.name,
                                                                               COMPANY.tax_no)


def test_the_same_request_twice_is_one_invoice_and_titles_are_validated(world):
    enable_invoices()
    order = paid(world)
    bad = BuyerTitle(kind="company", name="某公司", tax_no="91110000802100433C")
    with pytest.raises(ValidationError) as exc:
        invoice_request(order_id=order.pk, title=bad)
    assert exc.value.error_dict["taxNo"][0].code == "INVALID_TAX_NO"
    first = request(world, order)
    assert request(world, order).pk == first.pk
    drive(first)
    with pytest.raises(ValidationError) as exc:
        invoice_request(order_id=order.pk, title=COMPANY)
    assert exc.value.error_dict["orderId"][0].code == "ALREADY_REQUESTED"


def test_a_resident_requests_only_for_their_own_orders(world):
    enable_invoices()
    order = paid(world)
    stranger = ResidentFactory()
    with pytest.raises(ValidationError) as exc:
        invoice_request(order_id=order.pk, title=PERSON, resident=stranger)
    assert exc.value.error_dict["orderId"][0].code == "NOT_FOUND"
    assert not Invoice.objects.exists()


def test_late_success_after_a_timeout(world):
    enable_invoices()
    order = paid(world)
    cloud.set_timeout_next(SELLER_TAX_NO, "requestBillingNew")
    invoice = request(world, order)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUING and invoice.serial_no == ""  # we never heard the answer
    assert invoice.fail_reason
    invoice = drive(invoice)
    assert invoice.status == Invoice.Status.ISSUED and invoice.serial_no
    with schema_context("public"):
        assert NuonuoOrder.objects.filter(order_no=invoice.order_no).count() == 1


def test_a_submission_the_provider_already_has_is_queried_not_issued_twice(world):
    enable_invoices()
    order = paid(world)
    invoice = invoice_request(order_id=order.pk, title=PERSON)  # its queued submission is lost (not run)
    # A worker sent it and died before recording anything.
    config = svc.invoice_settings_enabled()
    svc.invoice_provider(config).issue(svc._issue_request(invoice, config))
    with world.commit(execute=True):
        svc.invoice_submit(invoice_id=invoice.pk)
    invoice = drive(invoice)
    assert invoice.status == Invoice.Status.ISSUED
    with schema_context("public"):
        assert NuonuoOrder.objects.filter(order_no=invoice.order_no).count() == 1


def test_a_failure_is_retried_with_backoff_and_issued_by_reissuing(world):
    enable_invoices()
    order = paid(world)
    cloud.set_fail_next(SELLER_TAX_NO, "22", "税局系统繁忙")
    before = timezone.now()
    invoice = drive(request(world, order))
    assert invoice.status == Invoice.Status.FAILED and "税局系统繁忙" in invoice.fail_reason
    assert before + dt.timedelta(seconds=55) < invoice.next_attempt_at < timezone.now() + dt.timedelta(minutes=2)
    assert invoices_sweep()["retried"] == 0  # not due yet
    with world.commit(execute=True):
        assert invoices_sweep(now=invoice.next_attempt_at + dt.timedelta(seconds=1))["retried"] == 1
    invoice = drive(invoice)
    assert invoice.status == Invoice.Status.ISSUED and invoice.attempts == 2 and invoice.day_attempts == 2
    with schema_context("public"):
        assert NuonuoOrder.objects.get(order_no=invoice.order_no).attempts == 2  # re-issued, same serial


def test_retries_stop_at_the_daily_cap_until_tomorrow(world, settings):
    settings.INVOICE_DAILY_RETRY_CAP = 2
    enable_invoices()
    order = paid(world)
    cloud.set_fail_next(SELLER_TAX_NO, "22", "开票失败")
    invoice = drive(request(world, order))
    cloud.set_fail_next(SELLER_TAX_NO, "22", "开票失败")
    with world.commit(execute=True):
        invoice_retry(invoice_id=invoice.pk, actor=None)
    invoice = drive(invoice)
    assert invoice.status == Invoice.Status.FAILED and invoice.day_attempts == 2
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert timezone.localtime(invoice.next_attempt_at).date() == tomorrow
    with pytest.raises(ValidationError) as exc:
        invoice_retry(invoice_id=invoice.pk, actor=staff("fin", role="finance"))
    assert exc.value.error_dict["id"][0].code == "DAILY_CAP"


def test_a_sign_failure_is_reissued(world):
    enable_invoices()
    order = paid(world)
    cloud.set_fail_next(SELLER_TAX_NO, "24", "签章失败")
    invoice = drive(request(world, order), rounds=8)
    assert invoice.status == Invoice.Status.ISSUED
    assert AuditLog.objects.filter(action="invoice.reissued", target_id=invoice.pk).count() == 1


def test_issuing_pauses_while_the_session_is_down_and_resumes_when_it_is_back(world):
    enable_invoices()
    order = paid(world)
    cloud.set_session(SELLER_TAX_NO, "login_required")
    invoice = request(world, order)
    invoice.refresh_from_db()
    config = InvoiceSettings.objects.get()
    assert invoice.status == Invoice.Status.REQUESTED and invoice.next_attempt_at is None
    assert config.session_state == "login_required"
    assert invoice.fail_reason.startswith("开票暂停：电子税务局登录已失效")
    calls = len(world.http.calls)
    assert invoices_sweep()["submitted"] == 0 and len(world.http.calls) == calls  # paused: nothing sent
    cloud.set_session(SELLER_TAX_NO, "ok")
    with world.commit(execute=True):
        config = svc.session_refresh()
    assert config.session_state == "ok" and config.credit_remaining_fen is not None
    invoice = drive(invoice)
    assert invoice.status == Invoice.Status.ISSUED and invoice.fail_reason == ""


def test_a_fee_item_without_settings_fails_the_invoice_with_a_clear_reason(world):
    enable_invoices()
    FeeItemTax.objects.filter(line_kind="heating_fee", category="residential").delete()
    order = paid(world)
    invoice = request(world, order)
    assert invoice.status == Invoice.Status.FAILED and invoice.next_attempt_at is None
    assert invoice.fail_reason == "收费项目「采暖费·居民」未设置开票信息"
    assert not world.http.calls
    FeeItemTax.objects.create(line_kind="heating_fee", category="residential", goods_name="供暖费",
                              tax_code="1100301000000000000", favoured_policy="03")
    with world.commit(execute=True):
        invoice_retry(invoice_id=invoice.pk, actor=staff("fin", role="finance"))
    assert drive(invoice).status == Invoice.Status.ISSUED
