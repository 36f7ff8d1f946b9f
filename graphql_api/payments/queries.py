import graphene

from apps.accounts.permissions import COUNTER_PAYMENT, MERCHANT_MANAGE, PAYMENT_VIEW, SHIFT_VIEW_ALL
from apps.payments import selectors
from apps.payments.selectors_counter import (
    access_shift,
    open_shift_for,
    shift_list,
)
from apps.payments.selectors_reports import refund_list
from tenants.selectors import current_company

from ..core.ids import to_optional_pk, to_pk
from ..core.pagination import page
from ..core.permissions import HasRole, IsResident, PermissionsField
from ..core.scalars import Date
from .types import (
    CollectionChannel,
    MerchantAccount,
    OrderStatus,
    PaymentChannel,
    PaymentOrder,
    PaymentOrderPage,
    RefundPage,
    RefundStatus,
    Shift,
    ShiftPage,
    ShiftStatus,
    one_with_summary,
    with_summaries,
)

SHIFT_READERS = (HasRole(*COUNTER_PAYMENT), HasRole(*SHIFT_VIEW_ALL))


class PaymentOrderFilter(graphene.InputObjectType):
    status = OrderStatus()
    channel = PaymentChannel()
    flagged = graphene.Boolean(description="Only orders holding money no bill took (to refund), or only the others.")
    search = graphene.String(description="商户订单号, receipt number, provider transaction id or 户号 (exact).")
    house_id = graphene.ID(description="Orders paying any bill of this house (house detail)")
    date_from = Date(description="Created on or after this day (Asia/Shanghai)")
    date_to = Date(description="Created on or before this day (inclusive)")


class RefundFilter(graphene.InputObjectType):
    status = RefundStatus()
    channel = CollectionChannel()


class PaymentQueries(graphene.ObjectType):
    my_payments = PermissionsField(PaymentOrderPage, permissions=[IsResident], first=graphene.Int(),
                                   offset=graphene.Int(), description="The resident's payment orders, newest first.")
    order = PermissionsField(PaymentOrder, permissions=[IsResident, HasRole(*PAYMENT_VIEW)],
                             out_trade_no=graphene.String(required=True),
                             description="One order (residents: their own) — poll it after wx.requestPayment.")
    payment_orders = PermissionsField(PaymentOrderPage, permissions=[HasRole(*PAYMENT_VIEW)],
                                      filter=PaymentOrderFilter(), first=graphene.Int(), offset=graphene.Int())
    refunds = PermissionsField(RefundPage, permissions=[HasRole(*PAYMENT_VIEW)], required=True, filter=RefundFilter(),
                               first=graphene.Int(default_value=20), offset=graphene.Int(default_value=0),
                               description="Refunds, newest first (online and at the counter)")
    merchant_accounts = PermissionsField(graphene.List(graphene.NonNull(MerchantAccount), required=True),
                                         permissions=[HasRole(*MERCHANT_MANAGE)])

    @staticmethod
    def resolve_my_payments(root, info, first=None, offset=None):
        return page(selectors.resident_orders(resident=info.context.actor.resident), first=first, offset=offset)

    @staticmethod
    def resolve_order(root, info, out_trade_no):
        actor = info.context.actor
        if actor.kind == "resident":
            return selectors.order_for_resident(resident=actor.resident, out_trade_no=out_trade_no)
        return selectors.order_for_staff(out_trade_no=out_trade_no)

    @staticmethod
    def resolve_payment_orders(root, info, filter=None, first=None, offset=None):
        f = filter or {}
        status, channel = f.get("status"), f.get("channel")
        qs = selectors.order_list(status=status.value if status else None, channel=channel.value if channel else None,
                                  flagged=f.get("flagged"), search=f.get("search"),
                                  house_id=to_optional_pk(f.get("house_id")), date_from=f.get("date_from"),
                                  date_to=f.get("date_to"))
        return page(qs, first=first, offset=offset)

    @staticmethod
    def resolve_refunds(root, info, filter=None, first=20, offset=0):
        f = filter or {}
        status, channel = f.get("status"), f.get("channel")
        qs = refund_list(status=status.value if status else None, channel=channel.value if channel else None)
        return RefundPage(**page(qs, first=first, offset=offset, default=20))

    @staticmethod
    def resolve_merchant_accounts(root, info):
        return selectors.merchant_account_list(company=current_company())



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
        return one_with_summary(open_shift_for(user=info.context.actor.user))

    @staticmethod
    def resolve_shift(root, info, id):
        return one_with_summary(access_shift(user=info.context.actor.user, shift_id=to_pk(id)))

    @staticmethod
    def resolve_shifts(root, info, collector_id=None, status=None, first=50, offset=0):
        qs = shift_list(user=info.context.actor.user, collector_id=to_optional_pk(collector_id),
                        status=status.value if status else None)
        result = page(qs, first=first, offset=offset)
        return ShiftPage(total_count=result["total_count"], items=with_summaries(result["items"]))

