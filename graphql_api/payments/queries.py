import graphene

from apps.accounts.permissions import MERCHANT_MANAGE, PAYMENT_VIEW
from apps.payments import selectors
from tenants.models import MerchantAccount as _Account
from tenants.selectors import current_company

from ..core.pagination import page
from ..core.permissions import HasRole, IsResident, PermissionsField
from .merchants import MerchantAccount
from .types import OrderStatus, PaymentChannel, PaymentOrder, PaymentOrderPage


class PaymentOrderFilter(graphene.InputObjectType):
    status = OrderStatus()
    channel = PaymentChannel()
    flagged = graphene.Boolean(description="Only orders holding money no bill took (to refund), or only the others.")
    search = graphene.String(description="商户订单号, receipt number, provider transaction id or 户号 (exact).")


class PaymentQueries(graphene.ObjectType):
    my_payments = PermissionsField(PaymentOrderPage, permissions=[IsResident], first=graphene.Int(),
                                   offset=graphene.Int(), description="The resident's payment orders, newest first.")
    order = PermissionsField(PaymentOrder, permissions=[IsResident, HasRole(*PAYMENT_VIEW)],
                             out_trade_no=graphene.String(required=True),
                             description="One order (residents: their own) — poll it after wx.requestPayment.")
    payment_orders = PermissionsField(PaymentOrderPage, permissions=[HasRole(*PAYMENT_VIEW)],
                                      filter=PaymentOrderFilter(), first=graphene.Int(), offset=graphene.Int())
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
                                  flagged=f.get("flagged"),
                                  search=f.get("search"))
        return page(qs, first=first, offset=offset)

    @staticmethod
    def resolve_merchant_accounts(root, info):
        return list(_Account.objects.filter(tenant_id=current_company().pk).order_by("channel"))
