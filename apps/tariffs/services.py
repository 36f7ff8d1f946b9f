"""Seasons and tariff plans. Issued bills keep a snapshot of the parameters
they were computed with, so editing a plan never changes an issued bill."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.audit.services import audit_record
from apps.properties.models import House
from heat_platform.kernel.errors import field_error
from heat_platform.kernel.locks import xact_lock

from .errors import TariffErrorCode
from .models import Season, TariffPlan


@transaction.atomic
def season_create(*, name: str, heating_start: dt.date, heating_end: dt.date, payment_due: dt.date,
                  late_fee_start: dt.date, actor) -> Season:
    name = (name or "").strip()
    if not name:
        raise field_error("name", _("请填写采暖季名称。"), TariffErrorCode.REQUIRED)
    if heating_end <= heating_start:
        raise field_error("heatingEnd", _("供暖结束日期必须晚于开始日期。"), TariffErrorCode.INVALID_DATES)
    if late_fee_start < payment_due:
        raise field_error("lateFeeStart", _("违约金起算日不能早于缴费截止日。"), TariffErrorCode.INVALID_DATES)
    if payment_due > heating_end:
        raise field_error("paymentDue", _("缴费截止日不能晚于供暖结束日。"), TariffErrorCode.INVALID_DATES)
    xact_lock("tariffs.seasons")  # two overlapping seasons cannot race in
    if Season.objects.filter(name=name).exists():
        raise field_error("name", _("该采暖季已存在。"), TariffErrorCode.DUPLICATE)
    overlapping = Season.objects.filter(heating_start__lte=heating_end, heating_end__gte=heating_start).first()
    if overlapping:
        raise field_error("heatingStart", _("与采暖季 %(name)s 的日期重叠。") % {"name": overlapping.name},
                          TariffErrorCode.OVERLAPPING_SEASON)
    season = Season.objects.create(name=name, heating_start=heating_start, heating_end=heating_end,
                                   payment_due=payment_due, late_fee_start=late_fee_start)
    audit_record(actor=actor, action="season.create", target=season, name=name)
    return season


_NEXT_STATUS = {Season.Status.DRAFT: Season.Status.OPEN, Season.Status.OPEN: Season.Status.CLOSED}


def _locked_season(season_id: int) -> Season:
    season = Season.objects.select_for_update().filter(pk=season_id).first()
    if season is None:
        raise field_error("id", _("找不到该采暖季。"), TariffErrorCode.NOT_FOUND)
    return season


@transaction.atomic
def season_publish(*, season_id: int, actor, ip: str | None = None) -> Season:
    """Publish a draft season: draft → open (compare-and-set), stamped and
    audited. From now on residents see its bills and may pay them; before,
    only staff saw them (a bill run can be checked first)."""
    season = _locked_season(season_id)
    if season.status != Season.Status.DRAFT:
        raise field_error("id", _("该采暖季已发布。"), TariffErrorCode.INVALID_STATUS)
    now = timezone.now()
    user = actor if isinstance(actor, User) else None  # the demo seed publishes as the system
    updated = Season.objects.filter(pk=season.pk, status=Season.Status.DRAFT).update(
        status=Season.Status.OPEN, published_at=now, published_by=user)
    if updated != 1:  # the row lock makes this a safety net
        raise field_error("id", _("该采暖季已发布。"), TariffErrorCode.INVALID_STATUS)
    season.status, season.published_at, season.published_by = Season.Status.OPEN, now, user
    audit_record(actor=actor, action="season.publish", target=season, ip=ip, name=season.name,
                 bills=season.bills.count())
    return season


@transaction.atomic
def season_set_status(*, season_id: int, status: str, actor, ip: str | None = None) -> Season:
    """draft → open → closed, one way. Opening a draft season publishes it (`season_publish`)."""
    season = _locked_season(season_id)
    if _NEXT_STATUS.get(season.status) != status:
        raise field_error("status", _("采暖季状态只能从草稿到收费中再到已结束。"), TariffErrorCode.INVALID_STATUS)
    if status == Season.Status.OPEN:
        return season_publish(season_id=season.pk, actor=actor, ip=ip)
    old = season.status
    updated = Season.objects.filter(pk=season.pk, status=old).update(status=status)
    if updated != 1:  # the row lock makes this a safety net
        raise field_error("status", _("采暖季状态只能从草稿到收费中再到已结束。"), TariffErrorCode.INVALID_STATUS)
    season.status = status
    audit_record(actor=actor, action="season.status", target=season, ip=ip, **{"from": old, "to": status})
    return season


PRICE_FIELDS = ("area_unit_price", "basic_unit_price", "metered_unit_price", "floor_unit_price",
                "low_income_unit_price")
PERCENT_FIELDS = ("cap_pct", "opted_out_basic_pct", "low_income_pct", "early_discount_pct", "late_fee_cap_pct")
CHOICE_FIELDS = {
    "pricing": TariffPlan.Pricing, "area_basis": TariffPlan.AreaBasis, "metered_unit": TariffPlan.MeteredUnit,
    "cap_mode": TariffPlan.CapMode, "low_income_mode": TariffPlan.LowIncomeMode,
    "proration": TariffPlan.Proration, "true_up_credit": TariffPlan.TrueUpCredit,
}
PLAN_FIELDS = (*PRICE_FIELDS, *PERCENT_FIELDS, *CHOICE_FIELDS, "name", "category", "rounding",
               "early_discount_from", "early_discount_until", "late_fee_daily_permille",
               "late_fee_pause_when_stopped")


def _decimal_fits(value: Decimal | int, field: str) -> str | None:
    """Why `value` does not fit the plan's column exactly, or None. The database would round extra
    places silently (a price must be stored as typed) and refuse too many digits."""
    column = TariffPlan._meta.get_field(field)
    value = Decimal(value)  # model defaults are ints
    exponent = value.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places > column.decimal_places:
        return _("最多 %(places)d 位小数。") % {"places": column.decimal_places}
    if abs(value) >= Decimal(10) ** (column.max_digits - column.decimal_places):
        return _("数值过大。")
    return None


def _validate_plan(plan: TariffPlan, season: Season) -> None:
    errors: dict[str, list[ValidationError]] = {}

    def err(field: str, message: str, code: str) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    for field in (*PRICE_FIELDS, *PERCENT_FIELDS, "late_fee_daily_permille"):
        value = getattr(plan, field)
        if value is not None and (problem := _decimal_fits(value, field)):
            err(field, problem, TariffErrorCode.INVALID)
    if not (plan.name or "").strip():
        err("name", _("请填写名称。"), TariffErrorCode.REQUIRED)
    if plan.category not in House.Category.values:
        err("category", _("无效的房屋类别。"), TariffErrorCode.INVALID)
    for field, choices in CHOICE_FIELDS.items():
        if getattr(plan, field) not in choices.values:
            err(field, _("无效的选项。"), TariffErrorCode.INVALID)
    for field in PRICE_FIELDS:
        value = getattr(plan, field)
        if value is not None and value < 0 and field not in errors:
            err(field, _("价格不能为负数。"), TariffErrorCode.NEGATIVE_PRICE)
    for field in PERCENT_FIELDS:
        if field not in errors and not Decimal(0) <= getattr(plan, field) <= Decimal(100):
            err(field, _("比例须在 0 到 100 之间。"), TariffErrorCode.INVALID_PERCENT)
    if "late_fee_daily_permille" not in errors and not 0 <= plan.late_fee_daily_permille <= 10:
        err("late_fee_daily_permille", _("违约金日费率须在 0‰ 到 10‰ 之间。"), TariffErrorCode.INVALID_PERCENT)
    if plan.pricing == TariffPlan.Pricing.TWO_PART and (plan.basic_unit_price is None
                                                        or plan.metered_unit_price is None):
        err("metered_unit_price", _("两部制须填写基本热价和计量热价。"), TariffErrorCode.REQUIRED)
    if plan.area_unit_price is None:
        err("area_unit_price", _("请填写面积单价。"), TariffErrorCode.REQUIRED)
    elif plan.low_income_mode == TariffPlan.LowIncomeMode.UNIT_PRICE and (
            plan.low_income_unit_price is None or plan.low_income_unit_price >= plan.area_unit_price):
        err("low_income_unit_price", _("优惠单价须低于面积单价。"), TariffErrorCode.INVALID)
    if plan.early_discount_pct:
        if not plan.early_discount_until:
            err("early_discount_until", _("请填写早缴优惠截止日。"), TariffErrorCode.REQUIRED)
        elif plan.early_discount_until >= season.late_fee_start:
            # The discount window must close before late fees start: the two never apply together.
            err("early_discount_until", _("早缴优惠须在违约金起算日之前结束。"), TariffErrorCode.CONFLICTING_RULES)
        elif plan.early_discount_from and plan.early_discount_from > plan.early_discount_until:
            err("early_discount_from", _("早缴优惠开始日不能晚于截止日。"), TariffErrorCode.INVALID_DATES)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def tariff_plan_save(*, season_id: int, actor, plan_id: int | None = None, values: dict[str, Any]) -> TariffPlan:
    """Create (plan_id None) or update a tariff plan; every setting is validated."""
    season = Season.objects.filter(pk=season_id).first()
    if season is None:
        raise field_error("seasonId", _("找不到该采暖季。"), TariffErrorCode.NOT_FOUND)
    if season.status == Season.Status.CLOSED:
        raise field_error("seasonId", _("已结束的采暖季不能修改收费标准。"), TariffErrorCode.INVALID_STATUS)
    unknown = set(values) - set(PLAN_FIELDS)
    if unknown:
        raise field_error(sorted(unknown)[0], _("未知的设置项。"), TariffErrorCode.INVALID)
    # None clears an optional setting (a floor price, a relief price, the discount window); the others
    # always hold a value.
    cleared = sorted(f for f, v in values.items() if v is None and not TariffPlan._meta.get_field(f).null)
    if cleared:
        raise field_error(cleared[0], _("该设置项不能为空。"), TariffErrorCode.REQUIRED)
    if plan_id is None:
        plan = TariffPlan(season=season)
    else:
        plan = TariffPlan.objects.select_for_update().filter(pk=plan_id, season=season).first()
        if plan is None:
            raise field_error("id", _("找不到该收费标准。"), TariffErrorCode.NOT_FOUND)
    for field, value in values.items():
        setattr(plan, field, value)
    _validate_plan(plan, season)
    clash = TariffPlan.objects.filter(season=season, category=plan.category, pricing=plan.pricing)
    if clash.exclude(pk=plan.pk).exists():
        raise field_error("category", _("该采暖季已有此类别和计价方式的收费标准。"), TariffErrorCode.DUPLICATE)
    plan.save()
    audit_record(actor=actor, action="tariff.create" if plan_id is None else "tariff.update", target=plan,
                 fields=sorted(values))
    return plan
