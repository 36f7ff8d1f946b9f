"""E-invoices: residents' own invoices and title book; staff's invoice list, settings, fee items and the
provider session."""

import graphene
from django.core.exceptions import ValidationError

from apps.accounts.permissions import INVOICE_MANAGE, INVOICE_VIEW
from apps.invoices import access
from apps.invoices.models import FeeItemTax as FeeItemTaxModel
from apps.invoices.models import InvoiceSettings as InvoiceSettingsModel
from apps.invoices.settings_services import INVOICED_LINE_KINDS, invoice_settings_get

from ..core.errors import bad_input
from ..core.ids import to_pk
from ..core.pagination import MAX_PAGE
from ..core.permissions import HasRole, IsResident, PermissionsField
from ..core.scalars import Date
from ..reconciliation.types import offset_page
from .types import (
    FeeItemTax,
    Invoice,
    InvoiceKind,
    InvoiceOptions,
    InvoicePage,
    InvoiceSession,
    InvoiceSettings,
    InvoiceStatus,
    InvoiceTitle,
)

VIEWERS = [HasRole(*INVOICE_VIEW)]
MANAGERS = [HasRole(*INVOICE_MANAGE)]


class InvoiceFilter(graphene.InputObjectType):
    status = InvoiceStatus()
    kind = InvoiceKind()
    date_from = Date(description="Requested on or after this day (the company's time zone)")
    date_to = Date(description="Requested on or before this day (inclusive; at most a year after dateFrom)")
    search = graphene.String(description="发票号码, our order number or 商户订单号 (exact), or part of the buyer name")


def fee_item_rows() -> list[FeeItemTaxModel]:
    """Every invoiced fee item × house category, saved or not (unsaved ones have no pk)."""
    saved = access.fee_item_taxes()
    return [saved.get((kind, category)) or FeeItemTaxModel(line_kind=kind, category=category, goods_name="",
                                                           tax_code="", favoured_policy="", unit="")
            for kind in INVOICED_LINE_KINDS for category in FeeItemTaxModel.Category.values]


def session_row() -> InvoiceSettingsModel:
    """The settings row the session is read from; an unsaved one (not enabled, never checked) before any."""
    return invoice_settings_get() or InvoiceSettingsModel()


class InvoiceQueries(graphene.ObjectType):
    my_invoices = PermissionsField(
        InvoicePage, required=True, permissions=[IsResident], offset=graphene.Int(default_value=0),
        limit=graphene.Int(default_value=20),
        description=f"The blue invoices of my orders, newest first (their red ones under `reds`), at most {MAX_PAGE} "
                    "a page")
    my_invoice = PermissionsField(Invoice, permissions=[IsResident], id=graphene.ID(required=True),
                                  description="One invoice of my orders (blue or red); null when not found")
    invoice_options = PermissionsField(InvoiceOptions, required=True, permissions=[IsResident],
                                       description="Whether my company issues e-invoices (and how)")
    my_invoice_titles = PermissionsField(graphene.List(graphene.NonNull(InvoiceTitle)), required=True,
                                         permissions=[IsResident], description="My saved titles, the default first")
    invoices = PermissionsField(
        InvoicePage, required=True, permissions=VIEWERS, filter=InvoiceFilter(), offset=graphene.Int(default_value=0),
        limit=graphene.Int(default_value=50),
        description=f"The company's invoices (blue and red), newest first, at most {MAX_PAGE} a page")
    invoice = PermissionsField(Invoice, permissions=VIEWERS, id=graphene.ID(required=True),
                               description="null when not found")
    invoice_settings = PermissionsField(InvoiceSettings, permissions=MANAGERS,
                                        description="null until saved once (no secrets: hasAppSecret, hasAccessToken)")
    fee_item_taxes = PermissionsField(
        graphene.List(graphene.NonNull(FeeItemTax)), required=True, permissions=MANAGERS,
        description="Every invoiced fee item × house category, saved or not (configured)")
    invoice_session = PermissionsField(InvoiceSession, required=True, permissions=VIEWERS,
                                       description="The tax-bureau session and credit line as last checked")

    @staticmethod
    def resolve_my_invoices(root, info, offset=0, limit=20):
        qs = access.resident_invoice_list(resident=info.context.actor.resident)
        return InvoicePage(**offset_page(qs, offset, limit, default=20))

    @staticmethod
    def resolve_my_invoice(root, info, id):
        return access.access_invoice_for_resident(resident=info.context.actor.resident, invoice_id=to_pk(id))

    @staticmethod
    def resolve_invoice_options(root, info):
        row = invoice_settings_get()
        enabled = bool(row and row.enabled)
        return InvoiceOptions(enabled=enabled, policy=row.policy if enabled else None)

    @staticmethod
    def resolve_my_invoice_titles(root, info):
        return access.titles_of(info.context.actor.resident)

    @staticmethod
    def resolve_invoices(root, info, filter=None, offset=0, limit=50):
        f = filter or {}
        status, kind = f.get("status"), f.get("kind")
        try:
            qs = access.staff_invoice_list(status=status.value if status else None, kind=kind.value if kind else None,
                                           date_from=f.get("date_from"), date_to=f.get("date_to"),
                                           search=f.get("search"))
        except ValidationError as exc:
            raise bad_input(exc) from exc
        return InvoicePage(**offset_page(qs, offset, limit))

    @staticmethod
    def resolve_invoice(root, info, id):
        return access.access_invoice_for_staff(invoice_id=to_pk(id))

    @staticmethod
    def resolve_invoice_settings(root, info):
        return invoice_settings_get()

    @staticmethod
    def resolve_fee_item_taxes(root, info):
        return fee_item_rows()

    @staticmethod
    def resolve_invoice_session(root, info):
        return session_row()

