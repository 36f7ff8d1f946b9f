"""Bills through the API: residents see only their bound houses' bills with
every line explained; staff lists, summary, adjustments and waivers."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.billing.models import Bill
from apps.billing.services import bill_issue
from apps.properties.models import HouseBinding
from apps.tariffs.models import Season, TariffPlan
from tests.factories.properties import HouseFactory

MY_BILLS = """{ myBills { id season status principalFen house { accountNo }
  lines { kind amountFen explanation } amountDue { outstandingFen discountFen lateFeeFen totalFen } } }"""


@pytest.fixture
def season_plan(alpha):
    with schema_context(alpha.schema):
        season = Season.objects.create(name="2026-2027", heating_start=dt.date(2026, 11, 15),
                                       heating_end=dt.date(2027, 3, 15), payment_due=dt.date(2026, 12, 31),
                                       late_fee_start=dt.date(2027, 1, 1), status=Season.Status.OPEN)
        plan = TariffPlan.objects.create(season=season, name="居民", category="residential",
                                         area_unit_price=Decimal("24"), opted_out_basic_pct=Decimal("30"),
                                         late_fee_daily_permille=Decimal("2"))
        return season, plan


def _bills_for(alpha, season, plan, n, **house_kw):
    with schema_context(alpha.schema):
        return [bill_issue(house=HouseFactory(**house_kw), season=season, plan=plan) for _ in range(n)]


def test_resident_sees_own_bills_with_explained_lines(gql, alpha, season_plan, make_resident):
    season, plan = season_plan
    mine, other = _bills_for(alpha, season, plan, 2, building_area=Decimal("89.50"))
    resident, token = make_resident(alpha)
    with schema_context(alpha.schema):
        HouseBinding.objects.create(house=mine.house, resident=resident)
    bills = gql(alpha.host, MY_BILLS, token=token)["data"]["myBills"]
    assert [b["id"] for b in bills] == [str(mine.pk)]
    assert bills[0]["lines"] == [{"kind": "HEATING_FEE", "amountFen": 214800,
                                  "explanation": "采暖费：89.50㎡ × 24.00元/㎡"}]
    assert bills[0]["amountDue"]["outstandingFen"] == 214800
    q = "query($id: ID!) { bill(id: $id) { id principalFen } }"
    assert gql(alpha.host, q, {"id": str(mine.pk)}, token=token)["data"]["bill"]["principalFen"] == 214800
    assert gql(alpha.host, q, {"id": str(other.pk)}, token=token)["data"]["bill"] is None  # not yours = not found


def test_my_bills_query_count_does_not_grow(gql, alpha, season_plan, make_resident):
    season, plan = season_plan
    resident, token = make_resident(alpha)

    def bind(bills):
        with schema_context(alpha.schema):
            for b in bills:
                HouseBinding.objects.create(house=b.house, resident=resident)

    bind(_bills_for(alpha, season, plan, 2))
    with CaptureQueriesContext(connection) as two:
        gql(alpha.host, MY_BILLS, token=token)
    bind(_bills_for(alpha, season, plan, 4))
    with CaptureQueriesContext(connection) as six:
        assert len(gql(alpha.host, MY_BILLS, token=token)["data"]["myBills"]) == 6
    assert len(six.captured_queries) == len(two.captured_queries)


BILLS = """query($f: BillFilter) { bills(filter: $f) { totalCount items { id status principalFen
  house { accountNo } lines { kind } amountDue { totalFen } } } }"""


def test_staff_bill_list_filters_and_query_count(gql, alpha, season_plan, make_staff):
    season, plan = season_plan
    token = make_staff(alpha, "collector")
    _bills_for(alpha, season, plan, 2)
    with CaptureQueriesContext(connection) as few:
        gql(alpha.host, BILLS, token=token)
    _bills_for(alpha, season, plan, 3, owner_name="赵六")
    with CaptureQueriesContext(connection) as more:
        data = gql(alpha.host, BILLS, token=token)["data"]["bills"]
    assert data["totalCount"] == 5
    assert len(more.captured_queries) == len(few.captured_queries)
    assert gql(alpha.host, BILLS, {"f": {"search": "赵六"}}, token=token)["data"]["bills"]["totalCount"] == 3
    assert gql(alpha.host, BILLS, {"f": {"inArrears": True}}, token=token)["data"]["bills"]["totalCount"] == 5
    assert gql(alpha.host, BILLS, {"f": {"status": "PAID"}}, token=token)["data"]["bills"]["totalCount"] == 0


def test_staff_bill_list_of_one_house(gql, alpha, season_plan, make_staff):
    season, plan = season_plan
    token = make_staff(alpha, "collector")
    mine, _other = _bills_for(alpha, season, plan, 2)
    with schema_context(alpha.schema):
        older = Season.objects.create(name="2025-2026", heating_start=dt.date(2025, 11, 15),
                                      heating_end=dt.date(2026, 3, 15), payment_due=dt.date(2025, 12, 31),
                                      late_fee_start=dt.date(2026, 1, 1), status=Season.Status.OPEN)
        older_plan = TariffPlan.objects.create(season=older, name="居民", category="residential",
                                               area_unit_price=Decimal("24"))
        arrears = bill_issue(house=mine.house, season=older, plan=older_plan)
    items = gql(alpha.host, BILLS, {"f": {"houseId": str(mine.house_id)}}, token=token)["data"]["bills"]["items"]
    assert sorted(int(b["id"]) for b in items) == sorted([mine.pk, arrears.pk])
    assert gql(alpha.host, BILLS, {"f": {"houseId": "junk"}}, token=token)["data"]["bills"]["totalCount"] == 0


def test_summary_and_collection_rate(gql, alpha, season_plan, make_staff):
    season, plan = season_plan
    bills = _bills_for(alpha, season, plan, 2, building_area=Decimal("100"))
    with schema_context(alpha.schema):
        Bill.objects.filter(pk=bills[0].pk).update(paid_fen=240000, status=Bill.Status.PAID)
    q = ("query($s: ID!) { billSummary(seasonId: $s) "
         "{ billCount paidCount billedFen collectedFen outstandingFen collectionRate } }")
    summary = gql(alpha.host, q, {"s": str(season.pk)}, token=make_staff(alpha, "finance"))["data"]["billSummary"]
    assert summary == {"billCount": 2, "paidCount": 1, "billedFen": 480000, "collectedFen": 240000,
                       "outstandingFen": 240000, "collectionRate": "50.00"}


ADJUST = """mutation($id: ID!, $a: Int!, $r: String!) { adjustBill(id: $id, amountFen: $a, reason: $r) {
  bill { principalFen status lines { kind amountFen explanation } } errors { field code } } }"""
WAIVE = "mutation($id: ID!, $r: String!) { waiveBill(id: $id, reason: $r) { bill { status } errors { field code } } }"


def test_adjust_and_waive_need_reason_and_role_and_are_audited(gql, alpha, season_plan, make_staff):
    season, plan = season_plan
    (bill,) = _bills_for(alpha, season, plan, 1, building_area=Decimal("100"))
    finance = make_staff(alpha, "finance")
    collector = make_staff(alpha, "collector")
    denied = gql(alpha.host, ADJUST, {"id": str(bill.pk), "a": -1000, "r": "x"}, token=collector)
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    no_reason = gql(alpha.host, ADJUST, {"id": str(bill.pk), "a": -1000, "r": " "}, token=finance)
    assert no_reason["data"]["adjustBill"]["errors"] == [{"field": "reason", "code": "REQUIRED"}]
    ok = gql(alpha.host, ADJUST, {"id": str(bill.pk), "a": -1000, "r": "测量误差"}, token=finance)["data"][
        "adjustBill"]
    assert ok["bill"]["principalFen"] == 239000
    assert ok["bill"]["lines"][-1] == {"kind": "ADJUSTMENT", "amountFen": -1000,
                                       "explanation": "人工调整：-10.00元（测量误差）"}
    assert gql(alpha.host, WAIVE, {"id": str(bill.pk), "r": "特困"}, token=finance)["data"]["waiveBill"] == {
        "bill": {"status": "WAIVED"}, "errors": []}
    again = gql(alpha.host, WAIVE, {"id": str(bill.pk), "r": "特困"}, token=finance)["data"]["waiveBill"]
    assert again["errors"] == [{"field": "id", "code": "INVALID_STATUS"}]
    with schema_context(alpha.schema):
        assert list(AuditLog.objects.order_by("id").values_list("action", flat=True)) == ["bill.adjust",
                                                                                           "bill.waive"]


def test_issued_bill_keeps_its_snapshot_when_the_plan_changes(alpha, season_plan):
    season, plan = season_plan
    (bill,) = _bills_for(alpha, season, plan, 1, building_area=Decimal("100"))
    with schema_context(alpha.schema):
        TariffPlan.objects.filter(pk=plan.pk).update(area_unit_price=Decimal("99"), late_fee_daily_permille=0)
        from apps.billing.amounts import bill_amount_due

        fresh = Bill.objects.select_related("house").get(pk=bill.pk)
        assert fresh.principal_fen == 240000
        due = bill_amount_due(fresh, on=dt.date(2027, 1, 10))
        assert due.late_fee_fen == 4800  # the snapshot's 2‰ × 10 days, not the edited plan's 0
