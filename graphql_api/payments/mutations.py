import graphene

from apps.accounts.permissions import REFUND
from apps.payments.services import payment_create, refund_request
from heat_platform.kernel.actors import client_ip

from ..core.ids import to_pk
from ..core.mutations import BaseMutation
from ..core.permissions import HasRole, IsResident
from .types import PaymentChannel, PaymentError, PaymentOrder, PayParams, Refund

PARAM_NAMES = {"timeStamp": "time_stamp", "nonceStr": "nonce_str", "package": "package", "signType": "sign_type",
               "paySign": "pay_sign", "tradeNO": "trade_no"}


class CreatePayment(BaseMutation):
    """Pay bills of the resident's houses. The server computes the amount from
    the bills' amount due now; asking again for the same bills reuses the open
    order or supersedes it."""

    permissions = (IsResident,)
    order = graphene.Field(PaymentOrder)
    pay_params = graphene.Field(PayParams)
    errors = graphene.List(graphene.NonNull(PaymentError), required=True)

    class Arguments:
        bill_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
        channel = PaymentChannel(required=True)

    @classmethod
    def perform_mutation(cls, root, info, bill_ids, channel):
        created = payment_create(resident=info.context.actor.resident, bill_ids=[to_pk(i) for i in bill_ids],
                                 channel=channel.value, ip=client_ip(info.context))
        params = {PARAM_NAMES[k]: v for k, v in created.pay_params.items() if k in PARAM_NAMES}
        return cls(order=created.order, pay_params=PayParams(channel=channel, **params), errors=[])


class RefundOrder(BaseMutation):
    """Refund part or all of a paid order (finance/admin). The same `requestNo`
    is the same refund: retrying never refunds twice."""

    permissions = (HasRole(*REFUND),)
    refund = graphene.Field(Refund)
    order = graphene.Field(PaymentOrder)
    errors = graphene.List(graphene.NonNull(PaymentError), required=True)

    class Arguments:
        order_id = graphene.ID(required=True)
        amount_fen = graphene.Int(required=True)
        reason = graphene.String(required=True)
        request_no = graphene.String(description="Idempotency key, 6–32 of [A-Za-z0-9_-]; generated when absent.")

    @classmethod
    def perform_mutation(cls, root, info, order_id, amount_fen, reason, request_no=None):
        from apps.payments.selectors import order_for_staff

        refund = refund_request(order_id=to_pk(order_id), amount_fen=amount_fen, reason=reason,
                                request_no=request_no, actor=info.context.actor.user, ip=client_ip(info.context))
        return cls(refund=refund, order=order_for_staff(order_id=refund.order_id), errors=[])


class PaymentMutations(graphene.ObjectType):
    create_payment = CreatePayment.Field()
    refund_order = RefundOrder.Field()
