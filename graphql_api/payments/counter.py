"""Counter payments (柜台收费) and shifts (日结): recordCounterPayment,
openShift / closeShift, myShift, shift(id), shifts."""

import graphene

from apps.accounts.permissions import COUNTER_PAYMENT, SHIFT_VIEW_ALL
from apps.payments.counter import counter_payment_record, shift_close, shift_open
from apps.payments.models import CounterShift as _Shift
from apps.payments.selectors_counter import (
    access_shift,
    counter_order,
    open_shift_for,
    shift_list,
    shift_summaries,
)
from heat_platform.kernel.actors import client_ip

from ..core.ids import to_optional_pk, to_pk
from ..core.mutations import BaseMutation
from ..core.pagination import page
from ..core.permissions import HasRole, PermissionsField
from .types import CounterMethod, PaymentError, PaymentOrder

ShiftStatus = graphene.Enum.from_enum(_Shift.Status, name="ShiftStatus")
SHIFT_READERS = (HasRole(*COUNTER_PAYMENT), HasRole(*SHIFT_VIEW_ALL))


class ShiftMethodTotal(graphene.ObjectType):
    method = graphene.Field(CounterMethod, required=True)
    amount_fen = graphene.BigInt(required=True)
    count = graphene.Int(required=True)


class ShiftReceipt(graphene.ObjectType):
    receipt_no = graphene.String(required=True)
    out_trade_no = graphene.String(required=True)
    amount_fen = graphene.Int(required=True)
    method = graphene.Field(CounterMethod, required=True)
    paid_at = graphene.DateTime(required=True)
    account_nos = graphene.List(graphene.NonNull(graphene.String), required=True, description="户号 of the bills paid")


class Shift(graphene.ObjectType):
    """A collector's shift. Totals are live while it is open and frozen when it is closed (日结)."""

    id = graphene.ID(required=True)
    collector_id = graphene.ID(required=True)
    collector_username = graphene.String(required=True)
    status = graphene.Field(ShiftStatus, required=True)
    opened_at = graphene.DateTime(required=True)
    closed_at = graphene.DateTime()
    totals = graphene.List(graphene.NonNull(ShiftMethodTotal), required=True, description="One per method")
    total_fen = graphene.BigInt(required=True)
    count = graphene.Int(required=True)
    receipts = graphene.List(graphene.NonNull(ShiftReceipt), required=True)

    @staticmethod
    def resolve_collector_username(root, info):
        return root.collector.username

    @staticmethod
    def resolve_totals(root, info):
        return _summary(root).totals

    @staticmethod
    def resolve_total_fen(root, info):
        return _summary(root).total_fen

    @staticmethod
    def resolve_count(root, info):
        return _summary(root).count

    @staticmethod
    def resolve_receipts(root, info):
        return _summary(root).receipts


class ShiftPage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(Shift), required=True)


def _summary(shift: _Shift):
    """Set for a whole page at once by `_with_summaries`; computed here for a shift resolved elsewhere."""
    if getattr(shift, "summary", None) is None:
        shift.summary = shift_summaries([shift])[shift.pk]
    return shift.summary


def _with_summaries(shifts: list[_Shift]) -> list[_Shift]:
    summaries = shift_summaries(shifts)
    for shift in shifts:
        shift.summary = summaries[shift.pk]
    return shifts


def _one(shift: _Shift | None) -> _Shift | None:
    return _with_summaries([shift])[0] if shift is not None else None


class CounterQueries(graphene.ObjectType):
    my_shift = PermissionsField(Shift, permissions=[HasRole(*COUNTER_PAYMENT)],
                                description="My open shift with live totals; null when none is open")
    shift = PermissionsField(Shift, permissions=SHIFT_READERS, id=graphene.ID(required=True),
                             description="null when not found (collectors: or not theirs)")
    shifts = PermissionsField(ShiftPage, permissions=SHIFT_READERS, required=True, collector_id=graphene.ID(),
                              status=ShiftStatus(), first=graphene.Int(default_value=50),
                              offset=graphene.Int(default_value=0),
                              description="Newest first; collectors see only their own shifts")

    @staticmethod
    def resolve_my_shift(root, info):
        return _one(open_shift_for(user=info.context.actor.user))

    @staticmethod
    def resolve_shift(root, info, id):
        return _one(access_shift(user=info.context.actor.user, shift_id=to_pk(id)))

    @staticmethod
    def resolve_shifts(root, info, collector_id=None, status=None, first=50, offset=0):
        qs = shift_list(user=info.context.actor.user, collector_id=to_optional_pk(collector_id),
                        status=status.value if status else None)
        result = page(qs, first=first, offset=offset)
        return ShiftPage(total_count=result["total_count"], items=_with_summaries(result["items"]))


class RecordCounterPayment(BaseMutation):
    """Record money taken at the counter (partial payment allowed; oldest season
    first; never more than is due). Opens the collector's shift if needed."""

    permissions = (HasRole(*COUNTER_PAYMENT),)

    class Arguments:
        bill_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
        method = CounterMethod(required=True)
        amount_fen = graphene.Int(required=True, description="What the collector received, in fen")
        receipt_no = graphene.String(required=True, description="Number of the paper receipt (unique)")

    order = graphene.Field(PaymentOrder)
    errors = graphene.List(graphene.NonNull(PaymentError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, bill_ids, method, amount_fen, receipt_no):
        order = counter_payment_record(collector=info.context.actor.user, bill_ids=[to_pk(b) for b in bill_ids],
                                       method=method.value, amount_fen=amount_fen, receipt_no=receipt_no,
                                       ip=client_ip(info.context))
        return cls(order=counter_order(order_id=order.pk), errors=[])


class OpenShift(BaseMutation):
    """Open my shift (returns the open one if there is one)."""

    permissions = (HasRole(*COUNTER_PAYMENT),)

    shift = graphene.Field(Shift)
    errors = graphene.List(graphene.NonNull(PaymentError), required=True)

    @classmethod
    def perform_mutation(cls, root, info):
        user = info.context.actor.user
        shift = shift_open(collector=user)
        return cls(shift=_one(access_shift(user=user, shift_id=shift.pk)), errors=[])


class CloseShift(BaseMutation):
    """日结: close a shift and freeze its totals (collectors their own, admins any)."""

    permissions = (HasRole(*COUNTER_PAYMENT),)

    class Arguments:
        id = graphene.ID(required=True)

    shift = graphene.Field(Shift)
    errors = graphene.List(graphene.NonNull(PaymentError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, id):
        shift = shift_close(shift_id=to_pk(id), actor=info.context.actor.user, ip=client_ip(info.context))
        return cls(shift=_one(shift), errors=[])


class CounterMutations(graphene.ObjectType):
    record_counter_payment = RecordCounterPayment.Field()
    open_shift = OpenShift.Field()
    close_shift = CloseShift.Field()
