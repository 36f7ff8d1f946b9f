"""From ledger rows to the engine's inputs: tariff parameters of a plan and
the facts of one house for one season. Shared by bill runs, previews and
amount-due so every path computes the same thing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal

from apps.properties.models import HeatingStatusChange, House
from apps.tariffs.models import Season, TariffPlan

from .engine import HouseFacts, TariffParams


def tariff_params(plan: TariffPlan, season: Season) -> TariffParams:
    return TariffParams(
        season_start=season.heating_start, season_end=season.heating_end, pricing=plan.pricing,
        area_basis=plan.area_basis, area_unit_price=plan.area_unit_price, basic_unit_price=plan.basic_unit_price,
        metered_unit_price=plan.metered_unit_price, metered_unit=plan.metered_unit, cap_mode=plan.cap_mode,
        cap_pct=plan.cap_pct, floor_unit_price=plan.floor_unit_price, opted_out_basic_pct=plan.opted_out_basic_pct,
        low_income_mode=plan.low_income_mode, low_income_pct=plan.low_income_pct,
        low_income_unit_price=plan.low_income_unit_price, early_discount_pct=plan.early_discount_pct,
        early_discount_from=plan.early_discount_from, early_discount_until=plan.early_discount_until,
        late_fee_daily_permille=plan.late_fee_daily_permille, late_fee_start=season.late_fee_start,
        late_fee_cap_pct=plan.late_fee_cap_pct, late_fee_pause_when_stopped=plan.late_fee_pause_when_stopped,
        proration=plan.proration, rounding=plan.rounding,
    )


def stopped_intervals(changes: Iterable[HeatingStatusChange], *, until: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Intervals in which heat was stopped (报停 or 停供), from a house's status history."""
    intervals, stopped_since = [], None
    for change in sorted(changes, key=lambda c: (c.effective_date, c.created_at)):
        stopping = change.to_status != House.HeatingStatus.NORMAL
        if stopping and stopped_since is None:
            stopped_since = change.effective_date
        elif not stopping and stopped_since is not None:
            intervals.append((stopped_since, change.effective_date - dt.timedelta(days=1)))
            stopped_since = None
    if stopped_since is not None:
        intervals.append((stopped_since, until))
    return intervals


def billed_days(season: Season, stopped: Sequence[tuple[dt.date, dt.date]]) -> int | None:
    """Heating days the house was connected during the season (late connection,
    early disconnection); None when connected all season."""
    covered = set()
    for start, end in stopped:
        lo, hi = max(start, season.heating_start), min(end, season.heating_end)
        covered.update(lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1))
    return season.days - len(covered) if covered else None


def house_facts(house: House, *, season: Season, consumption: Decimal | None = None,
                changes: Iterable[HeatingStatusChange] = (), opted_out: bool = False) -> HouseFacts:
    """A house's billing facts. A house opted out at billing time (or with an
    sealed 报停 for the season: `opted_out`) pays the opted-out share; one
    connected late or disconnected early inside the season is prorated by the
    days it had heat."""
    stopped = stopped_intervals(changes, until=season.heating_end)
    opted_out = opted_out or house.heating_status == House.HeatingStatus.OPTED_OUT
    return HouseFacts(
        building_area=house.building_area, usable_area=house.usable_area, opted_out=opted_out,
        low_income=house.low_income != House.LowIncome.NONE, consumption=consumption,
        billed_days=None if opted_out else billed_days(season, stopped),
    )
