import graphene

from apps.accounts.permissions import PAYMENT_VIEW
from apps.payments.errors import PaymentErrorCode as _Code
from apps.payments.models import Channel as _Channel
from apps.payments.models import CollectionChannel as _CollectionChannel
from apps.payments.models import CounterMethod as _Method
from apps.payments.models import CounterShift as _Shift
from apps.payments.models import PaymentOrder as _Order
from apps.payments.models import Refund as _Refund
from apps.payments.selectors_counter import (
    shift_summaries,
)
from tenants.models import MerchantAccount as _Account

from ..billing.types import Bill
from ..core.mutations import error_type
from ..core.permissions import HasRole, PermissionsField
from ..core.scalars import DateTime

PaymentErrorCode = graphene.Enum.from_enum(_Code, name="PaymentErrorCode")


PaymentError = error_type("PaymentError", PaymentErrorCode)


PaymentChannel = graphene.Enum.from_enum(_Channel, name="PaymentChannel")


OrderStatus = graphene.Enum.from_enum(_Order.Status, name="OrderStatus")


OrderRefundStatus = graphene.Enum.from_enum(_Order.RefundStatus, name="OrderRefundStatus")


CounterMethod = graphene.Enum.from_enum(_Method, name="CounterMethod")


CollectionChannel = graphene.Enum.from_enum(
    _CollectionChannel, name="CollectionChannel",
    description="Where money came in: WeChat Pay and Alipay online; cash, POS and transfer at the counter")


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
    created_at = DateTime(required=True)
    finished_at = DateTime()


class RefundEntry(graphene.ObjectType):
    """A refund in the company's refund list, with the order it gives money back from."""

    id = graphene.ID(required=True)
    out_refund_no = graphene.String(required=True)
    amount_fen = graphene.Int(required=True)
    reason = graphene.String(required=True)
    status = graphene.Field(RefundStatus, required=True)
    created_at = DateTime(required=True)
    finished_at = DateTime()
    out_trade_no = graphene.String(required=True, description="The refunded order")
    channel = graphene.Field(CollectionChannel, required=True,
                             description="The refunded order's channel (its method at the counter)")
    order_amount_fen = graphene.Int(required=True)
    requested_by = graphene.String(description="Display name of the staff member who asked; null for the system")

    @staticmethod
    def resolve_out_trade_no(root, info):
        return root.order.out_trade_no  # select_related by the selector

    @staticmethod
    def resolve_channel(root, info):
        order = root.order
        return order.counter_method if order.channel == _Channel.COUNTER else order.channel

    @staticmethod
    def resolve_order_amount_fen(root, info):
        return root.order.amount_fen

    @staticmethod
    def resolve_requested_by(root, info):
        return root.requested_by.shown_name if root.requested_by_id else None


class RefundPage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(RefundEntry), required=True)


class PaymentOrder(graphene.ObjectType):
    id = graphene.ID(required=True)
    out_trade_no = graphene.String(required=True)
    channel = graphene.Field(PaymentChannel, required=True)
    status = graphene.Field(OrderStatus, required=True)
    amount_fen = graphene.Int(required=True)
    description = graphene.String(required=True)
    created_at = DateTime(required=True)
    expires_at = DateTime()
    paid_at = DateTime()
    refunded_fen = graphene.Int(required=True)
    refund_status = graphene.Field(OrderRefundStatus, required=True)
    needs_refund_fen = graphene.Int(required=True, description="Money received that no bill took; to be refunded.")
    flag_reason = PermissionsField(
        graphene.String, permissions=[HasRole(*PAYMENT_VIEW)],
        description="Why the order needs attention (paid after it closed, a bill already paid, reverted by "
                    "reconciliation …); null when nothing is flagged")
    counter_method = graphene.Field(CounterMethod)
    receipt_no = graphene.String()
    receipt_url = graphene.String(description="Printable receipt (PDF) of a counter payment: payment staff and the "
                                              "residents of its houses download it with their Bearer token.")
    items = graphene.List(graphene.NonNull(OrderItem), required=True)
    refunds = graphene.List(graphene.NonNull(Refund), required=True)

    @staticmethod
    def resolve_flag_reason(root, info):
        return root.flag_reason or None

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


ShiftStatus = graphene.Enum.from_enum(_Shift.Status, name="ShiftStatus")


class ShiftMethodTotal(graphene.ObjectType):
    method = graphene.Field(CounterMethod, required=True)
    amount_fen = graphene.BigInt(required=True, description="Net: collected − refunded")
    count = graphene.Int(required=True, description="Payments taken")
    collected_fen = graphene.BigInt(required=True)
    refunded_fen = graphene.BigInt(required=True, description="Handed back in this shift (refunds of payments "
                                                              "made with this method)")


class ShiftReceipt(graphene.ObjectType):
    receipt_no = graphene.String(required=True)
    out_trade_no = graphene.String(required=True)
    amount_fen = graphene.Int(required=True)
    method = graphene.Field(CounterMethod, required=True)
    paid_at = DateTime(required=True)
    account_nos = graphene.List(graphene.NonNull(graphene.String), required=True, description="户号 of the bills paid")


class ShiftRefund(graphene.ObjectType):
    """Cash handed back in this shift for a counter payment (of this shift or an earlier one)."""

    out_refund_no = graphene.String(required=True)
    out_trade_no = graphene.String(required=True, description="The refunded payment")
    receipt_no = graphene.String(required=True, description="The refunded payment's receipt number")
    amount_fen = graphene.Int(required=True)
    method = graphene.Field(CounterMethod, required=True, description="The refunded payment's method")
    refunded_at = DateTime(required=True)
    account_nos = graphene.List(graphene.NonNull(graphene.String), required=True)


class Shift(graphene.ObjectType):
    """A collector's shift: the money they took and handed back. Totals are live
    while it is open and frozen when it is closed (日结)."""

    id = graphene.ID(required=True)
    collector_id = graphene.ID(required=True)
    collector_username = graphene.String(required=True)
    collector_name = graphene.String(required=True, description="Display name (the username when none is set)")
    status = graphene.Field(ShiftStatus, required=True)
    opened_at = DateTime(required=True)
    closed_at = DateTime()
    totals = graphene.List(graphene.NonNull(ShiftMethodTotal), required=True, description="One per method")
    total_fen = graphene.BigInt(required=True, description="Net of refunds: collected − refunded")
    collected_fen = graphene.BigInt(required=True)
    refunded_fen = graphene.BigInt(required=True)
    count = graphene.Int(required=True, description="Payments taken")
    receipts = graphene.List(graphene.NonNull(ShiftReceipt), required=True)
    refunds = graphene.List(graphene.NonNull(ShiftRefund), required=True)

    @staticmethod
    def resolve_collector_username(root, info):
        return root.collector.username

    @staticmethod
    def resolve_collector_name(root, info):
        return root.collector.shown_name

    @staticmethod
    def resolve_totals(root, info):
        return _summary(root).totals

    @staticmethod
    def resolve_total_fen(root, info):
        return _summary(root).total_fen

    @staticmethod
    def resolve_collected_fen(root, info):
        return _summary(root).collected_fen

    @staticmethod
    def resolve_refunded_fen(root, info):
        return _summary(root).refunded_fen

    @staticmethod
    def resolve_refunds(root, info):
        return _summary(root).refunds

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
    """Set for a whole page at once by `with_summaries`; computed here for a shift resolved elsewhere."""
    if getattr(shift, "summary", None) is None:
        shift.summary = shift_summaries([shift])[shift.pk]
    return shift.summary


def with_summaries(shifts: list[_Shift]) -> list[_Shift]:
    summaries = shift_summaries(shifts)
    for shift in shifts:
        shift.summary = summaries[shift.pk]
    return shifts


def one_with_summary(shift: _Shift | None) -> _Shift | None:
    return with_summaries([shift])[0] if shift is not None else None



MerchantChannel = graphene.Enum.from_enum(_Account.Channel, name="MerchantChannel")


MerchantMode = graphene.Enum.from_enum(_Account.Mode, name="MerchantMode")


class PlatformCertificate(graphene.ObjectType):
    serial_no = graphene.String(required=True)
    expire_time = graphene.String()


class MerchantAccount(graphene.ObjectType):
    channel = graphene.Field(MerchantChannel, required=True)
    mode = graphene.Field(MerchantMode, required=True)
    is_active = graphene.Boolean(required=True)
    mchid = graphene.String(required=True)
    appid = graphene.String(required=True)
    merchant_serial_no = graphene.String(required=True)
    wechatpay_public_key_id = graphene.String(required=True)
    sub_mchid = graphene.String(required=True)
    sub_appid = graphene.String(required=True)
    platform_certificates = graphene.List(graphene.NonNull(PlatformCertificate), required=True)
    alipay_app_id = graphene.String(required=True)
    alipay_seller_id = graphene.String(required=True)
    has_merchant_private_key = graphene.Boolean(required=True)
    has_apiv3_key = graphene.Boolean(required=True)
    has_alipay_app_private_key = graphene.Boolean(required=True)
    has_alipay_app_auth_token = graphene.Boolean(required=True)
    last_test_at = DateTime()
    last_test_ok = graphene.Boolean()
    last_test_message = graphene.String(required=True)

    @staticmethod
    def resolve_platform_certificates(root, info):
        return [PlatformCertificate(serial_no=c.get("serial_no", ""), expire_time=c.get("expire_time"))
                for c in root.platform_certificates or []]

    @staticmethod
    def resolve_has_merchant_private_key(root, info):
        return bool(root.merchant_private_key)

    @staticmethod
    def resolve_has_apiv3_key(root, info):
        return bool(root.apiv3_key)

    @staticmethod
    def resolve_has_alipay_app_private_key(root, info):
        return bool(root.alipay_app_private_key)

    @staticmethod
    def resolve_has_alipay_app_auth_token(root, info):
        return bool(root.alipay_app_auth_token)


class PlatformCertificateInput(graphene.InputObjectType):
    serial_no = graphene.String(required=True)
    pem = graphene.String(required=True)
    expire_time = graphene.String()


class WechatMerchantInput(graphene.InputObjectType):
    mode = MerchantMode(required=True, description="DIRECT (own merchant) or PARTNER (sub-merchant of the platform).")
    is_active = graphene.Boolean(default_value=True)
    mchid = graphene.String()
    appid = graphene.String()
    merchant_serial_no = graphene.String()
    merchant_private_key = graphene.String(
        description="PEM (apiclient_key.pem). Write-only; empty keeps the stored one.")
    apiv3_key = graphene.String(description="32 characters. Write-only; empty keeps the stored one.")
    wechatpay_public_key_id = graphene.String()
    wechatpay_public_key = graphene.String()
    platform_certificates = graphene.List(graphene.NonNull(PlatformCertificateInput))
    sub_mchid = graphene.String()
    sub_appid = graphene.String()


class AlipayMerchantInput(graphene.InputObjectType):
    mode = MerchantMode(required=True, description="DIRECT (own app) or ISV (authorized to the platform's app).")
    is_active = graphene.Boolean(default_value=True)
    alipay_app_id = graphene.String()
    alipay_app_private_key = graphene.String(description="Write-only; empty keeps the stored one.")
    alipay_public_key = graphene.String()
    alipay_seller_id = graphene.String()
    alipay_app_auth_token = graphene.String(description="ISV mode. Write-only; empty keeps the stored one.")

