"""Request an invoice, keep a title book (residents); retry, reverse by hand, configure, check the tax-bureau
session (staff). Each parses its input, finds the objects through the access helpers (someone else's: the same
NOT_FOUND as a missing one), calls one service and reads the result back."""

import graphene
from django.core.cache import cache
from django.utils.translation import gettext as _

from apps.accounts.permissions import INVOICE_MANAGE, INVOICE_VIEW
from apps.imports.export_jobs import export_job_start
from apps.imports.models import ExportJob as _ExportJob
from apps.invoices import access
from apps.invoices.errors import InvoiceErrorCode
from apps.invoices.settings_services import (
    TITLE_FIELDS,
    fee_item_tax_save,
    invoice_settings_get,
    invoice_settings_save,
    invoice_title_clean,
    invoice_title_delete,
    invoice_title_save,
)
from apps.payments.selectors import order_for_staff, orders_of_resident
from heat_platform.kernel.actors import client_ip
from heat_platform.kernel.errors import field_error

from ..core.ids import to_pk
from ..core.mutations import BaseMutation
from ..core.permissions import HasRole, IsResident
from ..imports.types import ExportJob
from .queries import InvoiceFilter, fee_item_rows, session_row
from .types import (
    FACE_QR_CACHE_SECONDS,
    FeeItemTax,
    FeeItemTaxInput,
    Invoice,
    InvoiceError,
    InvoiceSession,
    InvoiceSettings,
    InvoiceSettingsInput,
    InvoiceTitle,
    InvoiceTitleInput,
    RedReason,
    face_qr_cache_key,
)

MANAGERS = (HasRole(*INVOICE_MANAGE),)


def _not_found(field: str):
    return field_error(field, _("找不到该发票。"), InvoiceErrorCode.NOT_FOUND)


def _staff_invoice(invoice_id):
    invoice = access.access_invoice_for_staff(invoice_id=to_pk(invoice_id))
    if invoice is None:
        raise _not_found("id")
    return invoice


def _title_data(data) -> dict:
    kind = data.get("kind")
    return {**{name: data.get(name) for name in TITLE_FIELDS}, "kind": kind.value if kind is not None else None}


def _enabled_settings():
    row = invoice_settings_get()
    if row is None or not row.enabled:
        raise field_error("__all__", _("本公司尚未启用电子发票。"), InvoiceErrorCode.NOT_ENABLED)
    return row


class RequestInvoice(BaseMutation):
    """Ask for the blue invoice of a paid order, as a saved title (titleId) or a title typed now (title).
    Residents: orders they may see (their own, counter payments for their houses); staff: any order. An
    order has one blue invoice: asking again answers ALREADY_REQUESTED. Issuing is asynchronous: poll myInvoice
    (or invoice) until ISSUED or FAILED."""

    permissions = (IsResident, HasRole(*INVOICE_MANAGE))
    invoice = graphene.Field(Invoice)
    errors = graphene.List(graphene.NonNull(InvoiceError), required=True)

    class Arguments:
        order_id = graphene.ID(required=True)
        title_id = graphene.ID(description="One of my saved titles (residents)")
        title = InvoiceTitleInput(description="A title typed now (not saved in the book). Neither: my default "
                                              "title, else personal with the house owner's name")

    @classmethod
    def perform_mutation(cls, root, info, order_id, title_id=None, title=None):
        from apps.invoices.services import BuyerTitle, invoice_request

        actor = info.context.actor
        resident = actor.resident if actor.kind == "resident" else None
        pk = to_pk(order_id)
        if resident is not None:
            order = orders_of_resident(resident).filter(pk=pk).only("pk").first()
        else:
            order = order_for_staff(order_id=pk)
        if order is None:
            raise field_error("order_id", _("找不到该订单。"), InvoiceErrorCode.NOT_FOUND)
        if title_id is not None:
            saved = access.title_of(resident=resident, title_id=to_pk(title_id)) if resident is not None else None
            if saved is None:
                raise field_error("title_id", _("找不到该抬头。"), InvoiceErrorCode.NOT_FOUND)
            chosen = BuyerTitle.of(saved)
        elif title is not None:
            chosen = BuyerTitle(**invoice_title_clean(_title_data(title)))
        else:
            chosen = None  # the resident's default title, else personal with the owner's name
        invoice = invoice_request(order_id=order.pk, title=chosen, resident=resident, actor=actor.user)
        found = (access.access_invoice_for_resident(resident=resident, invoice_id=invoice.pk) if resident is not None
                 else access.access_invoice_for_staff(invoice_id=invoice.pk))
        return cls(invoice=found, errors=[])


class SaveInvoiceTitle(BaseMutation):
    """Add a title to my book (no id) or change one of mine. isDefault: true makes it the one used for automatic
    invoices (the others stop being default); the first title is the default."""

    permissions = (IsResident,)
    title = graphene.Field(InvoiceTitle)
    errors = graphene.List(graphene.NonNull(InvoiceError), required=True)

    class Arguments:
        id = graphene.ID()
        input = InvoiceTitleInput(required=True)
        is_default = graphene.Boolean()

    @classmethod
    def perform_mutation(cls, root, info, input, id=None, is_default=None):
        resident = info.context.actor.resident
        saved = invoice_title_save(resident=resident, data=_title_data(input),
                                   title_id=to_pk(id) if id is not None else None, is_default=is_default)
        return cls(title=access.title_of(resident=resident, title_id=saved.pk), errors=[])


class DeleteInvoiceTitle(BaseMutation):
    """Remove one of my titles (invoices already requested keep the buyer they were issued to)."""

    permissions = (IsResident,)
    deleted_id = graphene.ID()
    errors = graphene.List(graphene.NonNull(InvoiceError), required=True)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform_mutation(cls, root, info, id):
        invoice_title_delete(resident=info.context.actor.resident, title_id=to_pk(id))
        return cls(deleted_id=id, errors=[])


class RetryInvoice(BaseMutation):
    """Submit a FAILED invoice again now (same order number: never issued twice), within the daily cap."""

    permissions = MANAGERS
    invoice = graphene.Field(Invoice)
    errors = graphene.List(graphene.NonNull(InvoiceError), required=True)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform_mutation(cls, root, info, id):
        from apps.invoices.services import invoice_retry

        invoice = _staff_invoice(id)
        invoice_retry(invoice_id=invoice.pk, actor=info.context.actor.user)
        return cls(invoice=access.access_invoice_for_staff(invoice_id=invoice.pk), errors=[])


class RedLineInput(graphene.InputObjectType):
    index = graphene.Int(required=True, description="The blue line's index")
    amount_fen = graphene.BigInt(required=True, description="Tax included, positive; at most what the line has left")


class ReverseInvoice(BaseMutation):
    """Reverse an ISSUED blue invoice by hand with a red-letter confirmation: all of it (no lines) or the given
    lines; reason and note (why) are recorded and audited. The red invoice follows asynchronously."""

    permissions = MANAGERS
    invoice = graphene.Field(Invoice, description="The blue invoice (its redConfirmations show the progress)")
    errors = graphene.List(graphene.NonNull(InvoiceError), required=True)

    class Arguments:
        id = graphene.ID(required=True)
        reason = RedReason(required=True)
        note = graphene.String(required=True, description="Why, 2–255 characters")
        lines = graphene.List(graphene.NonNull(RedLineInput), description="Empty or absent: the whole invoice")

    @classmethod
    def perform_mutation(cls, root, info, id, reason, note, lines=None):
        from apps.invoices.red import RedLineInput as RedLine
        from apps.invoices.red import red_manual

        invoice = _staff_invoice(id)
        red_lines = [RedLine(index=line["index"], incl_fen=line["amount_fen"]) for line in lines or []]
        red_manual(invoice_id=invoice.pk, reason=reason.value if hasattr(reason, "value") else reason, note=note,
                   lines=red_lines, actor=info.context.actor.user)
        return cls(invoice=access.access_invoice_for_staff(invoice_id=invoice.pk), errors=[])


class SaveInvoiceSettings(BaseMutation):
    """Create or update the company's issuing settings (validated; secrets write-only; audited by field name)."""

    permissions = MANAGERS
    settings = graphene.Field(InvoiceSettings)
    errors = graphene.List(graphene.NonNull(InvoiceError), required=True)

    class Arguments:
        input = InvoiceSettingsInput(required=True)

    @classmethod
    def perform_mutation(cls, root, info, input):
        data = dict(input)
        for name in ("provider", "policy"):
            if data.get(name) is not None:
                data[name] = data[name].value
        row = invoice_settings_save(data=data, actor=info.context.actor.user, ip=client_ip(info.context))
        return cls(settings=row, errors=[])


class SaveFeeItemTax(BaseMutation):
    """How a fee item is invoiced for a house category (saving the pair again updates it)."""

    permissions = MANAGERS
    fee_item_tax = graphene.Field(FeeItemTax)
    errors = graphene.List(graphene.NonNull(InvoiceError), required=True)

    class Arguments:
        input = FeeItemTaxInput(required=True)

    @classmethod
    def perform_mutation(cls, root, info, input):
        row = fee_item_tax_save(line_kind=input["line_kind"].value, category=input["category"].value,
                                goods_name=input["goods_name"], tax_code=input["tax_code"],
                                tax_rate=input["tax_rate"], favoured_policy=input.get("favoured_policy") or "",
                                unit=input.get("unit") or "", actor=info.context.actor.user,
                                ip=client_ip(info.context))
        return cls(fee_item_tax=next(r for r in fee_item_rows() if r.pk == row.pk), errors=[])


class RefreshInvoiceSession(BaseMutation):
    """Ask the provider now for the tax-bureau session and the credit line (the provider limits how often)."""

    permissions = MANAGERS
    session = graphene.Field(InvoiceSession)
    errors = graphene.List(graphene.NonNull(InvoiceError), required=True)

    @classmethod
    def perform_mutation(cls, root, info):
        from apps.invoices.services import session_refresh

        _enabled_settings()
        session_refresh()
        return cls(session=session_row(), errors=[])


class InvoiceFaceQr(BaseMutation):
    """Fetch a face-verification QR code for the drawer to scan (the bureau gives a new one at most once a minute,
    20 a day); invoiceSession shows it for 5 minutes."""

    permissions = MANAGERS
    session = graphene.Field(InvoiceSession)
    errors = graphene.List(graphene.NonNull(InvoiceError), required=True)

    @classmethod
    def perform_mutation(cls, root, info):
        from apps.invoices.services import session_face_qr

        _enabled_settings()
        state = session_face_qr()
        if state is not None and state.face_qr_url:
            cache.set(face_qr_cache_key(), state.face_qr_url, FACE_QR_CACHE_SECONDS)
        return cls(session=session_row(), errors=[])


def invoice_filter_args(data) -> dict:
    """InvoiceFilter as access.staff_invoice_list takes it."""
    f = data or {}
    status, kind = f.get("status"), f.get("kind")
    return {"status": status.value if status else None, "kind": kind.value if kind else None,
            "date_from": f.get("date_from"), "date_to": f.get("date_to"), "search": f.get("search")}


class StartInvoiceExport(BaseMutation):
    """Export the invoices the staff list shows with this filter to .xlsx in the background. Poll exportJob(id),
    then download it."""

    permissions = (HasRole(*INVOICE_VIEW),)
    job = graphene.Field(ExportJob)
    errors = graphene.List(graphene.NonNull(InvoiceError), required=True)

    class Arguments:
        filter = InvoiceFilter()

    @classmethod
    def perform_mutation(cls, root, info, filter=None):
        filters = invoice_filter_args(filter)
        access.staff_invoice_list(**filters)  # the list's own checks (date range, search length), before queueing
        for day in ("date_from", "date_to"):  # the job row keeps JSON
            filters[day] = filters[day].isoformat() if filters[day] else None
        job = export_job_start(kind=_ExportJob.Kind.INVOICES, filters=filters, actor=info.context.actor.user,
                               ip=client_ip(info.context))
        return cls(job=job, errors=[])


class InvoiceMutations(graphene.ObjectType):
    request_invoice = RequestInvoice.Field()
    save_invoice_title = SaveInvoiceTitle.Field()
    delete_invoice_title = DeleteInvoiceTitle.Field()
    retry_invoice = RetryInvoice.Field()
    reverse_invoice = ReverseInvoice.Field()
    save_invoice_settings = SaveInvoiceSettings.Field()
    save_fee_item_tax = SaveFeeItemTax.Field()
    refresh_invoice_session = RefreshInvoiceSession.Field()
    invoice_face_qr = InvoiceFaceQr.Field()
    start_invoice_export = StartInvoiceExport.Field()
