"""Dashboard figures: 收缴率 per community, money per day and channel, arrears
aging, and the lists the dashboard shows (bill runs, import jobs, refunds).
Figures are checked against sums worked out by hand; each is the same number
of queries for one row as for many; nothing crosses companies."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.billing.models import Bill, BillRun
from apps.imports.models import ImportJob
from apps.payments.models import PaymentOrder, Refund
from apps.payments.services import refund_request
from apps.tariffs.models import Season
from tests.factories.accounts import staff
from tests.factories.billing import FULL, bill_for
from tests.factories.payments import pay
from tests.factories.properties import CommunityFactory, HouseFactory
from tests.factories.tariffs import SeasonFactory, TariffPlanFactory, plain_season
from tests.queries import assert_same_queries_grown

SHANGHAI = ZoneInfo("Asia/Shanghai")

BY_COMMUNITY = """query($s: ID!) { collectionByCommunity(seasonId: $s) {
  communityId communityName billCount paidCount billedFen collectedFen outstandingFen collectionRate } }"""
BY_DAY = """query($f: Date!, $t: Date!) { collectionsByDay(dateFrom: $f, dateTo: $t) {
  collectedFen refundedFen netFen totals { channel collectedFen count refundedFen netFen }
  days { date collectedFen refundedFen netFen channels { channel collectedFen count refundedFen } } } }"""
AGING = """query($s: ID!, $c: ID) { arrearsAging(seasonId: $s, communityId: $c) {
  asOf houseCount outstandingFen buckets { age houseCount billCount outstandingFen } } }"""
BILL_RUNS = """query($a: Boolean) { billRuns(active: $a) { totalCount items { id status processed total } } }"""
IMPORT_JOBS = """query($a: Boolean) { importJobs(active: $a) { totalCount items { id status processedRows } } }"""
REFUNDS = """query($f: RefundFilter) { refunds(filter: $f) { totalCount items {
  outRefundNo amountFen status outTradeNo channel orderAmountFen requestedBy } } }"""


def _data(result: dict, field: str):
    assert "errors" not in result, result
    return result["data"][field]


# --- 收缴率 per community --------------------------------------------------------------------------------

def _community_with_bills(season_plan, name: str, paid: list[int], collector):
    """A community with one 2,400 元 bill per entry of `paid`, each paid that much at the counter."""
    community = CommunityFactory(name=name)
    for i, amount in enumerate(paid):
        bill = bill_for(season_plan, house=HouseFactory(building__community=community, building_area=Decimal("100")))
        if amount:
            pay(collector, [bill], amount, f"R-{name}-{i}")
    return community


def test_collection_by_community_matches_the_bills(gql, alpha):
    with schema_context(alpha.schema):
        season_plan = plain_season()
        collector = staff("c1")
        east = _community_with_bills(season_plan, "东区", [FULL, 100000, 0], collector)
        west = _community_with_bills(season_plan, "西区", [FULL], collector)
        waived = bill_for(season_plan, house=HouseFactory(building__community=west))
        Bill.objects.filter(pk=waived.pk).update(status=Bill.Status.WAIVED)  # not owed: left out
    token = gql.login(alpha.host, alpha.admin)
    rows = _data(gql(alpha.host, BY_COMMUNITY, {"s": str(season_plan[0].pk)}, token=token), "collectionByCommunity")
    assert rows == [
        {"communityId": str(east.pk), "communityName": "东区", "billCount": 3, "paidCount": 1,
         "billedFen": 3 * FULL, "collectedFen": FULL + 100000, "outstandingFen": 2 * FULL - 100000,
         "collectionRate": "47.22"},  # 340,000 / 720,000
        {"communityId": str(west.pk), "communityName": "西区", "billCount": 1, "paidCount": 1,
         "billedFen": FULL, "collectedFen": FULL, "outstandingFen": 0, "collectionRate": "100.00"},
    ]


def test_collection_by_community_costs_the_same_for_many_communities(gql, alpha):
    with schema_context(alpha.schema):
        season_plan = plain_season()
        collector = staff("c1")
        _community_with_bills(season_plan, "一区", [FULL], collector)
    token = gql.login(alpha.host, alpha.admin)
    variables = {"s": str(season_plan[0].pk)}

    def grow():
        with schema_context(alpha.schema):
            for i in range(4):
                _community_with_bills(season_plan, f"多区{i}", [FULL, 1000, 0], collector)

    one, more = assert_same_queries_grown(lambda: gql(alpha.host, BY_COMMUNITY, variables, token=token), grow)
    assert len(_data(one, "collectionByCommunity")) == 1
    assert len(_data(more, "collectionByCommunity")) == 5


def test_collection_by_community_stays_in_its_company(gql, alpha, beta):
    with schema_context(alpha.schema):
        season_plan = plain_season()
        _community_with_bills(season_plan, "东区", [FULL], staff("c1"))
    token = gql.login(beta.host, beta.admin)
    assert _data(gql(beta.host, BY_COMMUNITY, {"s": str(season_plan[0].pk)}, token=token),
                 "collectionByCommunity") == []


# --- money per day and channel ---------------------------------------------------------------------------

def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def _online(channel: str, amount_fen: int, paid_at: dt.datetime, n: int) -> PaymentOrder:
    """A settled online order (the settlement path itself is tested in tests/apps/payments)."""
    return PaymentOrder.objects.create(out_trade_no=f"T{channel[:2]}{n:010d}", channel=channel, amount_fen=amount_fen,
                                       description="采暖费", status=PaymentOrder.Status.PAID, paid_at=paid_at)


def _counter(collector, bills, amount_fen: int, method: str, paid_at: dt.datetime, receipt: str) -> PaymentOrder:
    order = pay(collector, bills, amount_fen, receipt, method=method)
    PaymentOrder.objects.filter(pk=order.pk).update(paid_at=paid_at)
    return order


@pytest.fixture
def money_days(alpha):
    """Two days of money at alpha (Dec 1 and 2, 2026, Shanghai time), including payments a minute
    either side of midnight, online and at the counter by two collectors, and a counter refund."""
    d1, d2 = dt.date(2026, 12, 1), dt.date(2026, 12, 2)
    with schema_context(alpha.schema):
        season_plan = plain_season()
        c1, c2 = staff("c1"), staff("c2")
        bills = [bill_for(season_plan) for _ in range(4)]
        _online("wechat", 50000, _at(d1, 9), 1)
        _online("wechat", 30000, _at(d1, 23, 59), 2)  # 15:59 UTC: still Dec 1 in Shanghai
        _online("alipay", 20000, _at(d2, 0, 1), 3)  # 16:01 UTC on Dec 1: Dec 2 in Shanghai
        unpaid = _online("wechat", 99900, _at(d2, 10), 4)
        PaymentOrder.objects.filter(pk=unpaid.pk).update(status=PaymentOrder.Status.CREATED)  # not money
        cash = _counter(c1, [bills[0]], 100000, "cash", _at(d1, 10), "R1")
        _counter(c1, [bills[1]], 40000, "pos", _at(d2, 11), "R2")
        _counter(c2, [bills[2]], 70000, "transfer", _at(d2, 12), "R3")
        _counter(c2, [bills[3]], 5000, "cash", _at(d2, 13), "R4")
        refund = refund_request(order_id=cash.pk, amount_fen=10000, reason="多收", actor=c1)
        Refund.objects.filter(pk=refund.pk).update(finished_at=_at(d2, 9))
    return d1, d2


def _channels(day: dict) -> dict:
    return {c["channel"]: (c["collectedFen"], c["count"], c["refundedFen"]) for c in day["channels"]}


def test_money_per_day_and_channel(gql, alpha, money_days):
    token = gql.login(alpha.host, alpha.admin)
    result = _data(gql(alpha.host, BY_DAY, {"f": "2026-11-30", "t": "2026-12-02"}, token=token), "collectionsByDay")
    assert [d["date"] for d in result["days"]] == ["2026-11-30", "2026-12-01", "2026-12-02"]
    empty = {"WECHAT": (0, 0, 0), "ALIPAY": (0, 0, 0), "CASH": (0, 0, 0), "POS": (0, 0, 0), "TRANSFER": (0, 0, 0)}
    assert _channels(result["days"][0]) == empty
    assert _channels(result["days"][1]) == {**empty, "WECHAT": (80000, 2, 0), "CASH": (100000, 1, 0)}
    assert _channels(result["days"][2]) == {**empty, "ALIPAY": (20000, 1, 0), "CASH": (5000, 1, 10000),
                                            "POS": (40000, 1, 0), "TRANSFER": (70000, 1, 0)}
    assert [result["days"][2][k] for k in ("collectedFen", "refundedFen", "netFen")] == [135000, 10000, 125000]
    totals = {t["channel"]: (t["collectedFen"], t["count"], t["refundedFen"], t["netFen"]) for t in result["totals"]}
    assert totals == {"WECHAT": (80000, 2, 0, 80000), "ALIPAY": (20000, 1, 0, 20000), "CASH": (105000, 2, 10000, 95000),
                      "POS": (40000, 1, 0, 40000), "TRANSFER": (70000, 1, 0, 70000)}
    assert (result["collectedFen"], result["refundedFen"], result["netFen"]) == (315000, 10000, 305000)


def test_a_collector_sees_only_the_counter_money_they_handled(gql, alpha, money_days, settings):
    token = gql.login(alpha.host, "c1")
    result = _data(gql(alpha.host, BY_DAY, {"f": "2026-12-01", "t": "2026-12-02"}, token=token), "collectionsByDay")
    totals = {t["channel"]: (t["collectedFen"], t["refundedFen"]) for t in result["totals"] if t["collectedFen"]
              or t["refundedFen"]}
    assert totals == {"CASH": (100000, 10000), "POS": (40000, 0)}


@pytest.mark.parametrize(("date_from", "date_to"), [("2026-12-02", "2026-12-01"), ("2026-01-01", "2027-01-02")])
def test_a_bad_date_range_is_a_typed_error(gql, alpha, date_from, date_to):
    token = gql.login(alpha.host, alpha.admin)
    result = gql(alpha.host, BY_DAY, {"f": date_from, "t": date_to}, token=token)
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["field"] == "dateTo"
    assert result["data"] is None


def test_money_per_day_costs_the_same_for_many_payments(gql, alpha):
    day = dt.date(2026, 12, 1)
    with schema_context(alpha.schema):
        season_plan = plain_season()
        collector = staff("c1")
        _counter(collector, [bill_for(season_plan)], 1000, "cash", _at(day, 9), "Q0")
    token = gql.login(alpha.host, alpha.admin)
    variables = {"f": "2026-12-01", "t": "2026-12-01"}

    def grow():
        with schema_context(alpha.schema):
            for i in range(1, 6):
                order = _counter(collector, [bill_for(season_plan)], 1000, ("cash", "pos", "transfer")[i % 3],
                                 _at(day, 10 + i), f"Q{i}")
                _online("alipay", 777, _at(day, 10 + i), i)
                refund_request(order_id=order.pk, amount_fen=100, reason="多收", actor=collector)

    one, more = assert_same_queries_grown(lambda: gql(alpha.host, BY_DAY, variables, token=token), grow)
    assert _data(one, "collectionsByDay")["collectedFen"] == 1000
    assert _data(more, "collectionsByDay")["collectedFen"] == 6000 + 5 * 777


def test_money_per_day_stays_in_its_company(gql, alpha, beta, money_days):
    token = gql.login(beta.host, beta.admin)
    result = _data(gql(beta.host, BY_DAY, {"f": "2026-12-01", "t": "2026-12-02"}, token=token), "collectionsByDay")
    assert (result["collectedFen"], result["refundedFen"]) == (0, 0)


# --- arrears aging ---------------------------------------------------------------------------------------

def _season(name: str, start: dt.date, status=Season.Status.OPEN):
    season = SeasonFactory(name=name, heating_start=start, status=status)
    return season, TariffPlanFactory(season=season)


@pytest.fixture
def seasons(alpha):
    """Five published seasons a year apart, the current one (key 0) started 20 days ago and the
    others 1…4 years before it; and a draft season after it (key "draft")."""
    today = timezone.localdate()
    with schema_context(alpha.schema):
        made = {back: _season(f"S-{back}", today - dt.timedelta(days=20 + 365 * back)) for back in range(5)}
        made["draft"] = _season("S-draft", today + dt.timedelta(days=345), status=Season.Status.DRAFT)
    return made


def _buckets(result: dict) -> dict:
    return {b["age"]: (b["houseCount"], b["billCount"], b["outstandingFen"]) for b in result["buckets"]}


def _due(season_plan, day: dt.date) -> None:
    Season.objects.filter(pk=season_plan[0].pk).update(payment_due=day)


def test_arrears_age_by_season(gql, alpha, seasons):
    today = timezone.localdate()
    with schema_context(alpha.schema):
        community = CommunityFactory(name="东区")
        house = HouseFactory(building__community=community, building_area=Decimal("100"))
        other = HouseFactory(building_area=Decimal("100"))
        collector = staff("c1")
        bills = {back: bill_for(seasons[back], house=house) for back in range(5)}  # `house` owes every season
        pay(collector, [bills[4]], 40000, "A1")  # …the oldest in part
        bill_for(seasons[0], house=other)  # `other` owes this season only:
        pay(collector, [bill_for(seasons[1], house=other)], FULL, "A2")  # paid, not in arrears
        bill_for(seasons["draft"], house=other)  # a draft season's bill is not owed yet
        waived = bill_for(seasons[2], house=other)
        Bill.objects.filter(pk=waived.pk).update(status=Bill.Status.WAIVED)
        _due(seasons[0], today)  # due today: not overdue yet
    token = gql.login(alpha.host, alpha.admin)
    current = str(seasons[0][0].pk)

    before_due = _data(gql(alpha.host, AGING, {"s": current}, token=token), "arrearsAging")
    assert before_due["asOf"] == today.isoformat()
    assert _buckets(before_due) == {"CURRENT_NOT_DUE": (2, 2, 2 * FULL), "CURRENT_OVERDUE": (0, 0, 0),
                                    "ONE_SEASON": (1, 1, FULL), "TWO_SEASONS": (1, 1, FULL),
                                    "OLDER": (1, 2, 2 * FULL - 40000)}
    assert (before_due["houseCount"], before_due["outstandingFen"]) == (2, 6 * FULL - 40000)

    with schema_context(alpha.schema):
        _due(seasons[0], today - dt.timedelta(days=1))
    after_due = _buckets(_data(gql(alpha.host, AGING, {"s": current}, token=token), "arrearsAging"))
    assert (after_due["CURRENT_NOT_DUE"], after_due["CURRENT_OVERDUE"]) == ((0, 0, 0), (2, 2, 2 * FULL))

    in_east = _data(gql(alpha.host, AGING, {"s": current, "c": str(community.pk)}, token=token), "arrearsAging")
    assert (in_east["houseCount"], in_east["outstandingFen"]) == (1, 5 * FULL - 40000)

    # Seen from last season: this season is not arrears yet, and last season is "current" (long overdue).
    last = _data(gql(alpha.host, AGING, {"s": str(seasons[1][0].pk)}, token=token), "arrearsAging")
    assert _buckets(last) == {"CURRENT_NOT_DUE": (0, 0, 0), "CURRENT_OVERDUE": (1, 1, FULL),
                              "ONE_SEASON": (1, 1, FULL), "TWO_SEASONS": (1, 1, FULL),
                              "OLDER": (1, 1, FULL - 40000)}


def test_arrears_aging_of_a_draft_season_counts_only_published_seasons(gql, alpha, seasons):
    with schema_context(alpha.schema):
        house = HouseFactory(building_area=Decimal("100"))
        bill_for(seasons["draft"], house=house)
        bill_for(seasons[0], house=house)
    token = gql.login(alpha.host, alpha.admin)
    result = _data(gql(alpha.host, AGING, {"s": str(seasons["draft"][0].pk)}, token=token), "arrearsAging")
    assert _buckets(result)["ONE_SEASON"] == (1, 1, FULL)
    assert result["outstandingFen"] == FULL


def test_arrears_aging_costs_the_same_for_many_bills(gql, alpha, seasons):
    with schema_context(alpha.schema):
        bill_for(seasons[0])
    token = gql.login(alpha.host, alpha.admin)
    variables = {"s": str(seasons[0][0].pk)}

    def grow():
        with schema_context(alpha.schema):
            for back in range(5):
                for _ in range(3):
                    bill_for(seasons[back])

    one, more = assert_same_queries_grown(lambda: gql(alpha.host, AGING, variables, token=token), grow)
    assert _data(one, "arrearsAging")["houseCount"] == 1
    assert _data(more, "arrearsAging")["houseCount"] == 16


def test_arrears_aging_stays_in_its_company(gql, alpha, beta, seasons):
    with schema_context(alpha.schema):
        bill_for(seasons[0])
    token = gql.login(beta.host, beta.admin)
    result = _data(gql(beta.host, AGING, {"s": str(seasons[0][0].pk)}, token=token), "arrearsAging")
    assert (result["houseCount"], result["outstandingFen"]) == (0, 0)


# --- jobs in progress and recent refunds -----------------------------------------------------------------

def test_bill_runs_and_import_jobs_in_progress(gql, alpha, beta):
    with schema_context(alpha.schema):
        season = SeasonFactory()
        running = BillRun.objects.create(season=season, status=BillRun.Status.RUNNING, total=10, processed=4)
        BillRun.objects.create(season=season, status=BillRun.Status.SUCCEEDED)
        queued = ImportJob.objects.create(file_path="imports/x.xlsx", file_kind="xlsx", file_name="x.xlsx",
                                          requested_by="admin")
        ImportJob.objects.create(file_path="imports/y.xlsx", file_kind="xlsx", file_name="y.xlsx",
                                 requested_by="admin", status=ImportJob.Status.FAILED)
    token = gql.login(alpha.host, alpha.admin)
    runs = _data(gql(alpha.host, BILL_RUNS, {"a": True}, token=token), "billRuns")
    assert runs == {"totalCount": 1, "items": [{"id": str(running.pk), "status": "RUNNING", "processed": 4,
                                                "total": 10}]}
    assert _data(gql(alpha.host, BILL_RUNS, {"a": False}, token=token), "billRuns")["totalCount"] == 1
    assert _data(gql(alpha.host, BILL_RUNS, {}, token=token), "billRuns")["totalCount"] == 2
    jobs = _data(gql(alpha.host, IMPORT_JOBS, {"a": True}, token=token), "importJobs")
    assert jobs == {"totalCount": 1, "items": [{"id": str(queued.pk), "status": "QUEUED", "processedRows": 0}]}
    beta_token = gql.login(beta.host, beta.admin)
    assert _data(gql(beta.host, BILL_RUNS, {}, token=beta_token), "billRuns")["totalCount"] == 0
    assert _data(gql(beta.host, IMPORT_JOBS, {}, token=beta_token), "importJobs")["totalCount"] == 0


def test_job_lists_cost_the_same_for_many_jobs(gql, alpha):
    with schema_context(alpha.schema):
        season = SeasonFactory()
        BillRun.objects.create(season=season)
        ImportJob.objects.create(file_path="i/0.csv", file_kind="csv", file_name="0.csv", requested_by="a")
    token = gql.login(alpha.host, alpha.admin)

    def grow():
        with schema_context(alpha.schema):
            for i in range(5):
                BillRun.objects.create(season=season)
                ImportJob.objects.create(file_path=f"i/{i}.csv", file_kind="csv", file_name="1.csv", requested_by="a")

    def both():
        return gql(alpha.host, BILL_RUNS, {}, token=token), gql(alpha.host, IMPORT_JOBS, {}, token=token)

    (runs, jobs), (more_runs, more_jobs) = assert_same_queries_grown(both, grow)
    assert (_data(runs, "billRuns")["totalCount"], _data(jobs, "importJobs")["totalCount"]) == (1, 1)
    assert (_data(more_runs, "billRuns")["totalCount"], _data(more_jobs, "importJobs")["totalCount"]) == (6, 6)


def test_recent_refunds(gql, alpha, beta, money_days):
    with schema_context(alpha.schema):
        User.objects.filter(username="c1").update(display_name="李收费")
        online = PaymentOrder.objects.get(channel="wechat", amount_fen=50000)
        Refund.objects.create(order=online, out_refund_no="RF-online-1", amount_fen=2000, reason="重复缴费")
    token = gql.login(alpha.host, alpha.admin)
    items = _data(gql(alpha.host, REFUNDS, {}, token=token), "refunds")["items"]
    assert [(i["channel"], i["amountFen"], i["status"], i["requestedBy"], i["orderAmountFen"]) for i in items] == [
        ("WECHAT", 2000, "PROCESSING", None, 50000), ("CASH", 10000, "SUCCESS", "李收费", 100000)]
    only_cash = _data(gql(alpha.host, REFUNDS, {"f": {"channel": "CASH"}}, token=token), "refunds")
    assert [i["outRefundNo"] for i in only_cash["items"]] == [items[1]["outRefundNo"]]
    done = _data(gql(alpha.host, REFUNDS, {"f": {"status": "SUCCESS"}}, token=token), "refunds")
    assert done["totalCount"] == 1
    beta_token = gql.login(beta.host, beta.admin)
    assert _data(gql(beta.host, REFUNDS, {}, token=beta_token), "refunds")["totalCount"] == 0


def test_refund_list_costs_the_same_for_many_refunds(gql, alpha):
    with schema_context(alpha.schema):
        season_plan = plain_season()
        collector = staff("c1")

        def refunded(i):
            order = pay(collector, [bill_for(season_plan)], 1000, f"RF{i}")
            refund_request(order_id=order.pk, amount_fen=100, reason="多收", actor=collector)

        refunded(0)
    token = gql.login(alpha.host, alpha.admin)

    def grow():
        with schema_context(alpha.schema):
            for i in range(1, 6):
                refunded(i)

    one, more = assert_same_queries_grown(lambda: gql(alpha.host, REFUNDS, {}, token=token), grow)
    assert [_data(r, "refunds")["totalCount"] for r in (one, more)] == [1, 6]


def test_a_whole_year_of_days_fits_a_staff_members_cost_budget(gql, alpha):
    token = gql.login(alpha.host, alpha.admin)
    result = gql(alpha.host, BY_DAY, {"f": "2026-01-01", "t": "2026-12-31"}, token=token)
    days = _data(result, "collectionsByDay")["days"]
    assert len(days) == 365 and all(len(d["channels"]) == 5 for d in days)
