"""A resident's reads at the season-start peak (issue #18): myBills, bill and order polling cost a fixed
number of queries whatever the number of houses, skip the stopped-heat history while no late fee accrues,
and still pause a late fee over stopped days once one does (the same amount staff see)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from unittest import mock

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.billing import selectors
from apps.billing.amounts import bill_amount_due
from apps.billing.models import Bill, BillLine
from apps.billing.selectors import bill_for_resident, bill_for_staff, resident_bills
from apps.payments.models import OrderBill, PaymentOrder
from apps.properties.models import HeatingStatusChange
from apps.tariffs.models import Season
from tests.factories.payments import make_payer
from tests.factories.tariffs import discount_season, late_fee_season

AMOUNT_DUE = "amountDue { asOf outstandingFen discountFen lateFeeFen totalFen }"
MY_BILLS = f"query {{ myBills {{ id status house {{ accountNo }} lines {{ amountFen }} {AMOUNT_DUE} }} }}"
BILL = f"query($id: ID!) {{ bill(id: $id) {{ id lines {{ amountFen }} {AMOUNT_DUE} }} }}"
ORDER = """query($no: String!) { order(outTradeNo: $no) { id status amountFen
  items { amountFen bill { id season house { accountNo } } } } }"""
HISTORY = "properties_heatingstatuschange"


def _count(gql, host: str, query: str, variables: dict, token: str) -> tuple[dict, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        data = gql(host, query, variables, token=token)
    assert not data.get("errors"), data
    return data["data"], [q["sql"] for q in ctx.captured_queries]


def _payer(alpha, season_plan, openid: str, houses: int):
    season, plan = season_plan
    return make_payer(alpha, SimpleNamespace(season=season, area=plan), openid=openid, houses=houses)


def _order(alpha, payer) -> str:
    with schema_context(alpha.schema):
        order = PaymentOrder.objects.create(out_trade_no=f"W2612HOT{payer.resident.pk:011d}", channel="wechat",
                                            status="created", amount_fen=100, description="供暖费",
                                            resident=payer.resident)
        for bill in payer.bills:
            OrderBill.objects.create(order=order, bill=bill, amount_fen=1, outstanding_fen=1, quoted_paid_fen=0,
                                     quoted_principal_fen=bill.principal_fen)
    return order.out_trade_no


@pytest.mark.parametrize("query", ["myBills", "bill", "order"])
def test_season_start_reads_cost_the_same_queries_for_one_house_or_four(gql, alpha, query):
    with schema_context(alpha.schema):
        season = discount_season()
    counts = []
    for houses in (1, 4):
        payer = _payer(alpha, season, f"o-hot-{query}-{houses}", houses)
        variables = ({"id": str(payer.bills[0].pk)} if query == "bill"
                     else {"no": _order(alpha, payer)} if query == "order" else {})
        document = {"myBills": MY_BILLS, "bill": BILL, "order": ORDER}[query]
        data, sql = _count(gql, alpha.host, document, variables, payer.token)
        assert not [s for s in sql if HISTORY in s], "no late fee accrues yet: the history is not read"
        if query == "myBills":
            assert len(data["myBills"]) == houses
        elif query == "order":
            assert len(data["order"]["items"]) == houses
        else:
            assert data["bill"]["id"] == str(payer.bills[0].pk)
        counts.append(len(sql))
    assert counts[0] == counts[1]
    # tenant routing (3: search_path, domain, search_path), the resident, then the read itself (bills and
    # their lines in one query)
    assert counts[0] <= {"myBills": 5, "bill": 5, "order": 8}[query], counts


def test_lines_read_with_the_bills_are_the_lines_staff_see(gql, alpha):
    """Lines come back inside the bills query (one JSON array per bill): same lines, same order, exact
    decimals, and still no owner phone or ID number is read (deferred: no query per house either)."""
    with schema_context(alpha.schema):
        season = discount_season()
    payer = _payer(alpha, season, "o-hot-lines", 2)
    with schema_context(alpha.schema):
        bill = payer.bills[0]
        BillLine.objects.create(bill=bill, position=5, kind="adjustment", quantity=Decimal("1.2345"),
                                unit_price=Decimal("-0.0001"), amount_fen=-7, explanation="调整：测试")
        BillLine.objects.create(bill=bill, position=0, kind="relief", quantity=Decimal("0.5000"),
                                unit_price=Decimal("3.3333"), amount_fen=-3, explanation="减免")
        staff = {b.pk: [(ln.kind, ln.quantity, ln.unit_price, ln.amount_fen, ln.explanation)
                        for ln in bill_for_staff(bill_id=b.pk).lines.all()] for b in payer.bills}
        mine = {b.pk: [(ln.kind, ln.quantity, ln.unit_price, ln.amount_fen, ln.explanation)
                       for ln in b.lines.all()] for b in resident_bills(resident=payer.resident)}
        detail = bill_for_resident(resident=payer.resident, bill_id=bill.pk)
        with CaptureQueriesContext(connection) as ctx:
            detail_lines = [(ln.kind, ln.quantity, ln.unit_price, ln.amount_fen, ln.explanation)
                            for ln in detail.lines.all()]
            assert detail.house.address and all(ln.bill is detail for ln in detail.lines.all())
        assert not ctx.captured_queries
    assert mine == staff and detail_lines == staff[bill.pk]
    assert len(staff[bill.pk]) >= 3 and staff[bill.pk][-1][1:3] == (Decimal("1.2345"), Decimal("-0.0001"))
    document = ("query { myBills { id lines { kind quantity unitPrice amountFen explanation } } }")
    data, sql = _count(gql, alpha.host, document, {}, payer.token)
    assert not [s for s in sql if '."owner_phone"' in s or '."owner_id_no"' in s]
    got = {int(b["id"]): [(ln["kind"].lower(), Decimal(str(ln["quantity"])), Decimal(str(ln["unitPrice"])),
                           ln["amountFen"], ln["explanation"]) for ln in b["lines"]] for b in data["myBills"]}
    assert got == staff


def test_once_a_late_fee_accrues_it_skips_stopped_days_as_staff_see_it(gql, alpha):
    with schema_context(alpha.schema):
        season = late_fee_season()
    payer = _payer(alpha, season, "o-hot-late", 2)
    today = timezone.localdate()
    with schema_context(alpha.schema):
        house = payer.houses[0]
        for frm, to, day in (("normal", "opted_out", today - dt.timedelta(days=6)),
                             ("opted_out", "normal", today - dt.timedelta(days=2))):
            HeatingStatusChange.objects.create(house=house, from_status=frm, to_status=to, reason="报停",
                                               effective_date=day, changed_by="test")
        expected = {str(b.pk): bill_amount_due(bill_for_staff(bill_id=b.pk), on=today) for b in payer.bills}
    data, sql = _count(gql, alpha.host, MY_BILLS, {}, payer.token)
    assert len([s for s in sql if HISTORY in s]) == 1  # one query for every bill that needs it
    got = {b["id"]: b["amountDue"] for b in data["myBills"]}
    for bill_id, due in expected.items():
        assert got[bill_id]["lateFeeFen"] == due.late_fee_fen and got[bill_id]["totalFen"] == due.total_fen
    stopped, running = (got[str(b.pk)]["lateFeeFen"] for b in payer.bills)
    assert 0 < stopped < running  # 4 of the 10 late-fee days were stopped (same area, same principal)
    detail, _sql = _count(gql, alpha.host, BILL, {"id": str(payer.bills[0].pk)}, payer.token)
    assert detail["bill"]["amountDue"]["lateFeeFen"] == stopped


def _state(obj) -> dict:
    return {k: v for k, v in vars(obj).items() if not k.startswith("_")}


def _snapshot(bills) -> list:
    """Everything the resolvers and amount code can read from a bill: its fields, its house (with community,
    building, unit), season and lines, what is deferred, and that the relations are cached (no query)."""
    out = []
    for b in bills:
        h = b.house
        out.append((_state(b), sorted(b.get_deferred_fields()), _state(h), sorted(h.get_deferred_fields()),
                    _state(h.community), _state(h.building), h.unit and _state(h.unit), _state(b.season),
                    [_state(ln) for ln in b.lines.all()], sorted(b._state.fields_cache),
                    sorted(h._state.fields_cache)))
    return out


def test_compiled_reads_return_what_the_orm_query_returns(alpha):
    """The resident reads run SQL compiled once per process: the objects are those of the ORM query they
    stand for (ordering by season then 户号, cancelled and foreign bills left out, same related objects)."""
    with schema_context(alpha.schema):
        season = discount_season()
    payer = _payer(alpha, season, "o-hot-compiled", 3)
    other = _payer(alpha, season, "o-hot-compiled-other", 1)
    with schema_context(alpha.schema):
        Bill.objects.filter(pk=payer.bills[2].pk).update(status=Bill.Status.CANCELLED)
        orm = (Bill.objects.filter(house__bindings__resident=payer.resident, season__status__in=Season.PUBLISHED)
               .exclude(status=Bill.Status.CANCELLED)
               .select_related("house__community", "house__building", "house__unit", "season")
               .defer("house__owner_phone", "house__owner_id_no").prefetch_related("lines")
               .order_by("-season__heating_start", "house__account_no"))
        expected = _snapshot(orm)
        assert len(expected) == 2
        with CaptureQueriesContext(connection) as ctx:
            got = _snapshot(resident_bills(resident=payer.resident))
            by_season = _snapshot(resident_bills(resident=payer.resident, season_id=payer.bills[0].season_id))
            one = _snapshot([bill_for_resident(resident=payer.resident, bill_id=payer.bills[1].pk)])
        assert len(ctx.captured_queries) == 3  # one per read: lines, house, season all came with the bills
        assert got == expected and by_season == expected
        assert one == [e for e in expected if e[0]["id"] == payer.bills[1].pk]
        assert resident_bills(resident=payer.resident, season_id=payer.bills[0].season_id + 1000) == []
        assert bill_for_resident(resident=payer.resident, bill_id=other.bills[0].pk) is None
        assert bill_for_resident(resident=payer.resident, bill_id=payer.bills[2].pk) is not None  # cancelled: shown
        assert bill_for_resident(resident=payer.resident, bill_id=2**63) is None


@pytest.mark.parametrize("query", ["myBills", "myBillsOfSeason", "bill"])
def test_a_second_request_compiles_no_bill_sql(gql, alpha, query):
    """Compiling the five-table bills query was a third of a myBills request (issue #18): it happens once per
    process. A spy on Django's SQL compiler sees it compiled on the first request after a reset, never again."""
    with schema_context(alpha.schema):
        season = discount_season()
    payer = _payer(alpha, season, f"o-hot-spy-{query}", 2)
    document, variables = {
        "myBills": (MY_BILLS, {}),
        "myBillsOfSeason": ("query($s: ID) { myBills(seasonId: $s) { id lines { amountFen } } }",
                            {"s": str(payer.bills[0].season_id)}),
        "bill": (BILL, {"id": str(payer.bills[0].pk)}),
    }[query]
    real = SQLCompiler.as_sql
    compiled: list[type] = []

    def spy(self, *args, **kwargs):
        compiled.append(self.query.model)
        return real(self, *args, **kwargs)

    selectors._COMPILED.clear()
    runs = []
    with mock.patch.object(SQLCompiler, "as_sql", spy):
        for _ in range(2):
            compiled.clear()
            data, sql = _count(gql, alpha.host, document, variables, payer.token)
            runs.append((compiled.count(Bill), len(compiled), [s for s in sql if "billing_bill" in s]))
            assert (data["bill"]["id"] if query == "bill" else len(data["myBills"])) in (str(payer.bills[0].pk), 2)
    (first_bill, _first_all, first_sql), (second_bill, second_all, second_sql) = runs
    assert first_bill == 1 and len(first_sql) == 1  # the spy sees the one compilation
    assert second_bill == 0 and len(second_sql) == 1  # the read still ran, from the cached SQL
    assert second_all > 0  # other queries (tenant, resident) are still compiled: the spy is live
