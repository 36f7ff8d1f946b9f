import graphene
from django.utils import timezone

from apps.billing.amounts import bill_amount_due
from apps.billing.errors import BillingErrorCode as _Code
from apps.billing.models import Bill as _Bill
from apps.billing.models import BillLine as _Line
from apps.billing.models import BillRun as _BillRun
from apps.billing.models import MeterReading as _MeterReading

from ..core.mutations import error_type
from ..core.scalars import Date, DateTime, Decimal

BillingErrorCode = graphene.Enum.from_enum(_Code, name="BillingErrorCode")


BillingError = error_type("BillingError", BillingErrorCode)


BillStatus = graphene.Enum.from_enum(_Bill.Status, name="BillStatus")


BillLineKind = graphene.Enum.from_enum(_Line.Kind, name="BillLineKind")


class BillLine(graphene.ObjectType):
    kind = graphene.Field(BillLineKind, required=True)
    quantity = Decimal(required=True)
    unit_price = Decimal(required=True)
    amount_fen = graphene.Int(required=True)
    explanation = graphene.String(required=True, description="e.g. 采暖费：89.50㎡ × 24.00元/㎡")


class AmountDue(graphene.ObjectType):
    """What paying right now costs: outstanding − early discount + late fee."""

    as_of = Date(required=True)
    outstanding_fen = graphene.Int(required=True)
    discount_fen = graphene.Int(required=True)
    late_fee_fen = graphene.Int(required=True)
    total_fen = graphene.Int(required=True)


class BillHouse(graphene.ObjectType):
    id = graphene.ID(required=True)
    account_no = graphene.String(required=True)
    address = graphene.String(required=True)


class Bill(graphene.ObjectType):
    id = graphene.ID(required=True)
    season = graphene.String(required=True)
    season_id = graphene.ID(required=True)
    house = graphene.Field(BillHouse, required=True)
    status = graphene.Field(BillStatus, required=True)
    principal_fen = graphene.Int(required=True)
    paid_fen = graphene.Int(required=True)
    issued_at = DateTime(required=True)
    lines = graphene.List(graphene.NonNull(BillLine), required=True)
    amount_due = graphene.Field(AmountDue, required=True)

    @staticmethod
    def resolve_season(root, info):
        return root.season.name

    @staticmethod
    def resolve_lines(root, info):
        return root.lines.all()  # prefetched by the selector

    @staticmethod
    def resolve_amount_due(root, info):
        today = timezone.localdate()
        due = bill_amount_due(root, on=today)
        return AmountDue(as_of=today, outstanding_fen=due.outstanding_fen, discount_fen=due.discount_fen,
                         late_fee_fen=due.late_fee_fen, total_fen=due.total_fen)


class BillPage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(Bill), required=True)


class BillSummary(graphene.ObjectType):
    bill_count = graphene.Int(required=True)
    paid_count = graphene.Int(required=True)
    # Season totals in fen can pass 2^31 (GraphQL Int is 32-bit).
    billed_fen = graphene.BigInt(required=True)
    collected_fen = graphene.BigInt(required=True)
    outstanding_fen = graphene.BigInt(required=True)
    collection_rate = Decimal(required=True, description="收缴率, percent with 2 decimals")



BillRunStatus = graphene.Enum.from_enum(_BillRun.Status, name="BillRunStatus")


MeterReadingKind = graphene.Enum.from_enum(_MeterReading.Kind, name="MeterReadingKind")


class HouseIssue(graphene.ObjectType):
    """A house a run could not bill (or settle); the run went on with the others.
    Resolved from the entries stored on the run: {house_id, account_no, message, code[, community]}."""

    house_id = graphene.ID(required=True)
    account_no = graphene.String(required=True)
    message = graphene.String(required=True)
    code = graphene.Field(BillingErrorCode, required=True)
    community = graphene.String(description="The house's community (bill runs; null for true-ups and older runs)")


class CommunityTotal(graphene.ObjectType):
    community = graphene.String(required=True)
    bills = graphene.Int(required=True, description="Bills created (dry run: that would be created)")
    principal_fen = graphene.BigInt(required=True)  # can pass 2^31 fen
    skipped = graphene.Int(required=True, description="Disconnected houses and houses already billed")
    errors = graphene.Int(required=True, description="Houses that could not be billed")


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
                           description="Per community: bills, principal, skipped and error houses of this "
                                       "run (a dry run's preview)")
    requested_by = graphene.String(required=True)
    created_at = DateTime(required=True)
    started_at = DateTime()
    finished_at = DateTime()

    @staticmethod
    def resolve_totals(root, info):
        # Runs recorded before skipped/errors were counted per community say 0 for them.
        return [CommunityTotal(community=name, bills=t["bills"], principal_fen=t["principal_fen"],
                               skipped=t.get("skipped", 0), errors=t.get("errors", 0))
                for name, t in sorted(root.totals.items())]


class BillRunPage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(BillRun), required=True)


class MeterReading(graphene.ObjectType):
    id = graphene.ID(required=True)
    house_id = graphene.ID(required=True)
    season_id = graphene.ID(required=True)
    kind = graphene.Field(MeterReadingKind, required=True)
    value = Decimal(required=True, description="Cumulative meter value, GJ or kWh")
    read_on = Date(required=True)
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

