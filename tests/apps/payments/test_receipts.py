"""The printable receipt of a counter payment: what the PDF really says (read
back from its content streams through each font's ToUnicode map), that every
font in it is embedded, that it is deterministic and paginates, and who may
download it from /payments/receipts/<out_trade_no>.pdf: payment staff, and
residents for their own houses."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from apps.payments.models import PaymentOrder
from apps.payments.receipts import receipt_pdf
from apps.payments.selectors_counter import counter_order
from tenants.models import HeatingCompany
from tests.factories.accounts import staff
from tests.factories.billing import FULL, bill_for
from tests.factories.payments import pay
from tests.factories.pdf import is_font, page_count, pdf_objects, pdf_text
from tests.factories.properties import HouseFactory
from tests.factories.tariffs import discount_season, late_fee_season, plain_season

# --- content -----------------------------------------------------------------------------------------

@pytest.fixture
def alpha_tenant(alpha):
    """The real tenant on the connection (its name goes on the receipt)."""
    with tenant_context(HeatingCompany.objects.get(slug="alpha")):
        yield connection.tenant


def _two_season_order():
    """Last season in full with its late fee (2400 + 24.00) and part of this season (1000.00 of 2400.00)."""
    collector = staff("li")
    collector.first_name, collector.last_name = "丽", "李"
    collector.save(update_fields=["first_name", "last_name"])
    house = HouseFactory(building_area=Decimal("100"), owner_name="王建国")
    old = bill_for(late_fee_season(), house=house)
    new = bill_for(discount_season(), house=house)
    order = pay(collector, [new, old], FULL + 2400 + 100000, "SJ-2026-000123")
    return counter_order(order_id=order.pk), house


def test_receipt_shows_company_number_lines_and_the_amount_in_figures_and_capitals(alpha_tenant):
    order, house = _two_season_order()
    text = pdf_text(receipt_pdf(order))
    paid_at = timezone.localtime(order.paid_at).strftime("%Y-%m-%d%H:%M:%S")
    for expected in ["alpha热力", "供热费收款收据", "收据号：SJ-2026-000123", f"缴费时间：{paid_at}",
                     "收款方式：现金", "收费员：李丽", house.account_no, "王建国", "".join(house.address.split()),
                     "2025-2026", "2,400.00", "24.00", "2,424.00", "已缴清",  # last season, with its late fee
                     "2026-2027", "1,000.00", "部分缴费，尚欠本金1,400.00元",  # this season, principal only
                     "合计（大写）", "叁仟肆佰贰拾肆元整", "¥3,424.00", "收款单位（盖章）", order.out_trade_no]:
        assert expected in text, expected
    assert "-120.00" not in text  # the discount is not given on a partial payment
    assert text.index("2025-2026") < text.index("2026-2027")  # oldest season first


def test_receipt_shows_a_discount_and_is_deterministic(alpha_tenant):
    order = pay(staff("li"), [bill_for(discount_season())], FULL - 12000, "NO.7")
    order = counter_order(order_id=order.pk)
    pdf = receipt_pdf(order)
    text = pdf_text(pdf)
    assert "-120.00" in text and "¥2,280.00" in text and "贰仟贰佰捌拾元整" in text
    assert pdf.startswith(b"%PDF-") and receipt_pdf(order) == pdf


def test_receipt_of_a_partly_refunded_order_says_so(alpha_tenant):
    order = pay(staff("li"), [bill_for(plain_season())], 100000, "NO.8")
    PaymentOrder.objects.filter(pk=order.pk).update(refunded_fen=50000, refund_status="partial")
    text = pdf_text(receipt_pdf(counter_order(order_id=order.pk)))
    assert "¥1,000.00" in text and "已退款伍佰元整（小写）¥500.00" in text


def test_receipt_for_many_bills_continues_on_more_pages(alpha_tenant):
    season = plain_season()
    bills = [bill_for(season) for _ in range(30)]
    order = counter_order(order_id=pay(staff("li"), bills, 30 * FULL, "NO.30").pk)
    pdf = receipt_pdf(order)
    text = pdf_text(pdf)
    assert page_count(pdf) > 1
    assert "alpha热力收据号：NO.30（续）" in text  # later pages name the receipt they continue
    assert all(b.house.account_no in text for b in bills)
    assert text.count("柒万贰仟元整") == 1 and text.count("¥72,000.00") == 1  # the total once, on the last page


# --- the endpoint ------------------------------------------------------------------------------------

def _get(client, tenant, out_trade_no, token=None):
    headers = {"HTTP_HOST": tenant.host}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    resp = client.get(f"/payments/receipts/{out_trade_no}.pdf", **headers)
    connection.set_schema_to_public()
    return resp


@pytest.fixture
def receipt(alpha, gql):
    """A counter order taken by collector `li` in alpha, with logins for staff of each kind."""
    with schema_context(alpha.schema):
        li, _wang = staff("li"), staff("wang")
        staff("fin", role="finance"), staff("tech", role="technician")
        order = pay(li, [bill_for(plain_season())], 123456, "NO.0001")
        online = PaymentOrder.objects.create(out_trade_no="W2611260000000000001", channel="wechat",
                                             amount_fen=100, description="x")
    return {"order": order.out_trade_no, "online": online.out_trade_no,
            "tokens": {name: gql.login(alpha.host, name) for name in ("li", "wang", "fin", "tech")}}


def test_collector_downloads_their_receipt_inline(client, alpha, receipt):
    resp = _get(client, alpha, receipt["order"], receipt["tokens"]["li"])
    assert resp.status_code == 200, resp.content
    assert resp["Content-Type"] == "application/pdf"
    assert resp["Content-Disposition"] == f'inline; filename="receipt-{receipt["order"]}.pdf"'
    assert "no-store" in resp["Cache-Control"]
    text = pdf_text(resp.content)
    for expected in ["alpha热力", "收据号：NO.0001", "¥1,234.56", "壹仟贰佰叁拾肆元伍角陆分"]:
        assert expected in text, expected


def test_finance_may_print_any_collectors_receipt(client, alpha, receipt):
    assert _get(client, alpha, receipt["order"], receipt["tokens"]["fin"]).status_code == 200


def test_missing_online_and_other_collectors_receipts_are_the_same_404(client, alpha, receipt):
    wang = receipt["tokens"]["wang"]
    answers = [_get(client, alpha, no, token) for no, token in [
        (receipt["order"], wang), ("C0000000000000000000", wang), (receipt["online"], wang),
        (receipt["online"], receipt["tokens"]["fin"])]]
    assert {(r.status_code, r.content) for r in answers} == {(404, answers[0].content)}
    assert answers[0].json()["error"]["code"] == "NOT_FOUND"


def test_technicians_are_refused_and_anonymous_callers_must_log_in(client, alpha, receipt):
    resp = _get(client, alpha, receipt["order"], receipt["tokens"]["tech"])
    assert (resp.status_code, resp.json()["error"]["code"]) == (403, "PERMISSION_DENIED")
    resp = _get(client, alpha, receipt["order"])
    assert (resp.status_code, resp.json()["error"]["code"]) == (401, "UNAUTHENTICATED")


def test_another_companys_token_is_refused(client, alpha, beta, receipt, make_staff):
    beta_admin = make_staff(beta, "tenant_admin")
    resp = _get(client, alpha, receipt["order"], beta_admin)
    assert (resp.status_code, resp.json()["error"]["code"]) == (401, "UNAUTHENTICATED")
    # …and on its own domain the order simply does not exist.
    assert _get(client, beta, receipt["order"], beta_admin).status_code == 404


# --- every font embedded, the collector's display name ---------------------------------------------

def test_every_font_in_the_receipt_is_embedded(alpha_tenant):
    order, _house = _two_season_order()
    pdf = receipt_pdf(order)
    objects = pdf_objects(pdf)
    fonts = [body for body in objects.values() if is_font(body)]
    assert len(fonts) >= 2  # the CJK text and the bold amount
    for font in fonts:
        assert b"/Subtype /TrueType" in font, font[:200]
        descriptor = objects[int(re.search(rb"/FontDescriptor (\d+) 0 R", font).group(1))]
        file_ref = re.search(rb"/FontFile2 (\d+) 0 R", descriptor)
        assert file_ref, descriptor[:200]
        embedded = objects[int(file_ref.group(1))]
        assert b"stream" in embedded and b"/Length1" in embedded  # the TrueType program itself
    for not_embedded in (b"/Type1", b"/Type0", b"/Type3", b"STSong", b"Helvetica", b"UniGB"):
        assert not_embedded not in pdf, not_embedded
    assert b"NotoSansSC-Regular" in pdf and b"NotoSansSC-Bold" in pdf


def test_the_receipt_names_the_collector_by_display_name(alpha_tenant):
    collector = staff("li")
    collector.display_name = "李会计"
    collector.save(update_fields=["display_name"])
    order = counter_order(order_id=pay(collector, [bill_for(plain_season())], 1000, "NO.DN").pk)
    text = pdf_text(receipt_pdf(order))
    assert "收费员：李会计" in text and "收费员（签字）：李会计" in text
    assert "收费员：li" not in text  # never the login name


def test_characters_outside_the_font_are_logged_without_the_text(alpha_tenant, caplog):
    house = HouseFactory(owner_name="王𠀀")  # a CJK Extension B character: not in GBK
    order = counter_order(order_id=pay(staff("li"), [bill_for(plain_season(), house=house)], 1000, "NO.X").pk)
    with caplog.at_level("WARNING", logger="apps.payments.receipts"):
        receipt_pdf(order)
    assert [r.getMessage() for r in caplog.records] == [
        f"receipt {order.out_trade_no}: 1 character(s) outside the embedded font print as boxes"]


# --- residents: their own counter payments ---------------------------------------------------------

@pytest.fixture
def households(alpha, gql, make_resident):
    """Alpha: residents 张 and 赵 with a house each; collector li took a counter payment for
    张's house, one covering both houses, and 张 has an online order too."""
    from apps.properties.models import HouseBinding

    zhang, zhang_token = make_resident(alpha, "o-zhang")
    zhao, zhao_token = make_resident(alpha, "o-zhao")
    with schema_context(alpha.schema):
        li = staff("li")
        season = plain_season()
        mine, theirs = HouseFactory(owner_name="张三"), HouseFactory(owner_name="赵四")
        HouseBinding.objects.create(house=mine, resident=zhang)
        HouseBinding.objects.create(house=theirs, resident=zhao)
        own = pay(li, [bill_for(season, house=mine)], 1000, "NO.Z1")
        shared = pay(li, [bill_for(plain_season("2025-2026", started_days_ago=380), house=mine),
                          bill_for(season, house=theirs)], FULL + 1000, "NO.Z2")  # both houses on it
        online = PaymentOrder.objects.create(out_trade_no="W2611260000000000009", channel="wechat",
                                             amount_fen=100, description="x", resident=zhang)
    return {"own": own.out_trade_no, "shared": shared.out_trade_no, "online": online.out_trade_no,
            "zhang": zhang_token, "zhao": zhao_token, "house": mine}


def test_a_resident_downloads_the_receipt_of_their_own_counter_payment(client, alpha, households):
    resp = _get(client, alpha, households["own"], households["zhang"])
    assert resp.status_code == 200, resp.content
    assert resp["Content-Type"] == "application/pdf" and "no-store" in resp["Cache-Control"]
    text = pdf_text(resp.content)
    assert "收据号：NO.Z1" in text and households["house"].account_no in text and "张三" in text


def test_other_residents_shared_and_online_receipts_are_the_same_404_as_a_missing_one(client, alpha, households):
    answers = [_get(client, alpha, no, token) for no, token in [
        ("C0000000000000000000", households["zhang"]),
        (households["own"], households["zhao"]),  # another resident's payment
        (households["shared"], households["zhang"]),  # names another household too
        (households["shared"], households["zhao"]),
        (households["online"], households["zhang"]),  # their own, but online: no receipt
    ]]
    assert {(r.status_code, r.content) for r in answers} == {(404, answers[0].content)}
    assert answers[0].json()["error"]["code"] == "NOT_FOUND"


def test_another_companys_resident_gets_404_and_a_token_of_another_company_401(client, alpha, beta, households,
                                                                                 make_resident):
    _beta_resident, beta_token = make_resident(beta, "o-beta")
    assert _get(client, beta, households["own"], beta_token).status_code == 404  # no such order at beta
    resp = _get(client, beta, households["own"], households["zhang"])  # alpha's token at beta
    assert (resp.status_code, resp.json()["error"]["code"]) == (401, "UNAUTHENTICATED")
    resp = _get(client, alpha, households["own"], beta_token)
    assert (resp.status_code, resp.json()["error"]["code"]) == (401, "UNAUTHENTICATED")


MY_PAYMENTS = "{ myPayments { totalCount items { outTradeNo channel receiptNo receiptUrl } } }"


def test_residents_find_their_counter_payments_and_receipt_links(gql, alpha, households):
    zhang = gql(alpha.host, MY_PAYMENTS, token=households["zhang"])["data"]["myPayments"]
    assert {(o["outTradeNo"], o["channel"], o["receiptUrl"]) for o in zhang["items"]} == {
        (households["own"], "COUNTER", f"/payments/receipts/{households['own']}.pdf"),
        (households["online"], "WECHAT", None)}
    assert gql(alpha.host, MY_PAYMENTS, token=households["zhao"])["data"]["myPayments"] == {
        "totalCount": 0, "items": []}
    order = "query($no: String!) { order(outTradeNo: $no) { outTradeNo receiptNo } }"
    assert gql(alpha.host, order, {"no": households["own"]}, token=households["zhang"])["data"]["order"] == {
        "outTradeNo": households["own"], "receiptNo": "NO.Z1"}
    for no, who in [(households["own"], "zhao"), (households["shared"], "zhang")]:
        assert gql(alpha.host, order, {"no": no}, token=households[who])["data"]["order"] is None
