"""GET /payments/receipts/<out_trade_no>.pdf on a company's domain: the
printable receipt of a counter payment, with the Bearer token of the GraphQL
API.

Staff in the payment roles may print receipts, a collector only their own;
a resident the receipts of counter payments for their own houses (every
house the payment covers bound to them). A missing order, an online order,
another collector's or resident's order and another company's order all get
the same 404."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from apps.accounts.permissions import PAYMENT_VIEW
from heat_platform.kernel.actors import Actor
from heat_platform.kernel.rest import StaffFileView, error_response

from .receipts import receipt_pdf
from .selectors_counter import access_receipt_order, receipt_order_for_resident


class PaymentStaffOrResident(BasePermission):
    def has_permission(self, request, view) -> bool:
        actor = request.auth
        return isinstance(actor, Actor) and (
            actor.kind == "resident" or (actor.kind == "staff" and actor.role in PAYMENT_VIEW))


class ReceiptView(StaffFileView):
    permission_classes = [PaymentStaffOrResident]

    def get(self, request, out_trade_no: str):
        actor = request.auth
        if actor.kind == "resident":
            order = receipt_order_for_resident(resident=actor.resident, out_trade_no=out_trade_no)
        else:
            order = access_receipt_order(user=actor.user, out_trade_no=out_trade_no)
        if order is None:
            return error_response(404, "NOT_FOUND", _("找不到该收据。"))
        return HttpResponse(receipt_pdf(order), content_type="application/pdf", headers={
            "Content-Disposition": content_disposition_header(False, f"receipt-{order.out_trade_no}.pdf"),
            "Cache-Control": "private, no-store",
        })
