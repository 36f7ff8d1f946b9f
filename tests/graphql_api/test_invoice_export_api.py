"""The staff invoice export (startInvoiceExport) and the resident's invoiceOptions. The .xlsx, read back with
openpyxl, holds exactly what the `invoices` list answers for the same filter, in its order; collectors (who read
the list) may export, technicians are refused and nothing is queued; a filter the list refuses queues nothing.
invoiceOptions says whether the company issues e-invoices, so the mini-program hides 开发票 / 我的发票 when not."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_tenants.utils import schema_context

from apps.imports.models import ExportJob
from apps.invoices.models import Invoice, InvoiceSettings
from tests.factories.imports import exported_rows
from tests.factories.invoice_rows import blue_invoice, paid_order, red_invoice

pytestmark = pytest.mark.usefixtures("mp_media")

EXPORT = """mutation($f: InvoiceFilter) { startInvoiceExport(filter: $f) {
  job { id kind status } errors { field code message } } }"""
JOB = "query($id: ID!) { exportJob(id: $id) { id kind status totalRows downloadUrl } }"
LIST = """query($f: InvoiceFilter) { invoices(filter: $f, limit: 100) { totalCount items {
  invoiceNumber issuedAt kind status buyerName buyerTaxNo outTradeNo exclFen taxFen totalFen failReason } } }"""
OPTIONS = "query { invoiceOptions { enabled policy } }"
HEADERS = ["发票号码", "开票日期", "类型", "状态", "购方", "税号", "订单号", "不含税(元)", "税额(元)", "价税合计(元)",
           "失败原因"]
_KIND = {k.name: k.label for k in Invoice.Kind}
_STATUS = {s.name: s.label for s in Invoice.Status}


def _data(result: dict, name: str):
    assert "errors" not in result, result
    return result["data"][name]


@pytest.fixture
def invoices(alpha, make_resident):
    """Issued blue ones (one a company title with tax), a red one, a failed one with its reason."""
    me, _token = make_resident(alpha, "o-inv-export")
    with schema_context(alpha.schema):
        issued = blue_invoice(paid_order(me), buyer_name="张三")
        red_invoice(issued)
        company = blue_invoice(paid_order(me, amount_fen=10900), buyer_name="天津某某科技有限公司", lines=1)
        Invoice.objects.filter(pk=company.pk).update(buyer_kind="company", buyer_tax_no="91120116MA05JKLN47",
                                                     excl_fen=10000, tax_fen=900)
        failed = blue_invoice(paid_order(me, amount_fen=5000), status=Invoice.Status.FAILED, buyer_name="张四")
        Invoice.objects.filter(pk=failed.pk).update(fail_reason="收费项目「采暖费·居民」未设置开票信息")
    return {"issued": issued, "failed": failed}


def _exported(gql, capture, host: str, token: str, f: dict | None) -> list[list]:
    with capture(execute=True):
        started = _data(gql(host, EXPORT, {"f": f}, token=token), "startInvoiceExport")
    assert started["errors"] == [] and started["job"]["kind"] == "INVOICES", started
    job = _data(gql(host, JOB, {"id": started["job"]["id"]}, token=token), "exportJob")
    assert job["status"] == "SUCCEEDED", job
    resp = Client().get(job["downloadUrl"], HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert resp.status_code == 200
    rows = exported_rows("xlsx", b"".join(resp.streaming_content))
    assert job["totalRows"] == len(rows) - 1
    return rows


def _yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _as_rows(items: list[dict]) -> list[list]:
    """The list's items as the sheet writes them (empty cells read back as None)."""
    out = []
    for i in items:
        issued = timezone.localtime(parse_datetime(i["issuedAt"])).strftime("%Y-%m-%d %H:%M:%S") if i["issuedAt"] \
            else None
        out.append([i["invoiceNumber"] or None, issued, _KIND[i["kind"]], _STATUS[i["status"]], i["buyerName"],
                    i["buyerTaxNo"] or None, i["outTradeNo"], _yuan(i["exclFen"]), _yuan(i["taxFen"]),
                    _yuan(i["totalFen"]), i["failReason"] or None])
    return out


def _cells(rows: list[list]) -> list[list]:
    return [[Decimal(str(c)).quantize(Decimal("0.01")) if isinstance(c, (int, float)) else (c or None) for c in row]
            for row in rows]


@pytest.mark.parametrize("f", [None, {"kind": "BLUE"}, {"status": "FAILED"}, {"search": "张"}])
def test_the_file_holds_what_the_list_shows_for_the_same_filter(gql, alpha, invoices, make_staff,
                                                                django_capture_on_commit_callbacks, f):
    collector = make_staff(alpha, "collector")  # INVOICE_VIEW: reads the list, so may export it
    rows = _exported(gql, django_capture_on_commit_callbacks, alpha.host, collector, f)
    listed = _data(gql(alpha.host, LIST, {"f": f}, token=collector), "invoices")
    assert listed["totalCount"] >= 1
    assert rows[0] == HEADERS
    assert _cells(rows[1:]) == _as_rows(listed["items"])


def test_the_file_shows_red_totals_tax_and_the_failure_reason(gql, alpha, invoices, make_staff,
                                                              django_capture_on_commit_callbacks):
    finance = make_staff(alpha, "finance")
    rows = _exported(gql, django_capture_on_commit_callbacks, alpha.host, finance, None)
    by_kind = {(r[2], r[4]): r for r in rows[1:]}
    red = by_kind[("红字发票", "张三")]
    assert red[9] < 0 and red[3] == "已开票"
    company = by_kind[("蓝字发票", "天津某某科技有限公司")]
    assert (company[5], company[7], company[8], company[9]) == ("91120116MA05JKLN47", 100, 9, 109)
    failed = by_kind[("蓝字发票", "张四")]
    assert (failed[0], failed[1], failed[3]) == (None, None, "开票失败")
    assert failed[10] == "收费项目「采暖费·居民」未设置开票信息"


def test_technicians_are_refused_and_nothing_is_queued(gql, alpha, invoices, make_staff, make_resident):
    _me, resident = make_resident(alpha, "o-inv-export-2")
    for token in (make_staff(alpha, "technician"), resident):
        result = gql(alpha.host, EXPORT, {"f": None}, token=token)
        assert [e["extensions"]["code"] for e in result["errors"]] == ["PERMISSION_DENIED"]
    with schema_context(alpha.schema):
        assert not ExportJob.objects.exists()


def test_a_filter_the_list_refuses_queues_nothing(gql, alpha, make_staff):
    finance = make_staff(alpha, "finance")
    payload = _data(gql(alpha.host, EXPORT, {"f": {"dateFrom": "2025-01-01", "dateTo": "2026-12-31"}},
                        token=finance), "startInvoiceExport")
    assert payload["job"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("dateTo", "INVALID")]
    with schema_context(alpha.schema):
        assert not ExportJob.objects.exists()


# --- invoiceOptions (residents) ----------------------------------------------------------------------------------

def test_invoice_options_follow_the_company_settings(gql, alpha, make_resident, make_staff):
    _me, token = make_resident(alpha, "o-inv-options")
    assert _data(gql(alpha.host, OPTIONS, token=token), "invoiceOptions") == {"enabled": False, "policy": None}
    with schema_context(alpha.schema):
        row = InvoiceSettings.objects.create(pk=1, enabled=False, seller_tax_no="91120116MA05JKLN47",
                                             seller_name="天津滨海热力有限公司", drawer="王会计", app_key="SD63236305",
                                             policy="automatic")
    assert _data(gql(alpha.host, OPTIONS, token=token), "invoiceOptions") == {"enabled": False, "policy": None}
    with schema_context(alpha.schema):
        InvoiceSettings.objects.filter(pk=row.pk).update(enabled=True)
    assert _data(gql(alpha.host, OPTIONS, token=token), "invoiceOptions") == {"enabled": True, "policy": "AUTOMATIC"}
    staff = gql(alpha.host, OPTIONS, token=make_staff(alpha, "tenant_admin"))
    assert [e["extensions"]["code"] for e in staff["errors"]] == ["PERMISSION_DENIED"]
