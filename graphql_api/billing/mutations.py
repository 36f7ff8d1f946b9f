import graphene

from apps.accounts.permissions import BILL_ADJUST
from apps.billing.selectors import bill_for_staff
from apps.billing.services import bill_adjust, bill_waive
from heat_platform.kernel.actors import client_ip

from ..core.ids import to_pk
from ..core.mutations import BaseMutation
from ..core.permissions import HasRole
from .types import Bill, BillingError


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
