"""Finance reports for admins and finance (each a few aggregate queries, whatever the number of
rows) and their .xlsx exports as background jobs (apps/imports/report_exports.py)."""

import datetime as dt
import re

import graphene
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.accounts.permissions import RECONCILE
from apps.billing.selectors import collection_by_building
from apps.imports.export_jobs import export_job_start
from apps.imports.models import ExportJob as _ExportJob
from apps.imports.report_exports import report_params_check
from apps.payments.selectors_reports import collections_by_month, counter_collection_by_collector, refund_report
from heat_platform.kernel.actors import client_ip
from heat_platform.kernel.errors import field_error

from ..core.errors import bad_input
from ..core.ids import to_optional_pk, to_pk
from ..core.mutations import BaseMutation
from ..core.permissions import HasRole, PermissionsField
from ..core.scalars import Date, Decimal
from ..imports.types import ExportJob
from ..payments.types import CollectionChannel, CounterMethod, RefundStatus
from ..reconciliation.types import ReconciliationError, StatementDifferenceStatus

FINANCE = [HasRole(*RECONCILE)]
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str, field: str) -> dt.date:
    """"YYYY-MM" → the first day of that month (INVALID on `field` otherwise)."""
    match = _MONTH.match((value or "").strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise field_error(field, _("月份格式应为 YYYY-MM。"), "INVALID")
    return dt.date(int(match[1]), int(match[2]), 1)


class MonthChannelAmount(graphene.ObjectType):
    channel = graphene.Field(CollectionChannel, required=True)
    collected_fen = graphene.BigInt(required=True, description="Paid orders, by payment time")
    count = graphene.Int(required=True)
    refunded_fen = graphene.BigInt(required=True, description="Successful refunds, by completion time")
    refund_count = graphene.Int(required=True)
    net_fen = graphene.BigInt(required=True)


class MonthCollection(graphene.ObjectType):
    month = graphene.String(required=True, description="YYYY-MM")
    channels = graphene.List(graphene.NonNull(MonthChannelAmount), required=True,
                             description="Every channel, in CollectionChannel order, zeros included")
    collected_fen = graphene.BigInt(required=True)
    refunded_fen = graphene.BigInt(required=True)
    net_fen = graphene.BigInt(required=True)


class MonthlyCollections(graphene.ObjectType):
    months = graphene.List(graphene.NonNull(MonthCollection), required=True)
    totals = graphene.List(graphene.NonNull(MonthChannelAmount), required=True, description="Per channel")
    collected_fen = graphene.BigInt(required=True)
    refunded_fen = graphene.BigInt(required=True)
    net_fen = graphene.BigInt(required=True)


class BuildingCollection(graphene.ObjectType):
    """收缴率 of one building in one season (waived and cancelled bills left out)."""

    building_id = graphene.ID(required=True)
    building_name = graphene.String(required=True)
    community_id = graphene.ID(required=True)
    community_name = graphene.String(required=True)
    house_count = graphene.Int(required=True)
    bill_count = graphene.Int(required=True)
    paid_count = graphene.Int(required=True)
    billed_fen = graphene.BigInt(required=True, description="应收 (principal)")
    collected_fen = graphene.BigInt(required=True, description="实收")
    outstanding_fen = graphene.BigInt(required=True, description="欠费")
    collection_rate = Decimal(required=True, description="收缴率, percent with 2 decimals")


class CollectorMethodAmount(graphene.ObjectType):
    method = graphene.Field(CounterMethod, required=True)
    collected_fen = graphene.BigInt(required=True)
    count = graphene.Int(required=True)
    refunded_fen = graphene.BigInt(required=True, description="Handed back (refunds of payments by this method)")
    refund_count = graphene.Int(required=True)


class CollectorCollection(graphene.ObjectType):
    collector_id = graphene.ID(required=True)
    collector_name = graphene.String(required=True, description="Display name, else username")
    username = graphene.String(required=True)
    methods = graphene.List(graphene.NonNull(CollectorMethodAmount), required=True,
                            description="CASH, POS, TRANSFER, zeros included")
    count = graphene.Int(required=True)
    collected_fen = graphene.BigInt(required=True)
    refund_count = graphene.Int(required=True)
    refunded_fen = graphene.BigInt(required=True)
    net_fen = graphene.BigInt(required=True)

    @staticmethod
    def resolve_collector_name(root, info):
        return root.display_name or root.username


class RefundReportRow(graphene.ObjectType):
    channel = graphene.Field(CollectionChannel, required=True)
    status = graphene.Field(RefundStatus, required=True)
    count = graphene.Int(required=True)
    amount_fen = graphene.BigInt(required=True)


class RefundReport(graphene.ObjectType):
    rows = graphene.List(graphene.NonNull(RefundReportRow), required=True,
                         description="Channel × status groups that have refunds")
    count = graphene.Int(required=True)
    amount_fen = graphene.BigInt(required=True, description="Every status")
    succeeded_fen = graphene.BigInt(required=True, description="SUCCESS only")


class FinanceReportQueries(graphene.ObjectType):
    collections_by_month = PermissionsField(
        MonthlyCollections, required=True, permissions=FINANCE,
        month_from=graphene.String(required=True, description="YYYY-MM"),
        month_to=graphene.String(required=True, description="YYYY-MM, inclusive; at most 36 months"),
        description="Money collected per calendar month and channel (BAD_USER_INPUT for a bad range)")
    collection_by_building = PermissionsField(
        graphene.List(graphene.NonNull(BuildingCollection), required=True), permissions=FINANCE,
        season_id=graphene.ID(required=True), community_id=graphene.ID(),
        description="收缴率 of a season per building, by community then building name")
    counter_collection_by_collector = PermissionsField(
        graphene.List(graphene.NonNull(CollectorCollection), required=True), permissions=FINANCE,
        date_from=Date(required=True), date_to=Date(required=True, description="Inclusive"),
        description="Counter money per collector: payments by method and the refunds they handed back, by name")
    refund_report = PermissionsField(
        RefundReport, required=True, permissions=FINANCE,
        date_from=Date(required=True), date_to=Date(required=True, description="Inclusive"),
        description="Refunds asked for in the range (by request day), by channel and status")

    @staticmethod
    def resolve_collections_by_month(root, info, month_from, month_to):
        try:
            rows = collections_by_month(month_from=parse_month(month_from, "month_from"),
                                        month_to=parse_month(month_to, "month_to"))
        except ValidationError as exc:
            raise bad_input(exc) from exc
        months: dict = {}
        totals: dict = {}
        for r in rows:
            amount = MonthChannelAmount(channel=r.channel, collected_fen=r.collected_fen, count=r.count,
                                        refunded_fen=r.refunded_fen, refund_count=r.refund_count, net_fen=r.net_fen)
            months.setdefault(r.month, []).append(amount)
            t = totals.setdefault(r.channel, [0, 0, 0, 0])
            for i, value in enumerate((r.collected_fen, r.count, r.refunded_fen, r.refund_count)):
                t[i] += value
        collected, refunded = sum(t[0] for t in totals.values()), sum(t[2] for t in totals.values())
        return MonthlyCollections(
            months=[MonthCollection(month=m.strftime("%Y-%m"), channels=a,
                                    collected_fen=sum(x.collected_fen for x in a),
                                    refunded_fen=sum(x.refunded_fen for x in a), net_fen=sum(x.net_fen for x in a))
                    for m, a in months.items()],
            totals=[MonthChannelAmount(channel=ch, collected_fen=t[0], count=t[1], refunded_fen=t[2], refund_count=t[3],
                                       net_fen=t[0] - t[2]) for ch, t in totals.items()],
            collected_fen=collected, refunded_fen=refunded, net_fen=collected - refunded)

    @staticmethod
    def resolve_collection_by_building(root, info, season_id, community_id=None):
        return [BuildingCollection(**row) for row in collection_by_building(
            season_id=to_pk(season_id), community_id=to_optional_pk(community_id))]

    @staticmethod
    def resolve_counter_collection_by_collector(root, info, date_from, date_to):
        try:
            return counter_collection_by_collector(date_from=date_from, date_to=date_to)
        except ValidationError as exc:
            raise bad_input(exc) from exc

    @staticmethod
    def resolve_refund_report(root, info, date_from, date_to):
        try:
            rows = refund_report(date_from=date_from, date_to=date_to)
        except ValidationError as exc:
            raise bad_input(exc) from exc
        return RefundReport(rows=rows, count=sum(r.count for r in rows), amount_fen=sum(r.amount_fen for r in rows),
                            succeeded_fen=sum(r.amount_fen for r in rows if r.status == "success"))


_REPORT_KINDS = (_ExportJob.Kind.COLLECTIONS_BY_MONTH, _ExportJob.Kind.COLLECTION_BY_BUILDING,
                 _ExportJob.Kind.COUNTER_BY_COLLECTOR, _ExportJob.Kind.REFUND_REPORT,
                 _ExportJob.Kind.STATEMENT_DIFFERENCES, _ExportJob.Kind.DAILY_CLOSES,
                 _ExportJob.Kind.COLLECTIONS_BY_DAY, _ExportJob.Kind.COLLECTION_BY_COMMUNITY,
                 _ExportJob.Kind.ARREARS_AGING, _ExportJob.Kind.STATEMENT_RUNS)
_SEASON_KINDS = (_ExportJob.Kind.COLLECTION_BY_BUILDING, _ExportJob.Kind.COLLECTION_BY_COMMUNITY,
                 _ExportJob.Kind.ARREARS_AGING)
ReportExportKind = graphene.Enum(
    "ReportExportKind", [(k.name, k.value) for k in _REPORT_KINDS],
    description="COLLECTIONS_BY_MONTH (monthFrom, monthTo), COLLECTION_BY_BUILDING and ARREARS_AGING (seasonId, "
                "communityId), COLLECTION_BY_COMMUNITY (seasonId), COLLECTIONS_BY_DAY, COUNTER_BY_COLLECTOR, "
                "REFUND_REPORT, DAILY_CLOSES (dateFrom, dateTo), STATEMENT_DIFFERENCES (differenceStatus, dateFrom, "
                "dateTo by bill date; all optional), STATEMENT_RUNS (dateFrom, dateTo by bill date; optional)")


class StartReportExport(BaseMutation):
    """Export a finance report to .xlsx in the background (the rows the report's query answers).
    Poll exportJob(id), then download it."""

    permissions = tuple(FINANCE)

    class Arguments:
        kind = ReportExportKind(required=True)
        date_from = Date()
        date_to = Date(description="Inclusive")
        month_from = graphene.String(description="YYYY-MM")
        month_to = graphene.String(description="YYYY-MM")
        season_id = graphene.ID()
        community_id = graphene.ID()
        difference_status = StatementDifferenceStatus()

    job = graphene.Field(ExportJob)
    errors = graphene.List(graphene.NonNull(ReconciliationError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, kind, date_from=None, date_to=None, month_from=None, month_to=None,
                         season_id=None, community_id=None, difference_status=None):
        kind = kind.value if hasattr(kind, "value") else kind
        filters: dict = {}
        if kind == _ExportJob.Kind.COLLECTIONS_BY_MONTH:
            filters = {"month_from": parse_month(month_from, "month_from").isoformat() if month_from else None,
                       "month_to": parse_month(month_to, "month_to").isoformat() if month_to else None}
        elif kind in _SEASON_KINDS:
            filters = {"season_id": to_pk(season_id) if season_id else None}
            if kind != _ExportJob.Kind.COLLECTION_BY_COMMUNITY:  # per company: no community filter
                filters["community_id"] = to_optional_pk(community_id)
        else:
            filters = {"date_from": date_from.isoformat() if date_from else None,
                       "date_to": date_to.isoformat() if date_to else None}
            if kind == _ExportJob.Kind.STATEMENT_DIFFERENCES:
                filters["status"] = difference_status.value if difference_status else None
        report_params_check(kind, filters)
        job = export_job_start(kind=kind, filters=filters, actor=info.context.actor.user, ip=client_ip(info.context))
        return cls(job=job, errors=[])


class ReportExportMutations(graphene.ObjectType):
    start_report_export = StartReportExport.Field()
