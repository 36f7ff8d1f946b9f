import graphene

from apps.payments.errors import PaymentErrorCode as _Code
from apps.payments.models import Channel as _Channel
from apps.payments.models import CounterMethod as _Method
from apps.payments.models import PaymentOrder as _Order
from apps.payments.models import Refund as _Refund

from ..billing.types import Bill
from ..core.mutations import error_type

PaymentErrorCode = graphene.Enum.from_enum(_Code, name="PaymentErrorCode")
PaymentError = error_type("PaymentError", PaymentErrorCode)
PaymentChannel = graphene.Enum.from_enum(_Channel, name="PaymentChannel")
OrderStatus = graphene.Enum.from_enum(_Order.Status, name="OrderStatus")
OrderRefundStatus = graphene.Enum.from_enum(_Order.RefundStatus, name="OrderRefundStatus")
CounterMethod = graphene.Enum.from_enum(_Method, name="CounterMethod")
RefundStatus = graphene.Enum.from_enum(_Refund.Status, name="RefundStatus")


class PayParams(graphene.ObjectType):
    """What the app passes to the payment API of its platform: wx.requestPayment's
    fields for WECHAT, `tradeNO` for my.tradePay on ALIPAY."""

    channel = graphene.Field(PaymentChannel, required=True)
    time_stamp = graphene.String(name="timeStamp")
    nonce_str = graphene.String(name="nonceStr")
    package = graphene.String()
    sign_type = graphene.String(name="signType")
    pay_sign = graphene.String(name="paySign")
    trade_no = graphene.String(name="tradeNO")


class OrderItem(graphene.ObjectType):
    amount_fen = graphene.Int(required=True)
    discount_fen = graphene.Int(required=True)
    late_fee_fen = graphene.Int(required=True)
    applied_fen = graphene.Int(required=True, description="What the bill took when the order was settled.")
    refunded_fen = graphene.Int(required=True)
    bill = graphene.Field(Bill, required=True)


class Refund(graphene.ObjectType):
    id = graphene.ID(required=True)
    out_refund_no = graphene.String(required=True)
    amount_fen = graphene.Int(required=True)
    reason = graphene.String(required=True)
    status = graphene.Field(RefundStatus, required=True)
    created_at = graphene.DateTime(required=True)
    finished_at = graphene.DateTime()


class PaymentOrder(graphene.ObjectType):
    id = graphene.ID(required=True)
    out_trade_no = graphene.String(required=True)
    channel = graphene.Field(PaymentChannel, required=True)
    status = graphene.Field(OrderStatus, required=True)
    amount_fen = graphene.Int(required=True)
    description = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)
    expires_at = graphene.DateTime()
    paid_at = graphene.DateTime()
    refunded_fen = graphene.Int(required=True)
    refund_status = graphene.Field(OrderRefundStatus, required=True)
    needs_refund_fen = graphene.Int(required=True, description="Money received that no bill took; to be refunded.")
    counter_method = graphene.Field(CounterMethod)
    receipt_no = graphene.String()
    receipt_url = graphene.String(description="Printable receipt (PDF) of a counter payment.")
    items = graphene.List(graphene.NonNull(OrderItem), required=True)
    refunds = graphene.List(graphene.NonNull(Refund), required=True)

    @staticmethod
    def resolve_counter_method(root, info):
        return root.counter_method or None

    @staticmethod
    def resolve_receipt_no(root, info):
        return root.receipt_no or None

    @staticmethod
    def resolve_receipt_url(root, info):
        if root.channel != _Channel.COUNTER:
            return None
        return f"/payments/receipts/{root.out_trade_no}.pdf"

    @staticmethod
    def resolve_items(root, info):
        return root.items.all()  # prefetched by the selectors

    @staticmethod
    def resolve_refunds(root, info):
        return root.refunds.all()


class PaymentOrderPage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(PaymentOrder), required=True)
