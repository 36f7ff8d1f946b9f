import graphene

from apps.accounts.permissions import BILL_ADJUST, BILL_RUN, METER_READING
from apps.billing.metering import meter_reading_record
from apps.billing.runs import bill_run_start
from apps.billing.selectors import bill_for_staff
from apps.billing.services import bill_adjust, bill_waive
from apps.billing.trueup import season_true_up
from heat_platform.kernel.actors import client_ip

from ..core.ids import to_pk
from ..core.mutations import BaseMutation
from ..core.permissions import HasRole
from ..core.scalars import Date, Decimal
from .types import Bill, BillingError, BillRun, MeterReading, MeterReadingKind, TrueUpResult


class AdjustBill(BaseMutation):
    """Add a positive or negative adjustment line to a bill (finance/admin, reason required)."""

    permissions = (HasRole(*BILL_ADJUST),)

    class Arguments:
        id = graphene.ID(required=True)
        amount_fen = graphene.Int(required=True)
        reason = graphene.String(required=True)

    bill = graphene.Field(Bill)
    errors = graphene.List(graphene.NonNull(BillingError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, id, amount_fen, reason):
        bill = bill_adjust(bill_id=to_pk(id), amount_fen=amount_fen, reason=reason, actor=info.context.actor.user,
                           ip=client_ip(info.context))
        return cls(bill=bill_for_staff(bill_id=bill.pk), errors=[])


class WaiveBill(BaseMutation):
    permissions = (HasRole(*BILL_ADJUST),)

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    bill = graphene.Field(Bill)
    errors = graphene.List(graphene.NonNull(BillingError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, id, reason):
        bill = bill_waive(bill_id=to_pk(id), reason=reason, actor=info.context.actor.user,
                          ip=client_ip(info.context))
        return cls(bill=bill_for_staff(bill_id=bill.pk), errors=[])


class BillingMutations(graphene.ObjectType):
    adjust_bill = AdjustBill.Field()
    waive_bill = WaiveBill.Field()



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
        run = bill_run_start(season_id=to_pk(season_id), dry_run=dry_run, actor=info.context.actor.user)
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
        value = Decimal(required=True)
        read_on = Date(required=True)
        reader = graphene.String(required=True, description="Who read the meter")

    reading = graphene.Field(MeterReading)
    warning = graphene.String()
    errors = graphene.List(graphene.NonNull(BillingError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, house_id, season_id, kind, value, read_on, reader):
        result = meter_reading_record(house_id=to_pk(house_id), season_id=to_pk(season_id), kind=kind.value,
                                      value=value, read_on=read_on, reader=reader, actor=info.context.actor.user)
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
        return cls(result=season_true_up(season_id=to_pk(season_id), actor=info.context.actor.user), errors=[])


class BillRunMutations(graphene.ObjectType):
    generate_bills = GenerateBills.Field()
    record_meter_reading = RecordMeterReading.Field()
    run_true_up = RunTrueUp.Field()

