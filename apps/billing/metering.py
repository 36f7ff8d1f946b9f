"""Heat-meter readings of metered (two-part) houses: the start and end of
season values that bill runs and the season-end true-up turn into consumption."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.properties.models import House
from apps.tariffs.models import Season, TariffPlan
from heat_platform.kernel.errors import field_error

from .errors import BillingErrorCode
from .models import MeterReading
from .selectors import season_to_bill

# A reading may be taken a month before the season starts or after it ends.
READING_WINDOW = dt.timedelta(days=31)
# Residential space heating in northern China uses about 0.3–0.5 GJ per ㎡ and
# season; above 1 GJ/㎡ a reading is more likely a typo or a swapped meter.
OUTLIER_GJ_PER_M2 = Decimal("1.0")
KWH_PER_GJ = Decimal("277.7778")
MAX_VALUE = Decimal("99999999999.999")  # the column's 14 digits, 3 decimals


@dataclass(frozen=True)
class ReadingResult:
    reading: MeterReading
    warning: str | None  # plausibility warning for the caller; the reading is saved


def _int(value: Any, field: str, message: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise field_error(field, message, BillingErrorCode.NOT_FOUND)


def _value(value: Any) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise field_error("value", _("读数必须是数字。"), BillingErrorCode.INVALID)
    if not number.is_finite() or number < 0 or number > MAX_VALUE or number.as_tuple().exponent < -3:
        raise field_error("value", _("读数须为不小于 0 的数字，最多三位小数。"), BillingErrorCode.INVALID)
    return number


def _outlier_warning(house: House, season: Season, consumption: Decimal) -> str | None:
    plan = TariffPlan.objects.filter(season=season, category=house.category,
                                     pricing=TariffPlan.Pricing.TWO_PART).first()
    unit = plan.metered_unit if plan else TariffPlan.MeteredUnit.GJ
    area = house.usable_area if plan and plan.area_basis == TariffPlan.AreaBasis.USABLE and house.usable_area \
        else house.building_area
    per_m2 = consumption / area
    limit = OUTLIER_GJ_PER_M2 * (KWH_PER_GJ if unit == TariffPlan.MeteredUnit.KWH else 1)
    if per_m2 <= limit:
        return None
    return _("本季用热 %(used)s%(unit)s，合每平方米 %(per)s%(unit)s，远高于常见水平（不超过 %(limit)s%(unit)s/㎡），"
             "请核对读数。") % {"used": format(consumption.normalize(), "f"), "unit": unit,
                            "per": f"{per_m2:.2f}", "limit": f"{limit:.2f}"}


@transaction.atomic
def meter_reading_record(*, house_id: int | str, season_id: int | str, kind: str, value: Any, read_on: dt.date,
                         reader: str, actor) -> ReadingResult:
    """Record (or correct) a house's start or end reading for a season. The end
    reading may not be below the start; an implausibly high consumption is
    saved but returned with a warning."""
    house = House.objects.select_for_update().filter(
        pk=_int(house_id, "houseId", _("找不到该房屋。"))).first()  # serialises the start/end check per house
    if house is None:
        raise field_error("houseId", _("找不到该房屋。"), BillingErrorCode.NOT_FOUND)
    season = season_to_bill(season_id=season_id)
    if not house.meter_no.strip():
        raise field_error("houseId", _("该房屋没有登记热表，不能录入读数。"), BillingErrorCode.NO_METER)
    if kind not in MeterReading.Kind.values:
        raise field_error("kind", _("无效的读数类型。"), BillingErrorCode.INVALID)
    number = _value(value)
    if not isinstance(read_on, dt.date) or not (
            season.heating_start - READING_WINDOW <= read_on <= season.heating_end + READING_WINDOW):
        raise field_error("readOn", _("抄表日期须在采暖季前后一个月之内（%(start)s 至 %(end)s）。") % {
            "start": (season.heating_start - READING_WINDOW).isoformat(),
            "end": (season.heating_end + READING_WINDOW).isoformat()}, BillingErrorCode.INVALID_DATE)
    reader = (reader or "").strip()
    if not reader:
        raise field_error("reader", _("请填写抄表人。"), BillingErrorCode.REQUIRED)
    if len(reader) > MeterReading._meta.get_field("reader").max_length:
        raise field_error("reader", _("内容过长。"), BillingErrorCode.INVALID)

    readings = {r.kind: r for r in MeterReading.objects.filter(house=house, season=season)}
    other = readings.get(MeterReading.Kind.END if kind == MeterReading.Kind.START else MeterReading.Kind.START)
    start, end = (number, other.value if other else None) if kind == MeterReading.Kind.START else (
        other.value if other else None, number)
    if start is not None and end is not None and end < start:
        raise field_error("value", _("期末读数（%(end)s）不能小于期初读数（%(start)s）。") % {
            "end": format(end.normalize(), "f"), "start": format(start.normalize(), "f")},
            BillingErrorCode.END_BEFORE_START)
    if other is not None:
        first, last = (read_on, other.read_on) if kind == MeterReading.Kind.START else (other.read_on, read_on)
        if last < first:
            raise field_error("readOn", _("期末抄表日期不能早于期初抄表日期。"), BillingErrorCode.INVALID_DATE)

    reading = readings.get(kind)
    previous = reading.value if reading else None
    if reading is None:
        reading = MeterReading.objects.create(house=house, season=season, kind=kind, value=number, read_on=read_on,
                                              reader=reader)
    else:
        reading.value, reading.read_on, reading.reader = number, read_on, reader
        reading.save(update_fields=["value", "read_on", "reader"])
    detail: dict[str, Any] = {"house_id": house.pk, "season_id": season.pk, "kind": kind, "value": str(number),
                              "read_on": read_on.isoformat(), "reader": reader}
    if previous is not None:
        detail["previous_value"] = str(previous)
    audit_record(actor=actor, action="meter_reading.correct" if previous is not None else "meter_reading.record",
                 target=reading, **detail)
    warning = _outlier_warning(house, season, end - start) if start is not None and end is not None else None
    return ReadingResult(reading=reading, warning=warning)
