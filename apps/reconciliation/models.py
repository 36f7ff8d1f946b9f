"""Statement reconciliation (对账) and the company's daily close (日结).

A `StatementRun` is one provider bill of one merchant account for one day; it
moves PENDING → FETCHED (file downloaded, hash checked, raw file stored) →
PARSED (rows loaded into `StatementEntry`, totals equal to the file's summary)
→ MATCHED (every row and every local order of the day classified; each
difference a `Difference`) → CLOSED (every difference resolved by a person).
A run that fails keeps its error and can be run again; re-running replaces its
entries and open differences, never resolved ones.

A `DailyClose` locks a day once the day's runs are closed and every counter
shift is closed; a later correction is a `DayAdjustment` booked on the next open
day, never an edit of the closed one. Status fields move only by compare-and-set.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.payments.models import CollectionChannel


class StatementRun(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待获取")
        FETCHED = "fetched", _("已下载")
        PARSED = "parsed", _("已解析")
        MATCHED = "matched", _("已比对")
        CLOSED = "closed", _("已关闭")
        FAILED = "failed", _("失败")

    class Kind(models.TextChoices):
        TRADE = "trade", _("交易账单")
        FUNDFLOW = "fundflow", _("资金账单")

    class Channel(models.TextChoices):
        WECHAT = "wechat", _("微信支付")
        ALIPAY = "alipay", _("支付宝")

    # tenants.MerchantAccount of this company (public schema: no cross-schema foreign key).
    merchant_account_id = models.BigIntegerField()
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    # The merchant the bill is for, as the provider names it (mchid / sub_mchid / Alipay app id), for people.
    merchant_id = models.CharField(_("商户号"), max_length=32, blank=True)
    kind = models.CharField(_("账单类型"), max_length=8, choices=Kind.choices, default=Kind.TRADE)
    bill_date = models.DateField(_("账单日期"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    # Why the last attempt failed (a provider or format error code and a message for finance).
    error_code = models.CharField(max_length=32, blank=True)
    error = models.CharField(_("失败原因"), max_length=500, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    # The raw file as downloaded (gzip / zip), in the company's storage.
    file_path = models.CharField(max_length=200, blank=True)
    file_sha1 = models.CharField(max_length=40, blank=True)  # of the decompressed bill
    file_size = models.BigIntegerField(default=0)
    # The file's own summary {"count", "paid_fen", "refunded_fen", "fee_fen"}; parsed rows must equal it.
    summary = models.JSONField(default=dict, blank=True)
    # What matching found: {"matched": n, "channel_only": n, …, "channel_paid_fen": …, "local_paid_fen": …}.
    totals = models.JSONField(default=dict, blank=True)

    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    fetched_at = models.DateTimeField(null=True, blank=True)
    parsed_at = models.DateTimeField(null=True, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-bill_date", "channel", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant_account_id", "kind", "bill_date"], name="one_run_per_bill"),
        ]
        verbose_name = _("对账批次")
        verbose_name_plural = _("对账批次")

    def __str__(self) -> str:
        return f"run#{self.pk} {self.channel} {self.kind} {self.bill_date} {self.status}"


class StatementEntry(models.Model):
    """One row of a trade bill (loaded in bulk; kept as the trace of what the provider said)."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("支付")
        REFUND = "refund", _("退款")

    run = models.ForeignKey(StatementRun, on_delete=models.CASCADE, related_name="entries")
    line_no = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    out_trade_no = models.CharField(max_length=64)
    transaction_id = models.CharField(max_length=64, blank=True)
    out_refund_no = models.CharField(max_length=64, blank=True)
    refund_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=12)  # apps.reconciliation.formats states
    amount_fen = models.BigIntegerField()
    fee_fen = models.BigIntegerField(default=0)
    booked_at = models.DateTimeField()
    # Difference.Kind of this row after matching; empty when it agrees (only disagreeing rows are written).
    match_class = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["run_id", "line_no"]
        indexes = [models.Index(fields=["out_trade_no"], name="stmt_entry_trade_no"),
                   models.Index(fields=["out_refund_no"], condition=~Q(out_refund_no=""), name="stmt_entry_refund_no")]

    def __str__(self) -> str:
        return f"{self.kind} {self.out_trade_no} {self.amount_fen}"


class Difference(models.Model):
    """A disagreement between a provider's bill and our ledger, until a person resolves it."""

    class Kind(models.TextChoices):
        CHANNEL_ONLY = "channel_only", _("长款（渠道有、本地无）")
        LOCAL_ONLY = "local_only", _("短款（本地有、渠道无）")
        AMOUNT_MISMATCH = "amount_mismatch", _("金额不符")
        STATUS_MISMATCH = "status_mismatch", _("状态不符")
        FEE_MISMATCH = "fee_mismatch", _("手续费不符")
        CROSS_DAY = "cross_day", _("跨日")

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        RESOLVED = "resolved", _("已处理")
        CARRIED = "carried", _("已结转下一批次")  # CROSS_DAY: left for the adjacent day's run to find
        CLEARED = "cleared", _("已自动核平")  # CROSS_DAY found in the adjacent day's bill

    class Resolution(models.TextChoices):
        SETTLED = "settled", _("已按渠道入账")  # the order was queried and settled through the normal path
        REVERTED = "reverted", _("已撤销本地入账")  # truly unpaid: reverted through the normal path
        ACCEPT_CHANNEL = "accept_channel", _("以渠道为准")
        ACCEPT_LOCAL = "accept_local", _("以本地为准")
        ADJUSTED = "adjusted", _("已调账")
        OTHER = "other", _("其他")

    run = models.ForeignKey(StatementRun, on_delete=models.CASCADE, related_name="differences")
    entry = models.ForeignKey(StatementEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("差异类型"), max_length=16, choices=Kind.choices)
    subject = models.CharField(max_length=8, choices=StatementEntry.Kind.choices)  # payment | refund
    out_trade_no = models.CharField(_("商户订单号"), max_length=64)
    out_refund_no = models.CharField(_("商户退款单号"), max_length=64, blank=True)
    order = models.ForeignKey("payments.PaymentOrder", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    refund = models.ForeignKey("payments.Refund", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    channel_amount_fen = models.BigIntegerField(null=True, blank=True)
    local_amount_fen = models.BigIntegerField(null=True, blank=True)
    channel_fee_fen = models.BigIntegerField(null=True, blank=True)
    expected_fee_fen = models.BigIntegerField(null=True, blank=True)
    channel_status = models.CharField(max_length=16, blank=True)
    local_status = models.CharField(max_length=16, blank=True)
    # What the system did on its own (queried the provider, settled, reverted) and what it found.
    auto_action = models.CharField(max_length=255, blank=True)

    status = models.CharField(_("处理状态"), max_length=8, choices=Status.choices, default=Status.OPEN,
                              db_index=True)
    resolution = models.CharField(_("处理方式"), max_length=16, choices=Resolution.choices, blank=True)
    note = models.CharField(_("处理说明"), max_length=255, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    # CROSS_DAY: the run of the adjacent day that found (CLEARED) or must find it.
    carried_to = models.ForeignKey(StatementRun, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="carried_in")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "kind", "out_trade_no", "out_refund_no"],
                                    name="one_difference_per_row"),
        ]
        verbose_name = _("对账差异")
        verbose_name_plural = _("对账差异")

    def __str__(self) -> str:
        return f"{self.kind} {self.out_trade_no} {self.status}"


class DailyClose(models.Model):
    """The company's day (日结): online channels from the day's statement runs plus the counter shifts'
    money by method. Closed = read-only: corrections go to the next open day as DayAdjustments."""

    class Status(models.TextChoices):
        OPEN = "open", _("未日结")
        CLOSED = "closed", _("已日结")

    day = models.DateField(_("日期"), unique=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    # Frozen at close: {"by_channel": {channel: {"collected_fen", "refunded_fen", "fee_fen", "count"}},
    #                   "adjustments_fen": n, "net_fen": n}
    totals = models.JSONField(default=dict, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("日结")
        verbose_name_plural = _("日结")

    def __str__(self) -> str:
        return f"close {self.day} {self.status}"


class DayAdjustment(models.Model):
    """A correction of a closed day, booked on the first open day after it (signed fen)."""

    day = models.DateField(_("记入日期"))  # an open day
    corrects_day = models.DateField(_("更正日期"))  # the closed day it corrects
    channel = models.CharField(_("渠道"), max_length=8, choices=CollectionChannel.choices)
    amount_fen = models.BigIntegerField(_("调整金额(分)"))
    reason = models.CharField(_("原因"), max_length=255)
    difference = models.ForeignKey(Difference, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(amount_fen=0), name="adjustment_not_zero")]
        verbose_name = _("日结调整")
        verbose_name_plural = _("日结调整")

    def __str__(self) -> str:
        return f"adj {self.day} {self.channel} {self.amount_fen}"
