"""Finance reports and the daily close through the API: figures equal sums worked out in
Python from the rows the test made, exports whose cells equal the report, finance and
admins only, the same number of queries for one row as for many."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.billing.models import Bill
from apps.payments.models import PaymentOrder, Refund
from apps.payments.services import refund_request, shift_close
from apps.reconciliation.models import Difference, StatementRun
from tests.factories.accounts import staff
from tests.factories.billing import FULL, bill_for
from tests.factories.imports import exported_rows
from tests.factories.payments import pay
from tests.factories.properties import BuildingFactory, CommunityFactory, HouseFactory
from tests.factories.tariffs import plain_season
from tests.queries import assert_same_queries_grown

SHANGHAI = ZoneInfo("Asia/Shanghai")
BY_MONTH = """query($f: String!, $t: String!) { collectionsByMonth(monthFrom: $f, monthTo: $t) {
  collectedFen refundedFen netFen totals { channel collectedFen count refundedFen refundCount netFen }
  months { month collectedFen refundedFen netFen channels { channel collectedFen count refundedFen } } } }"""
BY_BUILDING = """query($s: ID!, $c: ID) { collectionByBuilding(seasonId: $s, communityId: $c) {
  buildingId buildingName communityName houseCount billCount paidCount billedFen collectedFen outstandingFen
  collectionRate } }"""
BY_COLLECTOR = """query($f: Date!, $t: Date!) { counterCollectionByCollector(dateFrom: $f, dateTo: $t) {
  collectorName username count collectedFen refundCount refundedFen netFen
  methods { method collectedFen count refundedFen refundCount } } }"""
REFUNDS = """query($f: Date!, $t: Date!) { refundReport(dateFrom: $f, dateTo: $t) {
  count amountFen succeededFen rows { channel status count amountFen } } }"""
EXPORT = """mutation($k: ReportExportKind!, $f: Date, $t: Date, $s: StatementDifferenceStatus) {
  startReportExport(kind: $k, dateFrom: $f, dateTo: $t, differenceStatus: $s) {
  job { id kind status totalRows downloadUrl } errors { field code } } }"""
JOB = "query($id: ID!) { exportJob(id: $id) { id status totalRows downloadUrl } }"
CLOSE = """mutation($d: Date!) { closeDay(day: $d) { day { day status canClose netFen
  channels { channel collectedFen netFen } } errors { field code message } } }"""
DAY = """query($d: Date!) { dailyClose(day: $d) { day status canClose blockers { kind shiftId runId }
  netFen channels { channel collectedFen count refundedFen ledgerCollectedFen } } }"""


def _data(result: dict, field: str):
    assert "errors" not in result, result
    return result["data"][field]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


@pytest.fixture
def money(alpha):
    """Counter money by two collectors over three days of last month and this one, online orders,
    refunds (one counter, one online still processing)."""
    today = timezone.localdate()
    days = [today - dt.timedelta(days=n) for n in (40, 3, 2)]
    with schema_context(alpha.schema):
        season_plan = plain_season()
        c1, c2 = staff("c1"), staff("c2")
        c2.display_name = "张三"
        c2.save(update_fields=["display_name"])
        specs = [(c1, 10000, "cash", days[0]), (c1, 20000, "pos", days[1]), (c2, 30000, "transfer", days[1]),
                 (c2, 40000, "cash", days[2]), (c1, 5000, "cash", days[2])]
        orders = []
        for i, (who, amount, method, day) in enumerate(specs):
            order = pay(who, [bill_for(season_plan)], amount, f"F{i}", method=method)
            PaymentOrder.objects.filter(pk=order.pk).update(paid_at=_at(day, 9 + i))
            orders.append(order)
        refund = refund_request(order_id=orders[3].pk, amount_fen=1500, reason="多收", actor=c1)
        Refund.objects.filter(pk=refund.pk).update(finished_at=_at(days[2], 16), created_at=_at(days[2], 16))
        for i, (channel, amount, day) in enumerate([("wechat", 7000, days[0]), ("alipay", 8000, days[2])]):
            online = PaymentOrder.objects.create(out_trade_no=f"FO{i}", channel=channel, amount_fen=amount,
                                                 description="采暖费", status="paid", paid_at=_at(day, 12))
            Refund.objects.create(order=online, out_refund_no=f"FR{i}", amount_fen=100, reason="退",
                                  status="processing", created_at=_at(day, 13))
        for shift_id in {o.shift_id for o in orders}:
            shift_close(shift_id=shift_id, actor=c1 if shift_id == orders[0].shift_id else c2)
    return {"days": days, "today": today, "season_plan": season_plan}


def test_collections_by_month_are_the_sums_of_the_orders(gql, alpha, money):
    token = gql.login(alpha.host, alpha.admin)
    first, last = money["days"][0].replace(day=1), money["today"].replace(day=1)
    result = _data(gql(alpha.host, BY_MONTH, {"f": first.strftime("%Y-%m"), "t": last.strftime("%Y-%m")},
                       token=token), "collectionsByMonth")
    with schema_context(alpha.schema):
        expected: dict = {}
        for o in PaymentOrder.objects.filter(status="paid"):
            key = (timezone.localtime(o.paid_at).strftime("%Y-%m"),
                   (o.counter_method if o.channel == "counter" else o.channel).upper())
            expected[key] = expected.get(key, 0) + o.amount_fen
        refunded = sum(r.amount_fen for r in Refund.objects.filter(status="success"))
    got = {(m["month"], c["channel"]): c["collectedFen"] for m in result["months"] for c in m["channels"]
           if c["collectedFen"]}
    assert got == expected
    assert result["collectedFen"] == sum(expected.values()) and result["refundedFen"] == refunded == 1500
    bad = gql(alpha.host, BY_MONTH, {"f": "2026-13", "t": "2026-12"}, token=token)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_collection_by_building_is_the_sum_of_the_bills(gql, alpha):
    with schema_context(alpha.schema):
        season_plan = plain_season()
        collector = staff("c1")
        community = CommunityFactory(name="东区")
        b1, b2 = BuildingFactory(community=community, name="1号楼"), BuildingFactory(community=community, name="2号楼")
        for building, paid in ((b1, [FULL, 100000, 0]), (b2, [FULL])):
            for i, amount in enumerate(paid):
                bill = bill_for(season_plan, house=HouseFactory(building=building, community=community,
                                                                building_area=Decimal("100")))
                if amount:
                    pay(collector, [bill], amount, f"B{building.pk}-{i}")
    token = gql.login(alpha.host, alpha.admin)
    rows = _data(gql(alpha.host, BY_BUILDING, {"s": str(season_plan[0].pk), "c": str(community.pk)}, token=token),
                 "collectionByBuilding")
    with schema_context(alpha.schema):
        for row in rows:
            bills = list(Bill.objects.filter(house__building_id=row["buildingId"]))
            billed, collected = sum(b.principal_fen for b in bills), sum(b.paid_fen for b in bills)
            assert (row["billCount"], row["billedFen"], row["collectedFen"], row["outstandingFen"]) == (
                len(bills), billed, collected, billed - collected)
            assert Decimal(row["collectionRate"]) == (Decimal(collected * 100) / billed).quantize(Decimal("0.01"))
    assert [(r["buildingName"], r["houseCount"], r["paidCount"]) for r in rows] == [("1号楼", 3, 1), ("2号楼", 1, 1)]


def test_counter_collection_by_collector_is_the_sum_of_their_money(gql, alpha, money):
    token = gql.login(alpha.host, alpha.admin)
    days = money["days"]
    result = _data(gql(alpha.host, BY_COLLECTOR, {"f": str(days[1]), "t": str(days[2])}, token=token),
                   "counterCollectionByCollector")
    start = dt.datetime.combine(days[1], dt.time.min, tzinfo=SHANGHAI)
    with schema_context(alpha.schema):
        for row in result:
            mine = [o for o in PaymentOrder.objects.filter(channel="counter", collector__username=row["username"])
                    if o.paid_at >= start]
            back = list(Refund.objects.filter(requested_by__username=row["username"], status="success"))
            assert (row["count"], row["collectedFen"], row["refundedFen"], row["netFen"]) == (
                len(mine), sum(o.amount_fen for o in mine), sum(r.amount_fen for r in back),
                sum(o.amount_fen for o in mine) - sum(r.amount_fen for r in back))
            for m in row["methods"]:
                assert m["collectedFen"] == sum(o.amount_fen for o in mine if o.counter_method.upper() == m["method"])
    assert [(r["collectorName"], r["count"]) for r in result] == [("c1", 2), ("张三", 2)]


def test_refund_report_by_channel_and_status(gql, alpha, money):
    token = gql.login(alpha.host, alpha.admin)
    result = _data(gql(alpha.host, REFUNDS, {"f": str(money["days"][0]), "t": str(money["today"])}, token=token),
                   "refundReport")
    assert result["rows"] == [
        {"channel": "WECHAT", "status": "PROCESSING", "count": 1, "amountFen": 100},
        {"channel": "ALIPAY", "status": "PROCESSING", "count": 1, "amountFen": 100},
        {"channel": "CASH", "status": "SUCCESS", "count": 1, "amountFen": 1500}]
    assert (result["count"], result["amountFen"], result["succeededFen"]) == (3, 1700, 1500)


def test_reports_cost_the_same_for_many_collectors(gql, alpha, money):
    token = gql.login(alpha.host, alpha.admin)
    days = money["days"]
    variables = {"f": str(days[0]), "t": str(money["today"])}

    made = iter(range(100))

    def grow():
        with schema_context(alpha.schema):
            for _ in range(3):
                i = next(made)
                who = staff(f"more{i}")
                order = pay(who, [bill_for(money["season_plan"])], 1000 + i, f"G{i}", method="pos")
                refund_request(order_id=order.pk, amount_fen=10, reason="多收", actor=who)

    assert_same_queries_grown(lambda: gql(alpha.host, REFUNDS, variables, token=token), grow)
    one, more = assert_same_queries_grown(lambda: gql(alpha.host, BY_COLLECTOR, variables, token=token), grow)
    assert len(_data(more, "counterCollectionByCollector")) == len(_data(one, "counterCollectionByCollector")) + 3


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = settings.MULTITENANT_RELATIVE_MEDIA_ROOT


def _export(gql, capture, host, token, variables) -> list[list]:
    with capture(execute=True):
        started = gql(host, EXPORT, variables, token=token)["data"]["startReportExport"]
    assert started["errors"] == [], started
    job = gql(host, JOB, {"id": started["job"]["id"]}, token=token)["data"]["exportJob"]
    assert job["status"] == "SUCCEEDED", job
    resp = Client().get(job["downloadUrl"], HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {token}")
    return exported_rows("xlsx", b"".join(resp.streaming_content))


def test_report_exports_hold_the_reports_figures(gql, alpha, money, media, django_capture_on_commit_callbacks):
    token = gql.login(alpha.host, alpha.admin)
    days = money["days"]
    variables = {"f": str(days[1]), "t": str(days[2])}
    report = _data(gql(alpha.host, BY_COLLECTOR, variables, token=token), "counterCollectionByCollector")
    rows = _export(gql, django_capture_on_commit_callbacks, alpha.host, token,
                   {"k": "COUNTER_BY_COLLECTOR", **variables})
    assert rows[0] == ["收费员", "账号", "笔数", "现金(元)", "刷卡(元)", "转账(元)", "收款合计(元)", "退款笔数",
                       "退款(元)", "净额(元)"]
    methods = {r["username"]: {m["method"]: m["collectedFen"] for m in r["methods"]} for r in report}
    assert [[r[0], r[1], r[2], *[Decimal(str(x)) * 100 for x in r[3:7]], r[7], Decimal(str(r[8])) * 100,
             Decimal(str(r[9])) * 100] for r in rows[1:]] == [
        [r["collectorName"], r["username"], r["count"], methods[r["username"]]["CASH"],
         methods[r["username"]]["POS"], methods[r["username"]]["TRANSFER"], r["collectedFen"], r["refundCount"],
         r["refundedFen"], r["netFen"]] for r in report]

    refunds = _export(gql, django_capture_on_commit_callbacks, alpha.host, token,
                      {"k": "REFUND_REPORT", "f": str(days[0]), "t": str(money["today"])})
    assert refunds[1:] == [["微信支付", "退款中", 1, 1], ["支付宝", "退款中", 1, 1], ["现金", "已退款", 1, 15]]


def test_statement_differences_export(gql, alpha, media, django_capture_on_commit_callbacks):
    day = timezone.localdate() - dt.timedelta(days=1)
    with schema_context(alpha.schema):
        run = StatementRun.objects.create(merchant_account_id=1, channel="wechat", bill_date=day, status="matched")
        Difference.objects.create(run=run, kind="amount_mismatch", subject="payment", out_trade_no="T1",
                                  channel_amount_fen=10001, local_amount_fen=10000)
        Difference.objects.create(run=run, kind="fee_mismatch", subject="payment", out_trade_no="T2",
                                  status="resolved", resolution="accept_channel", note="已核")
    token = gql.login(alpha.host, alpha.admin)
    rows = _export(gql, django_capture_on_commit_callbacks, alpha.host, token,
                   {"k": "STATEMENT_DIFFERENCES", "s": "OPEN"})
    assert [(r[0], r[1], r[3], r[5], r[7], r[8], r[14]) for r in rows[1:]] == [
        (day.isoformat(), "微信支付", "金额不符", "T1", 100.01, 100, "待处理")]


def test_close_a_day_through_the_api(gql, alpha, money):
    token = gql.login(alpha.host, alpha.admin)
    day = str(money["days"][1])
    view = _data(gql(alpha.host, DAY, {"d": day}, token=token), "dailyClose")
    assert (view["status"], view["canClose"], view["blockers"]) == ("OPEN", True, [])
    closed = _data(gql(alpha.host, CLOSE, {"d": day}, token=token), "closeDay")
    assert closed["errors"] == [] and closed["day"]["status"] == "CLOSED"
    assert closed["day"]["netFen"] == view["netFen"] == 50000
    again = _data(gql(alpha.host, CLOSE, {"d": day}, token=token), "closeDay")
    assert [e["code"] for e in again["errors"]] == ["DAY_CLOSED"]
    today = _data(gql(alpha.host, CLOSE, {"d": str(money["today"])}, token=token), "closeDay")
    assert [e["code"] for e in today["errors"]] == ["DAY_NOT_READY"]


@pytest.mark.parametrize("role", ["collector", "technician"])
def test_only_finance_and_admins(gql, alpha, make_staff, role):
    token = make_staff(alpha, role)
    for query, variables in ((DAY, {"d": "2026-12-01"}), (REFUNDS, {"f": "2026-12-01", "t": "2026-12-02"}),
                             (CLOSE, {"d": "2026-12-01"}), (EXPORT, {"k": "REFUND_REPORT"})):
        result = gql(alpha.host, query, variables, token=token)
        assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    finance = make_staff(alpha, "finance")
    assert "errors" not in gql(alpha.host, REFUNDS, {"f": "2026-12-01", "t": "2026-12-02"}, token=finance)
