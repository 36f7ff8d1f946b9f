"""Finance report exports beside test_finance_reports_api.py: collections by day, 收缴率 by
community, arrears aging and statement runs as background .xlsx jobs. Each file, read back
with openpyxl, holds the figures the report's query answers for the same parameters; bad
parameters are typed errors that queue nothing; finance and admins only."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.billing.selectors import ArrearsAge
from apps.imports.models import ExportJob
from apps.payments.models import CollectionChannel, PaymentOrder, Refund
from apps.payments.services import refund_request
from apps.reconciliation.models import Difference, StatementRun
from tests.factories.accounts import staff
from tests.factories.billing import FULL, bill_for
from tests.factories.imports import exported_rows
from tests.factories.payments import pay
from tests.factories.properties import CommunityFactory, HouseFactory
from tests.factories.tariffs import plain_season, season_plan

SHANGHAI = ZoneInfo("Asia/Shanghai")
EXPORT = """mutation($k: ReportExportKind!, $f: Date, $t: Date, $s: ID, $c: ID) {
  startReportExport(kind: $k, dateFrom: $f, dateTo: $t, seasonId: $s, communityId: $c) {
  job { id kind status } errors { field code } } }"""
JOB = "query($id: ID!) { exportJob(id: $id) { id kind status totalRows downloadUrl } }"
BY_DAY = """query($f: Date!, $t: Date!) { collectionsByDay(dateFrom: $f, dateTo: $t) {
  collectedFen days { date channels { channel collectedFen count refundedFen netFen } } } }"""
BY_COMMUNITY = """query($s: ID!) { collectionByCommunity(seasonId: $s) {
  communityName billCount paidCount billedFen collectedFen outstandingFen collectionRate } }"""
AGING = """query($s: ID!, $c: ID) { arrearsAging(seasonId: $s, communityId: $c) {
  houseCount outstandingFen buckets { age houseCount billCount outstandingFen } } }"""
RUNS = """query($f: Date, $t: Date) { statementRuns(dateFrom: $f, dateTo: $t, limit: 100) { totalCount items {
  id billDate channel merchantId kind status summary { count paidFen refundedFen feeFen } matchedCount
  channelPaidFen localPaidFen channelRefundedFen localRefundedFen channelFeeFen openDifferenceCount
  differenceCounts { kind total } error startedBy closedBy closedAt } } }"""

_CHANNEL = dict(CollectionChannel.choices)
_AGE = dict(ArrearsAge.choices)


def _data(result: dict, field: str):
    assert "errors" not in result, result
    return result["data"][field]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _export(gql, capture, host: str, token: str, variables: dict) -> list[list]:
    """Start the export, let the worker run it, download the file: its rows, header first."""
    with capture(execute=True):
        started = gql(host, EXPORT, variables, token=token)["data"]["startReportExport"]
    assert started["errors"] == [], started
    assert started["job"]["kind"] == variables["k"]
    job = gql(host, JOB, {"id": started["job"]["id"]}, token=token)["data"]["exportJob"]
    assert job["status"] == "SUCCEEDED", job
    resp = Client().get(job["downloadUrl"], HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert resp.status_code == 200
    rows = exported_rows("xlsx", b"".join(resp.streaming_content))
    assert job["totalRows"] == len(rows) - 1
    return rows


def _fen(cell) -> int | None:
    """A yuan cell back in fen (None for an empty cell)."""
    return None if cell in (None, "") else int(Decimal(str(cell)) * 100)


def _blank(value):
    return None if value in (None, "") else value


# --- collections by day ----------------------------------------------------------------------------------

def test_collections_by_day_export_holds_the_report(gql, alpha, media, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    d1, d2 = today - dt.timedelta(days=3), today - dt.timedelta(days=2)
    with schema_context(alpha.schema):
        sp = plain_season()
        c1 = staff("c1")
        cash = pay(c1, [bill_for(sp)], 100000, "R1", method="cash")
        pos = pay(c1, [bill_for(sp)], 40000, "R2", method="pos")
        PaymentOrder.objects.filter(pk=cash.pk).update(paid_at=_at(d1, 10))
        PaymentOrder.objects.filter(pk=pos.pk).update(paid_at=_at(d2, 11))
        PaymentOrder.objects.create(out_trade_no="TW1", channel="wechat", amount_fen=50000, description="采暖费",
                                    status="paid", paid_at=_at(d1, 9))
        PaymentOrder.objects.create(out_trade_no="TA1", channel="alipay", amount_fen=20000, description="采暖费",
                                    status="paid", paid_at=_at(d2, 9))
        refund = refund_request(order_id=cash.pk, amount_fen=10000, reason="多收", actor=c1)
        Refund.objects.filter(pk=refund.pk).update(finished_at=_at(d2, 15))
    token = gql.login(alpha.host, alpha.admin)
    variables = {"f": str(d1), "t": str(d2)}
    report = _data(gql(alpha.host, BY_DAY, variables, token=token), "collectionsByDay")
    assert report["collectedFen"] == 210000  # the report is not empty: the file has figures to hold

    rows = _export(gql, django_capture_on_commit_callbacks, alpha.host, token,
                   {"k": "COLLECTIONS_BY_DAY", **variables})
    assert rows[0] == ["日期", "渠道", "笔数", "收款(元)", "退款(元)", "净额(元)"]
    assert [[r[0], r[1], r[2], _fen(r[3]), _fen(r[4]), _fen(r[5])] for r in rows[1:]] == [
        [day["date"], _CHANNEL[c["channel"].lower()], c["count"], c["collectedFen"], c["refundedFen"], c["netFen"]]
        for day in report["days"] for c in day["channels"]]
    assert len(rows) == 1 + 2 * len(CollectionChannel.values)  # every day × channel, zeros included
    cash_d2 = next(r for r in rows[1:] if (r[0], r[1]) == (str(d2), "现金"))
    assert (_fen(cash_d2[4]), _fen(cash_d2[5])) == (10000, -10000)

    bad = gql(alpha.host, EXPORT, {"k": "COLLECTIONS_BY_DAY", "f": str(d2)}, token=token)
    assert [(e["field"], e["code"]) for e in bad["data"]["startReportExport"]["errors"]] == [("dateTo", "REQUIRED")]


# --- 收缴率 by community ---------------------------------------------------------------------------------

def test_collection_by_community_export_holds_the_report(gql, alpha, media, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema):
        sp = plain_season()
        collector = staff("c1")
        for name, paid in (("东区", [FULL, 100000, 0]), ("西区", [FULL])):
            community = CommunityFactory(name=name)
            for i, amount in enumerate(paid):
                bill = bill_for(sp, house=HouseFactory(building__community=community, building_area=Decimal("100")))
                if amount:
                    pay(collector, [bill], amount, f"R-{name}-{i}")
        finance = staff("fin", role="finance")
    token = gql.login(alpha.host, finance.username)
    season_id = str(sp[0].pk)
    report = _data(gql(alpha.host, BY_COMMUNITY, {"s": season_id}, token=token), "collectionByCommunity")
    assert [(r["communityName"], r["billCount"], r["paidCount"]) for r in report] == [("东区", 3, 1), ("西区", 1, 1)]

    rows = _export(gql, django_capture_on_commit_callbacks, alpha.host, token,
                   {"k": "COLLECTION_BY_COMMUNITY", "s": season_id})
    assert rows[0] == ["小区", "账单数", "已缴清", "应收(元)", "实收(元)", "欠费(元)", "收缴率(%)"]
    assert [[r[0], r[1], r[2], _fen(r[3]), _fen(r[4]), _fen(r[5]), Decimal(str(r[6]))] for r in rows[1:]] == [
        [r["communityName"], r["billCount"], r["paidCount"], r["billedFen"], r["collectedFen"], r["outstandingFen"],
         Decimal(r["collectionRate"])] for r in report]

    for variables in ({"k": "COLLECTION_BY_COMMUNITY"}, {"k": "COLLECTION_BY_COMMUNITY", "s": "999999"}):
        bad = gql(alpha.host, EXPORT, variables, token=token)["data"]["startReportExport"]
        assert [(e["field"], e["code"]) for e in bad["errors"]] == [("seasonId", "NOT_FOUND")]
        assert bad["job"] is None


# --- arrears aging ---------------------------------------------------------------------------------------

def test_arrears_aging_export_holds_the_report(gql, alpha, media, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema):
        current, last = plain_season("2026-2027", started_days_ago=20), season_plan("2025-2026", started_days_ago=385)
        collector = staff("c1")
        east = CommunityFactory(name="东区")
        house = HouseFactory(building__community=east, building_area=Decimal("100"))
        other = HouseFactory(building_area=Decimal("100"))
        bill_for(current, house=house)
        pay(collector, [bill_for(last, house=house)], 40000, "A1")  # last season, in part
        bill_for(current, house=other)
        bill_for(last, house=other)
    token = gql.login(alpha.host, alpha.admin)
    season_id = str(current[0].pk)
    for community in (None, str(east.pk)):
        variables = {"s": season_id, "c": community}
        report = _data(gql(alpha.host, AGING, variables, token=token), "arrearsAging")
        rows = _export(gql, django_capture_on_commit_callbacks, alpha.host, token, {"k": "ARREARS_AGING", **variables})
        assert rows[0] == ["账龄", "欠费户数", "账单数", "欠费本金(元)"]
        assert [[r[0], r[1], r[2], _fen(r[3])] for r in rows[1:]] == [
            *[[_AGE[b["age"].lower()], b["houseCount"], b["billCount"], b["outstandingFen"]]
              for b in report["buckets"]],
            ["合计", report["houseCount"], sum(b["billCount"] for b in report["buckets"]), report["outstandingFen"]]]
        # a house owing in two ages is one house in the total
        houses, owed = (2, 4 * FULL - 40000) if community is None else (1, 2 * FULL - 40000)
        assert (rows[-1][1], _fen(rows[-1][3])) == (houses, owed)


# --- statement runs --------------------------------------------------------------------------------------

def test_statement_runs_export_holds_the_runs_figures(gql, alpha, media, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    d1, d2, before = (today - dt.timedelta(days=n) for n in (2, 1, 30))
    with schema_context(alpha.schema):
        finance = staff("fin", role="finance")
        matched = StatementRun.objects.create(
            merchant_account_id=1, channel="wechat", merchant_id="1900000109", bill_date=d1, status="matched",
            started_by=finance, summary={"count": 5, "paid_fen": 90000, "refunded_fen": 1000, "fee_fen": 534},
            totals={"matched": 3, "channel_paid_fen": 90000, "local_paid_fen": 89999, "channel_refunded_fen": 1000,
                    "local_refunded_fen": 1000, "channel_fee_fen": 534})
        for kind, status, no in (("amount_mismatch", "open", "T1"), ("fee_mismatch", "resolved", "T2"),
                                 ("cross_day", "carried", "T3"), ("amount_mismatch", "open", "T4")):
            Difference.objects.create(run=matched, kind=kind, subject="payment", out_trade_no=no, status=status)
        StatementRun.objects.create(merchant_account_id=1, channel="wechat", kind="fundflow", bill_date=d1,
                                    status="failed", error="账单尚未生成", error_code="NOT_READY", attempts=2)
        StatementRun.objects.create(
            merchant_account_id=2, channel="alipay", merchant_id="2021000000000001", bill_date=d2, status="closed",
            summary={"count": 0, "paid_fen": 0, "refunded_fen": 0, "fee_fen": 0},
            totals={"matched": 0, "channel_paid_fen": 0, "local_paid_fen": 0, "channel_refunded_fen": 0,
                    "local_refunded_fen": 0, "channel_fee_fen": 0},
            closed_by=User.objects.get(username=alpha.admin), closed_at=_at(d2, 11))
        StatementRun.objects.create(merchant_account_id=1, channel="wechat", bill_date=before, status="closed")
    token = gql.login(alpha.host, "fin")
    variables = {"f": str(d1), "t": str(d2)}
    report = _data(gql(alpha.host, RUNS, variables, token=token), "statementRuns")
    assert report["totalCount"] == 3

    rows = _export(gql, django_capture_on_commit_callbacks, alpha.host, token, {"k": "STATEMENT_RUNS", **variables})
    assert rows[0][:7] == ["账单日期", "渠道", "商户号", "账单类型", "状态", "对账批次", "账单笔数"]
    assert rows[0][17:23] == ["长款", "短款", "金额不符", "状态不符", "手续费不符", "跨日"]
    labels = {"channel": dict(StatementRun.Channel.choices), "kind": dict(StatementRun.Kind.choices),
              "status": dict(StatementRun.Status.choices)}
    expected = []
    for run in report["items"]:
        summary = run["summary"]
        counts = {c["kind"]: c["total"] for c in run["differenceCounts"]}
        closed_at = (dt.datetime.fromisoformat(run["closedAt"]).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
                     if run["closedAt"] else None)
        expected.append([
            run["billDate"], *[labels[f][run[f].lower()] for f in ("channel",)], _blank(run["merchantId"]),
            labels["kind"][run["kind"].lower()], labels["status"][run["status"].lower()], int(run["id"]),
            *([summary["count"], summary["paidFen"], summary["refundedFen"], summary["feeFen"]] if summary
              else [None] * 4),
            run["matchedCount"], run["channelPaidFen"], run["localPaidFen"], run["channelRefundedFen"],
            run["localRefundedFen"], run["channelFeeFen"], run["openDifferenceCount"],
            *[counts.get(kind.upper(), 0) for kind in Difference.Kind.values],
            _blank(run["error"]), run["startedBy"], run["closedBy"], closed_at])
    money = (7, 8, 9, 11, 12, 13, 14, 15)
    got = [[_fen(cell) if i in money else _blank(cell) for i, cell in enumerate(r)] for r in rows[1:]]
    assert got == expected
    # the figures are there, not blanks on both sides (newest bill date first, then channel and kind)
    assert [(r[4], r[6], r[11], r[16], r[19], r[21], r[22]) for r in got] == [
        ("已关闭", 0, 0, 0, 0, 0, 0), ("失败", None, None, 0, 0, 0, 0), ("已比对", 5, 90000, 2, 2, 1, 1)]
    assert got[1][23] == "账单尚未生成" and got[2][24] is not None and got[0][26] == f"{d2} 11:00:00"

    bad = gql(alpha.host, EXPORT, {"k": "STATEMENT_RUNS", "f": str(d2), "t": str(d1)}, token=token)
    assert [(e["field"], e["code"]) for e in bad["data"]["startReportExport"]["errors"]] == [
        ("dateTo", "DATE_OUT_OF_RANGE")]


# --- who may export --------------------------------------------------------------------------------------

NEW_KINDS = ["COLLECTIONS_BY_DAY", "COLLECTION_BY_COMMUNITY", "ARREARS_AGING", "STATEMENT_RUNS"]


@pytest.mark.parametrize("role", ["collector", "technician"])
def test_only_finance_and_admins_export(gql, alpha, make_staff, role):
    token = make_staff(alpha, role)
    for kind in NEW_KINDS:
        result = gql(alpha.host, EXPORT, {"k": kind, "f": "2026-12-01", "t": "2026-12-02"}, token=token)
        assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED", kind
    with schema_context(alpha.schema):
        assert not ExportJob.objects.exists()


def test_finance_may_queue_every_new_kind(gql, alpha, make_staff):
    with schema_context(alpha.schema):
        sp = plain_season()
    token = make_staff(alpha, "finance")
    for kind in NEW_KINDS:
        started = _data(gql(alpha.host, EXPORT, {"k": kind, "f": "2026-12-01", "t": "2026-12-02",
                                                  "s": str(sp[0].pk)}, token=token), "startReportExport")
        assert started["errors"] == [] and started["job"]["kind"] == kind
    with schema_context(alpha.schema):
        assert sorted(ExportJob.objects.values_list("kind", flat=True)) == sorted(k.lower() for k in NEW_KINDS)
