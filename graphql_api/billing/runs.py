"""Bill runs, meter readings and the season-end true-up."""

import graphene

from apps.accounts.permissions import BILL_RUN, METER_READING
from apps.billing.metering import meter_reading_record
from apps.billing.models import BillRun as _BillRun
from apps.billing.models import MeterReading as _MeterReading
from apps.billing.runs import bill_run_get, bill_run_start
from apps.billing.trueup import season_true_up

from ..core.mutations import BaseMutation
from ..core.permissions import HasRole, PermissionsField
from .types import BillingError, BillingErrorCode

BillRunStatus = graphene.Enum.from_enum(_BillRun.Status, name="BillRunStatus")
MeterReadingKind = graphene.Enum.from_enum(_MeterReading.Kind, name="MeterReadingKind")


class HouseIssue(graphene.ObjectType):
    """A house a run could not bill (or settle); the run went on with the others.
    Resolved from the entries stored on the run: {house_id, account_no, message, code}."""

    house_id = graphene.ID(required=True)
    account_no = graphene.String(required=True)
    message = graphene.String(required=True)
    code = graphene.Field(BillingErrorCode, required=True)


class CommunityTotal(graphene.ObjectType):
    community = graphene.String(required=True)
    bills = graphene.Int(required=True)
    principal_fen = graphene.BigInt(required=True)  # can pass 2^31 fen


class BillRun(graphene.ObjectType):
    """Progress of a generateBills job, saved after every batch of houses."""

    id = graphene.ID(required=True)
    season_id = graphene.ID(required=True)
    dry_run = graphene.Boolean(required=True)
    status = graphene.Field(BillRunStatus, required=True)
    total = graphene.Int(required=True, description="Houses in the ledger when the run started")
    processed = graphene.Int(required=True)
    created = graphene.Int(required=True, description="Bills created (dry run: that would be created)")
    skipped = graphene.Int(required=True, description="Disconnected houses and houses already billed this season")
    error_count = graphene.Int(required=True)
    errors = graphene.List(graphene.NonNull(HouseIssue), required=True, description="The first 100")
    totals = graphene.List(graphene.NonNull(CommunityTotal), required=True,
                           description="Per community: bills and principal of this run")
    requested_by = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)
    started_at = graphene.DateTime()
    finished_at = graphene.DateTime()

    @staticmethod
    def resolve_totals(root, info):
        return [CommunityTotal(community=name, bills=t["bills"], principal_fen=t["principal_fen"])
                for name, t in sorted(root.totals.items())]


class MeterReading(graphene.ObjectType):
    id = graphene.ID(required=True)
    house_id = graphene.ID(required=True)
    season_id = graphene.ID(required=True)
    kind = graphene.Field(MeterReadingKind, required=True)
    value = graphene.Decimal(required=True, description="Cumulative meter value, GJ or kWh")
    read_on = graphene.Date(required=True)
    reader = graphene.String(required=True)


class TrueUpResult(graphene.ObjectType):
    checked = graphene.Int(required=True, description="Bills with a metered part")
    adjusted = graphene.Int(required=True)
    unchanged = graphene.Int(required=True)
    missing_readings = graphene.Int(required=True)
    charged_fen = graphene.BigInt(required=True, description="Added to bills")
    reduced_fen = graphene.BigInt(required=True, description="Taken off bills")
    credit_fen = graphene.BigInt(required=True, description="New credits for next season's bills")
    refundable_fen = graphene.BigInt(required=True, description="New credits to refund")
    error_count = graphene.Int(required=True)
    house_errors = graphene.List(graphene.NonNull(HouseIssue), required=True)

    @staticmethod
    def resolve_house_errors(root, info):
        return root.errors


class GenerateBills(BaseMutation):
    """Queue a bill run for a season (finance/admin). dryRun counts and totals
    without writing bills. A real run while another real run of the season is
    unfinished resumes that run."""

    permissions = (HasRole(*BILL_RUN),)

    class Arguments:
        season_id = graphene.ID(required=True)
        dry_run = graphene.Boolean(required=True)

    bill_run = graphene.Field(BillRun)
    errors = graphene.List(graphene.NonNull(BillingError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, season_id, dry_run):
        run = bill_run_start(season_id=season_id, dry_run=dry_run, actor=info.context.actor.user)
        run.refresh_from_db()  # a run the worker already finished (eager Celery) shows its result
        return cls(bill_run=run, errors=[])


class RecordMeterReading(BaseMutation):
    """Record or correct a metered house's start or end reading; `warning`
    flags an implausible consumption (the reading is saved)."""

    permissions = (HasRole(*METER_READING),)

    class Arguments:
        house_id = graphene.ID(required=True)
        season_id = graphene.ID(required=True)
        kind = MeterReadingKind(required=True)
        value = graphene.Decimal(required=True)
        read_on = graphene.Date(required=True)
        reader = graphene.String(required=True, description="Who read the meter")

    reading = graphene.Field(MeterReading)
    warning = graphene.String()
    errors = graphene.List(graphene.NonNull(BillingError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, house_id, season_id, kind, value, read_on, reader):
        result = meter_reading_record(house_id=house_id, season_id=season_id, kind=kind.value, value=value,
                                      read_on=read_on, reader=reader, actor=info.context.actor.user)
        return cls(reading=result.reading, warning=result.warning, errors=[])


class RunTrueUp(BaseMutation):
    """Season-end true-up (多退少补) of metered bills from the final readings."""

    permissions = (HasRole(*BILL_RUN),)

    class Arguments:
        season_id = graphene.ID(required=True)

    result = graphene.Field(TrueUpResult)
    errors = graphene.List(graphene.NonNull(BillingError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, season_id):
        return cls(result=season_true_up(season_id=season_id, actor=info.context.actor.user), errors=[])


class BillRunQueries(graphene.ObjectType):
    bill_run = PermissionsField(BillRun, permissions=[HasRole(*BILL_RUN)], id=graphene.ID(required=True),
                                description="null when no such run")

    @staticmethod
    def resolve_bill_run(root, info, id):
        return bill_run_get(bill_run_id=id)


class BillRunMutations(graphene.ObjectType):
    generate_bills = GenerateBills.Field()
    record_meter_reading = RecordMeterReading.Field()
    run_true_up = RunTrueUp.Field()
