import graphene

from apps.accounts.permissions import COUNTER_PAYMENT, MERCHANT_MANAGE, REFUND
from apps.payments.merchants import merchant_account_save, merchant_account_test
from apps.payments.selectors_counter import (
    access_shift,
    counter_order,
)
from apps.payments.services import counter_payment_record, payment_create, refund_request, shift_close, shift_open
from heat_platform.kernel.actors import client_ip

from ..core.ids import to_pk
from ..core.mutations import BaseMutation
from ..core.permissions import HasRole, IsResident
from .types import (
    AlipayMerchantInput,
    CounterMethod,
    MerchantAccount,
    MerchantChannel,
    PaymentChannel,
    PaymentError,
    PaymentOrder,
    PayParams,
    Refund,
    Shift,
    WechatMerchantInput,
    one_with_summary,
)

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


class RecordCounterPayment(BaseMutation):
    """Record money taken at the counter (partial payment allowed; oldest season
    first; never more than is due). Opens the collector's shift if needed."""

    permissions = (HasRole(*COUNTER_PAYMENT),)

    class Arguments:
        bill_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
        method = CounterMethod(required=True)
        amount_fen = graphene.Int(required=True, description="What the collector received, in fen")
        receipt_no = graphene.String(required=True, description="Number of the paper receipt (unique)")
        request_no = graphene.String(description=(
            "Idempotency key of this submission, 6–32 of [A-Za-z0-9_-]: sent again with the same arguments it "
            "returns the payment already recorded (a double click or a retry never charges twice)."))

    order = graphene.Field(PaymentOrder)
    errors = graphene.List(graphene.NonNull(PaymentError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, bill_ids, method, amount_fen, receipt_no, request_no=None):
        order = counter_payment_record(collector=info.context.actor.user, bill_ids=[to_pk(b) for b in bill_ids],
                                       method=method.value, amount_fen=amount_fen, receipt_no=receipt_no,
                                       request_no=request_no, ip=client_ip(info.context))
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
        return cls(shift=one_with_summary(access_shift(user=user, shift_id=shift.pk)), errors=[])


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
        return cls(shift=one_with_summary(shift), errors=[])


class CounterMutations(graphene.ObjectType):
    record_counter_payment = RecordCounterPayment.Field()
    open_shift = OpenShift.Field()
    close_shift = CloseShift.Field()



def _save(info, channel: str, data: dict):
    data = dict(data)
    mode = data.pop("mode").value
    is_active = data.pop("is_active", True)
    if data.get("platform_certificates") is not None:
        data["platform_certificates"] = [dict(c) for c in data["platform_certificates"]]
    return merchant_account_save(channel=channel, mode=mode, data=data, is_active=is_active,
                                 actor=info.context.actor.user, ip=client_ip(info.context))


class _SaveMerchant(BaseMutation):
    """Create or update the company's account for `channel`."""

    permissions = (HasRole(*MERCHANT_MANAGE),)
    channel = ""
    account = graphene.Field(MerchantAccount)
    errors = graphene.List(graphene.NonNull(PaymentError), required=True)

    class Meta:
        abstract = True

    @classmethod
    def perform_mutation(cls, root, info, input):
        return cls(account=_save(info, cls.channel, input), errors=[])


class SaveWechatMerchant(_SaveMerchant):
    channel = "wechat"

    class Arguments:
        input = WechatMerchantInput(required=True)


class SaveAlipayMerchant(_SaveMerchant):
    channel = "alipay"

    class Arguments:
        input = AlipayMerchantInput(required=True)


class TestMerchantConnection(BaseMutation):
    """Sign one harmless call to the configured gateway and verify its signed answer."""

    permissions = (HasRole(*MERCHANT_MANAGE),)
    account = graphene.Field(MerchantAccount)
    errors = graphene.List(graphene.NonNull(PaymentError), required=True)

    class Arguments:
        channel = MerchantChannel(required=True)

    @classmethod
    def perform_mutation(cls, root, info, channel):
        account = merchant_account_test(channel=channel.value, actor=info.context.actor.user,
                                        ip=client_ip(info.context))
        return cls(account=account, errors=[])


class MerchantMutations(graphene.ObjectType):
    save_wechat_merchant = SaveWechatMerchant.Field()
    save_alipay_merchant = SaveAlipayMerchant.Field()
    test_merchant_connection = TestMerchantConnection.Field()

