"""Statement reconciliation through the API: only finance and admins reach it;
another company's runs, differences and merchant accounts are "not found";
resolving and closing follow the state machine, and a refusal is a typed
payload error that changes nothing; lists cost the same queries for one row
as for many; the raw bill downloads for finance only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.reconciliation.models import Difference, StatementRun
from tenants.models import HeatingCompany, MerchantAccount
from tests.factories.accounts import staff
from tests.factories.reconciliation import close_day, make_difference, make_run
from tests.factories.tenants import OPERATOR
from tests.queries import assert_same_queries_grown

S, R, K = Difference.Status, Difference.Resolution, Difference.Kind

RUNS = """query($f: Date, $t: Date, $ch: MerchantChannel, $st: StatementRunStatus, $k: StatementKind,
  $o: Int, $l: Int) {
  statementRuns(dateFrom: $f, dateTo: $t, channel: $ch, status: $st, kind: $k, offset: $o, limit: $l) {
    totalCount items { id merchantAccountId channel merchantId kind billDate status errorCode error attempts
      fileUrl fileSize summary { count paidFen refundedFen feeFen } matchedCount channelPaidFen localPaidFen
      channelRefundedFen localRefundedFen channelFeeFen openDifferenceCount canClose startedBy closedBy createdAt
      closedAt differenceCounts { kind total open resolved carried } } } }"""
RUN = """query($id: ID!, $st: StatementDifferenceStatus, $k: StatementDifferenceKind) { statementRun(id: $id) {
  id status openDifferenceCount canClose differenceCounts { kind total open resolved carried }
  differences(status: $st, kind: $k) { totalCount items { id kind status outTradeNo resolution note resolvedBy
    allowedResolutions billDate channel runStatus orderId refundId carriedToRunId } } } }"""
DIFFERENCES = """query($st: StatementDifferenceStatus, $k: StatementDifferenceKind, $ch: MerchantChannel,
  $f: Date, $t: Date, $q: String) {
  statementDifferences(status: $st, kind: $k, channel: $ch, dateFrom: $f, dateTo: $t, search: $q) {
    totalCount items { id runId billDate channel runStatus kind subject outTradeNo outRefundNo orderId refundId
      channelAmountFen localAmountFen channelFeeFen expectedFeeFen channelStatus localStatus autoAction status
      resolution note resolvedBy resolvedAt carriedToRunId allowedResolutions } } }"""
ACCOUNTS = "{ merchantAccountsForReconciliation { id channel mode isActive label kinds } }"
START = """mutation($a: ID!, $d: Date!, $k: StatementKind) { startStatementRun(merchantAccountId: $a, billDate: $d,
  kind: $k) { run { id status billDate kind channel startedBy } errors { field code message } } }"""
RERUN = """mutation($id: ID!) { rerunStatementRun(id: $id) { run { id status } errors { field code message } } }"""
RESOLVE = """mutation($id: ID!, $r: StatementDifferenceResolution!, $n: String!) {
  resolveStatementDifference(id: $id, resolution: $r, note: $n) {
    difference { id status resolution note resolvedBy allowedResolutions } errors { field code message } } }"""
CLOSE = """mutation($id: ID!) { closeStatementRun(id: $id) {
  run { id status closedBy canClose } errors { field code message } } }"""

DAY = dt.date(2026, 11, 20)


def _data(result: dict, field: str):
    assert "errors" not in result, result
    return result["data"][field]


def _in(tenant, fn):
    with schema_context(tenant.schema):
        return fn()


@pytest.fixture
def finance_token(gql, alpha, make_staff):
    return make_staff(alpha, "finance")


def _account(slug: str, *, channel="wechat", mode="direct", **fields) -> MerchantAccount:
    connection.set_schema_to_public()
    return MerchantAccount.objects.create(tenant=HeatingCompany.objects.get(slug=slug), channel=channel, mode=mode,
                                          **fields)


# --- who may call ------------------------------------------------------------------------------------------------

def _calls(ids: dict) -> list[tuple[str, str, dict]]:
    return [
        ("statementRuns", RUNS, {}),
        ("statementRun", RUN, {"id": ids["run"]}),
        ("statementDifferences", DIFFERENCES, {}),
        ("merchantAccountsForReconciliation", ACCOUNTS, {}),
        ("startStatementRun", START, {"a": ids["account"], "d": (timezone.localdate() - dt.timedelta(days=1))
                                      .isoformat()}),
        ("rerunStatementRun", RERUN, {"id": ids["run"]}),
        ("resolveStatementDifference", RESOLVE, {"id": ids["diff"], "r": "OTHER", "n": "核实无误"}),
        ("closeStatementRun", CLOSE, {"id": ids["other_run"]}),
    ]


@pytest.fixture
def objects(alpha):
    account = _account("alpha", mchid="1900000101")

    def build():  # recent days: a re-run is for the last 3 months only
        today = timezone.localdate()
        run = make_run(merchant_account_id=account.pk, bill_date=today - dt.timedelta(days=2))
        return {"account": str(account.pk), "run": str(run.pk), "diff": str(make_difference(run).pk),
                "other_run": str(make_run(merchant_account_id=account.pk, bill_date=today - dt.timedelta(days=3)).pk)}

    return _in(alpha, build)


@pytest.mark.parametrize("role", ["collector", "technician"])
def test_collectors_and_technicians_are_refused_everything(gql, alpha, make_staff, objects, role):
    token = make_staff(alpha, role)
    for field, query, variables in _calls(objects):
        result = gql(alpha.host, query, variables, token=token)
        assert [e["extensions"]["code"] for e in result["errors"]] == ["PERMISSION_DENIED"], (field, result)
        assert result["data"] is None or result["data"][field] is None
    assert _in(alpha, lambda: Difference.objects.get(pk=objects["diff"]).status) == S.OPEN


def test_residents_anonymous_callers_and_operators_are_refused_everything(gql, alpha, make_resident, objects):
    _, resident = make_resident(alpha, "o-recon")
    operator = gql.login("localhost", OPERATOR)
    for field, query, variables in _calls(objects):
        for token, code in ((resident, "PERMISSION_DENIED"), (None, "UNAUTHENTICATED"),
                            (operator, "UNAUTHENTICATED")):  # an operator's token is not valid on a company host
            result = gql(alpha.host, query, variables, token=token)
            assert [e["extensions"]["code"] for e in result["errors"]] == [code], (field, result)
        # …and the platform's own API has no such field.
        result = gql("localhost", query, variables, token=operator)
        assert result.get("data") is None and "errors" in result, (field, result)
    assert _in(alpha, lambda: Difference.objects.get(pk=objects["diff"]).status) == S.OPEN
    assert _in(alpha, lambda: StatementRun.objects.filter(started_by__isnull=False).exists()) is False


@pytest.mark.parametrize("role", ["finance", "tenant_admin"])
def test_finance_and_admins_may_use_every_field(gql, alpha, make_staff, objects, role):
    token = make_staff(alpha, role)
    for field, query, variables in _calls(objects):
        result = gql(alpha.host, query, variables, token=token)
        assert "errors" not in result, (field, result)
        payload = result["data"][field]
        assert payload is not None, field
        if isinstance(payload, dict) and "errors" in payload:
            assert payload["errors"] == [], (field, payload)


# --- another company's objects -----------------------------------------------------------------------------------

def test_another_companys_runs_and_differences_are_not_found(gql, alpha, beta, finance_token):
    def alpha_rows():
        run = make_run(bill_date=DAY)
        return {run.pk, make_run(bill_date=DAY - dt.timedelta(days=1)).pk}, {make_difference(run).pk}

    def beta_rows():  # more rows than alpha, so beta's last ids are ids alpha does not have
        runs = [make_run(bill_date=DAY - dt.timedelta(days=i)) for i in range(4)]
        return runs[-1], [make_difference(runs[-1]) for _ in range(3)][-1]

    alpha_runs, alpha_diffs = _in(alpha, alpha_rows)
    run, diff = _in(beta, beta_rows)
    assert run.pk not in alpha_runs and diff.pk not in alpha_diffs  # else the test would prove nothing
    assert _data(gql(alpha.host, RUN, {"id": str(run.pk)}, token=finance_token), "statementRun") is None
    for query, field, variables in (
            (RESOLVE, "resolveStatementDifference", {"id": str(diff.pk), "r": "OTHER", "n": "越权处理"}),
            (CLOSE, "closeStatementRun", {"id": str(run.pk)}),
            (RERUN, "rerunStatementRun", {"id": str(run.pk)})):
        payload = _data(gql(alpha.host, query, variables, token=finance_token), field)
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [("id", "NOT_FOUND")], (field, payload)
    listed = _data(gql(alpha.host, DIFFERENCES, {"q": diff.out_trade_no}, token=finance_token), "statementDifferences")
    assert listed == {"totalCount": 0, "items": []}
    assert _in(beta, lambda: (Difference.objects.get(pk=diff.pk).status, StatementRun.objects.get(pk=run.pk).status)
               ) == (S.OPEN, StatementRun.Status.MATCHED)


def test_merchant_accounts_are_the_companys_own_with_masked_ids(gql, alpha, beta, finance_token):
    wechat = _account("alpha", mchid="1900000101")
    alipay = _account("alpha", channel="alipay", mode="isv", alipay_app_id="2021000123456789", is_active=False)
    _account("beta", mchid="1900000999")
    assert _data(gql(alpha.host, ACCOUNTS, token=finance_token), "merchantAccountsForReconciliation") == [
        {"id": str(wechat.pk), "channel": "WECHAT", "mode": "DIRECT", "isActive": True,
         "label": "微信支付 · 直连商户 · 19******01", "kinds": ["TRADE", "FUNDFLOW"]},
        {"id": str(alipay.pk), "channel": "ALIPAY", "mode": "ISV", "isActive": False,
         "label": "支付宝 · 第三方应用授权 · 20************89", "kinds": ["TRADE"]},
    ]


def test_a_run_cannot_be_started_for_another_companys_merchant_account(gql, alpha, beta, finance_token):
    foreign = _account("beta", mchid="1900000999")
    payload = _data(gql(alpha.host, START, {"a": str(foreign.pk), "d": _yesterday()}, token=finance_token),
                    "startStatementRun")
    assert payload["run"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("merchantAccountId", "NOT_FOUND")]
    assert _in(alpha, StatementRun.objects.count) == 0 and _in(beta, StatementRun.objects.count) == 0


# --- starting and re-running -------------------------------------------------------------------------------------

def _yesterday() -> str:
    return (timezone.localdate() - dt.timedelta(days=1)).isoformat()


def test_finance_starts_a_run_and_reruns_it(gql, alpha, finance_token):
    account = _account("alpha", mchid="1900000101")
    started = _data(gql(alpha.host, START, {"a": str(account.pk), "d": _yesterday()}, token=finance_token),
                    "startStatementRun")
    assert started["errors"] == []
    assert {k: started["run"][k] for k in ("status", "billDate", "kind", "channel")} == {
        "status": "PENDING", "billDate": _yesterday(), "kind": "TRADE", "channel": "WECHAT"}
    assert started["run"]["startedBy"]
    again = _data(gql(alpha.host, RERUN, {"id": started["run"]["id"]}, token=finance_token), "rerunStatementRun")
    assert again["errors"] == [] and again["run"]["id"] == started["run"]["id"]  # the same bill is the same run
    assert _in(alpha, StatementRun.objects.count) == 1


@pytest.mark.parametrize("days_ago", [0, -1, 200])
def test_a_run_is_refused_for_today_the_future_and_beyond_three_months(gql, alpha, finance_token, days_ago):
    account = _account("alpha", mchid="1900000101")
    day = (timezone.localdate() - dt.timedelta(days=days_ago)).isoformat()
    payload = _data(gql(alpha.host, START, {"a": str(account.pk), "d": day}, token=finance_token),
                    "startStatementRun")
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("billDate", "DATE_OUT_OF_RANGE")]
    assert _in(alpha, StatementRun.objects.count) == 0


def test_a_closed_run_is_not_run_again_and_its_refusal_names_the_id(gql, alpha, finance_token):
    account = _account("alpha", mchid="1900000101")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    run = _in(alpha, lambda: make_run(merchant_account_id=account.pk, bill_date=yesterday,
                                      status=StatementRun.Status.CLOSED))
    payload = _data(gql(alpha.host, RERUN, {"id": str(run.pk)}, token=finance_token), "rerunStatementRun")
    assert payload["run"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("id", "NOT_ALLOWED_IN_STATE")]
    assert _in(alpha, lambda: StatementRun.objects.get(pk=run.pk).status) == StatementRun.Status.CLOSED


# --- resolving and closing ---------------------------------------------------------------------------------------

def test_finance_resolves_every_difference_then_closes_the_run(gql, alpha, finance_token):
    def build():
        run = make_run()
        return run, [make_difference(run, kind=K.AMOUNT_MISMATCH),
                     make_difference(run, kind=K.CHANNEL_ONLY, auto_action="settled: 查询渠道已支付，已按渠道入账"),
                     make_difference(run, kind=K.CROSS_DAY, status=S.CARRIED)]

    run, (amount, settled, _carried) = _in(alpha, build)
    before = _data(gql(alpha.host, RUN, {"id": str(run.pk)}, token=finance_token), "statementRun")
    assert (before["openDifferenceCount"], before["canClose"]) == (2, False)
    allowed = {d["outTradeNo"]: d["allowedResolutions"] for d in before["differences"]["items"]}
    assert allowed[amount.out_trade_no] == ["ACCEPT_CHANNEL", "ACCEPT_LOCAL", "ADJUSTED", "OTHER"]
    assert allowed[settled.out_trade_no] == ["SETTLED", "ACCEPT_CHANNEL", "ACCEPT_LOCAL", "ADJUSTED", "OTHER"]

    refused = _data(gql(alpha.host, CLOSE, {"id": str(run.pk)}, token=finance_token), "closeStatementRun")
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("id", "OPEN_DIFFERENCES")]
    assert "2" in refused["errors"][0]["message"]

    short = _data(gql(alpha.host, RESOLVE, {"id": str(amount.pk), "r": "ACCEPT_CHANNEL", "n": "x"},
                      token=finance_token), "resolveStatementDifference")
    assert [(e["field"], e["code"]) for e in short["errors"]] == [("note", "INVALID")] and short["difference"] is None
    claimed = _data(gql(alpha.host, RESOLVE, {"id": str(amount.pk), "r": "SETTLED", "n": "已入账"},
                        token=finance_token), "resolveStatementDifference")
    assert [(e["field"], e["code"]) for e in claimed["errors"]] == [("resolution", "INVALID")]
    assert _in(alpha, lambda: Difference.objects.get(pk=amount.pk).status) == S.OPEN

    for diff, resolution in ((amount, "ACCEPT_CHANNEL"), (settled, "SETTLED")):
        done = _data(gql(alpha.host, RESOLVE, {"id": str(diff.pk), "r": resolution, "n": "已与渠道核实"},
                         token=finance_token), "resolveStatementDifference")
        assert done["errors"] == []
        assert {k: done["difference"][k] for k in ("status", "resolution", "note", "allowedResolutions")} == {
            "status": "RESOLVED", "resolution": resolution, "note": "已与渠道核实", "allowedResolutions": []}
        assert done["difference"]["resolvedBy"]
    again = _data(gql(alpha.host, RESOLVE, {"id": str(amount.pk), "r": "OTHER", "n": "再改一次"},
                      token=finance_token), "resolveStatementDifference")
    assert [(e["field"], e["code"]) for e in again["errors"]] == [("id", "NOT_ALLOWED_IN_STATE")]

    closed = _data(gql(alpha.host, CLOSE, {"id": str(run.pk)}, token=finance_token), "closeStatementRun")
    assert closed["errors"] == [] and closed["run"]["status"] == "CLOSED" and closed["run"]["closedBy"]
    twice = _data(gql(alpha.host, CLOSE, {"id": str(run.pk)}, token=finance_token), "closeStatementRun")
    assert [(e["field"], e["code"]) for e in twice["errors"]] == [("id", "NOT_ALLOWED_IN_STATE")]

    def audit():
        return [(a.action, a.detail.get("resolution"), a.detail.get("out_trade_no"), a.actor_kind)
                for a in AuditLog.objects.filter(action__startswith="reconciliation.").order_by("id")]

    assert _in(alpha, audit) == [
        ("reconciliation.difference_resolve", "accept_channel", amount.out_trade_no, "staff"),
        ("reconciliation.difference_resolve", "settled", settled.out_trade_no, "staff"),
        ("reconciliation.run_close", None, None, "staff"),
    ]


def test_a_closed_day_refuses_resolving_with_its_own_code(gql, alpha, finance_token):
    def build():
        run = make_run(bill_date=DAY)
        close_day(DAY)
        return make_difference(run)

    diff = _in(alpha, build)
    payload = _data(gql(alpha.host, RESOLVE, {"id": str(diff.pk), "r": "OTHER", "n": "补记"}, token=finance_token),
                    "resolveStatementDifference")
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("id", "DAY_CLOSED")]


# --- lists --------------------------------------------------------------------------------------------------------

def test_runs_are_filtered_by_date_channel_status_and_kind(gql, alpha, finance_token):
    def build():
        return {"wechat_20": make_run(bill_date=DAY, merchant_account_id=1),
                "alipay_20": make_run(bill_date=DAY, channel="alipay", merchant_account_id=2,
                                      status=StatementRun.Status.FAILED, error_code="NOT_READY", error="账单未生成"),
                "wechat_19": make_run(bill_date=DAY - dt.timedelta(days=1), merchant_account_id=1,
                                      status=StatementRun.Status.CLOSED),
                "fundflow_19": make_run(bill_date=DAY - dt.timedelta(days=1), merchant_account_id=1, kind="fundflow"),
                "wechat_10": make_run(bill_date=DAY - dt.timedelta(days=10), merchant_account_id=1)}

    runs = _in(alpha, build)
    ids = {str(r.pk): name for name, r in runs.items()}

    def names(**variables):
        page = _data(gql(alpha.host, RUNS, variables, token=finance_token), "statementRuns")
        assert page["totalCount"] == len(page["items"])
        return [ids[r["id"]] for r in page["items"]]

    assert names() == ["alipay_20", "wechat_20", "fundflow_19", "wechat_19", "wechat_10"]
    assert names(f="2026-11-19", t="2026-11-20") == ["alipay_20", "wechat_20", "fundflow_19", "wechat_19"]
    assert names(ch="ALIPAY") == ["alipay_20"]
    assert names(st="CLOSED") == ["wechat_19"]
    assert names(k="FUNDFLOW") == ["fundflow_19"]
    page = _data(gql(alpha.host, RUNS, {"o": 1, "l": 2}, token=finance_token), "statementRuns")
    assert page["totalCount"] == 5 and [ids[r["id"]] for r in page["items"]] == ["wechat_20", "fundflow_19"]
    failed = _data(gql(alpha.host, RUNS, {"ch": "ALIPAY"}, token=finance_token), "statementRuns")["items"][0]
    assert (failed["status"], failed["errorCode"], failed["error"], failed["fileUrl"]) == (
        "FAILED", "NOT_READY", "账单未生成", None)


@pytest.mark.parametrize(("date_from", "date_to"), [("2026-11-20", "2026-11-19"), ("2025-11-19", "2026-11-20")])
def test_a_bad_date_range_is_bad_input(gql, alpha, finance_token, date_from, date_to):
    for query, field in ((RUNS, "statementRuns"), (DIFFERENCES, "statementDifferences")):
        result = gql(alpha.host, query, {"f": date_from, "t": date_to}, token=finance_token)
        assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in result["errors"]] == [
            ("BAD_USER_INPUT", "dateTo")], (field, result)


def test_a_whole_year_of_days_is_allowed(gql, alpha, finance_token):
    result = gql(alpha.host, RUNS, {"f": "2025-11-20", "t": "2026-11-20"}, token=finance_token)  # 366 days
    assert _data(result, "statementRuns")["totalCount"] == 0


def test_run_figures_come_from_its_summary_totals_and_differences(gql, alpha, finance_token):
    def build():
        run = make_run(summary={"count": 3, "paid_fen": 30000, "refunded_fen": 5000, "fee_fen": 150},
                       totals={"matched": 2, "channel_paid_fen": 30000, "local_paid_fen": 29999,
                               "channel_refunded_fen": 5000, "local_refunded_fen": 5000, "channel_fee_fen": 150},
                       file_path="statements/x.csv.gz", file_size=321)
        make_difference(run, kind=K.AMOUNT_MISMATCH)
        make_difference(run, kind=K.AMOUNT_MISMATCH, status=S.RESOLVED, resolution=R.OTHER, note="核实")
        make_difference(run, kind=K.CROSS_DAY, status=S.CARRIED)
        make_difference(run, kind=K.CHANNEL_ONLY)
        return run

    run = _in(alpha, build)
    [item] = _data(gql(alpha.host, RUNS, token=finance_token), "statementRuns")["items"]
    assert item["summary"] == {"count": 3, "paidFen": 30000, "refundedFen": 5000, "feeFen": 150}
    assert (item["matchedCount"], item["channelPaidFen"], item["localPaidFen"], item["channelRefundedFen"],
            item["localRefundedFen"], item["channelFeeFen"]) == (2, 30000, 29999, 5000, 5000, 150)
    assert (item["fileUrl"], item["fileSize"]) == (f"/files/statements/{run.pk}/", 321)
    assert (item["openDifferenceCount"], item["canClose"]) == (2, False)
    assert item["differenceCounts"] == [
        {"kind": "CHANNEL_ONLY", "total": 1, "open": 1, "resolved": 0, "carried": 0},
        {"kind": "AMOUNT_MISMATCH", "total": 2, "open": 1, "resolved": 1, "carried": 0},
        {"kind": "CROSS_DAY", "total": 1, "open": 0, "resolved": 0, "carried": 1},
    ]
    open_only = _data(gql(alpha.host, RUN, {"id": str(run.pk), "st": "OPEN", "k": "AMOUNT_MISMATCH"},
                          token=finance_token), "statementRun")["differences"]
    assert open_only["totalCount"] == 1 and open_only["items"][0]["status"] == "OPEN"


def test_open_differences_of_the_company_across_runs(gql, alpha, finance_token):
    def build():
        first, second = make_run(bill_date=DAY), make_run(bill_date=DAY - dt.timedelta(days=3), channel="alipay",
                                                          merchant_account_id=2)
        return [make_difference(first, kind=K.LOCAL_ONLY), make_difference(second, kind=K.FEE_MISMATCH),
                make_difference(first, status=S.RESOLVED, resolution=R.OTHER, note="核实"),
                make_difference(second, kind=K.CROSS_DAY, status=S.CARRIED)]

    newest_open, older_open, _resolved, _carried = _in(alpha, build)
    page = _data(gql(alpha.host, DIFFERENCES, {"st": "OPEN"}, token=finance_token), "statementDifferences")
    assert [d["id"] for d in page["items"]] == [str(newest_open.pk), str(older_open.pk)]
    assert (page["items"][1]["billDate"], page["items"][1]["channel"], page["items"][1]["kind"]) == (
        "2026-11-17", "ALIPAY", "FEE_MISMATCH")
    assert _data(gql(alpha.host, DIFFERENCES, {"st": "OPEN", "ch": "WECHAT"}, token=finance_token),
                 "statementDifferences")["totalCount"] == 1
    assert _data(gql(alpha.host, DIFFERENCES, {"q": older_open.out_trade_no}, token=finance_token),
                 "statementDifferences")["items"][0]["id"] == str(older_open.pk)
    assert _data(gql(alpha.host, DIFFERENCES, {}, token=finance_token), "statementDifferences")["totalCount"] == 4


# --- query counts -------------------------------------------------------------------------------------------------

def _run_with_differences(days_ago: int, finance) -> StatementRun:
    run = make_run(bill_date=DAY - dt.timedelta(days=days_ago), started_by=finance, closed_by=finance)
    make_difference(run, kind=K.AMOUNT_MISMATCH)
    make_difference(run, kind=K.CHANNEL_ONLY, auto_action="settled: 已入账")
    make_difference(run, kind=K.CROSS_DAY, status=S.CARRIED, carried_to=run)
    make_difference(run, status=S.RESOLVED, resolution=R.OTHER, note="核实", resolved_by=finance,
                    resolved_at=timezone.now())
    return run


def test_the_run_list_costs_the_same_for_one_run_as_for_many(gql, alpha, finance_token):
    finance = _in(alpha, lambda: staff("fin-q", role="finance"))
    _in(alpha, lambda: _run_with_differences(0, finance))

    def grow():
        _in(alpha, lambda: [_run_with_differences(i, finance) for i in range(1, 6)])

    one, more = assert_same_queries_grown(lambda: gql(alpha.host, RUNS, {}, token=finance_token), grow)
    assert _data(one, "statementRuns")["totalCount"] == 1 and _data(more, "statementRuns")["totalCount"] == 6


def test_the_company_difference_list_costs_the_same_for_one_row_as_for_many(gql, alpha, finance_token):
    finance = _in(alpha, lambda: staff("fin-q", role="finance"))
    run = _in(alpha, lambda: make_run(started_by=finance))
    _in(alpha, lambda: make_difference(run, status=S.RESOLVED, resolution=R.OTHER, note="核实", resolved_by=finance,
                                       carried_to=run))

    def grow():
        _in(alpha, lambda: [_run_with_differences(i, finance) for i in range(1, 4)])

    one, more = assert_same_queries_grown(lambda: gql(alpha.host, DIFFERENCES, {}, token=finance_token), grow)
    assert _data(one, "statementDifferences")["totalCount"] == 1
    assert _data(more, "statementDifferences")["totalCount"] == 1 + 3 * 4


def test_a_runs_differences_cost_the_same_for_one_row_as_for_many(gql, alpha, finance_token):
    finance = _in(alpha, lambda: staff("fin-q", role="finance"))
    run = _in(alpha, lambda: make_run(started_by=finance, closed_by=finance))
    _in(alpha, lambda: make_difference(run, resolved_by=finance, carried_to=run))

    def grow():
        _in(alpha, lambda: [make_difference(run, kind=kind, resolved_by=finance, carried_to=run,
                                            auto_action="reverted: 已撤销")
                            for kind in (K.CHANNEL_ONLY, K.FEE_MISMATCH, K.AMOUNT_MISMATCH, K.STATUS_MISMATCH)])

    one, more = assert_same_queries_grown(
        lambda: gql(alpha.host, RUN, {"id": str(run.pk)}, token=finance_token), grow)
    assert _data(one, "statementRun")["differences"]["totalCount"] == 1
    assert _data(more, "statementRun")["differences"]["totalCount"] == 5


# --- the raw file -------------------------------------------------------------------------------------------------

@pytest.mark.usefixtures("mp_media")
def test_finance_downloads_the_raw_bill_and_nobody_else_does(gql, alpha, beta, make_staff, finance_token):
    def build():
        path = default_storage.save("statements/wechat-trade.csv.gz", ContentFile(b"\x1f\x8bgzip bytes"))
        return make_run(file_path=path, file_size=13), make_run(bill_date=DAY - dt.timedelta(days=1))

    run, unfetched = _in(alpha, build)

    def get(host, run_id, token):
        return Client().get(f"/files/statements/{run_id}/", HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {token}")

    resp = get(alpha.host, run.pk, finance_token)
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == b"\x1f\x8bgzip bytes"
    assert resp["Content-Type"] == "application/gzip"
    assert 'filename="wechat-trade-2026-11-20.csv.gz"' in resp["Content-Disposition"]
    assert get(alpha.host, run.pk, make_staff(alpha, "collector")).status_code == 403
    assert get(alpha.host, unfetched.pk, finance_token).status_code == 404
    assert get(beta.host, run.pk, make_staff(beta, "finance")).status_code == 404  # not beta's run
