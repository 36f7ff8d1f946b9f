"""Seasons and tariff plans (in the current tenant schema): factory_boy
factories, the named seasons the tests share, and creating a season through
the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import factory
from django.utils import timezone

from apps.tariffs.models import Season, TariffPlan


class SeasonFactory(factory.django.DjangoModelFactory):
    """An open season of 120 days; payment due on day 46, late fees from day 47."""

    class Meta:
        model = Season

    name = factory.Sequence(lambda n: f"season-{n}")
    heating_start = dt.date(2026, 11, 15)
    heating_end = factory.LazyAttribute(lambda o: o.heating_start + dt.timedelta(days=120))
    payment_due = factory.LazyAttribute(lambda o: o.heating_start + dt.timedelta(days=46))
    late_fee_start = factory.LazyAttribute(lambda o: o.heating_start + dt.timedelta(days=47))
    status = Season.Status.OPEN


class TariffPlanFactory(factory.django.DjangoModelFactory):
    """A residential plan at 24 元/㎡ of building area."""

    class Meta:
        model = TariffPlan

    season = factory.SubFactory(SeasonFactory)
    name = "居民面积计费"
    category = "residential"
    area_unit_price = Decimal("24")


# --- a season with Beijing-style plans (billing, payments, benchmarks) --------------------------------

def season_with_plans(name: str, start: dt.date, end: dt.date, **plan_overrides) -> SimpleNamespace:
    """A season with Beijing-style plans (DOMAIN.md §3): homes 24 元/㎡ (报停 pays
    30%, 低保 50% off), businesses 45 元/㎡, metered homes two-part 12 元/㎡ +
    44.45 元/GJ capped at the area bill + 10% (Binzhou)."""
    season = SeasonFactory(name=name, heating_start=start, heating_end=end)
    common = {"season": season, "opted_out_basic_pct": Decimal("30"), "low_income_mode": "percent",
              "low_income_pct": Decimal("50")}
    area = TariffPlanFactory(name="居民面积计费", **common)
    business = TariffPlanFactory(name="非居民面积计费", category="non_residential", area_unit_price=Decimal("45"),
                                 **common)
    metered = TariffPlanFactory(
        name="居民两部制计量", pricing="two_part", basic_unit_price=Decimal("12"),
        metered_unit_price=Decimal("44.45"), cap_mode="area_bill_plus", cap_pct=Decimal("10"),
        **{**common, **plan_overrides})
    return SimpleNamespace(season=season, area=area, business=business, metered=metered)


def tianjin_season(name: str = "2026-2027") -> SimpleNamespace:
    """season_with_plans over Tianjin's 2026-2027 season (Nov 15 – Mar 15, 121 days)."""
    return season_with_plans(name, dt.date(2026, 11, 15), dt.date(2027, 3, 15))


# --- seasons relative to today, one 24 元/㎡ plan (counter payments and receipts) ----------------------

def season_plan(name: str, *, started_days_ago: int, **plan_kw) -> tuple[Season, TariffPlan]:
    """A season that started `started_days_ago` days ago with one 24 元/㎡ plan."""
    start = timezone.localdate() - dt.timedelta(days=started_days_ago)
    season = SeasonFactory(name=name, heating_start=start,
                           late_fee_start=plan_kw.pop("late_fee_start", start + dt.timedelta(days=47)))
    plan = TariffPlanFactory(season=season, name=f"居民{name}", **plan_kw)
    return season, plan


def plain_season(name: str = "2026-2027", started_days_ago: int = 10):
    """No discount, no late fee (yet)."""
    return season_plan(name, started_days_ago=started_days_ago)


def discount_season(name: str = "2026-2027"):
    """5% off until ten days from now."""
    today = timezone.localdate()
    return season_plan(name, started_days_ago=10, early_discount_pct=Decimal("5"),
                       early_discount_from=today - dt.timedelta(days=10),
                       early_discount_until=today + dt.timedelta(days=10))


def late_fee_season(name: str = "2025-2026"):
    """Last season, 1‰ a day since ten days (today included): 10‰ of the outstanding principal."""
    return season_plan(name, started_days_ago=375, late_fee_daily_permille=Decimal("1"),
                       late_fee_start=timezone.localdate() - dt.timedelta(days=9))


# --- through the API ---------------------------------------------------------------------------------

CREATE_SEASON = """mutation($n: String!, $s: Date!, $e: Date!, $d: Date!, $l: Date!) {
  createSeason(name: $n, heatingStart: $s, heatingEnd: $e, paymentDue: $d, lateFeeStart: $l) {
    season { id name days status } errors { field code }
  }
}"""
TIANJIN = {"n": "2026-2027", "s": "2026-11-15", "e": "2027-03-15", "d": "2026-12-31", "l": "2027-01-01"}


def create_season(gql, tenant, token: str, **over) -> dict:
    """createSeason (Tianjin's 2026-2027 dates unless overridden by variable name) -> its payload."""
    return gql(tenant.host, CREATE_SEASON, {**TIANJIN, **over}, token=token)["data"]["createSeason"]
