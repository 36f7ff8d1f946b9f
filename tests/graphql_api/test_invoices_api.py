"""The e-invoice API: residents see and request invoices only of their own orders and keep their own title book
(someone else's ids and another company's answer "not found", changing nothing); staff-only fields refuse
residents; typed errors change nothing; settings secrets are write-only (never in an answer, an audit row or a
log line); the lists cost the same queries for one invoice as for many. Which roles may call which root field is
checked for every field by test_access_matrix.py."""

from __future__ import annotations

import logging

import pytest
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.invoices.models import FeeItemTax, Invoice, InvoiceSettings, InvoiceTitle
from tests.factories.invoice_rows import blue_invoice, paid_order, red_invoice
from tests.factories.residents import ResidentFactory, resident_token
from tests.queries import assert_same_queries_grown

pytestmark = pytest.mark.usefixtures("mp_media")

INVOICE_FIELDS = """id kind status orderId outTradeNo orderNo buyerKind buyerName buyerTaxNo totalFen exclFen taxFen
  invoiceNumber issuedAt failReason pdfUrl ofdUrl createdAt
  lines { index goodsName taxCode taxRate favouredPolicy favouredPolicyName exclFen taxFen inclFen reversedFen
          explanation }
  reds { id kind status totalFen invoiceNumber blueId lines { index inclFen } }"""
# A page as the mini-program asks for it (20): every field of 50 invoices is over a resident's query budget.
MY_INVOICES = f"query {{ myInvoices(limit: 20) {{ totalCount items {{ {INVOICE_FIELDS} }} }} }}"
MY_INVOICE = f"query($id: ID!) {{ myInvoice(id: $id) {{ {INVOICE_FIELDS} }} }}"
STAFF_INVOICES = f"""query($f: InvoiceFilter) {{ invoices(filter: $f, limit: 50) {{ totalCount items {{
  {INVOICE_FIELDS} attempts nextAttemptAt requestedBy
  redConfirmations {{ id status reason full totalFen confirmationNo failReason requestedBy }} }} }} }}"""
STAFF_INVOICE = """query($id: ID!) { invoice(id: $id) { id status order { outTradeNo amountFen }
  redConfirmations { status reason full totalFen confirmationNo } } }"""
REQUEST = """mutation($order: ID!, $titleId: ID, $title: InvoiceTitleInput) {
  requestInvoice(orderId: $order, titleId: $titleId, title: $title) {
    invoice { id status buyerName } errors { field code message } } }"""
SAVE_TITLE = """mutation($id: ID, $input: InvoiceTitleInput!, $d: Boolean) {
  saveInvoiceTitle(id: $id, input: $input, isDefault: $d) {
    title { id kind name taxNo phone email isDefault } errors { field code message } } }"""
DELETE_TITLE = "mutation($id: ID!) { deleteInvoiceTitle(id: $id) { deletedId errors { field code } } }"
TITLES = "query { myInvoiceTitles { id kind name taxNo isDefault } }"
SAVE_SETTINGS = """mutation($input: InvoiceSettingsInput!) { saveInvoiceSettings(input: $input) {
  settings { enabled sellerTaxNo sellerName drawer provider appKey hasAppSecret hasAccessToken policy }
  errors { field code message } } }"""
SETTINGS = """query { invoiceSettings { enabled sellerTaxNo sellerName drawer provider appKey hasAppSecret
  hasAccessToken policy } }"""
SAVE_FEE_ITEM = """mutation($input: FeeItemTaxInput!) { saveFeeItemTax(input: $input) {
  feeItemTax { id lineKind lineKindLabel category configured goodsName taxCode taxRate favouredPolicy
               favouredPolicyName unit }
  errors { field code message } } }"""
FEE_ITEMS = "query { feeItemTaxes { id lineKind category configured goodsName taxRate favouredPolicy } }"
SESSION = """query { invoiceSession { state message faceQrUrl checkedAt creditTotalFen creditRemainingFen
  creditCheckedAt action } }"""
SECRET = "n0t-for-anyone-8f3a1c2e9b7d"
TOKEN_SECRET = "tok-never-shown-77a1b2c3d4e5"
SELLER = {"enabled": True, "sellerTaxNo": "91120116MA05JKLN47", "sellerName": "天津滨海热力有限公司",
          "drawer": "王会计", "appKey": "SD63236305", "appSecret": SECRET, "accessToken": TOKEN_SECRET,
          "policy": "ON_REQUEST"}


def _data(result: dict, name: str):
    assert "errors" not in result, result
    return result["data"][name]


@pytest.fixture
def two_residents(alpha, make_resident):
    """Two residents of alpha, each with a paid order and its issued blue invoice (the first also a red one)."""
    me, my_token = make_resident(alpha, "o-inv-me")
    other, other_token = make_resident(alpha, "o-inv-other")
    with schema_context(alpha.schema):
        mine = blue_invoice(paid_order(me))
        red = red_invoice(mine)
        theirs = blue_invoice(paid_order(other))
        their_title = InvoiceTitle.objects.create(resident=other, kind="personal", name="李四", is_default=True)
    return {"me": me, "token": my_token, "mine": mine, "red": red, "other": other, "other_token": other_token,
            "theirs": theirs, "their_title": their_title}


# --- residents: own invoices only --------------------------------------------------------------------------------

def test_residents_list_and_read_only_the_invoices_of_their_own_orders(gql, alpha, two_residents):
    t = two_residents
    page = _data(gql(alpha.host, MY_INVOICES, token=t["token"]), "myInvoices")
    assert page["totalCount"] == 1
    [item] = page["items"]
    assert item["id"] == str(t["mine"].pk) and item["kind"] == "BLUE" and item["status"] == "ISSUED"
    assert item["pdfUrl"] == f"/files/invoices/{t['mine'].pk}.pdf"
    assert item["ofdUrl"] == f"/files/invoices/{t['mine'].pk}.ofd"
    assert [line["index"] for line in item["lines"]] == [1, 2]
    assert item["lines"][0]["favouredPolicyName"] == "免税"
    assert [r["id"] for r in item["reds"]] == [str(t["red"].pk)]
    assert item["reds"][0]["blueId"] == str(t["mine"].pk) and item["reds"][0]["totalFen"] < 0
    # Mine by id (the red one too); theirs, a missing one and a malformed id: the same null.
    assert _data(gql(alpha.host, MY_INVOICE, {"id": str(t["red"].pk)}, token=t["token"]), "myInvoice")["kind"] == "RED"
    for foreign in (str(t["theirs"].pk), "999999", "x1"):
        assert _data(gql(alpha.host, MY_INVOICE, {"id": foreign}, token=t["token"]), "myInvoice") is None
    assert _data(gql(alpha.host, MY_INVOICES, token=t["other_token"]), "myInvoices")["totalCount"] == 1


def test_staff_only_invoice_fields_are_refused_to_residents(gql, alpha, two_residents):
    t = two_residents
    for field in ("redConfirmations { status }", "attempts", "nextAttemptAt", "requestedBy"):
        result = gql(alpha.host, f"query($id: ID!) {{ myInvoice(id: $id) {{ id {field} }} }}",
                     {"id": str(t["mine"].pk)}, token=t["token"])
        assert [e["extensions"]["code"] for e in result["errors"]] == ["PERMISSION_DENIED"], field
    # The order of their own invoice they may read (it is theirs).
    own = gql(alpha.host, "query($id: ID!) { myInvoice(id: $id) { order { outTradeNo } } }",
              {"id": str(t["mine"].pk)}, token=t["token"])
    assert _data(own, "myInvoice")["order"]["outTradeNo"] == t["mine"].order.out_trade_no


def test_a_resident_cannot_request_an_invoice_for_someone_elses_order(gql, alpha, two_residents):
    t = two_residents
    with schema_context(alpha.schema):
        their_unissued = paid_order(t["other"])
    for order_id in (str(their_unissued.pk), "999999", "abc"):
        payload = _data(gql(alpha.host, REQUEST, {"order": order_id, "title": {"kind": "PERSONAL", "name": "张三"}},
                            token=t["token"]), "requestInvoice")
        assert payload["invoice"] is None
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [("orderId", "NOT_FOUND")]
    with schema_context(alpha.schema):
        assert not Invoice.objects.filter(order=their_unissued).exists()


def test_a_resident_cannot_use_someone_elses_saved_title(gql, alpha, two_residents):
    t = two_residents
    with schema_context(alpha.schema):
        my_order = paid_order(t["me"])
    payload = _data(gql(alpha.host, REQUEST, {"order": str(my_order.pk), "titleId": str(t["their_title"].pk)},
                        token=t["token"]), "requestInvoice")
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("titleId", "NOT_FOUND")]
    with schema_context(alpha.schema):
        assert not Invoice.objects.filter(order=my_order).exists()


def test_a_typed_title_is_validated_before_anything_is_requested(gql, alpha, two_residents):
    t = two_residents
    with schema_context(alpha.schema):
        my_order = paid_order(t["me"])
    cases = [({"title": {"kind": "COMPANY", "name": "某公司"}}, ("taxNo", "REQUIRED")),
             ({"title": {"kind": "COMPANY", "name": "某公司", "taxNo": "123"}}, ("taxNo", "INVALID_TAX_NO")),
             ({"title": {"kind": "PERSONAL", "name": "张三", "email": "not-an-email"}}, ("email", "INVALID"))]
    for extra, expected in cases:
        payload = _data(gql(alpha.host, REQUEST, {"order": str(my_order.pk), **extra}, token=t["token"]),
                        "requestInvoice")
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [expected], extra
    with schema_context(alpha.schema):
        assert not Invoice.objects.filter(order=my_order).exists()


def test_another_companys_ids_are_not_found(gql, alpha, beta, two_residents, make_resident, make_staff):
    t = two_residents
    _, beta_token = make_resident(beta, "o-inv-beta")
    assert _data(gql(beta.host, MY_INVOICE, {"id": str(t["mine"].pk)}, token=beta_token), "myInvoice") is None
    assert _data(gql(beta.host, MY_INVOICES, token=beta_token), "myInvoices")["totalCount"] == 0
    beta_finance = make_staff(beta, "finance")
    assert _data(gql(beta.host, STAFF_INVOICE, {"id": str(t["mine"].pk)}, token=beta_finance), "invoice") is None
    assert _data(gql(beta.host, STAFF_INVOICES, token=beta_finance), "invoices")["totalCount"] == 0
    payload = _data(gql(beta.host, REQUEST, {"order": str(t["mine"].order_id),
                                             "title": {"kind": "PERSONAL", "name": "张三"}}, token=beta_finance),
                    "requestInvoice")
    assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]
    retry = _data(gql(beta.host, "mutation($id: ID!) { retryInvoice(id: $id) { invoice { id } errors { code } } }",
                      {"id": str(t["mine"].pk)}, token=beta_finance), "retryInvoice")
    assert retry == {"invoice": None, "errors": [{"code": "NOT_FOUND"}]}
    reverse = _data(gql(beta.host, """mutation($id: ID!) { reverseInvoice(id: $id, reason: RETURN, note: "退款") {
        invoice { id } errors { code } } }""", {"id": str(t["mine"].pk)}, token=beta_finance), "reverseInvoice")
    assert reverse == {"invoice": None, "errors": [{"code": "NOT_FOUND"}]}
    # An alpha token is not accepted on beta's domain at all.
    assert gql(beta.host, MY_INVOICES, token=t["token"])["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# --- the title book ---------------------------------------------------------------------------------------------

def test_title_book_keeps_one_default_and_refuses_someone_elses_titles(gql, alpha, two_residents):
    t = two_residents
    first = _data(gql(alpha.host, SAVE_TITLE, {"input": {"kind": "PERSONAL", "name": "张三", "phone": "13800001111"}},
                      token=t["token"]), "saveInvoiceTitle")
    assert first["errors"] == [] and first["title"]["isDefault"] is True  # the first is the default
    company = _data(gql(alpha.host, SAVE_TITLE, {"input": {"kind": "COMPANY", "name": "天津某某科技有限公司",
                                                           "taxNo": "91120116ma05jkln47"}, "d": True},
                        token=t["token"]), "saveInvoiceTitle")
    assert company["errors"] == [] and company["title"]["taxNo"] == "91120116MA05JKLN47"
    titles = _data(gql(alpha.host, TITLES, token=t["token"]), "myInvoiceTitles")
    assert [(x["name"], x["isDefault"]) for x in titles] == [("天津某某科技有限公司", True), ("张三", False)]
    # Someone else's title: NOT_FOUND for change and delete, and it stays as it was.
    theirs = str(t["their_title"].pk)
    changed = _data(gql(alpha.host, SAVE_TITLE, {"id": theirs, "input": {"kind": "PERSONAL", "name": "改了"}},
                        token=t["token"]), "saveInvoiceTitle")
    assert changed == {"title": None, "errors": [{"field": "id", "code": "NOT_FOUND", "message": "找不到该抬头。"}]}
    deleted = _data(gql(alpha.host, DELETE_TITLE, {"id": theirs}, token=t["token"]), "deleteInvoiceTitle")
    assert deleted == {"deletedId": None, "errors": [{"field": "id", "code": "NOT_FOUND"}]}
    with schema_context(alpha.schema):
        assert InvoiceTitle.objects.get(pk=t["their_title"].pk).name == "李四"
    mine = _data(gql(alpha.host, DELETE_TITLE, {"id": first["title"]["id"]}, token=t["token"]), "deleteInvoiceTitle")
    assert mine == {"deletedId": first["title"]["id"], "errors": []}
    assert [x["name"] for x in _data(gql(alpha.host, TITLES, token=t["token"]), "myInvoiceTitles")] == [
        "天津某某科技有限公司"]


def test_an_invalid_title_changes_nothing(gql, alpha, two_residents):
    t = two_residents
    bad = [({"kind": "COMPANY", "name": "某公司"}, "taxNo", "REQUIRED"),
           ({"kind": "COMPANY", "name": "某公司", "taxNo": "91120116MA05JKLNIO"}, "taxNo", "INVALID_TAX_NO"),
           ({"kind": "PERSONAL", "name": "  "}, "name", "REQUIRED"),
           ({"kind": "PERSONAL", "name": "张三", "phone": "call me"}, "phone", "INVALID")]
    for title, field, code in bad:
        payload = _data(gql(alpha.host, SAVE_TITLE, {"input": title}, token=t["token"]), "saveInvoiceTitle")
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)], title
    assert _data(gql(alpha.host, TITLES, token=t["token"]), "myInvoiceTitles") == []


# --- staff ------------------------------------------------------------------------------------------------------

def test_staff_list_filters_and_one_invoice_with_its_order_and_red_confirmations(gql, alpha, two_residents,
                                                                                  make_staff):
    t = two_residents
    collector = make_staff(alpha, "collector")
    everything = _data(gql(alpha.host, STAFF_INVOICES, token=collector), "invoices")
    assert everything["totalCount"] == 3
    blue_only = _data(gql(alpha.host, STAFF_INVOICES, {"f": {"kind": "BLUE"}}, token=collector), "invoices")
    assert {i["id"] for i in blue_only["items"]} == {str(t["mine"].pk), str(t["theirs"].pk)}
    found = _data(gql(alpha.host, STAFF_INVOICES, {"f": {"search": t["mine"].invoice_number}}, token=collector),
                  "invoices")
    assert [i["id"] for i in found["items"]] == [str(t["mine"].pk)]
    assert found["items"][0]["redConfirmations"][0]["reason"] == "RETURN"
    one = _data(gql(alpha.host, STAFF_INVOICE, {"id": str(t["mine"].pk)}, token=collector), "invoice")
    assert one["order"]["outTradeNo"] == t["mine"].order.out_trade_no
    assert [(c["status"], c["full"]) for c in one["redConfirmations"]] == [("ISSUED", False)]
    too_long = gql(alpha.host, STAFF_INVOICES, {"f": {"dateFrom": "2025-01-01", "dateTo": "2026-12-31"}},
                   token=collector)
    assert [e["extensions"]["code"] for e in too_long["errors"]] == ["BAD_USER_INPUT"]


def test_lists_cost_the_same_queries_for_one_invoice_as_for_many(gql, alpha, make_resident, make_staff):
    me, token = make_resident(alpha, "o-inv-count")
    finance = make_staff(alpha, "finance")
    with schema_context(alpha.schema):
        red_invoice(blue_invoice(paid_order(me)))

    def grow():
        with schema_context(alpha.schema):
            for _ in range(4):
                red_invoice(blue_invoice(paid_order(me), lines=3), line_index=2)

    def mine():
        return _data(gql(alpha.host, MY_INVOICES, token=token), "myInvoices")

    def staff():
        return _data(gql(alpha.host, STAFF_INVOICES, token=finance), "invoices")

    one, many = assert_same_queries_grown(mine, grow)
    assert (one["totalCount"], many["totalCount"]) == (1, 5)
    with schema_context(alpha.schema):
        red_invoice(blue_invoice(paid_order(me)))
    first, _ = assert_same_queries_grown(staff, grow)
    assert first["totalCount"] == 12


def test_the_count_check_catches_an_n_plus_one(gql, alpha, make_resident, monkeypatch):
    """Without the prefetch of lines the same check fails: it can fail."""
    from apps.invoices import access

    me, token = make_resident(alpha, "o-inv-n1")
    with schema_context(alpha.schema):
        blue_invoice(paid_order(me))
    monkeypatch.setattr(access, "with_details", lambda qs: qs.select_related("order"))

    def grow():
        with schema_context(alpha.schema):
            blue_invoice(paid_order(me))

    with pytest.raises(AssertionError, match="queries for one row"):
        assert_same_queries_grown(lambda: _data(gql(alpha.host, MY_INVOICES, token=token), "myInvoices"), grow)


# --- settings: validated, secrets write-only --------------------------------------------------------------------

def test_settings_secrets_are_write_only_and_never_logged_or_audited(gql, alpha, make_staff, caplog):
    admin = make_staff(alpha, "tenant_admin")
    caplog.set_level(logging.DEBUG)
    saved = _data(gql(alpha.host, SAVE_SETTINGS, {"input": SELLER}, token=admin), "saveInvoiceSettings")
    assert saved["errors"] == []
    assert saved["settings"]["hasAppSecret"] is True and saved["settings"]["hasAccessToken"] is True
    # Saved again without secrets: the stored ones stay.
    again = _data(gql(alpha.host, SAVE_SETTINGS, {"input": {**SELLER, "appSecret": "", "accessToken": None,
                                                            "drawer": "李会计"}}, token=admin),
                  "saveInvoiceSettings")
    assert again["errors"] == [] and again["settings"]["hasAppSecret"] is True
    read = gql(alpha.host, SETTINGS, token=admin)
    assert _data(read, "invoiceSettings")["drawer"] == "李会计"
    for text in (str(saved), str(again), str(read), caplog.text):
        assert SECRET not in text and TOKEN_SECRET not in text
    with schema_context(alpha.schema):
        row = InvoiceSettings.objects.get()
        assert (row.app_secret, row.access_token) == (SECRET, TOKEN_SECRET)
        audits = list(AuditLog.objects.filter(action="invoice.settings.save").order_by("id"))
    assert [a.detail["fields"] for a in audits] == [
        sorted(["enabled", "seller_tax_no", "seller_name", "drawer", "provider", "app_key", "policy",
                "seller_address_phone", "seller_bank_account", "app_secret", "access_token"]), ["drawer"]]
    for audit in audits:
        assert SECRET not in str(audit.detail) and TOKEN_SECRET not in str(audit.detail)
        assert "王会计" not in str(audit.detail)  # names of fields, never values


def test_invalid_settings_change_nothing(gql, alpha, make_staff):
    finance = make_staff(alpha, "finance")
    cases = [({"sellerTaxNo": "12345"}, "sellerTaxNo", "INVALID_TAX_NO"),
             ({"sellerName": " "}, "sellerName", "REQUIRED"),
             ({"drawer": "王" * 21}, "drawer", "INVALID"),
             ({"appSecret": ""}, "appSecret", "NOT_CONFIGURED")]  # enabling needs the secrets
    for change, field, code in cases:
        payload = _data(gql(alpha.host, SAVE_SETTINGS, {"input": {**SELLER, **change}}, token=finance),
                        "saveInvoiceSettings")
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)], change
    assert _data(gql(alpha.host, SETTINGS, token=finance), "invoiceSettings") is None
    with schema_context(alpha.schema):
        assert not InvoiceSettings.objects.exists()
        assert not AuditLog.objects.filter(action="invoice.settings.save").exists()


def test_fee_items_list_every_item_and_category_and_validate_the_tax_treatment(gql, alpha, make_staff):
    admin = make_staff(alpha, "tenant_admin")
    before = _data(gql(alpha.host, FEE_ITEMS, token=admin), "feeItemTaxes")
    assert len(before) == 8 and not any(r["configured"] for r in before)
    good = {"lineKind": "HEATING_FEE", "category": "RESIDENTIAL", "goodsName": "*供热*采暖费",
            "taxCode": "1100301010000000000", "taxRate": "0", "favouredPolicy": "03", "unit": "平方米"}
    bad = [({"taxCode": "110030101"}, "taxCode", "INVALID_TAX_CODE"),
           ({"taxRate": "0.17", "favouredPolicy": ""}, "taxRate", "INVALID_TAX_RATE"),
           ({"taxRate": "0.09"}, "taxRate", "INVALID_TAX_RATE"),  # 免税 with a rate
           ({"favouredPolicy": ""}, "favouredPolicy", "INVALID_POLICY"),  # rate 0 without 03/04
           ({"favouredPolicy": "99"}, "favouredPolicy", "INVALID_POLICY"),
           ({"lineKind": "DISCOUNT"}, "lineKind", "INVALID")]
    for change, field, code in bad:
        payload = _data(gql(alpha.host, SAVE_FEE_ITEM, {"input": {**good, **change}}, token=admin), "saveFeeItemTax")
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)], change
    with schema_context(alpha.schema):
        assert not FeeItemTax.objects.exists()
    saved = _data(gql(alpha.host, SAVE_FEE_ITEM, {"input": good}, token=admin), "saveFeeItemTax")
    assert saved["errors"] == []
    assert saved["feeItemTax"] == {"id": saved["feeItemTax"]["id"], "lineKind": "HEATING_FEE",
                                   "lineKindLabel": "采暖费", "category": "RESIDENTIAL", "configured": True,
                                   "goodsName": "*供热*采暖费", "taxCode": "1100301010000000000", "taxRate": "0.0000",
                                   "favouredPolicy": "03", "favouredPolicyName": "免税", "unit": "平方米"}
    taxed = {**good, "category": "NON_RESIDENTIAL", "taxRate": "0.09", "favouredPolicy": None}
    assert _data(gql(alpha.host, SAVE_FEE_ITEM, {"input": taxed}, token=admin), "saveFeeItemTax")["errors"] == []
    after = {(r["lineKind"], r["category"]): r for r in _data(gql(alpha.host, FEE_ITEMS, token=admin), "feeItemTaxes")}
    assert after[("HEATING_FEE", "NON_RESIDENTIAL")]["taxRate"] == "0.0900"
    assert sum(r["configured"] for r in after.values()) == 2


def test_session_says_what_staff_must_do(gql, alpha, make_staff):
    collector = make_staff(alpha, "collector")
    unset = _data(gql(alpha.host, SESSION, token=collector), "invoiceSession")
    assert unset["state"] == "UNKNOWN" and "未启用" in unset["action"]
    with schema_context(alpha.schema):
        InvoiceSettings.objects.create(enabled=True, seller_tax_no="91120116MA05JKLN47", seller_name="热力",
                                       drawer="王", app_key="k", app_secret="s", access_token="t",
                                       session_state="login_required", session_message="请重新登录",
                                       credit_total_fen=100_000_000, credit_remaining_fen=40_000_000)
    dropped = _data(gql(alpha.host, SESSION, token=collector), "invoiceSession")
    assert dropped["state"] == "LOGIN_REQUIRED" and dropped["message"] == "请重新登录"
    assert "电子税务局登录" in dropped["action"]
    assert (dropped["creditTotalFen"], dropped["creditRemainingFen"]) == (100_000_000, 40_000_000)
    with schema_context(alpha.schema):
        InvoiceSettings.objects.update(session_state="face_required")
    assert "人脸认证" in _data(gql(alpha.host, SESSION, token=collector), "invoiceSession")["action"]
    with schema_context(alpha.schema):
        InvoiceSettings.objects.update(session_state="ok")
    assert _data(gql(alpha.host, SESSION, token=collector), "invoiceSession")["action"] is None


def test_residents_of_other_tokens_kinds(gql, alpha, make_resident):
    """A resident disabled after the token was issued is refused (the resident fields check the actor)."""
    with schema_context(alpha.schema):
        resident = ResidentFactory(openid="o-inv-disabled")
        token = resident_token(alpha, resident)
        resident.is_active = False
        resident.save(update_fields=["is_active"])
    result = gql(alpha.host, MY_INVOICES, token=token)
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
