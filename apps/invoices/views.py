"""E-invoice endpoints on a company's domain.

GET /files/invoices/<id>.pdf|.ofd: an issued invoice's layout file as copied into the company's storage (the
provider's URLs expire), with the Bearer token of the GraphQL API: the resident who may see its order, or staff
who may see invoices. A missing invoice, one not issued yet, someone else's and another company's all get the
same 404; a stored file that is gone is a 410.

POST /invoices/callback/nuonuo/: the provider's form-POST callback. It is unsigned, so it is never believed: it
only names an order number, and if that number is one of this company's (the company whose domain it arrived
on) a query of the provider is scheduled after commit. Nothing is read from its `content`; an unknown number is
logged and ignored. The answer is the same whatever it named, so it tells a stranger nothing."""

from __future__ import annotations

import logging
import re

from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from rest_framework.permissions import BasePermission

from apps.accounts.permissions import INVOICE_VIEW
from heat_platform.kernel.actors import Actor, client_ip
from heat_platform.kernel.rest import StaffFileView, error_response

from .access import access_invoice, stored_file_of
from .models import Invoice, InvoiceSettings, RedConfirmation

logger = logging.getLogger(__name__)

CONTENT_TYPES = {"pdf": "application/pdf", "ofd": "application/ofd"}
# A Nuonuo callback is a few form fields and a small JSON `content` (serial, number, amounts, one URL): a few KB.
MAX_CALLBACK_BYTES = 64 * 1024
CALLBACK_ANSWER = {"status": "0000", "message": "同步成功"}
# Our own order numbers (HCI… blue, HCV… red invoices, HCR… red confirmations): nothing else can be ours.
_ORDER_NO = re.compile(r"HC[IVR][0-9A-Z]{1,29}")


class InvoiceViewerOrResident(BasePermission):
    def has_permission(self, request, view) -> bool:
        actor = request.auth
        return isinstance(actor, Actor) and (
            actor.kind == "resident" or (actor.kind == "staff" and actor.role in INVOICE_VIEW))


class InvoiceFileView(StaffFileView):
    permission_classes = [InvoiceViewerOrResident]

    def get(self, request, invoice_id: str, fmt: str):
        invoice = access_invoice(actor=request.auth, invoice_id=int(invoice_id))
        path = stored_file_of(invoice, fmt) if invoice is not None else ""
        if not path:
            return error_response(404, "NOT_FOUND", _("找不到该发票文件。"))
        try:
            file = default_storage.open(path, "rb")
        except FileNotFoundError:
            return error_response(410, "GONE", _("发票文件已不存在，请联系供热公司。"))
        name = f"{invoice.invoice_number or invoice.order_no}.{fmt}"
        response = FileResponse(file, as_attachment=fmt == "ofd", filename=name, content_type=CONTENT_TYPES[fmt])
        response["Cache-Control"] = "private, no-store"
        return response


def _content_length(request: HttpRequest) -> int | None:
    value = request.META.get("CONTENT_LENGTH") or "0"
    return int(value) if value.isascii() and value.isdigit() else None


def _known(order_no: str) -> bool:
    """Whether the number is one of this company's invoices or red confirmations."""
    return Invoice.objects.filter(order_no=order_no).exists() or RedConfirmation.objects.filter(
        Q(red_order_no=order_no) | Q(bill_id=order_no)).exists()


def _schedule_query(number: str) -> None:
    """services.invoice_callback queues the query (a poll of the invoice or the red confirmation)."""
    named = {"bill_id": number} if number.startswith("HCR") else {"order_no": number}

    def query() -> None:
        from .services import invoice_callback

        invoice_callback(**named)

    transaction.on_commit(query)


class NuonuoCallbackView(View):
    """POST only; no session, CSRF token or authentication (the provider has none to give): never trusted."""

    http_method_names = ["post"]

    @classmethod
    def as_view(cls, **initkwargs):
        return csrf_exempt(super().as_view(**initkwargs))

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        size = _content_length(request)
        if size is None or size > MAX_CALLBACK_BYTES:
            # Refused unread: Django never reads past Content-Length, and we do not read at all.
            logger.warning("nuonuo callback refused: body too large (%s bytes) from %s", size, client_ip(request))
            return JsonResponse({"status": "9999", "message": "body too large"}, status=413)
        operater = str(request.POST.get("operater", ""))[:32]
        order_no = str(request.POST.get("orderno") or request.POST.get("orderNo") or "").strip()
        enabled = InvoiceSettings.objects.filter(pk=1, enabled=True).exists()
        if enabled and _ORDER_NO.fullmatch(order_no) and _known(order_no):
            _schedule_query(order_no)
            logger.info("nuonuo callback (%s) for %s in %s: query scheduled", operater, order_no,
                        connection.schema_name)
        else:
            # Only our own number's shape is logged back, never the body (buyer names, URLs).
            shown = order_no[:32] if _ORDER_NO.fullmatch(order_no) else "(not ours)"
            logger.warning("nuonuo callback (%s) ignored in %s: %s %s from %s", operater, connection.schema_name,
                           "unknown order" if enabled else "invoicing not enabled", shown, client_ip(request))
        return JsonResponse(CALLBACK_ANSWER, json_dumps_params={"ensure_ascii": False})
