"""Room-temperature quality (in the current tenant schema): a city's rule in force, a temperature report
assigned to a technician through the ticket services, inspections recorded through the inspection service at
a local time, and the whole "cold for some days, then fixed" story that ends in a compensation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.conf import settings

from apps.accounts.models import User
from apps.billing.services import bill_issue
from apps.services.city_rules import city_rules_seed
from apps.services.inspections import inspection_record
from apps.services.models import QualityRule, ServiceSettings, Ticket
from apps.services.tickets import ticket_assign, ticket_submit
from tests.factories.accounts import staff
from tests.factories.properties import HouseFactory


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A moment of the company's local day."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(settings.TIME_ZONE))


def rule(city: str, effective_from: dt.date = dt.date(2020, 1, 1), **changes) -> QualityRule:
    """The city's template as the company's rule, in force from `effective_from` (fields changed after)."""
    made = city_rules_seed(city, effective_from=effective_from)
    if changes:
        QualityRule.objects.filter(pk=made.pk).update(**changes)
        made.refresh_from_db()
    return made


def crew(prefix: str = "q") -> SimpleNamespace:
    """An admin (dispatcher), a technician and a finance clerk."""
    return SimpleNamespace(admin=staff(f"{prefix}-admin", "tenant_admin"), tech=staff(f"{prefix}-tech", "technician"),
                           finance=staff(f"{prefix}-finance", "finance"),
                           collector=staff(f"{prefix}-collector", "collector"))


def temperature_ticket(house, people, *, reported_on: dt.date, temp: str = "15.0") -> Ticket:
    """A temperature report filed by the admin for the caller and assigned to the technician."""
    now = at(reported_on, 8)
    ticket = ticket_submit(house_id=house.pk, kind="temperature", description="家里不热", contact_name="王建国",
                           reported_temp=temp, actor=people.admin, now=now)
    return ticket_assign(ticket_id=ticket.pk, assignee_id=people.tech.pk, actor=people.admin, now=now)


def inspect(ticket, tech: User, when: dt.datetime, rooms, cause: str = "utility", **kw):
    """Record rooms given as {name: (area, [readings…])}."""
    rows = [{"name": name, "area": area, "readings": list(readings)} for name, (area, readings) in rooms.items()]
    return inspection_record(ticket_id=ticket.pk, actor=tech, measured_at=when, rooms=rows, cause=cause,
                             now=when + dt.timedelta(minutes=5), **kw)


def one_room(temp: str, area: str = "20.00") -> dict:
    return {"客厅": (area, [temp])}


def cold_spell(season_ns, *, city: str = "tianjin", area: str = "100", start: dt.date = dt.date(2026, 12, 1),
               temps: tuple[tuple[int, str], ...] = ((0, "16.5"),), fixed_after: int = 12, threshold: int | None = None,
               people=None, house=None, bill=True):
    """A house billed under the season's area plan (unless `bill` is False) reports cold on `start`; the
    technician measures `temps` ((day offset, ℃)…, utility's fault) and a compliant re-inspection
    `fixed_after` days after `start` closes the period. Returns a namespace (rule, house, bill, ticket,
    period, compensation, people)."""
    if threshold is not None:
        ServiceSettings.objects.update_or_create(pk=1, defaults={"approval_threshold_fen": threshold})
    people = people or crew()
    made_rule = QualityRule.objects.filter(city=rule_city(city)).first() or rule(city)
    house = house or HouseFactory(building_area=Decimal(area))
    issued = bill_issue(house=house, season=season_ns.season, plan=season_ns.area) if bill else None
    ticket = temperature_ticket(house, people, reported_on=start)
    for offset, temp in temps:
        inspect(ticket, people.tech, at(start + dt.timedelta(days=offset), 9), one_room(temp))
    inspect(ticket, people.tech, at(start + dt.timedelta(days=fixed_after), 9), one_room("18.6"))
    period = ticket.shortfalls.get()
    return SimpleNamespace(rule=made_rule, house=house, bill=issued, ticket=ticket, period=period,
                           compensation=getattr(period, "compensation", None), people=people)


def rule_city(code: str) -> str:
    from apps.services.city_rules import CITY_RULES

    return CITY_RULES[code]["city"]
