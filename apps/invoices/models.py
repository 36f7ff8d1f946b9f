"""E-invoices (数电票) of one company: its issuing settings, the tax treatment of each fee item, the invoices
issued for payments (blue) and the red-letter confirmations and red invoices that reverse them on refunds.

An Invoice moves REQUESTED → ISSUING → ISSUED (number, date, PDF/OFD copied into the company's storage:
provider URLs expire) or FAILED (reason; retried with backoff up to a daily cap). A refund of an issued
invoice's order opens a RedConfirmation (全额 or by line) → the bureau issues the red invoice (an Invoice of
kind RED) → the blue one is REVERSED (fully) or stays ISSUED with its reversed lines recorded. Status fields move
only by compare-and-set, and every transition writes an audit row.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from heat_platform.crypto import EncryptedTextField


class InvoiceSettings(models.Model):
    """One row (pk 1) per company schema, absent until an admin saves it: no settings, no invoices."""

    class Provider(models.TextChoices):
        NUONUO = "nuonuo", _("诺诺（诺税通）")

    class Policy(models.TextChoices):
        AUTOMATIC = "automatic", _("支付后自动开票")
        ON_REQUEST = "on_request", _("居民申请后开票")

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    enabled = models.BooleanField(_("启用电子发票"), default=False)
    seller_tax_no = models.CharField(_("销方税号"), max_length=20)
    seller_name = models.CharField(_("销方名称"), max_length=100)
    seller_address_phone = models.CharField(_("销方地址电话"), max_length=200, blank=True)
    seller_bank_account = models.CharField(_("销方开户行及账号"), max_length=200, blank=True)
    drawer = models.CharField(_("开票人"), max_length=20)
    provider = models.CharField(_("开票服务商"), max_length=16, choices=Provider.choices, default=Provider.NUONUO)
    app_key = models.CharField(_("应用 AppKey"), max_length=64)
    app_secret = EncryptedTextField(blank=True)  # write-only in every API
    access_token = EncryptedTextField(blank=True)  # write-only in every API
    policy = models.CharField(_("开票方式"), max_length=12, choices=Policy.choices, default=Policy.ON_REQUEST)
    # The provider's tax-bureau session as last seen (refreshed by a beat job and on every failure).
    session_state = models.CharField(max_length=16, blank=True)
    session_message = models.CharField(max_length=255, blank=True)
    session_checked_at = models.DateTimeField(null=True, blank=True)
    credit_total_fen = models.BigIntegerField(null=True, blank=True)
    credit_remaining_fen = models.BigIntegerField(null=True, blank=True)
    credit_checked_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("电子发票设置")
        verbose_name_plural = _("电子发票设置")

    def __str__(self) -> str:
        return f"invoice settings {self.seller_tax_no}"


class FeeItemTax(models.Model):
    """How one fee item (a bill line kind) is invoiced, per house category: residential heating is VAT-exempt
    in the northern heating regions (免税, policy 03), non-residential heating is taxed (e.g. 9%)."""

    class Category(models.TextChoices):
        RESIDENTIAL = "residential", _("居民")
        NON_RESIDENTIAL = "non_residential", _("非居民")

    line_kind = models.CharField(_("收费项目"), max_length=16)  # apps.billing.models.BillLine.Kind
    category = models.CharField(_("用户类别"), max_length=16, choices=Category.choices)
    goods_name = models.CharField(_("商品名称"), max_length=90)
    tax_code = models.CharField(_("税收分类编码"), max_length=19)
    tax_rate = models.DecimalField(_("税率"), max_digits=5, decimal_places=4, default=Decimal("0"))
    favoured_policy = models.CharField(_("优惠政策标识"), max_length=2, blank=True)  # "03" 免税, "04" 不征税 …
    unit = models.CharField(pgettext_lazy("unit of measure", "单位"), max_length=10, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["line_kind", "category"], name="one_tax_per_item_category")]
        verbose_name = _("收费项目开票设置")
        verbose_name_plural = _("收费项目开票设置")

    def __str__(self) -> str:
        return f"{self.line_kind}/{self.category} {self.tax_rate}"


class InvoiceTitle(models.Model):
    """A resident's saved invoice title (抬头): a person or a company with its tax number."""

    class Kind(models.TextChoices):
        PERSONAL = "personal", _("个人")
        COMPANY = "company", _("单位")

    resident = models.ForeignKey("residents.Resident", on_delete=models.CASCADE, related_name="invoice_titles")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = models.CharField(_("抬头"), max_length=100)
    tax_no = models.CharField(_("税号"), max_length=20, blank=True)
    address_phone = models.CharField(max_length=200, blank=True)
    bank_account = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


class Invoice(models.Model):
    class Kind(models.TextChoices):
        BLUE = "blue", _("蓝字发票")
        RED = "red", _("红字发票")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待开票")
        ISSUING = "issuing", _("开票中")
        ISSUED = "issued", _("已开票")
        FAILED = "failed", _("开票失败")
        RED_REQUESTED = "red_requested", _("红冲中")  # blue: a red confirmation for all of it is under way
        REVERSED = "reversed", _("已红冲")  # blue: fully reversed by red invoices

    kind = models.CharField(max_length=4, choices=Kind.choices, default=Kind.BLUE)
    status = models.CharField(_("状态"), max_length=14, choices=Status.choices, default=Status.REQUESTED,
                              db_index=True)
    order = models.ForeignKey("payments.PaymentOrder", on_delete=models.PROTECT, related_name="invoices")
    # The provider's order number: ours, derived from this invoice's id (the idempotency key).
    order_no = models.CharField(max_length=32, unique=True)
    blue = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reds")
    invoice_line = models.CharField(max_length=2, default="pc")  # pc 数电普票 / bs 数电专票
    # The buyer as requested (a copy: the title may change later).
    buyer_kind = models.CharField(max_length=8, choices=InvoiceTitle.Kind.choices, default=InvoiceTitle.Kind.PERSONAL)
    buyer_name = models.CharField(_("购方名称"), max_length=100)
    buyer_tax_no = models.CharField(_("购方税号"), max_length=20, blank=True)
    buyer_phone = models.CharField(max_length=20, blank=True)
    buyer_email = models.EmailField(blank=True)
    buyer_address_phone = models.CharField(max_length=200, blank=True)
    buyer_bank_account = models.CharField(max_length=200, blank=True)
    total_fen = models.BigIntegerField(_("价税合计(分)"))  # negative for a red invoice
    excl_fen = models.BigIntegerField(default=0)
    tax_fen = models.BigIntegerField(default=0)

    serial_no = models.CharField(max_length=64, blank=True)  # the provider's 流水号
    invoice_number = models.CharField(_("发票号码"), max_length=20, blank=True)
    issued_at = models.DateTimeField(_("开票日期"), null=True, blank=True)
    pdf_path = models.CharField(max_length=200, blank=True)  # copies in the company's storage
    ofd_path = models.CharField(max_length=200, blank=True)
    xml_path = models.CharField(max_length=200, blank=True)
    fail_reason = models.CharField(_("失败原因"), max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0)  # submissions to the provider (0: never sent)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Submissions on `attempts_on` (the company's day): capped per day as the provider caps a serial (E9613).
    attempts_on = models.DateField(null=True, blank=True)
    day_attempts = models.PositiveSmallIntegerField(default=0)
    # Refunds of the order already netted out of the lines (built after they succeeded): no red for them.
    netted_refund_ids = models.JSONField(default=list, blank=True)
    requested_by_resident = models.ForeignKey("residents.Resident", null=True, blank=True,
                                              on_delete=models.SET_NULL, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One live blue invoice per order (a failed one may be replaced only by retrying it).
            models.UniqueConstraint(fields=["order"], condition=Q(kind="blue"), name="one_blue_invoice_per_order"),
        ]
        verbose_name = _("电子发票")
        verbose_name_plural = _("电子发票")

    def __str__(self) -> str:
        return f"{self.kind} {self.order_no} {self.status}"


class InvoiceLine(models.Model):
    """A line as sent to the provider (1-based `index`: red confirmations name blue lines by it)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    index = models.PositiveSmallIntegerField()
    bill = models.ForeignKey("billing.Bill", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    line_kind = models.CharField(max_length=16)
    goods_name = models.CharField(max_length=90)
    tax_code = models.CharField(max_length=19)
    unit = models.CharField(max_length=10, blank=True)
    quantity = models.DecimalField(max_digits=16, decimal_places=4)
    unit_price_excl = models.DecimalField(max_digits=20, decimal_places=8)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4)
    favoured_policy = models.CharField(max_length=2, blank=True)
    excl_fen = models.BigIntegerField()
    tax_fen = models.BigIntegerField()
    incl_fen = models.BigIntegerField()
    # Blue lines: how much of it red invoices have reversed so far (positive fen, tax included).
    reversed_fen = models.BigIntegerField(default=0)
    blue_line = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    explanation = models.CharField(max_length=255, blank=True)  # how the tax was computed, for people

    class Meta:
        ordering = ["invoice_id", "index"]
        constraints = [models.UniqueConstraint(fields=["invoice", "index"], name="one_line_per_index")]

    def __str__(self) -> str:
        return f"{self.invoice_id}#{self.index} {self.incl_fen}"


class RedConfirmation(models.Model):
    """A red-letter confirmation (红字确认单) for a blue invoice: the whole of it or some lines (partial refund)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待提交")
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        ISSUED = "issued", _("已开红票")
        FAILED = "failed", _("失败")
        REVOKED = "revoked", _("已撤销")

    blue = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="red_confirmations")
    refund = models.ForeignKey("payments.Refund", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    bill_id = models.CharField(max_length=32, unique=True)  # ours: the provider's billId (idempotency key)
    red_order_no = models.CharField(max_length=32, unique=True)  # the red invoice's order number
    reason = models.CharField(max_length=2)  # bureau code: 01 开票有误, 02 销货退回, 03 服务中止, 04 销售折让
    full = models.BooleanField(default=True)
    # For a partial one: [{"blue_line_index", "excl_fen", "tax_fen", "incl_fen", "quantity"}] (negative amounts).
    lines = models.JSONField(default=list, blank=True)
    total_fen = models.BigIntegerField()  # negative
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    confirmation_no = models.CharField(max_length=64, blank=True)
    red_invoice = models.OneToOneField(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    fail_reason = models.CharField(max_length=255, blank=True)
    note = models.CharField(max_length=255, blank=True)  # staff's reason for a manual reversal
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"red {self.bill_id} {self.status}"
