"""The Nuonuo adapter on its own: the request signature against a vector computed here from the documented string,
the blue and red bodies field by field, and how recorded answers (envelopes, results, callbacks) map to the port.
Answers are served at the HTTP layer (responses) in Nuonuo's recorded shapes; no network."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from apps.invoices.providers import (
    FAILED,
    ISSUED,
    NOT_FOUND,
    RED_CONFIRMED,
    RED_FAILED,
    RED_ISSUED,
    RED_PENDING,
    RED_REVOKED,
    SIGN_FAILED,
    CallbackEvent,
    DuplicateOrder,
    InvoiceLineRequest,
    InvoiceProviderError,
    IssueRequest,
    ProviderCredentials,
    RedLineRequest,
    RedRequest,
)
from apps.invoices.providers.nuonuo import NuonuoProvider, invoice_result_from, red_result_from, sign

GATEWAY = "https://sdk.nuonuo.com"
URL = GATEWAY + "/open/v1/services"
CREDS = ProviderCredentials(provider="nuonuo", app_key="SD63236031", app_secret="SDDED2523BED4643",
                            access_token="a0d7b7d1a4f0c3e2b1a9", seller_tax_no="339902999999789113")


def provider() -> NuonuoProvider:
    return NuonuoProvider(CREDS, gateway=GATEWAY)


def blue_request(**overrides) -> IssueRequest:
    lines = (
        InvoiceLineRequest(goods_name="供热费", tax_code="1100301010000000000", unit="平方米", quantity="89.5",
                           unit_price_excl="25.5", tax_rate="0", excl_fen=228225, tax_fen=0, incl_fen=228225,
                           favoured_policy="03", favoured_policy_name="免税"),
        InvoiceLineRequest(goods_name="供热费（非居民）", tax_code="1100301010000000000", unit="平方米",
                           quantity="10", unit_price_excl="10.00000000", tax_rate="0.09", excl_fen=10000,
                           tax_fen=900, incl_fen=10900),
    )
    fields = {"order_no": "HCI00000001", "invoice_line": "pc",
              "issued_at": dt.datetime(2026, 12, 1, 2, 3, 4, tzinfo=dt.UTC), "buyer_name": "张三",
              "buyer_phone": "13800000000", "natural_person": True, "seller_address_phone": "天津市河西区 022-1234",
              "drawer": "王会计", "push_mode": 1, "callback_url": "https://alpha.example.cn/invoices/callback/nuonuo/",
              "lines": lines}
    return IssueRequest(**{**fields, **overrides})


def envelope(code="E0000", describe="调用成功", result=None) -> str:
    return json.dumps({"code": code, "describe": describe, "result": result}, ensure_ascii=False)


# --- signing -----------------------------------------------------------------------------------------------------


def test_signature_matches_the_documented_string():
    body = '{"orderNos":["HCI1"]}'
    documented = ("a=services&l=v1&p=open&k=SD63236031&i=0123456789abcdef0123456789abcdef&n=12345678"
                  "&t=1764547200&f=" + body)
    expected = base64.b64encode(hmac.new(b"SDDED2523BED4643", documented.encode(), hashlib.sha1).digest()).decode()
    assert sign(app_secret="SDDED2523BED4643", app_key="SD63236031", senid="0123456789abcdef0123456789abcdef",
                nonce="12345678", timestamp="1764547200", body=body) == expected
    assert expected == "v05G+lKqF8handBIyK3/twBs7S0="  # recorded: the vector itself must not drift


@responses.activate
def test_each_request_is_signed_over_the_very_bytes_sent():
    responses.add(responses.POST, URL, body=envelope(result={"invoiceSerialNum": "24120110300102345678"}))
    assert provider().issue(blue_request()) == "24120110300102345678"
    request = responses.calls[0].request
    query = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
    assert set(query) == {"senid", "nonce", "timestamp", "appkey"} and query["appkey"] == CREDS.app_key
    assert len(query["senid"]) == 32 and len(query["nonce"]) == 8 and query["nonce"].isdigit()
    assert abs(int(query["timestamp"]) - dt.datetime.now(dt.UTC).timestamp()) < 5
    body = request.body.decode("utf-8")
    message = (f"a=services&l=v1&p=open&k={CREDS.app_key}&i={query['senid']}&n={query['nonce']}"
               f"&t={query['timestamp']}&f={body}")
    assert request.headers["X-Nuonuo-Sign"] == base64.b64encode(
        hmac.new(CREDS.app_secret.encode(), message.encode(), hashlib.sha1).digest()).decode()
    assert request.headers["accessToken"] == CREDS.access_token
    assert request.headers["userTax"] == CREDS.seller_tax_no
    assert request.headers["method"] == "nuonuo.OpeMplatform.requestBillingNew"
    assert request.headers["Content-Type"] == "application/json"
    assert "张三" in body  # UTF-8 as is, not \\u escapes


# --- bodies ------------------------------------------------------------------------------------------------------


def test_blue_order_carries_the_documented_fields():
    order = provider().order_content(blue_request())["order"]
    assert order == {
        "orderNo": "HCI00000001", "invoiceDate": "2026-12-01 10:03:04", "invoiceType": "1", "invoiceLine": "pc",
        "buyerName": "张三", "salerTaxNum": "339902999999789113", "pushMode": "1", "clerk": "王会计",
        "buyerPhone": "13800000000", "salerAddress": "天津市河西区 022-1234",
        "callBackUrl": "https://alpha.example.cn/invoices/callback/nuonuo/", "naturalPersonFlag": "1",
        "invoiceDetail": [
            {"goodsName": "供热费", "goodsCode": "1100301010000000000", "withTaxFlag": "0", "price": "25.5",
             "num": "89.5", "unit": "平方米", "taxRate": "0", "taxExcludedAmount": "2282.25", "tax": "0.00",
             "taxIncludedAmount": "2282.25", "invoiceLineProperty": "0", "favouredPolicyFlag": "03",
             "favouredPolicyName": "免税"},
            {"goodsName": "供热费（非居民）", "goodsCode": "1100301010000000000", "withTaxFlag": "0",
             "price": "10.00000000", "num": "10", "unit": "平方米", "taxRate": "0.09", "taxExcludedAmount": "100.00",
             "tax": "9.00", "taxIncludedAmount": "109.00", "invoiceLineProperty": "0"},
        ],
    }


def test_company_special_invoice_has_buyer_tax_number_and_no_natural_person_flag():
    order = provider().order_content(blue_request(invoice_line="bs", natural_person=False, buyer_name="天津某公司",
                                                  buyer_tax_no="91120116MA06ABCD1X",
                                                  buyer_bank_account="工行 0302"))["order"]
    assert order["buyerTaxNum"] == "91120116MA06ABCD1X" and order["buyerAccount"] == "工行 0302"
    assert "naturalPersonFlag" not in order and order["invoiceLine"] == "bs"


@pytest.mark.parametrize(("ours", "nuonuo"), [("01", "2"), ("02", "1"), ("03", "3"), ("04", "4")])
def test_red_reason_maps_bureau_codes_to_nuonuo(ours, nuonuo):
    red = RedRequest(bill_id="HCR1", order_no="HCV1", blue_invoice_number="24122000000000000001",
                     blue_invoice_line="pc", reason=ours, seller_tax_no=CREDS.seller_tax_no, seller_name="甲热力",
                     buyer_name="张三")
    content = provider().red_content(red)
    assert content["redReason"] == nuonuo and "detail" not in content  # full: no lines
    assert content["applySource"] == "0" and content["blueElecInvoiceNumber"] == "24122000000000000001"


def test_partial_red_sends_negative_lines_by_blue_index():
    line = RedLineRequest(blue_line_index=2, goods_name="供热费（非居民）", tax_code="1100301010000000000",
                          tax_rate="0.09", quantity="-5", unit_price_excl="10.00000000", excl_fen=-5000, tax_fen=-450)
    red = RedRequest(bill_id="HCR2", order_no="HCV2", blue_invoice_number="24122000000000000001",
                     blue_invoice_line="pc", reason="02", seller_tax_no=CREDS.seller_tax_no, seller_name="甲热力",
                     buyer_name="张三", lines=(line,))
    assert provider().red_content(red)["detail"] == [{
        "blueDetailIndex": "2", "goodsName": "供热费（非居民）", "num": "-5", "taxExcludedPrice": "10.00000000",
        "taxExcludedAmount": "-50.00", "taxAmount": "-4.50", "taxRate": "0.09", "goodsCode": "1100301010000000000"}]


# --- envelopes ---------------------------------------------------------------------------------------------------


@responses.activate
@pytest.mark.parametrize(("code", "describe", "kind", "retryable", "session"), [
    ("E9106", "订单编号重复", DuplicateOrder, False, False),
    ("E9613", "流水号重试次数超限", InvoiceProviderError, False, False),
    ("070101", "appKey不存在", InvoiceProviderError, False, False),
    ("070304", "签名错误", InvoiceProviderError, False, False),
    ("070305", "token无效", InvoiceProviderError, False, False),
    ("070306", "未授权", InvoiceProviderError, False, False),
    ("070307", "时间戳无效", InvoiceProviderError, False, False),
    ("E9720", "电子税务局登录已失效", InvoiceProviderError, True, True),
    ("E9721", "需要人脸认证", InvoiceProviderError, True, True),
    ("E9801", "税局返回：请先完成实名认证后再开票", InvoiceProviderError, True, True),
    ("E9108", "购方名称不能为空", InvoiceProviderError, False, False),
    ("E9999", "系统繁忙", InvoiceProviderError, True, False),
])
def test_envelope_codes_map_to_port_errors(code, describe, kind, retryable, session):
    responses.add(responses.POST, URL, body=envelope(code, describe))
    with pytest.raises(InvoiceProviderError) as exc:
        provider().issue(blue_request())
    assert type(exc.value) is kind
    assert (exc.value.code, exc.value.retryable, exc.value.session) == (code, retryable, session)
    if code == "E9613":
        assert "20次" in str(exc.value)
    assert CREDS.app_secret not in str(exc.value) and CREDS.access_token not in str(exc.value)


@responses.activate
@pytest.mark.parametrize(("status", "body", "code"), [
    (502, "", "NETWORK"), (504, "", "NETWORK"), (200, "<html>", "BAD_RESPONSE"), (200, "[]", "BAD_RESPONSE")])
def test_transport_failures_are_retryable(status, body, code):
    responses.add(responses.POST, URL, status=status, body=body)
    with pytest.raises(InvoiceProviderError) as exc:
        provider().query("HCI1")
    assert (exc.value.code, exc.value.retryable) == (code, True)


@responses.activate
def test_unreachable_gateway_is_a_retryable_network_error():
    with pytest.raises(InvoiceProviderError) as exc:  # responses refuses any unregistered URL
        provider().query("HCI1")
    assert (exc.value.code, exc.value.retryable) == ("NETWORK", True)


@responses.activate
def test_query_not_found_is_a_state_not_an_error():
    responses.add(responses.POST, URL, body=envelope("E9500", "未查询到发票信息"))
    responses.add(responses.POST, URL, body=envelope(result=[]))
    assert provider().query("HCI1").state == NOT_FOUND
    assert provider().query("HCI1").state == NOT_FOUND


# --- results -----------------------------------------------------------------------------------------------------


def test_issued_result_reads_ms_time_number_and_files():
    result = invoice_result_from({
        "serialNo": "24120110300102345678", "orderNo": "HCI1", "status": "2", "statusMsg": "开票完成",
        "allElectronicInvoiceNumber": "24122000000000000042", "invoiceNo": "00000042",
        "invoiceTime": 1764554584000, "orderAmount": "2391.25", "pdfUrl": "https://inv.nuonuo.com/a.pdf",
        "ofdUrl": "https://inv.nuonuo.com/a.ofd", "xmlUrl": "https://inv.nuonuo.com/a.xml", "failCause": ""})
    assert result.state == ISSUED and result.invoice_number == "24122000000000000042"
    assert result.issued_at == dt.datetime(2025, 12, 1, 2, 3, 4, tzinfo=dt.UTC)
    assert result.issued_at.tzinfo is not None and result.total_fen == 239125
    assert (result.pdf_url, result.ofd_url, result.xml_url) == (
        "https://inv.nuonuo.com/a.pdf", "https://inv.nuonuo.com/a.ofd", "https://inv.nuonuo.com/a.xml")


def test_failed_results_carry_the_cause_and_session_drops_are_flagged():
    failed = invoice_result_from({"orderNo": "HCI1", "status": "22", "failCause": "购方税号校验不通过"})
    assert (failed.state, failed.fail_reason, failed.session_dropped) == (FAILED, "购方税号校验不通过", False)
    dropped = invoice_result_from({"orderNo": "HCI1", "status": "22", "failCause": "电子税务局登录失效，请重新登录"})
    assert dropped.session_dropped
    assert invoice_result_from({"orderNo": "HCI1", "status": "24", "statusMsg": "签章失败"}).state == SIGN_FAILED
    with pytest.raises(InvoiceProviderError):
        invoice_result_from({"orderNo": "HCI1", "status": "99"})


@pytest.mark.parametrize(("item", "state"), [
    ({"billStatus": "15"}, RED_PENDING), ({"billStatus": "02"}, RED_PENDING),
    ({"billStatus": "01", "openStatus": "0"}, RED_CONFIRMED),
    ({"billStatus": "01", "openStatus": "1", "redInvoiceNumber": "24122000000000000043"}, RED_ISSUED),
    ({"billStatus": "04", "openStatus": "1", "redInvoiceNumber": "24122000000000000044"}, RED_ISSUED),
    ({"billStatus": "16"}, RED_FAILED), ({"billStatus": "07"}, RED_FAILED), ({"billStatus": "08"}, RED_REVOKED),
])
def test_red_confirmation_states(item, state):
    assert red_result_from({"billId": "HCR1", **item}).state == state


# --- callbacks and downloads ---------------------------------------------------------------------------------------


def test_callbacks_only_name_what_to_query():
    content = json.dumps({"c_fpqqlsh": "1", "c_status": "1", "c_fphm": "24122000000000000042", "c_kprq": 1})
    assert provider().parse_callback({"operater": "callback", "orderno": "HCI1", "content": content}) == \
        CallbackEvent(kind="invoice", order_no="HCI1")
    red = json.dumps({"billId": "HCR1", "billStatus": "01"})
    assert provider().parse_callback({"operater": "redConfirmCallback", "orderno": "HCV1", "content": red}) == \
        CallbackEvent(kind="red", bill_id="HCR1", order_no="HCV1")
    drop = json.dumps({"disconnFlag": "1"})
    assert provider().parse_callback({"operater": "callback", "orderno": "", "content": drop}).kind == "session"
    for bad in ({"operater": "hack", "orderno": "HCI1"}, {"operater": "callback", "content": "{}"},
                {"operater": "redConfirmCallback", "content": "not json"}):
        with pytest.raises(InvoiceProviderError):
            provider().parse_callback(bad)


@pytest.mark.parametrize(("gateway", "url", "allowed"), [
    ("http://localhost/sandbox/nuonuo", "http://localhost/sandbox/nuonuo/files/x.pdf", True),
    ("http://localhost/sandbox/nuonuo", "http://alpha.localhost/files/x.pdf", False),
    ("http://localhost/sandbox/nuonuo", "https://inv.nuonuo.com/x.pdf", False),
    ("https://sdk.nuonuo.com", "https://inv.nuonuo.com/x.pdf", True),
    ("https://sdk.nuonuo.com", "http://inv.nuonuo.com/x.pdf", False),
    ("https://sdk.nuonuo.com", "file:///etc/passwd", False),
])
@responses.activate
def test_download_trusts_only_the_gateway_or_https_in_production(gateway, url, allowed):
    responses.add(responses.GET, url, body=b"%PDF-1.4 file") if url.startswith("http") else None
    p = NuonuoProvider(CREDS, gateway=gateway)
    if allowed:
        assert p.download(url) == b"%PDF-1.4 file"
    else:
        with pytest.raises(InvoiceProviderError) as exc:
            p.download(url)
        assert exc.value.code == "BAD_URL"


@responses.activate
def test_download_refuses_oversized_files(monkeypatch):
    monkeypatch.setattr("apps.invoices.providers.nuonuo.MAX_FILE_BYTES", 1000)
    responses.add(responses.GET, "https://inv.nuonuo.com/big.pdf", body=b"x" * 5000)
    with pytest.raises(InvoiceProviderError) as exc:
        provider().download("https://inv.nuonuo.com/big.pdf")
    assert exc.value.code == "TOO_LARGE"
