"""Counter payments and shifts through GraphQL: recordCounterPayment with typed
errors, openShift / closeShift, myShift / shift / shifts with live and frozen
totals, who may see or close which shift, other tenants' tokens, query counts."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.payments.models import CounterShift, PaymentOrder
from tests.factories.accounts import staff
from tests.factories.billing import FULL, bill_for
from tests.factories.payments import pay
from tests.factories.tariffs import plain_season

RECORD = """mutation($b: [ID!]!, $m: CounterMethod!, $a: Int!, $r: String!) {
  recordCounterPayment(billIds: $b, method: $m, amountFen: $a, receiptNo: $r) {
    order { outTradeNo channel status amountFen counterMethod receiptNo receiptUrl paidAt
            items { amountFen discountFen lateFeeFen appliedFen bill { id status paidFen house { accountNo } } } }
    errors { field code message } } }"""
SHIFT_FIELDS = """id collectorId collectorUsername status openedAt closedAt totals { method amountFen count }
  totalFen count receipts { receiptNo outTradeNo amountFen method paidAt accountNos }"""
MY_SHIFT = f"{{ myShift {{ {SHIFT_FIELDS} }} }}"
SHIFT = f"query($id: ID!) {{ shift(id: $id) {{ {SHIFT_FIELDS} }} }}"
SHIFTS = f"""query($c: ID, $s: ShiftStatus, $first: Int) {{ shifts(collectorId: $c, status: $s, first: $first) {{
  totalCount items {{ {SHIFT_FIELDS} }} }} }}"""
OPEN = "mutation { openShift { shift { id status } errors { field code } } }"
CLOSE = """mutation($id: ID!) { closeShift(id: $id) { shift { id status closedAt totalFen count
  totals { method amountFen count } receipts { receiptNo } } errors { field code } } }"""


@pytest.fixture
def counter(alpha, gql):
    """Alpha with collectors li and wang, an admin, finance, a technician, and bills to pay."""
    with schema_context(alpha.schema):
        users = {name: staff(name, role) for name, role in [
            ("li", "collector"), ("wang", "collector"), ("boss", "tenant_admin"), ("fin", "finance"),
            ("tech", "technician")]}
        season = plain_season()
        bills = [bill_for(season) for _ in range(8)]
    tokens = {name: gql.login(alpha.host, name) for name in users}
    return {"users": users, "tokens": tokens, "bills": bills}


def record(gql, alpha, token, bills, amount, receipt_no, method="CASH"):
    data = gql(alpha.host, RECORD, {"b": [str(b.pk) for b in bills], "m": method, "a": amount, "r": receipt_no},
               token=token)
    assert "errors" not in data, data
    return data["data"]["recordCounterPayment"]


def denied_code(result) -> str | None:
    return (result.get("errors") or [{}])[0].get("extensions", {}).get("code")


# --- recording ---------------------------------------------------------------------------------------

def test_collector_records_a_partial_payment_and_gets_the_order(gql, alpha, counter):
    bill = counter["bills"][0]
    payload = record(gql, alpha, counter["tokens"]["li"], [bill], 100000, "NO.0001")
    assert payload["errors"] == []
    order = payload["order"]
    assert (order["channel"], order["status"], order["amountFen"], order["counterMethod"], order["receiptNo"]) == (
        "COUNTER", "PAID", 100000, "CASH", "NO.0001")
    assert order["receiptUrl"] == f"/payments/receipts/{order['outTradeNo']}.pdf"
    assert order["items"] == [{"amountFen": 100000, "discountFen": 0, "lateFeeFen": 0, "appliedFen": 100000,
                               "bill": {"id": str(bill.pk), "status": "PARTIALLY_PAID", "paidFen": 100000,
                                        "house": {"accountNo": bill.house.account_no}}}]


def test_record_errors_are_typed_and_write_nothing(gql, alpha, counter):
    li, bill = counter["tokens"]["li"], counter["bills"][0]
    over = record(gql, alpha, li, [bill], FULL + 1, "NO.0001")
    assert over["order"] is None and [(e["field"], e["code"]) for e in over["errors"]] == [("amountFen", "OVERPAYMENT")]
    assert "2400.00" in over["errors"][0]["message"]
    for bad_id in ["abc", "999999"]:
        payload = gql(alpha.host, RECORD, {"b": [bad_id], "m": "CASH", "a": 100, "r": "NO.0001"}, token=li)
        assert payload["data"]["recordCounterPayment"]["errors"] == [
            {"field": "billIds", "code": "NOT_FOUND", "message": "找不到账单。"}]
    with schema_context(alpha.schema):
        assert not PaymentOrder.objects.exists() and not CounterShift.objects.exists()
    assert record(gql, alpha, li, [bill], 100, "NO.0001")["errors"] == []
    dup = record(gql, alpha, counter["tokens"]["wang"], [counter["bills"][1]], 100, "NO.0001")
    assert [(e["field"], e["code"]) for e in dup["errors"]] == [("receiptNo", "DUPLICATE_RECEIPT")]


RECORD_ONCE = """mutation($b: [ID!]!, $m: CounterMethod!, $a: Int!, $r: String!, $k: String) {
  recordCounterPayment(billIds: $b, method: $m, amountFen: $a, receiptNo: $r, requestNo: $k) {
    order { outTradeNo amountFen items { bill { paidFen } } } errors { field code } } }"""


def record_once(gql, alpha, token, bills, amount, receipt_no, key, method="CASH"):
    variables = {"b": [str(b.pk) for b in bills], "m": method, "a": amount, "r": receipt_no, "k": key}
    return gql(alpha.host, RECORD_ONCE, variables, token=token)["data"]["recordCounterPayment"]


def test_the_same_request_number_records_the_payment_once(gql, alpha, counter):
    li, bill = counter["tokens"]["li"], counter["bills"][0]
    first = record_once(gql, alpha, li, [bill], 100000, "NO.0001", "k-2c1f0e9a")
    again = record_once(gql, alpha, li, [bill], 100000, "NO.0001", "k-2c1f0e9a")  # a double click, a retry
    assert first["errors"] == again["errors"] == []
    assert again["order"] == first["order"]
    assert again["order"]["items"] == [{"bill": {"paidFen": 100000}}]  # paid once
    with schema_context(alpha.schema):
        assert PaymentOrder.objects.count() == 1
        assert AuditLog.objects.filter(action="payment.counter").count() == 1
    # Without a request number the same receipt is a duplicate, as before.
    dup = record_once(gql, alpha, li, [bill], 100000, "NO.0001", None)
    assert dup["order"] is None and [(e["field"], e["code"]) for e in dup["errors"]] == [
        ("receiptNo", "DUPLICATE_RECEIPT")]


@pytest.mark.parametrize("change", ["amount", "method", "receipt", "bills", "collector"])
def test_a_request_number_used_for_another_payment_is_refused(gql, alpha, counter, change):
    li, bills = counter["tokens"]["li"], counter["bills"]
    assert record_once(gql, alpha, li, [bills[0]], 100000, "NO.0001", "k-000001")["errors"] == []
    args = {"token": li, "bills": [bills[0]], "amount": 100000, "receipt_no": "NO.0001", "method": "CASH"}
    args.update({"amount": {"amount": 90000}, "method": {"method": "POS"}, "receipt": {"receipt_no": "NO.0002"},
                 "bills": {"bills": [bills[1]]}, "collector": {"token": counter["tokens"]["wang"]}}[change])
    payload = record_once(gql, alpha, args.pop("token"), key="k-000001", **args)
    assert payload == {"order": None, "errors": [{"field": "requestNo", "code": "INVALID"}]}
    with schema_context(alpha.schema):
        assert PaymentOrder.objects.count() == 1


@pytest.mark.parametrize("key", ["short", "x" * 33, "has space", "中文请求号abc", "k/../1234"])
def test_a_malformed_request_number_is_refused(gql, alpha, counter, key):
    payload = record_once(gql, alpha, counter["tokens"]["li"], [counter["bills"][0]], 100, "NO.0001", key)
    assert payload == {"order": None, "errors": [{"field": "requestNo", "code": "INVALID"}]}
    with schema_context(alpha.schema):
        assert not PaymentOrder.objects.exists() and not CounterShift.objects.exists()


@pytest.mark.parametrize("who", ["tech", "fin", "resident", "anonymous"])
def test_only_collectors_and_admins_record_payments_and_open_shifts(gql, alpha, counter, make_resident, who):
    tokens = {**counter["tokens"], "resident": make_resident(alpha)[1], "anonymous": None}
    token = tokens[who]
    expected = "UNAUTHENTICATED" if who == "anonymous" else "PERMISSION_DENIED"
    variables = {"b": [str(counter["bills"][0].pk)], "m": "CASH", "a": 100, "r": "NO.1"}
    assert denied_code(gql(alpha.host, RECORD, variables, token=token)) == expected
    assert denied_code(gql(alpha.host, OPEN, token=token)) == expected
    assert denied_code(gql(alpha.host, MY_SHIFT, token=token)) == expected
    with schema_context(alpha.schema):
        assert not PaymentOrder.objects.exists()


@pytest.mark.parametrize("who", ["tech", "resident"])
def test_technicians_and_residents_cannot_read_shifts(gql, alpha, counter, make_resident, who):
    token = make_resident(alpha)[1] if who == "resident" else counter["tokens"][who]
    shift_id = gql(alpha.host, OPEN, token=counter["tokens"]["li"])["data"]["openShift"]["shift"]["id"]
    assert denied_code(gql(alpha.host, SHIFT, {"id": shift_id}, token=token)) == "PERMISSION_DENIED"
    assert denied_code(gql(alpha.host, SHIFTS, token=token)) == "PERMISSION_DENIED"


def test_a_token_of_another_company_is_refused(gql, alpha, beta, counter, make_staff):
    # An alpha collector's token on beta's domain.
    result = gql(beta.host, RECORD, {"b": [str(counter["bills"][0].pk)], "m": "CASH", "a": 100, "r": "NO.1"},
                 token=counter["tokens"]["li"])
    assert denied_code(result) == "UNAUTHENTICATED"
    assert denied_code(gql(beta.host, MY_SHIFT, token=counter["tokens"]["li"])) == "UNAUTHENTICATED"
    # A beta collector on its own domain cannot reach alpha's bills or shifts: they do not exist there.
    beta_collector = make_staff(beta, "collector")
    payload = gql(beta.host, RECORD, {"b": [str(counter["bills"][0].pk)], "m": "CASH", "a": 100, "r": "NO.1"},
                  token=beta_collector)["data"]["recordCounterPayment"]
    assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]
    alpha_shift = gql(alpha.host, OPEN, token=counter["tokens"]["li"])["data"]["openShift"]["shift"]["id"]
    assert gql(beta.host, SHIFT, {"id": alpha_shift}, token=make_staff(beta, "finance"))["data"]["shift"] is None
    with schema_context(alpha.schema):
        assert not PaymentOrder.objects.exists()


# --- shifts ------------------------------------------------------------------------------------------

def _pay_two_of_each(gql, alpha, counter, who="li"):
    bills, n = counter["bills"], 0
    for method, amounts in [("CASH", [1000, 2000]), ("POS", [3000, 4000]), ("TRANSFER", [5000, 6000])]:
        for amount in amounts:
            n += 1
            assert record(gql, alpha, counter["tokens"][who], [bills[n - 1]], amount, f"{who}-{n}",
                          method=method)["errors"] == []


def test_my_shift_has_live_totals_by_method_and_the_receipts(gql, alpha, counter):
    li = counter["tokens"]["li"]
    assert gql(alpha.host, MY_SHIFT, token=li)["data"]["myShift"] is None
    _pay_two_of_each(gql, alpha, counter)
    shift = gql(alpha.host, MY_SHIFT, token=li)["data"]["myShift"]
    assert (shift["collectorUsername"], shift["status"], shift["closedAt"]) == ("li", "OPEN", None)
    assert shift["collectorId"] == str(counter["users"]["li"].pk)
    assert shift["totals"] == [{"method": "CASH", "amountFen": 3000, "count": 2},
                               {"method": "POS", "amountFen": 7000, "count": 2},
                               {"method": "TRANSFER", "amountFen": 11000, "count": 2}]
    assert (shift["totalFen"], shift["count"]) == (21000, 6)
    assert [r["receiptNo"] for r in shift["receipts"]] == [f"li-{i}" for i in range(1, 7)]
    assert shift["receipts"][0]["accountNos"] == [counter["bills"][0].house.account_no]
    assert (shift["receipts"][2]["method"], shift["receipts"][2]["amountFen"]) == ("POS", 3000)
    # openShift returns the same open shift.
    assert gql(alpha.host, OPEN, token=li)["data"]["openShift"]["shift"] == {"id": shift["id"], "status": "OPEN"}


def test_close_shift_freezes_it_and_the_next_payment_opens_a_new_one(gql, alpha, counter):
    li = counter["tokens"]["li"]
    _pay_two_of_each(gql, alpha, counter)
    shift_id = gql(alpha.host, MY_SHIFT, token=li)["data"]["myShift"]["id"]
    closed = gql(alpha.host, CLOSE, {"id": shift_id}, token=li)["data"]["closeShift"]
    assert closed["errors"] == [] and closed["shift"]["status"] == "CLOSED" and closed["shift"]["closedAt"]
    assert (closed["shift"]["totalFen"], closed["shift"]["count"], len(closed["shift"]["receipts"])) == (21000, 6, 6)
    again = gql(alpha.host, CLOSE, {"id": shift_id}, token=li)["data"]["closeShift"]
    assert again == {"shift": None, "errors": [{"field": "id", "code": "SHIFT_CLOSED"}]}
    assert gql(alpha.host, MY_SHIFT, token=li)["data"]["myShift"] is None

    record(gql, alpha, li, [counter["bills"][6]], 500, "li-7")
    current = gql(alpha.host, MY_SHIFT, token=li)["data"]["myShift"]
    assert current["id"] != shift_id and (current["totalFen"], current["count"]) == (500, 1)
    frozen = gql(alpha.host, SHIFT, {"id": shift_id}, token=li)["data"]["shift"]
    assert (frozen["status"], frozen["totalFen"], frozen["count"]) == ("CLOSED", 21000, 6)
    assert frozen["totals"] == closed["shift"]["totals"]


def test_collectors_see_and_close_only_their_own_shifts(gql, alpha, counter):
    li, wang = counter["tokens"]["li"], counter["tokens"]["wang"]
    _pay_two_of_each(gql, alpha, counter)
    li_shift = gql(alpha.host, MY_SHIFT, token=li)["data"]["myShift"]["id"]
    wang_shift = gql(alpha.host, OPEN, token=wang)["data"]["openShift"]["shift"]["id"]

    # Another collector's shift is "not found", exactly like a missing one.
    assert gql(alpha.host, SHIFT, {"id": li_shift}, token=wang)["data"]["shift"] is None
    assert gql(alpha.host, SHIFT, {"id": "999999"}, token=wang)["data"]["shift"] is None
    foreign = gql(alpha.host, CLOSE, {"id": li_shift}, token=wang)["data"]["closeShift"]
    missing = gql(alpha.host, CLOSE, {"id": "999999"}, token=wang)["data"]["closeShift"]
    assert foreign == missing == {"shift": None, "errors": [{"field": "id", "code": "NOT_FOUND"}]}
    listed = gql(alpha.host, SHIFTS, {"c": str(counter["users"]["li"].pk)}, token=wang)["data"]["shifts"]
    assert listed == {"totalCount": 0, "items": []}
    assert [s["id"] for s in gql(alpha.host, SHIFTS, token=wang)["data"]["shifts"]["items"]] == [wang_shift]

    # Finance and admins see every shift; only admins (and the owner) close someone's shift.
    fin, boss = counter["tokens"]["fin"], counter["tokens"]["boss"]
    assert gql(alpha.host, SHIFT, {"id": li_shift}, token=fin)["data"]["shift"]["totalFen"] == 21000
    assert denied_code(gql(alpha.host, CLOSE, {"id": li_shift}, token=fin)) == "PERMISSION_DENIED"
    closed = gql(alpha.host, CLOSE, {"id": li_shift}, token=boss)["data"]["closeShift"]
    assert closed["errors"] == [] and closed["shift"]["status"] == "CLOSED"
    everything = gql(alpha.host, SHIFTS, token=fin)["data"]["shifts"]
    assert everything["totalCount"] == 2
    only_open = gql(alpha.host, SHIFTS, {"s": "OPEN"}, token=fin)["data"]["shifts"]
    assert [s["id"] for s in only_open["items"]] == [wang_shift]
    of_li = gql(alpha.host, SHIFTS, {"c": str(counter["users"]["li"].pk), "s": "CLOSED"}, token=boss)
    assert [s["id"] for s in of_li["data"]["shifts"]["items"]] == [li_shift]


# --- query counts ------------------------------------------------------------------------------------

def _more_payments(alpha, counter, who: str, start: int, n: int):
    """n more payments by `who` (services directly, so the test is about reading)."""
    with schema_context(alpha.schema):
        for i in range(n):
            pay(counter["users"][who], [counter["bills"][start + i]], 100, f"{who}-x{start + i}")


# Every request: two `SET search_path`, the tenant's domain, the token's user. Then:
MY_SHIFT_QUERIES = 4 + 4  # the open shift (with its collector), totals by method, receipts, refunds
SHIFTS_QUERIES = 4 + 5  # count, page (with collectors), then totals, receipts and refunds of all open shifts at once


def test_my_shift_query_count_does_not_grow_with_receipts(gql, alpha, counter, django_assert_num_queries):
    li = counter["tokens"]["li"]
    _more_payments(alpha, counter, "li", 0, 2)
    with django_assert_num_queries(MY_SHIFT_QUERIES):
        assert gql(alpha.host, MY_SHIFT, token=li)["data"]["myShift"]["count"] == 2
    _more_payments(alpha, counter, "li", 2, 4)
    with django_assert_num_queries(MY_SHIFT_QUERIES):
        assert len(gql(alpha.host, MY_SHIFT, token=li)["data"]["myShift"]["receipts"]) == 6


def test_shifts_query_count_does_not_grow_with_shifts_or_receipts(gql, alpha, counter, django_assert_num_queries):
    fin = counter["tokens"]["fin"]
    _more_payments(alpha, counter, "li", 0, 2)
    _more_payments(alpha, counter, "wang", 2, 2)
    with django_assert_num_queries(SHIFTS_QUERIES):
        page = gql(alpha.host, SHIFTS, token=fin)["data"]["shifts"]
    assert [(s["collectorUsername"], s["count"]) for s in page["items"]] == [("wang", 2), ("li", 2)]
    # More receipts, a closed shift and a new open one: still the same number of queries.
    li_shift = page["items"][1]["id"]
    assert gql(alpha.host, CLOSE, {"id": li_shift}, token=counter["tokens"]["li"])["data"]["closeShift"]["errors"] == []
    _more_payments(alpha, counter, "li", 4, 2)
    _more_payments(alpha, counter, "wang", 6, 2)
    with django_assert_num_queries(SHIFTS_QUERIES):
        page = gql(alpha.host, SHIFTS, token=fin)["data"]["shifts"]
    assert [(s["collectorUsername"], s["status"], s["count"]) for s in page["items"]] == [
        ("li", "OPEN", 2), ("wang", "OPEN", 4), ("li", "CLOSED", 2)]
    assert all(len(s["receipts"]) == s["count"] for s in page["items"])
