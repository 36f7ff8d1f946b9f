"""Demo season, tariffs and bills for `make run` (idempotent)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from apps.properties.models import House
from apps.tariffs.models import Season, TariffPlan
from apps.tariffs.services import season_publish

from .models import Bill, MeterReading
from .services import bill_issue


def _current_season_dates(today: dt.date) -> tuple[dt.date, dt.date]:
    start_year = today.year if today.month >= 7 else today.year - 1
    return dt.date(start_year, 11, 15), dt.date(start_year + 1, 3, 15)


def demo_billing_seed() -> int:
    """A season (Nov 15 – Mar 15 around today), a Beijing-style area tariff
    for homes and businesses, a two-part tariff for metered homes, a bill for
    every connected house, then the season published (draft → open) as a
    company does once its bills are checked, so residents see them. Returns
    bills created."""
    if Season.objects.exists():
        return 0
    start, end = _current_season_dates(timezone.localdate())
    season = Season.objects.create(
        name=f"{start.year}-{end.year}", heating_start=start, heating_end=end,
        payment_due=dt.date(start.year, 12, 31), late_fee_start=dt.date(end.year, 1, 1))
    common = {"season": season, "opted_out_basic_pct": Decimal("30"), "late_fee_daily_permille": Decimal("2"),
              "late_fee_cap_pct": Decimal("30"), "low_income_mode": TariffPlan.LowIncomeMode.PERCENT,
              "low_income_pct": Decimal("50"), "early_discount_pct": Decimal("3"),
              "early_discount_from": start - dt.timedelta(days=45),
              "early_discount_until": start + dt.timedelta(days=15)}
    residential = TariffPlan.objects.create(name="居民面积计费", category="residential", area_unit_price=Decimal("24"),
                                            **common)
    business = TariffPlan.objects.create(name="非居民面积计费", category="non_residential",
                                         area_unit_price=Decimal("45"), **common)
    metered = TariffPlan.objects.create(
        name="居民两部制计量", category="residential", pricing=TariffPlan.Pricing.TWO_PART,
        area_unit_price=Decimal("24"), basic_unit_price=Decimal("12"), metered_unit_price=Decimal("44.45"),
        cap_mode=TariffPlan.CapMode.AREA_BILL_PLUS, cap_pct=Decimal("10"), **common)
    created = 0
    houses = House.objects.exclude(heating_status=House.HeatingStatus.DISCONNECTED).prefetch_related(
        "status_changes").order_by("id")
    for house in houses:
        consumption = None
        if house.meter_no:
            usage = (house.building_area * Decimal("0.45")).quantize(Decimal("0.001"))  # GJ for the season
            MeterReading.objects.bulk_create([
                MeterReading(house=house, season=season, kind="start", value=Decimal("1000"), read_on=start,
                             reader="演示抄表员"),
                MeterReading(house=house, season=season, kind="end", value=Decimal("1000") + usage, read_on=end,
                             reader="演示抄表员")])
            consumption, plan = usage, metered
        else:
            plan = business if house.category == House.Category.NON_RESIDENTIAL else residential
        if not Bill.objects.filter(house=house, season=season).exists():
            bill_issue(house=house, season=season, plan=plan, consumption=consumption)
            created += 1
    season_publish(season_id=season.pk, actor=None)
    return created
