import graphene
from django.core.cache import cache
from django.utils.translation import gettext as _

from apps.accounts.permissions import INVOICE_VIEW
from apps.billing.models import BillLine as _BillLine
from apps.invoices.errors import InvoiceErrorCode as _Code
from apps.invoices.models import FeeItemTax as _FeeItemTax
from apps.invoices.models import Invoice as _Invoice
from apps.invoices.models import InvoiceSettings as _Settings
from apps.invoices.models import InvoiceTitle as _Title
from apps.invoices.models import RedConfirmation as _Red
from apps.invoices.providers import (
    RED_REASON_ALLOWANCE,
    RED_REASON_RETURN,
    RED_REASON_STOPPED,
    RED_REASON_WRONG,
    SESSION_FACE_REQUIRED,
    SESSION_LOGIN_REQUIRED,
    SESSION_OK,
)
from apps.invoices.settings_services import FAVOURED_POLICIES

from ..billing.types import BillLineKind
from ..core.mutations import error_type
from ..core.permissions import HasRole, IsResident, PermissionsField
from ..core.scalars import DateTime, Decimal
from ..payments.types import PaymentOrder

InvoiceErrorCode = graphene.Enum.from_enum(_Code, name="InvoiceErrorCode")
InvoiceError = error_type("InvoiceError", InvoiceErrorCode)

InvoiceKind = graphene.Enum.from_enum(_Invoice.Kind, name="InvoiceKind", description="BLUE 蓝字发票, RED 红字发票")
InvoiceStatus = graphene.Enum.from_enum(
    _Invoice.Status, name="InvoiceStatus",
    description="REQUESTED → ISSUING → ISSUED (number, date, files) or FAILED (failReason; retried with backoff); "
                "a blue invoice goes RED_REQUESTED → REVERSED when a red invoice reverses all of it")
InvoiceTitleKind = graphene.Enum.from_enum(_Title.Kind, name="InvoiceTitleKind",
                                           description="PERSONAL 个人, COMPANY 单位 (needs its unified tax number)")
RedConfirmationStatus = graphene.Enum.from_enum(_Red.Status, name="RedConfirmationStatus")
InvoicePolicy = graphene.Enum.from_enum(
    _Settings.Policy, name="InvoicePolicy",
    description="AUTOMATIC: every paid order is invoiced (the payer's default title, or personal with the "
                "owner's name); ON_REQUEST: only when the resident or staff ask")
InvoiceProviderName = graphene.Enum.from_enum(_Settings.Provider, name="InvoiceProviderName")
FeeItemCategory = graphene.Enum.from_enum(_FeeItemTax.Category, name="FeeItemCategory",
                                          description="The house's category: residential heating is usually exempt")


class InvoiceOptions(graphene.ObjectType):
    """What a resident's app offers: 开发票 / 我的发票 only while the company has e-invoices on."""

    enabled = graphene.Boolean(required=True)
    policy = graphene.Field(InvoicePolicy, description="null while disabled")


class RedReason(graphene.Enum):
    """The bureau's red-letter reasons (stored as their codes 01–04)."""

    WRONG = RED_REASON_WRONG
    RETURN = RED_REASON_RETURN
    STOPPED = RED_REASON_STOPPED
    ALLOWANCE = RED_REASON_ALLOWANCE

    @property
    def description(self):
        return {RedReason.WRONG: "01 开票有误", RedReason.RETURN: "02 销货退回", RedReason.STOPPED: "03 服务中止",
                RedReason.ALLOWANCE: "04 销售折让"}.get(self)


class InvoiceSessionState(graphene.Enum):
    OK = SESSION_OK
    LOGIN_REQUIRED = SESSION_LOGIN_REQUIRED
    FACE_REQUIRED = SESSION_FACE_REQUIRED
    UNKNOWN = "unknown"

    @property
    def description(self):
        return {InvoiceSessionState.OK: "The tax-bureau session works",
                InvoiceSessionState.LOGIN_REQUIRED: "The drawer must log in to 电子税务局 again",
                InvoiceSessionState.FACE_REQUIRED: "Face verification (人脸认证) is due",
                InvoiceSessionState.UNKNOWN: "Not checked yet"}.get(self)


STAFF_VIEW = [HasRole(*INVOICE_VIEW)]


def _or_none(value):
    return value or None


class InvoiceLine(graphene.ObjectType):
    """A line as sent to the provider; amounts in fen (negative on a red invoice)."""

    index = graphene.Int(required=True, description="1-based; red confirmations name blue lines by it")
    goods_name = graphene.String(required=True)
    tax_code = graphene.String(required=True, description="19-digit tax classification code")
    unit = graphene.String()
    quantity = Decimal(required=True)
    tax_rate = Decimal(required=True, description="e.g. 0.09; 0 when exempt")
    favoured_policy = graphene.String(description="03 免税, 04 不征税 …; null when none")
    favoured_policy_name = graphene.String()
    excl_fen = graphene.BigInt(required=True, description="Tax excluded")
    tax_fen = graphene.BigInt(required=True)
    incl_fen = graphene.BigInt(required=True, description="Tax included (价税合计)")
    reversed_fen = graphene.BigInt(required=True, description="Blue lines: how much red invoices reversed so far")
    explanation = graphene.String(required=True, description="How the tax was computed, in Chinese")

    @staticmethod
    def resolve_unit(root, info):
        return _or_none(root.unit)

    @staticmethod
    def resolve_favoured_policy(root, info):
        return _or_none(root.favoured_policy)

    @staticmethod
    def resolve_favoured_policy_name(root, info):
        return FAVOURED_POLICIES.get(root.favoured_policy)


class RedConfirmation(graphene.ObjectType):
    """A red-letter confirmation (红字确认单) for a blue invoice: all of it or some lines."""

    id = graphene.ID(required=True)
    status = graphene.Field(RedConfirmationStatus, required=True)
    reason = graphene.Field(RedReason, required=True)
    full = graphene.Boolean(required=True, description="The whole invoice (else the lines of a partial refund)")
    total_fen = graphene.BigInt(required=True, description="Negative")
    confirmation_no = graphene.String(description="红字确认单编号 once the bureau gave one")
    fail_reason = graphene.String()
    note = graphene.String(description="Staff's reason for a manual reversal")
    refund_id = graphene.ID(description="The refund that caused it; null for a manual reversal")
    red_invoice_id = graphene.ID()
    requested_by = graphene.String(description="Display name; null for the system")
    created_at = DateTime(required=True)

    @staticmethod
    def resolve_confirmation_no(root, info):
        return _or_none(root.confirmation_no)

    @staticmethod
    def resolve_fail_reason(root, info):
        return _or_none(root.fail_reason)

    @staticmethod
    def resolve_note(root, info):
        return _or_none(root.note)

    @staticmethod
    def resolve_requested_by(root, info):
        return root.requested_by.shown_name if root.requested_by_id else None


class Invoice(graphene.ObjectType):
    """An e-invoice (数电票) for a payment order: blue, or red reversing (part of) a blue one."""

    id = graphene.ID(required=True)
    kind = graphene.Field(InvoiceKind, required=True)
    status = graphene.Field(InvoiceStatus, required=True)
    order_id = graphene.ID(required=True)
    out_trade_no = graphene.String(required=True, description="The paid order's 商户订单号")
    order_no = graphene.String(required=True, description="Our order number at the provider (HCI… / HCV…)")
    blue_id = graphene.ID(description="Red invoices: the blue invoice it reverses")
    invoice_line = graphene.String(required=True, description="pc 数电普票 / bs 数电专票")
    buyer_kind = graphene.Field(InvoiceTitleKind, required=True)
    buyer_name = graphene.String(required=True)
    buyer_tax_no = graphene.String()
    buyer_phone = graphene.String(description="Where the provider pushes it by SMS")
    buyer_email = graphene.String(description="Where the provider pushes it by email")
    total_fen = graphene.BigInt(required=True, description="价税合计; negative on a red invoice")
    excl_fen = graphene.BigInt(required=True)
    tax_fen = graphene.BigInt(required=True)
    invoice_number = graphene.String(description="20-digit 数电 number once issued")
    issued_at = DateTime()
    fail_reason = graphene.String()
    pdf_url = graphene.String(description="GET with the Bearer token (/files/invoices/<id>.pdf); null until issued")
    ofd_url = graphene.String(description="GET with the Bearer token (/files/invoices/<id>.ofd); null until issued")
    lines = graphene.List(graphene.NonNull(InvoiceLine), required=True)
    reds = graphene.List(graphene.NonNull(lambda: Invoice), required=True,
                         description="Red invoices of this blue one, oldest first")
    created_at = DateTime(required=True)
    order = PermissionsField(PaymentOrder, permissions=[IsResident, HasRole(*INVOICE_VIEW)],
                             description="The paid order (ask it of one invoice)")
    red_confirmations = PermissionsField(
        graphene.List(graphene.NonNull(RedConfirmation)), permissions=STAFF_VIEW,
        description="Red-letter confirmations opened for this blue invoice, newest first")
    attempts = PermissionsField(graphene.Int, permissions=STAFF_VIEW, description="Submissions so far")
    next_attempt_at = PermissionsField(DateTime, permissions=STAFF_VIEW,
                                       description="When a failed invoice is retried on its own; null when not")
    requested_by = PermissionsField(graphene.String, permissions=STAFF_VIEW,
                                    description="Staff who asked (display name), 住户 for the resident, null for "
                                                "the system (automatic policy, refunds)")

    @staticmethod
    def resolve_out_trade_no(root, info):
        return root.order.out_trade_no  # select_related by the selectors

    @staticmethod
    def resolve_blue_id(root, info):
        return root.blue_id

    @staticmethod
    def resolve_buyer_tax_no(root, info):
        return _or_none(root.buyer_tax_no)

    @staticmethod
    def resolve_buyer_phone(root, info):
        return _or_none(root.buyer_phone)

    @staticmethod
    def resolve_buyer_email(root, info):
        return _or_none(root.buyer_email)

    @staticmethod
    def resolve_invoice_number(root, info):
        return _or_none(root.invoice_number)

    @staticmethod
    def resolve_fail_reason(root, info):
        return _or_none(root.fail_reason)

    @staticmethod
    def resolve_pdf_url(root, info):
        return f"/files/invoices/{root.pk}.pdf" if root.pdf_path else None

    @staticmethod
    def resolve_ofd_url(root, info):
        return f"/files/invoices/{root.pk}.ofd" if root.ofd_path else None

    @staticmethod
    def resolve_lines(root, info):
        return root.lines.all()  # prefetched

    @staticmethod
    def resolve_reds(root, info):
        return root.reds.all()

    @staticmethod
    def resolve_order(root, info):
        from apps.payments.selectors import order_for_staff

        return order_for_staff(order_id=root.order_id)  # with its items and refunds: one invoice at a time

    @staticmethod
    def resolve_red_confirmations(root, info):
        return root.red_confirmations.all()

    @staticmethod
    def resolve_requested_by(root, info):
        if root.requested_by_id:
            return root.requested_by.shown_name
        return _("住户") if root.requested_by_resident_id else None


class InvoicePage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(Invoice), required=True)


class InvoiceTitle(graphene.ObjectType):
    """A saved invoice title (抬头) of the resident."""

    id = graphene.ID(required=True)
    kind = graphene.Field(InvoiceTitleKind, required=True)
    name = graphene.String(required=True)
    tax_no = graphene.String()
    phone = graphene.String()
    email = graphene.String()
    address_phone = graphene.String()
    bank_account = graphene.String()
    is_default = graphene.Boolean(required=True)

    @staticmethod
    def resolve_tax_no(root, info):
        return _or_none(root.tax_no)

    @staticmethod
    def resolve_phone(root, info):
        return _or_none(root.phone)

    @staticmethod
    def resolve_email(root, info):
        return _or_none(root.email)

    @staticmethod
    def resolve_address_phone(root, info):
        return _or_none(root.address_phone)

    @staticmethod
    def resolve_bank_account(root, info):
        return _or_none(root.bank_account)


class InvoiceTitleInput(graphene.InputObjectType):
    kind = InvoiceTitleKind(required=True)
    name = graphene.String(required=True, description="个人: the person's name; 单位: the company's full name")
    tax_no = graphene.String(description="单位: the 15/18/20-character unified tax number (required)")
    phone = graphene.String(description="Mobile for the provider's SMS push")
    email = graphene.String(description="For the provider's email push")
    address_phone = graphene.String(description="单位: 地址电话 (optional)")
    bank_account = graphene.String(description="单位: 开户行及账号 (optional)")


class InvoiceSettings(graphene.ObjectType):
    """The company's issuing settings. Secrets are write-only: only whether they are set is shown."""

    enabled = graphene.Boolean(required=True)
    seller_tax_no = graphene.String(required=True)
    seller_name = graphene.String(required=True)
    seller_address_phone = graphene.String(required=True)
    seller_bank_account = graphene.String(required=True)
    drawer = graphene.String(required=True, description="开票人")
    provider = graphene.Field(InvoiceProviderName, required=True)
    app_key = graphene.String(required=True)
    has_app_secret = graphene.Boolean(required=True)
    has_access_token = graphene.Boolean(required=True)
    policy = graphene.Field(InvoicePolicy, required=True)
    updated_at = DateTime(required=True)

    @staticmethod
    def resolve_has_app_secret(root, info):
        return bool(root.app_secret)

    @staticmethod
    def resolve_has_access_token(root, info):
        return bool(root.access_token)


class InvoiceSettingsInput(graphene.InputObjectType):
    enabled = graphene.Boolean(required=True, description="Off: nothing is invoiced anywhere")
    seller_tax_no = graphene.String(required=True, description="销方税号 (15/18/20 characters)")
    seller_name = graphene.String(required=True)
    seller_address_phone = graphene.String()
    seller_bank_account = graphene.String()
    drawer = graphene.String(required=True, description="开票人 (the person whose 电子税务局 login issues)")
    provider = InvoiceProviderName(description="NUONUO when absent")
    app_key = graphene.String(required=True)
    app_secret = graphene.String(description="Write-only; empty keeps the stored one")
    access_token = graphene.String(description="Write-only; empty keeps the stored one")
    policy = InvoicePolicy(required=True)


class FeeItemTax(graphene.ObjectType):
    """How a fee item is invoiced for a house category; `configured` false until saved (invoices of it fail)."""

    id = graphene.ID(description="null until saved")
    line_kind = graphene.Field(BillLineKind, required=True)
    line_kind_label = graphene.String(required=True)
    category = graphene.Field(FeeItemCategory, required=True)
    configured = graphene.Boolean(required=True)
    goods_name = graphene.String()
    tax_code = graphene.String()
    tax_rate = Decimal()
    favoured_policy = graphene.String(description="03 免税, 04 不征税 …; null when none")
    favoured_policy_name = graphene.String()
    unit = graphene.String()

    @staticmethod
    def resolve_line_kind_label(root, info):
        return str(_BillLine.Kind(root.line_kind).label)

    @staticmethod
    def resolve_configured(root, info):
        return root.pk is not None

    @staticmethod
    def resolve_goods_name(root, info):
        return _or_none(root.goods_name)

    @staticmethod
    def resolve_tax_code(root, info):
        return _or_none(root.tax_code)

    @staticmethod
    def resolve_tax_rate(root, info):
        return root.tax_rate if root.pk is not None else None

    @staticmethod
    def resolve_favoured_policy(root, info):
        return _or_none(root.favoured_policy)

    @staticmethod
    def resolve_favoured_policy_name(root, info):
        return FAVOURED_POLICIES.get(root.favoured_policy)

    @staticmethod
    def resolve_unit(root, info):
        return _or_none(root.unit)


class FeeItemTaxInput(graphene.InputObjectType):
    line_kind = BillLineKind(required=True, description="HEATING_FEE, BASIC_FEE, METERED_FEE or LATE_FEE")
    category = FeeItemCategory(required=True)
    goods_name = graphene.String(required=True, description="商品名称, e.g. *供热*采暖费")
    tax_code = graphene.String(required=True, description="19-digit tax classification code")
    tax_rate = Decimal(required=True, description="One of 0, 0.01, 0.03, 0.05, 0.06, 0.09, 0.13")
    favoured_policy = graphene.String(description="03 免税 or 04 不征税 with rate 0; 01–18 as documented")
    unit = graphene.String()


FACE_QR_CACHE_SECONDS = 300


def face_qr_cache_key() -> str:
    return "invoices:face-qr"  # the cache's key function adds the company's schema


class InvoiceSession(graphene.ObjectType):
    """The provider's tax-bureau session as last seen, the credit line, and what staff must do."""

    state = graphene.Field(InvoiceSessionState, required=True)
    message = graphene.String(description="What the provider said")
    face_qr_url = graphene.String(description="Face-verification QR fetched in the last 5 minutes (invoiceFaceQr)")
    checked_at = DateTime()
    credit_total_fen = graphene.BigInt(description="授信额度")
    credit_remaining_fen = graphene.BigInt()
    credit_checked_at = DateTime()
    action = graphene.String(description="What staff must do now, in Chinese; null when nothing")

    @staticmethod
    def resolve_state(root, info):
        return root.session_state if root.session_state in (SESSION_OK, SESSION_LOGIN_REQUIRED,
                                                            SESSION_FACE_REQUIRED) else "unknown"

    @staticmethod
    def resolve_message(root, info):
        return _or_none(root.session_message)

    @staticmethod
    def resolve_face_qr_url(root, info):
        return cache.get(face_qr_cache_key()) if root.session_state == SESSION_FACE_REQUIRED else None

    @staticmethod
    def resolve_checked_at(root, info):
        return root.session_checked_at

    @staticmethod
    def resolve_action(root, info):
        if not root.enabled:
            return _("电子发票未启用：在「电子发票设置」中填写销方信息和开票服务商凭据后启用。")
        from apps.invoices.services import session_action

        if root.session_state == SESSION_OK:
            return None
        return session_action(root.session_state) or _("尚未检查开票状态：点击「刷新状态」。")
