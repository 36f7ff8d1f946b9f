"""Figures across companies for the operator console, without visiting every
schema per request: a beat task refreshes each company's row of
TenantSummary and its recent TenantDailyCollection rows (public schema) from
inside that company's schema, and the platform pages read only those tables.

A refresh costs a few aggregate queries in the company's schema (counts, the
latest published season's 收缴率, money per day and channel) and one upsert.
The first refresh of a company copies a year of days; later ones the last
REFRESH_DAYS, which is where money still moves (late notifies, refunds)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone

from apps.accounts.models import STAFF_ROLES, User
from apps.billing.selectors import bill_summary
from apps.payments.models import CollectionChannel
from apps.payments.selectors_reports import MAX_DAYS, collections_by_day, day_range_check
from apps.properties.models import House
from apps.residents.models import Resident
from apps.tariffs.models import Season
from heat_platform.models import TenantDailyCollection, TenantSummary

from .directory import public_atomic
from .models import HeatingCompany
from .selectors import current_company

REFRESH_DAYS = 8  # today and the week before


@public_atomic()
def tenant_stats_refresh(*, today: dt.date | None = None) -> TenantSummary:
    """Refresh the summary of the company whose schema the connection is in."""
    company = current_company()
    today = today or timezone.localdate()
    season = (Season.objects.filter(status__in=Season.PUBLISHED).order_by("-heating_start", "-id")
              .values("id", "name").first())
    figures = bill_summary(season_id=season["id"]) if season else None
    summary, _created = TenantSummary.objects.update_or_create(tenant_id=company.pk, defaults={
        "houses": House.objects.count(),
        "residents": Resident.objects.filter(is_active=True).count(),
        "staff": User.objects.filter(is_active=True, role__in=STAFF_ROLES).count(),
        "season_name": season["name"] if season else "",
        "bill_count": figures["bill_count"] if figures else 0,
        "paid_count": figures["paid_count"] if figures else 0,
        "billed_fen": figures["billed_fen"] if figures else 0,
        "collected_fen": figures["collected_fen"] if figures else 0,
        "refreshed_at": timezone.now(),
    })
    first = not TenantDailyCollection.objects.filter(tenant_id=company.pk).exists()
    since = today - dt.timedelta(days=(MAX_DAYS if first else REFRESH_DAYS) - 1)
    rows = [TenantDailyCollection(tenant_id=company.pk, day=r.day, channel=r.channel, collected_fen=r.collected_fen,
                                  payments=r.count, refunded_fen=r.refunded_fen)
            for r in collections_by_day(date_from=since, date_to=today) if r.collected_fen or r.refunded_fen]
    TenantDailyCollection.objects.filter(tenant_id=company.pk, day__gte=since, day__lte=today).delete()
    TenantDailyCollection.objects.bulk_create(rows)
    return summary


# --- reads for the operator console (public schema, one query each) ----------------------------------------

@dataclass(frozen=True)
class PlatformFigures:
    tenants_by_status: dict[str, int]
    houses: int
    residents: int
    billed_fen: int  # each company's latest published season
    collected_fen: int
    refreshed_at: dt.datetime | None  # the oldest company row: every figure is at least this fresh


def platform_figures() -> PlatformFigures:
    companies = HeatingCompany.objects.exclude(schema_name="public")
    by_status = dict.fromkeys(HeatingCompany.Status.values, 0)
    by_status.update(dict(companies.values_list("status").annotate(n=Count("pk")).order_by()))
    totals = TenantSummary.objects.filter(tenant__in=companies).aggregate(
        houses=Sum("houses"), residents=Sum("residents"), billed=Sum("billed_fen"), collected=Sum("collected_fen"),
        oldest=Min("refreshed_at"))
    return PlatformFigures(tenants_by_status=by_status, houses=totals["houses"] or 0,
                           residents=totals["residents"] or 0, billed_fen=totals["billed"] or 0,
                           collected_fen=totals["collected"] or 0, refreshed_at=totals["oldest"])


@dataclass(frozen=True)
class PlatformDay:
    day: dt.date
    channel: str
    collected_fen: int
    payments: int
    refunded_fen: int
    tenants: int  # companies that took money through this channel that day


def platform_collections_by_day(*, date_from: dt.date, date_to: dt.date) -> list[PlatformDay]:
    """Every day × channel of the range across companies (zeros included), from the
    summary table in one GROUP BY. Same range rules as a company's collectionsByDay."""
    day_range_check(date_from=date_from, date_to=date_to)
    rows = {(r["day"], r["channel"]): r for r in (
        TenantDailyCollection.objects.filter(day__gte=date_from, day__lte=date_to)
        .values("day", "channel").annotate(collected=Sum("collected_fen"), n=Sum("payments"),
                                           refunded=Sum("refunded_fen"),
                                           tenants=Count("tenant_id", filter=Q(collected_fen__gt=0)))
        .order_by())}
    out = []
    for offset in range((date_to - date_from).days + 1):
        day = date_from + dt.timedelta(days=offset)
        for channel in CollectionChannel.values:
            r = rows.get((day, channel))
            out.append(PlatformDay(day=day, channel=channel, collected_fen=r["collected"] if r else 0,
                                   payments=r["n"] if r else 0, refunded_fen=r["refunded"] if r else 0,
                                   tenants=r["tenants"] if r else 0))
    return out
