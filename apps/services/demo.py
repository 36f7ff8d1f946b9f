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


def temperature_demo_seed(*, app_id: str, days_ago: int = 12):
    """A cold-home story to try the inspection → compensation path on: the demo resident (the sandbox WeChat
    user `demo-resident` of the demo mini-program, bound to H10001 as the README's login would) reported 15 ℃
    `days_ago` days ago (never before the season's start); the company accepted it and assigned it to the
    demo technician within the hour. The technician records the first inspection (back-dated to the day after
    the report, as an inspection entered from the paper form) and the re-inspection now. Seeded through the
    real services at those moments; the timeline's times are set to them too. Returns the ticket, or None when
    one exists already, today is outside any season, or the demo ledger/staff are missing."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from apps.accounts.models import Role, User
    from apps.properties.models import House, HouseBinding
    from apps.residents.models import Resident
    from apps.residents.providers.sandbox import sandbox_openid, sandbox_unionid
    from apps.tariffs.models import Season

    from .models import Ticket, TicketEvent
    from .tickets import ticket_accept, ticket_assign, ticket_submit

    if Ticket.objects.filter(kind=TicketKind.TEMPERATURE).exists():
        return None
    today = timezone.localdate()
    season = Season.objects.filter(heating_start__lte=today, heating_end__gte=today).first()
    house = House.objects.filter(account_no="H10001").first()
    admin = User.objects.filter(role=Role.TENANT_ADMIN, is_active=True).order_by("pk").first()
    technician = User.objects.filter(role=Role.TECHNICIAN, is_active=True).order_by("pk").first()
    if season is None or house is None or admin is None or technician is None:
        return None
    resident, _created = Resident.objects.get_or_create(
        openid=sandbox_openid(app_id, "demo-resident"), defaults={"unionid": sandbox_unionid("demo-resident")})
    HouseBinding.objects.get_or_create(house=house, resident=resident,
                                       defaults={"role": HouseBinding.Role.OWNER})
    day = max(season.heating_start, today - dt.timedelta(days=days_ago))
    reported = timezone.make_aware(dt.datetime.combine(day, dt.time(19, 40)))
    ticket = ticket_submit(house_id=house.pk, kind=TicketKind.TEMPERATURE, resident=resident, now=reported,
                           description="卧室和客厅都不热，温度计只有15℃，老人在家很冷。", contact_name=house.owner_name,
                           contact_phone=house.owner_phone or "13800138000", reported_temp=Decimal("15.0"))
    handled = reported + dt.timedelta(minutes=35)
    ticket_accept(ticket_id=ticket.pk, actor=admin, now=handled)
    ticket = ticket_assign(ticket_id=ticket.pk, assignee_id=technician.pk, actor=admin, now=handled)
    steps = list(TicketEvent.objects.filter(ticket=ticket).order_by("id"))
    for event, moment in zip(steps, [reported] + [handled] * (len(steps) - 1), strict=True):
        TicketEvent.objects.filter(pk=event.pk).update(created_at=moment)
    return ticket
