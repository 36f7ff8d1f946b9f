"""Heating seasons and tariff plans: every rule is data, none is code."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from heat_platform.money import ROUNDING_MODES


class Season(models.Model):
    """A heating season. Its bills reach residents only once it is published:
    a DRAFT season's bills (a bill run to check before going live) are seen by
    staff only; publishing (`season_publish`) moves it to OPEN, and a CLOSED
    season stays visible. Status moves one way: draft → open → closed."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("收费中")
        CLOSED = "closed", _("已结束")

    # Residents see and pay only bills of these seasons.
    PUBLISHED = (Status.OPEN, Status.CLOSED)

    name = models.CharField(_("采暖季"), max_length=32, unique=True)  # e.g. 2026-2027
    heating_start = models.DateField(_("供暖开始"))
    heating_end = models.DateField(_("供暖结束"))
    payment_due = models.DateField(_("缴费截止"))
    late_fee_start = models.DateField(_("违约金起算"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Stamped when the season is published (null for seasons opened before publishing was recorded).
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("发布人"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-heating_start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(heating_end__gt=models.F("heating_start")),
                                   name="season_end_after_start"),
        ]
        verbose_name = _("采暖季")
        verbose_name_plural = _("采暖季")

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.status in self.PUBLISHED

    @property
    def days(self) -> int:
        """Heating days, both ends included."""
        return (self.heating_end - self.heating_start).days + 1


class TariffPlan(models.Model):
    """One plan per season and house category (and pricing: metered houses may
    have their own two-part plan)."""

    class Pricing(models.TextChoices):
        AREA = "area", _("按面积")
        TWO_PART = "two_part", _("两部制计量")

    class AreaBasis(models.TextChoices):
        BUILDING = "building", _("建筑面积")
        USABLE = "usable", _("套内面积")

    class MeteredUnit(models.TextChoices):
        GJ = "GJ", "GJ"
        KWH = "kWh", "kWh"

    class CapMode(models.TextChoices):
        NONE = "none", _("不封顶")
        AREA_BILL = "area_bill", _("不超过面积热费")
        AREA_BILL_PLUS = "area_bill_plus", _("不超过面积热费加上浮比例")

    class LowIncomeMode(models.TextChoices):
        NONE = "none", _("无减免")
        PERCENT = "percent", _("按比例减免")
        UNIT_PRICE = "unit_price", _("优惠单价")

    class Proration(models.TextChoices):
        NONE = "none", _("不折算")
        DAYS = "days", _("按供热天数折算（天数/采暖季天数）")

    class TrueUpCredit(models.TextChoices):
        NEXT_BILL = "next_bill", _("抵扣下季热费")
        REFUND = "refund", _("退款")

    season = models.ForeignKey(Season, on_delete=models.PROTECT, related_name="plans")
    name = models.CharField(_("名称"), max_length=64)
    category = models.CharField(_("适用类别"), max_length=20)  # House.Category values
    pricing = models.CharField(_("计价方式"), max_length=10, choices=Pricing.choices, default=Pricing.AREA)
    area_basis = models.CharField(_("计费面积"), max_length=10, choices=AreaBasis.choices,
                                  default=AreaBasis.BUILDING)
    area_unit_price = models.DecimalField(_("面积单价(元/㎡)"), max_digits=10, decimal_places=4)
    basic_unit_price = models.DecimalField(_("基本热价(元/㎡)"), max_digits=10, decimal_places=4, null=True,
                                           blank=True)
    metered_unit_price = models.DecimalField(_("计量热价"), max_digits=10, decimal_places=4, null=True, blank=True)
    metered_unit = models.CharField(_("计量单位"), max_length=4, choices=MeteredUnit.choices, default=MeteredUnit.GJ)
    cap_mode = models.CharField(_("封顶方式"), max_length=16, choices=CapMode.choices, default=CapMode.NONE)
    cap_pct = models.DecimalField(_("上浮比例(%)"), max_digits=6, decimal_places=2, default=0)
    floor_unit_price = models.DecimalField(_("保底单价(元/㎡)"), max_digits=10, decimal_places=4, null=True,
                                           blank=True)
    opted_out_basic_pct = models.DecimalField(_("报停基本热费比例(%)"), max_digits=6, decimal_places=2, default=0)
    low_income_mode = models.CharField(_("低保/特困减免"), max_length=12, choices=LowIncomeMode.choices,
                                       default=LowIncomeMode.NONE)
    low_income_pct = models.DecimalField(_("减免比例(%)"), max_digits=6, decimal_places=2, default=0)
    low_income_unit_price = models.DecimalField(_("优惠单价(元/㎡)"), max_digits=10, decimal_places=4, null=True,
                                                blank=True)
    early_discount_pct = models.DecimalField(_("早缴优惠(%)"), max_digits=6, decimal_places=2, default=0)
    early_discount_from = models.DateField(_("早缴优惠开始"), null=True, blank=True)
    early_discount_until = models.DateField(_("早缴优惠截止"), null=True, blank=True)
    late_fee_daily_permille = models.DecimalField(_("违约金日费率(‰)"), max_digits=6, decimal_places=3, default=0)
    late_fee_cap_pct = models.DecimalField(_("违约金上限(占本金%)"), max_digits=6, decimal_places=2, default=100)
    late_fee_pause_when_stopped = models.BooleanField(_("停热期间暂停计收违约金"), default=True)
    proration = models.CharField(_("折算规则"), max_length=8, choices=Proration.choices, default=Proration.DAYS)
    rounding = models.CharField(_("舍入方式"), max_length=10, choices=[(k, k) for k in ROUNDING_MODES],
                                default="half_up")
    true_up_credit = models.CharField(_("多退少补的退费方式"), max_length=10, choices=TrueUpCredit.choices,
                                      default=TrueUpCredit.NEXT_BILL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["season", "category", "pricing"], name="plan_unique_per_season"),
        ]
        verbose_name = _("收费标准")
        verbose_name_plural = _("收费标准")

    def __str__(self) -> str:
        return f"{self.season.name} {self.name}"
