"""Bills (in the current tenant schema), issued through the billing service."""

from __future__ import annotations

from decimal import Decimal

from apps.billing.models import Bill
from apps.billing.services import bill_issue
from tests.factories.properties import HouseFactory

FULL = 240000  # what bill_for's 100 ㎡ house owes under a 24 元/㎡ plan (tariffs.season_plan and friends)


def bill_for(season_and_plan, house=None, **house_kw) -> Bill:
    """Issue a bill under (season, plan) for `house`, or for a new 100 ㎡ house built with `house_kw`."""
    season, plan = season_and_plan
    house = house or HouseFactory(building_area=Decimal("100"), **house_kw)
    return bill_issue(house=house, season=season, plan=plan)
