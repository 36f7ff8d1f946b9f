"""The invoice file downloads (who may fetch an invoice's PDF/OFD: 404 alike for missing, not issued, someone
else's and another company's; 410 when the stored copy is gone) and the provider callback endpoint (never
trusted: an oversized body is refused unread, a forged or unknown number is ignored, a known one only schedules
a query, and nothing is marked by it)."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context

from apps.invoices.models import Invoice, InvoiceSettings
from apps.invoices.views import CALLBACK_ANSWER, MAX_CALLBACK_BYTES
from tests.factories.invoice_rows import OFD_BYTES, PDF_BYTES, blue_invoice, paid_order, red_invoice

pytestmark = pytest.mark.usefixtures("mp_media")


def _get(client, host: str, path: str, token: str | None = None):
    headers = {"HTTP_HOST": host}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.get(path, **headers)


@pytest.fixture
def issued(alpha, make_resident):
    owner, owner_token = make_resident(alpha, "o-file-owner")
    _other, other_token = make_resident(alpha, "o-file-other")
    with schema_context(alpha.schema):
        invoice = blue_invoice(paid_order(owner))
        pending = blue_invoice(paid_order(owner), status=Invoice.Status.ISSUING)
    return {"invoice": invoice, "pending": pending, "owner": owner_token, "other": other_token}


def test_the_owner_and_invoice_staff_download_the_files(client, alpha, issued, make_staff):
    invoice = issued["invoice"]
    for token in (issued["owner"], make_staff(alpha, "collector"), make_staff(alpha, "finance"),
                  make_staff(alpha, "tenant_admin")):
        pdf = _get(client, alpha.host, f"/files/invoices/{invoice.pk}.pdf", token)
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert b"".join(pdf.streaming_content) == PDF_BYTES
        assert pdf["Cache-Control"] == "private, no-store"
        ofd = _get(client, alpha.host, f"/files/invoices/{invoice.pk}.ofd", token)
        assert ofd.status_code == 200 and b"".join(ofd.streaming_content) == OFD_BYTES
        assert f"{invoice.invoice_number}.ofd" in ofd["Content-Disposition"]


def test_everyone_else_is_refused_alike(client, alpha, beta, issued, make_staff, make_resident):
    invoice = issued["invoice"]
    path = f"/files/invoices/{invoice.pk}.pdf"
    assert _get(client, alpha.host, path).status_code == 401
    assert _get(client, alpha.host, path, "not-a-token").status_code == 401
    assert _get(client, alpha.host, path, make_staff(alpha, "technician")).status_code == 403
    not_found = [
        _get(client, alpha.host, path, issued["other"]),  # another resident's
        _get(client, alpha.host, f"/files/invoices/{issued['pending'].pk}.pdf", issued["owner"]),  # not issued
        _get(client, alpha.host, "/files/invoices/999999.pdf", issued["owner"]),
        _get(client, beta.host, path, make_staff(beta, "finance")),  # another company's id
        _get(client, beta.host, path, make_resident(beta, "o-file-beta")[1]),
    ]
    assert [r.status_code for r in not_found] == [404] * 5
    assert {r.json()["error"]["code"] for r in not_found} == {"NOT_FOUND"}
    assert _get(client, alpha.host, f"/files/invoices/{invoice.pk}.xml", issued["owner"]).status_code == 404


def test_a_stored_file_that_is_gone_is_410(client, alpha, issued):
    invoice = issued["invoice"]
    with schema_context(alpha.schema):
        default_storage.delete(invoice.pdf_path)
    response = _get(client, alpha.host, f"/files/invoices/{invoice.pk}.pdf", issued["owner"])
    assert response.status_code == 410 and response.json()["error"]["code"] == "GONE"


def test_a_red_invoice_of_the_owners_order_is_theirs_too(client, alpha, issued, make_resident):
    with schema_context(alpha.schema):
        red = red_invoice(issued["invoice"])
        Invoice.objects.filter(pk=red.pk).update(pdf_path=issued["invoice"].pdf_path)
    assert _get(client, alpha.host, f"/files/invoices/{red.pk}.pdf", issued["owner"]).status_code == 200
    assert _get(client, alpha.host, f"/files/invoices/{red.pk}.pdf", issued["other"]).status_code == 404


# --- the provider callback -------------------------------------------------------------------------------------

CALLBACK = "/invoices/callback/nuonuo/"


def _enable(alpha):
    with schema_context(alpha.schema):
        InvoiceSettings.objects.create(enabled=True, seller_tax_no="339902999999789113", seller_name="热力",
                                       drawer="王", app_key="k", app_secret="s", access_token="t")


def _forged_content(order_no: str) -> str:
    return ('{"c_fpqqlsh":"2412070000001","c_status":"1","c_fphm":"26120000000000009999","c_jshj":"2150.00",'
            f'"c_orderno":"{order_no}","c_pdf_url":"http://evil.example/x.pdf"}}')


def test_a_known_order_only_schedules_a_query(client, alpha, issued, django_capture_on_commit_callbacks):
    _enable(alpha)
    with schema_context(alpha.schema):
        target = blue_invoice(paid_order(), status=Invoice.Status.ISSUING)
    with django_capture_on_commit_callbacks() as scheduled:
        response = client.post(CALLBACK, {"operater": "callback", "orderno": target.order_no,
                                          "content": _forged_content(target.order_no)}, HTTP_HOST=alpha.host)
    assert response.status_code == 200 and response.json() == CALLBACK_ANSWER
    assert len(scheduled) == 1  # the query, run after commit (services.invoice_callback)
    with schema_context(alpha.schema):
        after = Invoice.objects.get(pk=target.pk)
    # The body's claims (status 1, a number, a PDF) changed nothing.
    assert (after.status, after.invoice_number, after.pdf_path) == (Invoice.Status.ISSUING, "", "")


def test_forged_unknown_and_foreign_numbers_are_ignored_with_the_same_answer(
        client, alpha, beta, issued, django_capture_on_commit_callbacks):
    _enable(alpha)
    ours = issued["invoice"].order_no
    cases = [
        (alpha.host, {"operater": "callback", "orderno": "HCI999999999999"}),  # not one of ours
        (alpha.host, {"operater": "callback", "orderno": "'; DROP TABLE x; --"}),
        (alpha.host, {"operater": "callback"}),
        (alpha.host, {"content": _forged_content(ours)}),  # the number only inside the content: not believed
        (beta.host, {"operater": "callback", "orderno": ours}),  # alpha's number arriving on beta's domain
    ]
    for host, form in cases:
        with django_capture_on_commit_callbacks() as scheduled:
            response = client.post(CALLBACK, form, HTTP_HOST=host)
        assert (response.status_code, response.json()) == (200, CALLBACK_ANSWER), form
        assert scheduled == [], form
    with schema_context(alpha.schema):
        assert Invoice.objects.get(pk=issued["invoice"].pk).status == Invoice.Status.ISSUED


def test_nothing_is_scheduled_while_invoicing_is_off(client, alpha, issued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as scheduled:
        response = client.post(CALLBACK, {"operater": "callback", "orderno": issued["invoice"].order_no},
                               HTTP_HOST=alpha.host)
    assert response.json() == CALLBACK_ANSWER and scheduled == []


def test_an_oversized_callback_is_refused_unread(client, alpha, issued, django_capture_on_commit_callbacks):
    _enable(alpha)
    with django_capture_on_commit_callbacks() as scheduled:
        response = client.post(CALLBACK, {"orderno": issued["invoice"].order_no, "content": "x" * MAX_CALLBACK_BYTES},
                               HTTP_HOST=alpha.host)
    assert response.status_code == 413 and scheduled == []
    assert client.get(CALLBACK, HTTP_HOST=alpha.host).status_code == 405
