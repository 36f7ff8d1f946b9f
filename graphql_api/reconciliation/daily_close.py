"""The company's daily close (日结) for finance and admins: the days with their figures
(frozen once closed, a live preview and what blocks it while open), closing a day and
booking corrections of closed days (apps/reconciliation/daily_close.py)."""

import graphene
from django.core.exceptions import ValidationError

from apps.accounts.permissions import RECONCILE
from apps.reconciliation import daily_close as service
from apps.reconciliation.models import DailyClose as _DailyClose
from heat_platform.kernel.actors import client_ip

from ..core.errors import bad_input
from ..core.ids import to_pk
from ..core.mutations import BaseMutation
from ..core.permissions import HasRole, PermissionsField
from ..core.scalars import Date, DateTime
from ..payments.types import CollectionChannel
from .types import ReconciliationError

RECONCILERS = [HasRole(*RECONCILE)]

DailyCloseStatus = graphene.Enum.from_enum(_DailyClose.Status, name="DailyCloseStatus",
                                           description="open (未日结) / closed (已日结: read-only)")


class DayBlockerKind(graphene.Enum):
    """Why a day cannot close yet."""

    NOT_PAST = service.BlockerKind.NOT_PAST
    EARLIER_DAY_OPEN = service.BlockerKind.EARLIER_DAY_OPEN
    RUN_MISSING = service.BlockerKind.RUN_MISSING
    RUN_NOT_CLOSED = service.BlockerKind.RUN_NOT_CLOSED
    SHIFT_OPEN = service.BlockerKind.SHIFT_OPEN

    @property
    def description(self):
        return {
            "NOT_PAST": "Today or later: only past days close",
            "EARLIER_DAY_OPEN": "An earlier day with money (since the last closed day) is still open: see `day`",
            "RUN_MISSING": "An active merchant account (or a channel with money in the ledger) has no trade run",
            "RUN_NOT_CLOSED": "A trade run of the day is not CLOSED: see `runId`",
            "SHIFT_OPEN": "A collector's open shift holds counter money of the day: see `shiftId`",
        }[self.name]


class DayBlocker(graphene.ObjectType):
    kind = graphene.Field(DayBlockerKind, required=True)
    message = graphene.String(required=True, description="For finance (Chinese)")
    channel = graphene.Field(CollectionChannel)
    merchant_account_id = graphene.ID()
    run_id = graphene.ID()
    run_status = graphene.String(description="StatementRunStatus value, lower case (RUN_NOT_CLOSED)")
    shift_id = graphene.ID()
    collector_name = graphene.String()
    day = Date(description="EARLIER_DAY_OPEN: the open day to close first")

    @staticmethod
    def resolve_channel(root, info):
        return root.channel or None

    @staticmethod
    def resolve_run_status(root, info):
        return root.run_status or None

    @staticmethod
    def resolve_collector_name(root, info):
        return root.collector_name or None


class DayChannelFigures(graphene.ObjectType):
    """One channel of one day. Online (WECHAT, ALIPAY): from the channel's trade bills of the day;
    counter (CASH, POS, TRANSFER): from closed shifts. `ledger*`: what our ledger says for the day."""

    channel = graphene.Field(CollectionChannel, required=True)
    collected_fen = graphene.BigInt(required=True)
    count = graphene.Int(required=True, description="Payments")
    refunded_fen = graphene.BigInt(required=True)
    refund_count = graphene.Int(required=True)
    fee_fen = graphene.BigInt(required=True, description="Fee the channel charged (refunds give it back)")
    adjustments_fen = graphene.BigInt(required=True, description="Adjustments booked on this day")
    net_fen = graphene.BigInt(required=True, description="collected − refunded + adjustments")
    ledger_collected_fen = graphene.BigInt(required=True, description="Paid orders by payment time (all shifts)")
    ledger_count = graphene.Int(required=True)
    ledger_refunded_fen = graphene.BigInt(required=True, description="Successful refunds by completion time")


class DayAdjustment(graphene.ObjectType):
    """A correction of a closed day, booked on an open day (signed fen)."""

    id = graphene.ID(required=True)
    day = Date(required=True, description="The open day it is booked on (its totals include it)")
    corrects_day = Date(required=True, description="The closed day it corrects (never changed)")
    channel = graphene.Field(CollectionChannel, required=True)
    amount_fen = graphene.BigInt(required=True)
    reason = graphene.String(required=True)
    difference_id = graphene.ID(description="The statement difference it settles, if any")
    created_by = graphene.String(required=True)
    created_at = DateTime(required=True)

    @staticmethod
    def resolve_created_by(root, info):
        return root.created_by.display_name or root.created_by.username


class DailyCloseDay(graphene.ObjectType):
    """One day of the company (Asia/Shanghai): frozen figures once CLOSED; while OPEN a live preview
    (what closing would freeze) and its blockers."""

    day = Date(required=True)
    status = graphene.Field(DailyCloseStatus, required=True)
    can_close = graphene.Boolean(required=True, description="OPEN and nothing blocks it")
    blockers = graphene.List(graphene.NonNull(DayBlocker), required=True, description="Empty once closed")
    channels = graphene.List(graphene.NonNull(DayChannelFigures), required=True,
                             description="Every channel in CollectionChannel order, zeros included")
    collected_fen = graphene.BigInt(required=True)
    refunded_fen = graphene.BigInt(required=True)
    fee_fen = graphene.BigInt(required=True)
    adjustments_fen = graphene.BigInt(required=True)
    net_fen = graphene.BigInt(required=True)
    has_activity = graphene.Boolean(required=True, description="Any money, bill row or adjustment on the day")
    closed_at = DateTime()
    closed_by = graphene.String()
    adjustments = graphene.List(graphene.NonNull(DayAdjustment), required=True,
                                description="Booked on this day (corrections of earlier closed days)")
    corrections = graphene.List(graphene.NonNull(DayAdjustment), required=True,
                                description="Corrections of this (closed) day, booked on later days")

    @staticmethod
    def resolve_channels(root, info):
        return root.figures.channels

    @staticmethod
    def resolve_closed_by(root, info):
        return (root.closed_by.display_name or root.closed_by.username) if root.closed_by else None

    @staticmethod
    def resolve_collected_fen(root, info):
        return root.figures.collected_fen

    @staticmethod
    def resolve_refunded_fen(root, info):
        return root.figures.refunded_fen

    @staticmethod
    def resolve_fee_fen(root, info):
        return root.figures.fee_fen

    @staticmethod
    def resolve_adjustments_fen(root, info):
        return root.figures.adjustments_fen

    @staticmethod
    def resolve_net_fen(root, info):
        return root.figures.net_fen

    @staticmethod
    def resolve_has_activity(root, info):
        return root.figures.has_activity


class DailyCloseQueries(graphene.ObjectType):
    daily_closes = PermissionsField(
        graphene.List(graphene.NonNull(DailyCloseDay), required=True), permissions=RECONCILERS,
        date_from=Date(required=True), date_to=Date(required=True, description="Inclusive"),
        description="Every day of the range, newest first (at most 93 days, else BAD_USER_INPUT)")
    daily_close = PermissionsField(DailyCloseDay, required=True, permissions=RECONCILERS,
                                   day=Date(required=True), description="One day")

    @staticmethod
    def resolve_daily_closes(root, info, date_from, date_to):
        try:
            return service.daily_close_list(date_from=date_from, date_to=date_to)
        except ValidationError as exc:
            raise bad_input(exc) from exc

    @staticmethod
    def resolve_daily_close(root, info, day):
        return service.daily_close_get(day=day)


class CloseDay(BaseMutation):
    """日结: freeze the day's figures (DAY_NOT_READY with the blockers when it cannot close,
    DAY_CLOSED when it already is)."""

    permissions = tuple(RECONCILERS)

    class Arguments:
        day = Date(required=True)

    day = graphene.Field(DailyCloseDay)
    errors = graphene.List(graphene.NonNull(ReconciliationError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, day):
        service.day_close(day=day, actor=info.context.actor.user, ip=client_ip(info.context))
        return cls(day=service.daily_close_get(day=day), errors=[])


class CreateDayAdjustment(BaseMutation):
    """Correct a closed day: an adjustment booked on the first open day on or after today
    (NOT_ALLOWED_IN_STATE when `correctsDay` is not closed)."""

    permissions = tuple(RECONCILERS)

    class Arguments:
        corrects_day = Date(required=True)
        channel = CollectionChannel(required=True)
        amount_fen = graphene.Int(required=True, description="Signed fen, not 0")
        reason = graphene.String(required=True, description="At least 2 characters")
        difference_id = graphene.ID(description="The statement difference of that day it settles")

    adjustment = graphene.Field(DayAdjustment)
    errors = graphene.List(graphene.NonNull(ReconciliationError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, corrects_day, channel, amount_fen, reason, difference_id=None):
        adjustment = service.adjustment_create(
            corrects_day=corrects_day, channel=channel.value, amount_fen=int(amount_fen), reason=reason,
            actor=info.context.actor.user, difference_id=to_pk(difference_id) if difference_id else None,
            ip=client_ip(info.context))
        return cls(adjustment=adjustment, errors=[])


class DailyCloseMutations(graphene.ObjectType):
    close_day = CloseDay.Field()
    create_day_adjustment = CreateDayAdjustment.Field()
