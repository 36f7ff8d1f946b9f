"""Bills: one per house per season, with lines that explain every fen."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Bill(models.Model):
    class Status(models.TextChoices):
        ISSUED = "issued", _("待缴")
        PARTIALLY_PAID = "partially_paid", _("部分缴费")
        PAID = "paid", _("已缴清")
        WAIVED = "waived", _("已减免")
        CANCELLED = "cancelled", _("已作废")

    house = models.ForeignKey("properties.House", on_delete=models.PROTECT, related_name="bills")
    season = models.ForeignKey("tariffs.Season", on_delete=models.PROTECT, related_name="bills")
    plan = models.ForeignKey("tariffs.TariffPlan", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="bills")
    # The tariff parameters the bill was computed with (apps.billing.engine.TariffParams):
    # changing a plan later never changes an issued bill.
    snapshot = models.JSONField()
    principal_fen = models.BigIntegerField(_("应收(分)"))  # sum of the lines
    paid_fen = models.BigIntegerField(_("已缴(分)"), default=0)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ISSUED,
                              db_index=True)
    bill_run = models.ForeignKey("billing.BillRun", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="bills")
    issued_at = models.DateTimeField(_("出账时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-season_id", "house_id"]
        constraints = [
            models.UniqueConstraint(fields=["house", "season"], name="one_bill_per_house_per_season"),
            models.CheckConstraint(condition=models.Q(paid_fen__gte=0), name="bill_paid_not_negative"),
        ]
        verbose_name = _("账单")
        verbose_name_plural = _("账单")

    def __str__(self) -> str:
        return f"bill#{self.pk} house#{self.house_id} season#{self.season_id}"


class BillLine(models.Model):
    class Kind(models.TextChoices):
        HEATING_FEE = "heating_fee", _("采暖费")
        BASIC_FEE = "basic_fee", _("基本热费")
        METERED_FEE = "metered_fee", _("计量热费")
        RELIEF = "relief", _("减免")
        DISCOUNT = "discount", _("优惠")
        LATE_FEE = "late_fee", _("违约金")
        ADJUSTMENT = "adjustment", _("调整")
        CREDIT = "credit", _("抵扣")

    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    quantity = models.DecimalField(max_digits=16, decimal_places=4)
    unit_price = models.DecimalField(max_digits=16, decimal_places=4)
    amount_fen = models.BigIntegerField()
    explanation = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["bill_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_fen}"


class BillRun(models.Model):
    """One `generateBills` job: idempotent, resumable, with progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    season = models.ForeignKey("tariffs.Season", on_delete=models.PROTECT, related_name="bill_runs")
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [{house_id, account_no, message}], capped
    totals = models.JSONField(default=dict, blank=True)  # {community: {bills, principal_fen}}
    requested_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The worker running the run and its last sign of life (heat_platform/kernel/jobs.py).
    worker = models.CharField(max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"bill run #{self.pk} ({self.status})"


class MeterReading(models.Model):
    """Start and end of season readings of a metered house's heat meter."""

    class Kind(models.TextChoices):
        START = "start", _("期初")
        END = "end", _("期末")

    house = models.ForeignKey("properties.House", on_delete=models.PROTECT, related_name="meter_readings")
    season = models.ForeignKey("tariffs.Season", on_delete=models.PROTECT, related_name="meter_readings")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    value = models.DecimalField(max_digits=14, decimal_places=3)  # cumulative meter value, GJ or kWh
    read_on = models.DateField()
    reader = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["house", "season", "kind"], name="one_reading_per_kind")]

    def __str__(self) -> str:
        return f"{self.house_id} {self.kind} {self.value}"


class HouseCredit(models.Model):
    """Money a house paid above its season's bill once the two-part true-up
    (多退少补) lowered it. Per the plan's `true_up_credit` it is either consumed
    by the house's next bill run as a negative `credit` line
    (`consumed_by_bill` set, split when the next bill is smaller) or refunded
    (`refundable`: payments does it). A room-temperature compensation
    (apps.services) of a season already paid becomes a credit too
    (`source` COMPENSATION, with its own `explanation` for the bill line)."""

    class Source(models.TextChoices):
        TRUE_UP = "true_up", _("多退少补")
        COMPENSATION = "compensation", _("室温补偿")

    house = models.ForeignKey("properties.House", on_delete=models.PROTECT, related_name="credits")
    # The season whose true-up produced the credit.
    season = models.ForeignKey("tariffs.Season", on_delete=models.PROTECT, related_name="house_credits")
    amount_fen = models.BigIntegerField(_("金额(分)"))
    refundable = models.BooleanField(_("退款"), default=False)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.TRUE_UP)
    explanation = models.CharField(max_length=300, blank=True)  # the bill line's text ("" = the true-up's)
    consumed_by_bill = models.ForeignKey(Bill, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="credits_consumed")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["house_id", "season_id", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="house_credit_positive"),
            # At most one open (not yet consumed) true-up credit per house and season: the true-up updates it.
            models.UniqueConstraint(fields=["house", "season"],
                                    condition=models.Q(consumed_by_bill__isnull=True, source="true_up"),
                                    name="one_open_credit_per_house_season"),
        ]
        verbose_name = _("结算余额")
        verbose_name_plural = _("结算余额")

    def __str__(self) -> str:
        return f"credit house#{self.house_id} season#{self.season_id} {self.amount_fen}"
