"""Demo data of resident services, wired into `seed_demo` by the lead. Each part is idempotent."""

from __future__ import annotations

from .models import TicketCategory, TicketKind

# (kind, name, respond hours, resolve hours): what a northern heating company typically promises.
DEFAULT_CATEGORIES = (
    (TicketKind.REPAIR, "暖气不热", 2, 24),
    (TicketKind.REPAIR, "漏水", 1, 8),
    (TicketKind.REPAIR, "阀门故障", 2, 24),
    (TicketKind.REPAIR, "其他", 4, 48),
    (TicketKind.COMPLAINT, "服务态度", 4, 72),
    (TicketKind.COMPLAINT, "收费问题", 4, 72),
    (TicketKind.COMPLAINT, "其他", 8, 120),
)


def services_demo_seed() -> list[TicketCategory]:
    """The default ticket categories (existing ones, and their SLAs as a company changed them, are kept)."""
    out = []
    for position, (kind, name, respond, resolve) in enumerate(DEFAULT_CATEGORIES):
        category, _created = TicketCategory.objects.get_or_create(
            kind=kind, name=name, defaults={"respond_hours": respond, "resolve_hours": resolve,
                                            "position": position})
        out.append(category)
    return out


# --- 报停 (opt-out): helper O ------------------------------------------------------------------------------------

def _next_year(day):
    import datetime as dt

    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # Feb 29
        return day.replace(year=day.year + 1, day=28) + dt.timedelta(days=1)


def optout_demo_seed():
    """The season after the demo's current one, as a DRAFT (Nov 15 – Mar 15 a year on, its tariff plans copied
    from the current season's), so the demo resident can apply to opt out of it (报停) and staff can run its bill
    run. Run after the billing demo seed; idempotent. Returns the season (None when there is no season yet)."""
    from apps.tariffs.models import Season, TariffPlan

    current = Season.objects.exclude(status=Season.Status.DRAFT).order_by("-heating_start").first()
    if current is None:
        return None
    start, end = _next_year(current.heating_start), _next_year(current.heating_end)
    name = f"{start.year}-{end.year}"
    existing = Season.objects.filter(name=name).first()
    if existing is not None:
        return existing
    season = Season.objects.create(
        name=name, heating_start=start, heating_end=end, payment_due=_next_year(current.payment_due),
        late_fee_start=_next_year(current.late_fee_start), status=Season.Status.DRAFT)
    plans = []
    for plan in TariffPlan.objects.filter(season=current).order_by("id"):
        plan.pk = None
        plan.season = season
        for field in ("early_discount_from", "early_discount_until"):
            if getattr(plan, field) is not None:
                setattr(plan, field, _next_year(getattr(plan, field)))
        plans.append(plan)
    TariffPlan.objects.bulk_create(plans)
    return season


def quality_demo_seed():
    """The demo company applies Beijing's room-temperature rule (18 ℃, affected rooms' area, 40/60/100 %) from the
    current season's start (the latest season when none is under way); kept when a rule is already in force then.
    Returns the rule (None without any season)."""
    from django.utils import timezone

    from apps.tariffs.models import Season

    from .city_rules import city_rules_seed
    from .quality import rule_in_force

    today = timezone.localdate()
    season = (Season.objects.filter(heating_start__lte=today, heating_end__gte=today).first()
              or Season.objects.order_by("-heating_start").first())
    if season is None:
        return None
    existing = rule_in_force(season.heating_start)
    if existing is not None:
        return existing
    return city_rules_seed("beijing", effective_from=season.heating_start)
