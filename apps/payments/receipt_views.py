"""GET /payments/receipts/<out_trade_no>.pdf on a company's domain: the
printable receipt of a counter payment, for staff with a Bearer token.

Payment roles may print receipts; a collector only their own. A missing order,
an online order and another collector's order get the same 404."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from apps.accounts.permissions import PAYMENT_VIEW
from heat_platform.kernel.rest import StaffFileView, error_response

from .receipts import receipt_pdf
from .selectors_counter import access_receipt_order


class ReceiptView(StaffFileView):
    allowed_roles = PAYMENT_VIEW

    def get(self, request, out_trade_no: str):
        order = access_receipt_order(user=request.user, out_trade_no=out_trade_no)
        if order is None:
            return error_response(404, "NOT_FOUND", _("找不到该收据。"))
        return HttpResponse(receipt_pdf(order), content_type="application/pdf", headers={
            "Content-Disposition": content_disposition_header(False, f"receipt-{order.out_trade_no}.pdf"),
            "Cache-Control": "private, no-store",
        })
