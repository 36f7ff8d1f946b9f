from __future__ import annotations

from .models import Season, TariffPlan


def season_list(*, limit: int = 100) -> list[Season]:
    """Newest heating season first."""
    return list(Season.objects.select_related("published_by").order_by("-heating_start")[:limit])


def tariff_plan_list(*, season_id: int) -> list[TariffPlan]:
    return list(TariffPlan.objects.filter(season_id=season_id).order_by("category", "pricing"))
