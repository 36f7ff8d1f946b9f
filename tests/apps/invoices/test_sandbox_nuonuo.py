"""The Nuonuo adapter against the sandbox cloud over (in-process) HTTP: every invoice state, the late success after a
timeout, failures and re-issue, the daily cap, the session drop and its recovery, full and partial red reversals
with their auto-issued red invoices, the credit line, form-POST callbacks and real layout files."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
import time
import zipfile
import zlib
from urllib.parse import parse_qs

import pytest
import requests
from django.utils import timezone

from apps.invoices.providers import (
    FAILED,
    ISSUED,
    ISSUING,
    NOT_FOUND,
    RED_ISSUED,
    RED_PENDING,
    RED_REVOKED,
    SESSION_FACE_REQUIRED,
    SESSION_LOGIN_REQUIRED,
    SESSION_OK,
    SIGN_FAILED,
    SIGNING,
    DuplicateOrder,
    InvoiceLineRequest,
    InvoiceProviderError,
    IssueRequest,
    ProviderCredentials,
    RedLineRequest,
    RedRequest,
)
from apps.invoices.providers.nuonuo import NuonuoProvider
from apps.invoices.sandbox.cloud import sandbox_nuonuo_app
from apps.invoices.sandbox.models import NuonuoApp, NuonuoOrder
from tests.sandbox_http import sandbox_http

TAX_NO = "91120116MA06ABCD1X"
SANDBOX = "http://localhost/sandbox/nuonuo"
CALLBACK = "http://alpha.localhost/invoices/callback/nuonuo/"


@pytest.fixture
def creds(db) -> ProviderCredentials:
    return sandbox_nuonuo_app(tax_no=TAX_NO, seller_name="天津暖云热力有限公司")


@pytest.fixture
def nuonuo(creds) -> NuonuoProvider:
    return NuonuoProvider(creds)


@pytest.fixture
def http():
    with sandbox_http() as mock:
        yield mock


def knob(name: str, **data) -> dict:
    response = requests.post(f"{SANDBOX}/knobs/{name}", json=data, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


LINES = (
    InvoiceLineRequest(goods_name="供热费", tax_code="1100301010000000000", unit="平方米", quantity="89.5",
                       unit_price_excl="25.5", tax_rate="0", excl_fen=228225, tax_fen=0, incl_fen=228225,
                       favoured_policy="03", favoured_policy_name="免税"),
    InvoiceLineRequest(goods_name="供热费（非居民）", tax_code="1100301010000000000", unit="平方米", quantity="10",
                       unit_price_excl="10", tax_rate="0.09", excl_fen=10000, tax_fen=900, incl_fen=10900),
)


def blue(order_no: str = "HCI00000001", **overrides) -> IssueRequest:
    fields = {"order_no": order_no, "invoice_line": "pc", "issued_at": timezone.now(), "buyer_name": "张三",
              "natural_person": True, "drawer": "王会计", "callback_url": CALLBACK, "lines": LINES}
    return IssueRequest(**{**fields, **overrides})


def callbacks(mock) -> list[dict]:
    """Form POSTs that reached the callback URL (the sandbox sends *.localhost to 127.0.0.1 with its Host)."""
    found = []
    for call in mock.calls:
        if call.request.url == "http://127.0.0.1/invoices/callback/nuonuo/":
            assert call.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
            assert call.request.headers["Host"] == "alpha.localhost"
            form = {k: v[0] for k, v in parse_qs(call.request.body if isinstance(call.request.body, str)
                                                 else call.request.body.decode()).items()}
            form["content"] = json.loads(form["content"])
            found.append(form)
    return found


def issue_and_finish(nuonuo, capture, order_no="HCI00000001", **overrides):
    nuonuo.issue(blue(order_no, **overrides))
    with capture(execute=True):
        states = [nuonuo.query(order_no).state for _ in range(3)]
    assert states == [ISSUING, SIGNING, ISSUED]
    return nuonuo.query(order_no)


def pdf_text(data: bytes) -> bytes:
    """Every content stream decoded (reportlab: ASCII85 then Flate; its font subsets keep ASCII readable)."""
    out = b""
    for match in re.finditer(rb"/Filter \[ /ASCII85Decode /FlateDecode \][^>]*>>\s*stream\r?\n(.*?)endstream", data,
                             re.S):
        encoded = match.group(1).strip()
        out += zlib.decompress(base64.a85decode(encoded.removesuffix(b"~>"), adobe=False))
    return out


# --- blue invoices -----------------------------------------------------------------------------------------------


def test_blue_invoice_goes_20_21_2_then_calls_back_and_serves_real_files(nuonuo, http,
                                                                         django_capture_on_commit_callbacks):
    before = timezone.now().replace(microsecond=0)
    serial = nuonuo.issue(blue())
    assert re.fullmatch(r"\d{20}", serial)
    with django_capture_on_commit_callbacks(execute=True):
        first, second = nuonuo.query("HCI00000001"), nuonuo.query("HCI00000001")
        assert callbacks(http) == []  # nothing until it is done
        done = nuonuo.query("HCI00000001")
    assert (first.state, first.serial_no, first.invoice_number, first.pdf_url) == (ISSUING, serial, "", "")
    assert second.state == SIGNING
    assert done.state == ISSUED and re.fullmatch(r"\d{20}", done.invoice_number)
    assert before <= done.issued_at <= timezone.now() and done.issued_at.tzinfo is not None
    assert done.total_fen == 239125
    assert nuonuo.query("HCI00000001") == done  # stays done

    [callback] = callbacks(http)
    assert callback["operater"] == "callback" and callback["orderno"] == "HCI00000001"
    content = callback["content"]
    assert (content["c_fpqqlsh"], content["c_status"], content["c_fphm"], content["c_jshj"]) == (
        serial, "1", done.invoice_number, "2391.25")
    assert content["c_kprq"] == int(done.issued_at.timestamp() * 1000)  # epoch milliseconds
    event = nuonuo.parse_callback({k: (json.dumps(v) if k == "content" else v) for k, v in callback.items()})
    assert (event.kind, event.order_no) == ("invoice", "HCI00000001")

    pdf = nuonuo.download(done.pdf_url)
    assert pdf.startswith(b"%PDF-") and pdf == nuonuo.download(done.pdf_url)  # deterministic
    text = pdf_text(pdf)
    assert done.invoice_number.encode() in text and b"2391.25" in text and b"FontFile2" in pdf  # font embedded
    ofd = zipfile.ZipFile(io.BytesIO(nuonuo.download(done.ofd_url)))
    assert {"OFD.xml", "Doc_0/Document.xml", "Doc_0/Pages/Page_0/Content.xml"} <= set(ofd.namelist())
    assert b"Doc_0/Document.xml" in ofd.read("OFD.xml")
    page = ofd.read("Doc_0/Pages/Page_0/Content.xml").decode()
    assert done.invoice_number in page and "张三" in page and "贰仟叁佰玖拾壹元贰角伍分" in page
    xml = nuonuo.download(done.xml_url).decode()
    assert f"<EIid>{done.invoice_number}</EIid>" in xml and "<BuyerName>张三</BuyerName>" in xml


def test_a_timed_out_submission_that_succeeded_is_found_by_querying(nuonuo, http):
    knob("timeout-next", tax_no=TAX_NO, method="requestBillingNew")
    with pytest.raises(InvoiceProviderError) as exc:
        nuonuo.issue(blue())
    assert (exc.value.code, exc.value.retryable) == ("NETWORK", True)
    with pytest.raises(DuplicateOrder) as dup:  # the resubmission with the same order number
        nuonuo.issue(blue())
    assert dup.value.code == "E9106"
    assert nuonuo.query("HCI00000001").state == ISSUING
    assert NuonuoOrder.objects.filter(order_no="HCI00000001").count() == 1


def test_unknown_order_is_not_found(nuonuo, http):
    assert nuonuo.query("HCI404").state == NOT_FOUND


def test_failure_22_is_reported_and_reissued(nuonuo, http, django_capture_on_commit_callbacks):
    knob("fail-next", tax_no=TAX_NO, status="22", cause="购方名称与税号不匹配")
    nuonuo.issue(blue())
    with django_capture_on_commit_callbacks(execute=True):
        assert nuonuo.query("HCI00000001").state == ISSUING
        failed = nuonuo.query("HCI00000001")
    assert (failed.state, failed.fail_reason) == (FAILED, "购方名称与税号不匹配")
    assert callbacks(http)[0]["content"]["c_status"] == "2"
    assert callbacks(http)[0]["content"]["c_errorMessage"] == "购方名称与税号不匹配"
    nuonuo.reissue(order_no="HCI00000001", serial_no=failed.serial_no)
    states = [nuonuo.query("HCI00000001").state for _ in range(3)]
    assert states == [ISSUING, SIGNING, ISSUED]


def test_sign_failure_24_is_reissued_into_signing(nuonuo, http, django_capture_on_commit_callbacks):
    knob("fail-next", tax_no=TAX_NO, status="24", cause="签章服务异常")
    nuonuo.issue(blue())
    with django_capture_on_commit_callbacks(execute=True):
        states = [nuonuo.query("HCI00000001").state for _ in range(3)]
    assert states == [ISSUING, SIGNING, SIGN_FAILED]
    assert callbacks(http)[0]["content"]["c_status"] == "3"
    result = nuonuo.query("HCI00000001")
    assert result.fail_reason == "签章服务异常"
    nuonuo.reissue(order_no="HCI00000001", serial_no=result.serial_no)
    assert [nuonuo.query("HCI00000001").state for _ in range(2)] == [SIGNING, ISSUED]
    with pytest.raises(InvoiceProviderError) as exc:  # an issued invoice cannot be re-issued
        nuonuo.reissue(order_no="HCI00000001", serial_no=result.serial_no)
    assert exc.value.code == "E9110"


def test_one_serial_is_capped_at_20_submissions_a_day(nuonuo, http):
    nuonuo.issue(blue())
    for _ in range(19):
        with pytest.raises(DuplicateOrder):
            nuonuo.issue(blue())
    with pytest.raises(InvoiceProviderError) as exc:
        nuonuo.issue(blue())
    assert not isinstance(exc.value, DuplicateOrder)
    assert (exc.value.code, exc.value.retryable) == ("E9613", False)


def test_invalid_orders_are_refused_with_the_reason(nuonuo, http):
    bad = InvoiceLineRequest(goods_name="供热费", tax_code="1100301010000000000", unit="平方米", quantity="1",
                             unit_price_excl="100", tax_rate="0.09", excl_fen=10000, tax_fen=800, incl_fen=10800)
    with pytest.raises(InvoiceProviderError) as exc:
        nuonuo.issue(blue(lines=(bad,)))
    assert exc.value.code == "E9108" and "0.06" in str(exc.value) and not exc.value.retryable
    with pytest.raises(InvoiceProviderError) as exc:
        nuonuo.issue(blue(invoice_line="bs", natural_person=False))
    assert "购方税号" in str(exc.value)


def test_time_moves_orders_when_queries_do_not(nuonuo, http):
    knob("steps", tax_no=TAX_NO, queries_per_step=0, seconds_per_step=5)
    nuonuo.issue(blue())
    assert [nuonuo.query("HCI00000001").state for _ in range(3)] == [ISSUING] * 3
    NuonuoOrder.objects.filter(order_no="HCI00000001").update(changed_at=timezone.now() - dt.timedelta(seconds=6))
    assert nuonuo.query("HCI00000001").state == SIGNING
    NuonuoOrder.objects.filter(order_no="HCI00000001").update(changed_at=timezone.now() - dt.timedelta(seconds=11))
    assert nuonuo.query("HCI00000001").state == ISSUED


# --- requests the cloud refuses ----------------------------------------------------------------------------------


def test_wrong_credentials_get_nuonuos_error_envelope(creds, http):
    cases = [(ProviderCredentials("nuonuo", creds.app_key, "WRONGSECRET", creds.access_token, TAX_NO), "070304"),
             (ProviderCredentials("nuonuo", creds.app_key, creds.app_secret, "wrong-token", TAX_NO), "070305"),
             (ProviderCredentials("nuonuo", "SDNOSUCHAPP", creds.app_secret, creds.access_token, TAX_NO), "070101"),
             (ProviderCredentials("nuonuo", creds.app_key, creds.app_secret, creds.access_token,
                                  "91120116MA06ABCD2X"), "070306")]
    for bad, code in cases:
        with pytest.raises(InvoiceProviderError) as exc:
            NuonuoProvider(bad).query("HCI1")
        assert (exc.value.code, exc.value.retryable) == (code, False)


def test_a_body_changed_after_signing_is_refused(nuonuo, http, creds):
    from apps.invoices.providers.nuonuo import sign

    body, ts = '{"orderNos":["HCI1"]}', str(int(time.time()))
    query = {"senid": "a" * 32, "nonce": "12345678", "timestamp": ts, "appkey": creds.app_key}
    headers = {"Content-Type": "application/json", "accessToken": creds.access_token, "userTax": TAX_NO,
               "method": "nuonuo.OpeMplatform.queryInvoiceResult",
               "X-Nuonuo-Sign": sign(app_secret=creds.app_secret, app_key=creds.app_key, senid="a" * 32,
                                     nonce="12345678", timestamp=ts, body=body)}
    ok = requests.post(f"{SANDBOX}/open/v1/services", params=query, headers=headers, data=body.encode(), timeout=5)
    tampered = requests.post(f"{SANDBOX}/open/v1/services", params=query, headers=headers,
                             data=body.replace("HCI1", "HCI2").encode(), timeout=5)
    stale = requests.post(f"{SANDBOX}/open/v1/services", params={**query, "timestamp": str(int(ts) - 3600)},
                          headers=headers, data=body.encode(), timeout=5)
    assert ok.json()["code"] == "E9500"  # verified, then nothing found
    assert tampered.status_code == 200
    assert tampered.json() == {"code": "070304", "describe": "签名验证失败", "result": None}
    assert stale.json()["code"] == "070307"


# --- the tax-bureau session ----------------------------------------------------------------------------------------


def test_face_verification_drop_and_recovery(nuonuo, http):
    nuonuo.issue(blue())
    knob("session", tax_no=TAX_NO, state="face_required")
    assert nuonuo.session_state().state == SESSION_FACE_REQUIRED
    with pytest.raises(InvoiceProviderError) as exc:
        nuonuo.issue(blue("HCI00000002"))
    assert (exc.value.code, exc.value.session, exc.value.retryable) == ("E9721", True, True)
    assert [nuonuo.query("HCI00000001").state for _ in range(3)] == [ISSUING] * 3  # nothing moves meanwhile
    with pytest.raises(InvoiceProviderError) as exc:
        nuonuo.verify_complete()  # no QR scanned yet
    assert exc.value.code == "E9722"
    qr = nuonuo.face_qr()
    assert qr.state == SESSION_FACE_REQUIRED and qr.face_qr_url.startswith(f"{SANDBOX}/face/")
    assert "人脸认证" in requests.get(qr.face_qr_url, timeout=5).text
    assert requests.post(qr.face_qr_url, timeout=5).status_code == 200  # the drawer scans it
    assert nuonuo.session_state().state == SESSION_OK
    assert [nuonuo.query("HCI00000001").state for _ in range(3)] == [ISSUING, SIGNING, ISSUED]
    nuonuo.issue(blue("HCI00000002"))


def test_login_drop_needs_the_sms_code(nuonuo, http):
    knob("session", tax_no=TAX_NO, state="login_required")
    assert nuonuo.session_state().state == SESSION_LOGIN_REQUIRED
    with pytest.raises(InvoiceProviderError) as exc:
        nuonuo.issue(blue())
    assert (exc.value.code, exc.value.session) == ("E9720", True)
    with pytest.raises(InvoiceProviderError):
        nuonuo.face_qr()  # no face check is due
    with pytest.raises(InvoiceProviderError):
        nuonuo.verify_complete()
    assert nuonuo.verify_complete(code="123456").state == SESSION_OK
    nuonuo.issue(blue())


# --- red confirmations ---------------------------------------------------------------------------------------------


def red(issued, bill_id="HCR00000001", order_no="HCV00000001", lines=(), **overrides) -> RedRequest:
    fields = {"bill_id": bill_id, "order_no": order_no, "blue_invoice_number": issued.invoice_number,
              "blue_invoice_line": "pc", "reason": "02", "seller_tax_no": TAX_NO, "seller_name": "天津暖云热力有限公司",
              "buyer_name": "张三", "callback_url": CALLBACK, "lines": lines}
    return RedRequest(**{**fields, **overrides})


def test_full_red_confirmation_issues_the_red_invoice_by_itself(nuonuo, http, django_capture_on_commit_callbacks):
    issued = issue_and_finish(nuonuo, django_capture_on_commit_callbacks)
    assert nuonuo.credit_line().used_fen == 239125
    submitted = nuonuo.request_red(red(issued))
    assert submitted.state == RED_PENDING and submitted.confirmation_no
    with pytest.raises(DuplicateOrder):
        nuonuo.request_red(red(issued))
    with django_capture_on_commit_callbacks(execute=True):
        answered = nuonuo.query_red("HCR00000001")  # 申请中 → 无需确认 (a person): red invoice issued
    assert answered.state == RED_ISSUED and answered.confirmation_no == submitted.confirmation_no
    assert re.fullmatch(r"\d{20}", answered.red_invoice_number) and answered.red_order_no == "HCV00000001"
    red_invoice = nuonuo.query("HCV00000001")
    assert red_invoice.state == ISSUED and red_invoice.total_fen == -239125
    assert red_invoice.invoice_number == answered.red_invoice_number
    kinds = {(c["operater"], c["orderno"]) for c in callbacks(http)}
    assert kinds >= {("redConfirmCallback", "HCV00000001"), ("invoiceRedCallback", "HCV00000001")}
    red_callback = next(c for c in callbacks(http) if c["operater"] == "redConfirmCallback")
    assert nuonuo.parse_callback({**red_callback, "content": json.dumps(red_callback["content"])}).bill_id == \
        "HCR00000001"
    text = pdf_text(nuonuo.download(red_invoice.pdf_url))
    assert red_invoice.invoice_number.encode() in text and b"-2391.25" in text
    assert nuonuo.credit_line().used_fen == 0  # the red invoice gives the credit back
    with pytest.raises(InvoiceProviderError) as exc:  # nothing left to reverse
        nuonuo.request_red(red(issued, bill_id="HCR00000002", order_no="HCV00000002"))
    assert exc.value.code == "E9108"


def test_partial_red_reverses_only_the_named_lines(nuonuo, http, django_capture_on_commit_callbacks):
    issued = issue_and_finish(nuonuo, django_capture_on_commit_callbacks)
    line = RedLineRequest(blue_line_index=2, goods_name="供热费（非居民）", tax_code="1100301010000000000",
                          tax_rate="0.09", quantity="-5", unit_price_excl="10", excl_fen=-5000, tax_fen=-450)
    nuonuo.request_red(red(issued, lines=(line,)))
    with django_capture_on_commit_callbacks(execute=True):
        assert nuonuo.refresh_red("HCR00000001").state == RED_ISSUED
    red_invoice = NuonuoOrder.objects.get(order_no="HCV00000001")
    assert (red_invoice.total_fen, red_invoice.excl_fen, red_invoice.tax_fen) == (-5450, -5000, -450)
    [detail] = red_invoice.order["invoiceDetail"]
    assert (detail["blueDetailIndex"], detail["num"], detail["taxIncludedAmount"]) == ("2", "-5", "-54.50")
    assert nuonuo.query("HCV00000001").total_fen == -5450
    too_much = RedLineRequest(blue_line_index=2, goods_name="供热费（非居民）", tax_code="1100301010000000000",
                              tax_rate="0.09", quantity="-6", unit_price_excl="10", excl_fen=-6000, tax_fen=-540)
    with pytest.raises(InvoiceProviderError) as exc:
        nuonuo.request_red(red(issued, bill_id="HCR00000002", order_no="HCV00000002", lines=(too_much,)))
    assert "剩余" in str(exc.value)
    with pytest.raises(InvoiceProviderError):  # partly reversed: no full reversal any more
        nuonuo.request_red(red(issued, bill_id="HCR00000003", order_no="HCV00000003"))
    rest = RedLineRequest(blue_line_index=1, goods_name="供热费", tax_code="1100301010000000000", tax_rate="0",
                          quantity="-89.5", unit_price_excl="25.5", excl_fen=-228225, tax_fen=0, favoured_policy="03")
    nuonuo.request_red(red(issued, bill_id="HCR00000004", order_no="HCV00000004", lines=(rest,)))
    assert nuonuo.query_red("HCR00000004").state == RED_ISSUED


def test_company_buyer_must_confirm_and_a_pending_form_can_be_revoked(nuonuo, http,
                                                                     django_capture_on_commit_callbacks):
    company = {"buyer_name": "天津某商贸有限公司", "buyer_tax_no": "91120104MA05XYZ12K", "natural_person": False}
    issued = issue_and_finish(nuonuo, django_capture_on_commit_callbacks, **company)
    nuonuo.request_red(red(issued, buyer_name=company["buyer_name"], buyer_tax_no=company["buyer_tax_no"]))
    assert nuonuo.query_red("HCR00000001").state == RED_PENDING  # 02: waiting for the buyer
    with pytest.raises(InvoiceProviderError):
        nuonuo.confirm_red("HCR00000001", agree=True)  # the seller entered it: the buyer confirms, not us
    knob("red-buyer-confirm", bill_id="HCR00000001", agree=True)
    assert nuonuo.query_red("HCR00000001").state == RED_ISSUED

    second = issue_and_finish(nuonuo, django_capture_on_commit_callbacks, order_no="HCI00000002", **company)
    nuonuo.request_red(red(second, bill_id="HCR00000002", order_no="HCV00000002"))
    assert nuonuo.revoke_red("HCR00000002").state == RED_REVOKED
    # a revoked form frees the invoice for another one
    nuonuo.request_red(red(second, bill_id="HCR00000003", order_no="HCV00000003"))


# --- credit line ---------------------------------------------------------------------------------------------------


def test_credit_line_shrinks_with_issued_invoices_and_a_short_one_fails_the_order(nuonuo, http,
                                                                                 django_capture_on_commit_callbacks):
    knob("credit", tax_no=TAX_NO, total_fen=300000, used_fen=0)
    assert (nuonuo.credit_line().total_fen, nuonuo.credit_line().remaining_fen) == (300000, 300000)
    issue_and_finish(nuonuo, django_capture_on_commit_callbacks)
    line = nuonuo.credit_line()
    assert (line.used_fen, line.remaining_fen) == (239125, 60875) and line.checked_at is not None
    nuonuo.issue(blue("HCI00000002"))
    assert nuonuo.query("HCI00000002").state == ISSUING
    short = nuonuo.query("HCI00000002")
    assert short.state == FAILED and "授信额度" in short.fail_reason
    knob("credit", tax_no=TAX_NO, total_fen=1000000)
    nuonuo.reissue(order_no="HCI00000002", serial_no=short.serial_no)
    assert [nuonuo.query("HCI00000002").state for _ in range(3)] == [ISSUING, SIGNING, ISSUED]


def test_knobs_answer_json_and_refuse_unknown_companies(db, http):
    response = requests.post(f"{SANDBOX}/knobs/register", json={"tax_no": TAX_NO, "seller_name": "甲"}, timeout=5)
    assert response.status_code == 200 and response.json()["userTax"] == TAX_NO
    assert NuonuoApp.objects.get(user_tax=TAX_NO).app_key == response.json()["appKey"]
    missing = requests.post(f"{SANDBOX}/knobs/session", json={"tax_no": "91120116MA06ABCD9X", "state": "ok"},
                            timeout=5)
    assert missing.status_code == 404 and missing.json()["code"] == "070306"
    bad = requests.post(f"{SANDBOX}/knobs/fail-next", json={"tax_no": TAX_NO, "status": "3"}, timeout=5)
    assert bad.status_code == 400
    again = requests.post(f"{SANDBOX}/knobs/register", json={"tax_no": TAX_NO}, timeout=5).json()
    assert again["appSecret"] == response.json()["appSecret"]  # a seed run twice keeps working
    rotated = requests.post(f"{SANDBOX}/knobs/register", json={"tax_no": TAX_NO, "rotate": True}, timeout=5).json()
    assert rotated["appSecret"] != response.json()["appSecret"]
    state = requests.post(f"{SANDBOX}/knobs/state", json={"tax_no": TAX_NO}, timeout=5).json()
    assert state["session"] == "ok" and state["orders"] == []


def test_the_clock_task_and_the_advance_knob_move_orders_without_queries(nuonuo, http,
                                                                         django_capture_on_commit_callbacks):
    from apps.invoices.sandbox.tasks import advance_order

    knob("steps", tax_no=TAX_NO, queries_per_step=0, seconds_per_step=5)
    nuonuo.issue(blue())
    order = NuonuoOrder.objects.get(order_no="HCI00000001")
    advance_order.delay(order.pk)  # not due yet
    assert NuonuoOrder.objects.get(pk=order.pk).status == "20"
    NuonuoOrder.objects.filter(pk=order.pk).update(changed_at=timezone.now() - dt.timedelta(seconds=5))
    advance_order.delay(order.pk)
    assert NuonuoOrder.objects.get(pk=order.pk).status == "21"
    with django_capture_on_commit_callbacks(execute=True):
        assert knob("advance", tax_no=TAX_NO, order_no="HCI00000001") == {"orderNo": "HCI00000001", "status": "2"}
    assert [c["content"]["c_status"] for c in callbacks(http)] == ["1"]
