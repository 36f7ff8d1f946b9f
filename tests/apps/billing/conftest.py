import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django_tenants.utils import schema_context

from apps.billing.models import BillRun
from apps.billing.runs import bill_run_start
from apps.tariffs.models import Season, TariffPlan


def make_season(name: str, start: dt.date, end: dt.date, **plan_overrides) -> SimpleNamespace:
    """A season with Beijing-style plans (DOMAIN.md §3): homes 24 元/㎡ (报停 pays
    30%, 低保 50% off), businesses 45 元/㎡, metered homes two-part 12 元/㎡ +
    44.45 元/GJ capped at the area bill + 10% (Binzhou)."""
    season = Season.objects.create(name=name, heating_start=start, heating_end=end,
                                   payment_due=start + dt.timedelta(days=46),
                                   late_fee_start=start + dt.timedelta(days=47), status=Season.Status.OPEN)
    common = {"season": season, "opted_out_basic_pct": Decimal("30"), "low_income_mode": "percent",
              "low_income_pct": Decimal("50")}
    area = TariffPlan.objects.create(name="居民面积计费", category="residential", area_unit_price=Decimal("24"),
                                     **common)
    business = TariffPlan.objects.create(name="非居民面积计费", category="non_residential",
                                         area_unit_price=Decimal("45"), **common)
    metered = TariffPlan.objects.create(
        name="居民两部制计量", category="residential", pricing="two_part", area_unit_price=Decimal("24"),
        basic_unit_price=Decimal("12"), metered_unit_price=Decimal("44.45"), cap_mode="area_bill_plus",
        cap_pct=Decimal("10"), **{**common, **plan_overrides})
    return SimpleNamespace(season=season, area=area, business=business, metered=metered)


@pytest.fixture
def tariffs(alpha):
    """Tianjin's 2026-2027 season (Nov 15 – Mar 15, 121 days) in alpha."""
    with schema_context(alpha.schema):
        return make_season("2026-2027", dt.date(2026, 11, 15), dt.date(2027, 3, 15))


@pytest.fixture
def run_bills(alpha, django_capture_on_commit_callbacks):
    """run_bills(season, dry_run=False, tenant=alpha) -> the BillRun after its
    task ran (Celery runs eagerly, on commit)."""
    from apps.accounts.models import User

    def run(season: Season, *, dry_run: bool = False, tenant=None) -> BillRun:
        tenant = tenant or alpha
        with schema_context(tenant.schema):
            actor = User.objects.get(username=tenant.admin)
            with django_capture_on_commit_callbacks(execute=True):
                bill_run = bill_run_start(season_id=season.pk, dry_run=dry_run, actor=actor)
            bill_run.refresh_from_db()
            return bill_run

    return run
