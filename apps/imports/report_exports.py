"""Finance reports as background .xlsx exports (ExportJob kinds beside houses, bills and
payments): each sheet is the report the API answers, one row per line of it, amounts in
yuan. The rows come from the same selectors as the API, so the file equals the screen.

`report_params_check(kind, filters)` validates a request before the job is queued (the
same ValidationErrors the selectors raise); parameters travel in the job row as JSON
(dates as ISO strings)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.billing.selectors import ArrearsAge, arrears_aging, collection_by_building, collection_by_community
from apps.payments.models import CollectionChannel, CounterMethod, Refund
from apps.payments.selectors_reports import (
    collections_by_day,
    collections_by_month,
    counter_collection_by_collector,
    day_range_check,
    month_range_check,
    refund_report,
)
from apps.reconciliation.models import Difference, StatementRun
from heat_platform.kernel.errors import field_error

from .models import ExportJob
from .sheets import Sheet, yuan


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _local(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


_CHANNEL = dict(CollectionChannel.choices)
_METHODS = tuple(CounterMethod.values)


def _months(f: dict) -> list[list]:
    out = []
    for r in collections_by_month(month_from=_date(f["month_from"]), month_to=_date(f["month_to"])):
        out.append([r.month.strftime("%Y-%m"), str(_CHANNEL[r.channel]), r.count, yuan(r.collected_fen),
                    r.refund_count, yuan(r.refunded_fen), yuan(r.net_fen)])
    return out


def _buildings(f: dict) -> list[list]:
    return [[r["community_name"], r["building_name"], r["house_count"], r["bill_count"], r["paid_count"],
             yuan(r["billed_fen"]), yuan(r["collected_fen"]), yuan(r["outstanding_fen"]), r["collection_rate"]]
            for r in collection_by_building(season_id=f["season_id"], community_id=f.get("community_id"))]


def _collectors(f: dict) -> list[list]:
    out = []
    for c in counter_collection_by_collector(date_from=_date(f["date_from"]), date_to=_date(f["date_to"])):
        by_method = {m.method: m for m in c.methods}
        out.append([c.display_name or c.username, c.username, c.count,
                    *[yuan(by_method[m].collected_fen) for m in _METHODS], yuan(c.collected_fen),
                    c.refund_count, yuan(c.refunded_fen), yuan(c.net_fen)])
    return out


_REFUND_STATUS = dict(Refund.Status.choices)


def _refunds(f: dict) -> list[list]:
    return [[str(_CHANNEL[g.channel]), str(_REFUND_STATUS[g.status]), g.count, yuan(g.amount_fen)]
            for g in refund_report(date_from=_date(f["date_from"]), date_to=_date(f["date_to"]))]


def _difference_qs(f: dict):
    from apps.reconciliation.selectors import difference_list

    return difference_list(status=f.get("status"), date_from=_date(f["date_from"]) if f.get("date_from") else None,
                           date_to=_date(f["date_to"]) if f.get("date_to") else None)


_KIND, _STATUS = dict(Difference.Kind.choices), dict(Difference.Status.choices)
_RESOLUTION = dict(Difference.Resolution.choices)


def _differences(f: dict, masked: bool) -> Iterator[list]:
    for d in _difference_qs(f).iterator(chunk_size=2000):
        yield [d.run.bill_date.isoformat(), str(_CHANNEL.get(d.run.channel, d.run.channel)), d.run_id,
               str(_KIND.get(d.kind, d.kind)), d.subject, d.out_trade_no, d.out_refund_no,
               yuan(d.channel_amount_fen) if d.channel_amount_fen is not None else "",
               yuan(d.local_amount_fen) if d.local_amount_fen is not None else "",
               yuan(d.channel_fee_fen) if d.channel_fee_fen is not None else "",
               yuan(d.expected_fee_fen) if d.expected_fee_fen is not None else "",
               d.channel_status, d.local_status, d.auto_action, str(_STATUS.get(d.status, d.status)),
               str(_RESOLUTION.get(d.resolution, "")) if d.resolution else "", d.note,
               (d.resolved_by.display_name or d.resolved_by.username) if d.resolved_by else "", _local(d.resolved_at)]


def _closes(f: dict) -> list[list]:
    from apps.reconciliation.daily_close import daily_close_list

    out = []
    for view in daily_close_list(date_from=_date(f["date_from"]), date_to=_date(f["date_to"])):
        figures = {c.channel: c for c in view.figures.channels}
        out.append([view.day.isoformat(), _("已日结") if view.status == "closed" else _("未日结"),
                    *[yuan(figures[ch].net_fen) for ch in CollectionChannel.values],
                    yuan(view.figures.collected_fen), yuan(view.figures.refunded_fen), yuan(view.figures.fee_fen),
                    yuan(view.figures.adjustments_fen), yuan(view.figures.net_fen)])
    return out


def _days(f: dict) -> list[list]:
    # Finance and admins only (startReportExport), so every collector's money, as collectionsByDay shows them.
    return [[r.day.isoformat(), str(_CHANNEL[r.channel]), r.count, yuan(r.collected_fen), yuan(r.refunded_fen),
             yuan(r.collected_fen - r.refunded_fen)]
            for r in collections_by_day(date_from=_date(f["date_from"]), date_to=_date(f["date_to"]))]


def _communities(f: dict) -> list[list]:
    return [[r["community_name"], r["bill_count"], r["paid_count"], yuan(r["billed_fen"]), yuan(r["collected_fen"]),
             yuan(r["outstanding_fen"]), r["collection_rate"]]
            for r in collection_by_community(season_id=f["season_id"])]


_AGE = dict(ArrearsAge.choices)


def _aging(f: dict) -> list[list]:
    """A row per age, then the totals (a house owing in several ages counts once, as in arrearsAging)."""
    result = arrears_aging(season_id=f["season_id"], community_id=f.get("community_id"))
    rows = [[str(_AGE[age]), b["houses"], b["bills"], yuan(b["owed"])] for age, b in result["buckets"].items()]
    # Chinese like the sheet titles and headers of every export (not translated).
    rows.append(["合计", result["house_count"], sum(b["bills"] for b in result["buckets"].values()),
                 yuan(result["outstanding_fen"])])
    return rows


def _run_qs(f: dict):
    from apps.reconciliation.selectors import run_list

    return run_list(date_from=_date(f["date_from"]) if f.get("date_from") else None,
                    date_to=_date(f["date_to"]) if f.get("date_to") else None)


_RUN_STATUS, _RUN_KIND = dict(StatementRun.Status.choices), dict(StatementRun.Kind.choices)
_RUN_BATCH = 500


def _or_blank(value):
    return "" if value is None else value


def _run_rows(runs: list[StatementRun]) -> Iterator[list]:
    from apps.reconciliation.selectors import difference_counts

    counts = difference_counts([r.pk for r in runs])  # one query per batch, as with_counts does per page
    for r in runs:
        summary, totals = r.summary or {}, r.totals or {}
        by_kind = {c.kind: c.total for c in counts.get(r.pk, [])}
        figures = ([summary["count"], *[yuan(summary.get(k, 0)) for k in ("paid_fen", "refunded_fen", "fee_fen")]]
                   if "count" in summary else ["", "", "", ""])  # statementRuns: summary null before parsing
        money = ["" if totals.get(k) is None else yuan(totals[k])
                 for k in ("channel_paid_fen", "local_paid_fen", "channel_refunded_fen", "local_refunded_fen",
                           "channel_fee_fen")]
        yield [r.bill_date.isoformat(), str(_CHANNEL.get(r.channel, r.channel)), r.merchant_id,
               str(_RUN_KIND.get(r.kind, r.kind)), str(_RUN_STATUS.get(r.status, r.status)), r.pk, *figures,
               _or_blank(totals.get("matched")), *money, r.open_differences,
               *[by_kind.get(kind, 0) for kind in Difference.Kind.values], r.error,
               r.started_by.shown_name if r.started_by else "", r.closed_by.shown_name if r.closed_by else "",
               _local(r.closed_at)]


def _runs(f: dict, masked: bool) -> Iterator[list]:
    batch: list[StatementRun] = []
    for run in _run_qs(f).iterator(chunk_size=_RUN_BATCH):
        batch.append(run)
        if len(batch) == _RUN_BATCH:
            yield from _run_rows(batch)
            batch = []
    yield from _run_rows(batch)


def _small(build: Callable[[dict], list[list]]) -> tuple[Callable[[dict], int], Callable[[dict, bool], Iterator]]:
    """Aggregate reports are a few rows: counted by building them (a few queries), written from the list."""
    return (lambda f: len(build(f))), (lambda f, masked: iter(build(f)))


_CHANNEL_NAMES = tuple(str(label) for label in CollectionChannel.labels)
_METHOD_NAMES = tuple(str(label) for label in CounterMethod.labels)
# "长款（渠道有、本地无）" → "长款": a column header per difference kind.
_DIFFERENCE_KIND_NAMES = tuple(str(label).split("（")[0] for label in Difference.Kind.labels)

REPORT_SHEETS: dict[str, Sheet] = {
    ExportJob.Kind.COLLECTIONS_BY_MONTH: Sheet(
        "收款月报", ("月份", "渠道", "笔数", "收款(元)", "退款笔数", "退款(元)", "净额(元)"), *_small(_months)),
    ExportJob.Kind.COLLECTION_BY_BUILDING: Sheet(
        "楼栋收缴率", ("小区", "楼号", "户数", "账单数", "已缴清", "应收(元)", "实收(元)", "欠费(元)", "收缴率(%)"),
        *_small(_buildings)),
    ExportJob.Kind.COUNTER_BY_COLLECTOR: Sheet(
        "收费员收款汇总", ("收费员", "账号", "笔数", *[f"{m}(元)" for m in _METHOD_NAMES], "收款合计(元)",
                     "退款笔数", "退款(元)", "净额(元)"), *_small(_collectors)),
    ExportJob.Kind.REFUND_REPORT: Sheet("退款汇总", ("渠道", "状态", "笔数", "金额(元)"), *_small(_refunds)),
    ExportJob.Kind.STATEMENT_DIFFERENCES: Sheet(
        "对账差异", ("账单日期", "渠道", "对账批次", "差异类型", "对象", "商户订单号", "商户退款单号", "渠道金额(元)",
                 "本地金额(元)", "渠道手续费(元)", "应收手续费(元)", "渠道状态", "本地状态", "系统处理", "处理状态",
                 "处理方式", "处理说明", "处理人", "处理时间"),
        lambda f: _difference_qs(f).count(), _differences),
    ExportJob.Kind.DAILY_CLOSES: Sheet(
        "日结汇总", ("日期", "状态", *[f"{c}净额(元)" for c in _CHANNEL_NAMES], "收款(元)", "退款(元)", "手续费(元)",
                 "调整(元)", "净额(元)"), *_small(_closes)),
    ExportJob.Kind.COLLECTIONS_BY_DAY: Sheet(
        "收款日报", ("日期", "渠道", "笔数", "收款(元)", "退款(元)", "净额(元)"), *_small(_days)),
    ExportJob.Kind.COLLECTION_BY_COMMUNITY: Sheet(
        "小区收缴率", ("小区", "账单数", "已缴清", "应收(元)", "实收(元)", "欠费(元)", "收缴率(%)"),
        *_small(_communities)),
    ExportJob.Kind.ARREARS_AGING: Sheet("欠费账龄", ("账龄", "欠费户数", "账单数", "欠费本金(元)"),
                                              *_small(_aging)),
    ExportJob.Kind.STATEMENT_RUNS: Sheet(
        "对账批次", ("账单日期", "渠道", "商户号", "账单类型", "状态", "对账批次", "账单笔数", "账单收款(元)",
                 "账单退款(元)", "账单手续费(元)", "已匹配笔数", "渠道收款(元)", "本地收款(元)", "渠道退款(元)",
                 "本地退款(元)", "渠道手续费(元)", "待处理差异", *_DIFFERENCE_KIND_NAMES, "失败原因", "发起人",
                 "关闭人", "关闭时间"),
        lambda f: _run_qs(f).count(), _runs),
}


def report_params_check(kind: str, filters: dict) -> None:
    """The request's parameters, checked as the report would check them (no report query)."""
    if kind == ExportJob.Kind.COLLECTIONS_BY_MONTH:
        for key in ("month_from", "month_to"):
            if not filters.get(key):
                raise field_error(key, _("请选择月份。"), "REQUIRED")
        month_range_check(month_from=_date(filters["month_from"]), month_to=_date(filters["month_to"]))
    elif kind in (ExportJob.Kind.COLLECTION_BY_BUILDING, ExportJob.Kind.COLLECTION_BY_COMMUNITY,
                  ExportJob.Kind.ARREARS_AGING):
        from apps.tariffs.models import Season

        if not filters.get("season_id") or not Season.objects.filter(pk=filters["season_id"]).exists():
            raise field_error("season_id", _("找不到该采暖季。"), "NOT_FOUND")
    elif kind == ExportJob.Kind.STATEMENT_DIFFERENCES:
        _difference_qs(filters)  # the selector checks the range
    elif kind == ExportJob.Kind.STATEMENT_RUNS:
        _run_qs(filters)  # the selector checks the range (dates optional, as in statementRuns)
    else:
        for key in ("date_from", "date_to"):
            if not filters.get(key):
                raise field_error(key, _("请选择日期。"), "REQUIRED")
        if kind == ExportJob.Kind.DAILY_CLOSES:
            from apps.reconciliation.daily_close import MAX_LIST_DAYS

            if (_date(filters["date_to"]) - _date(filters["date_from"])).days >= MAX_LIST_DAYS:
                raise field_error("date_to", _("一次最多导出 %(days)s 天。") % {"days": MAX_LIST_DAYS}, "INVALID")
        day_range_check(date_from=_date(filters["date_from"]), date_to=_date(filters["date_to"]))
