"""Platform-wide figures for the operator console (types and queries), read
from the companies' refreshed summaries (tenants/stats.py): one query each,
never a visit to every schema."""

from __future__ import annotations

from collections import defaultdict

import graphene
from django.core.exceptions import ValidationError

from apps.billing.selectors import collection_rate
from tenants.stats import platform_collections_by_day, platform_figures

from ..core.errors import bad_input
from ..core.permissions import IsOperator, PermissionsField
from ..core.scalars import Date, DateTime, Decimal
from ..payments.types import CollectionChannel
from .types import TenantStatus


class TenantStatusCount(graphene.ObjectType):
    status = graphene.Field(TenantStatus, required=True)
    count = graphene.Int(required=True)


class PlatformFigures(graphene.ObjectType):
    """Across every company, from the companies' refreshed summaries."""

    tenants = graphene.List(graphene.NonNull(TenantStatusCount), required=True, description="Companies per status")
    tenant_count = graphene.Int(required=True)
    houses = graphene.Int(required=True)
    residents = graphene.Int(required=True, description="Active residents")
    billed_fen = graphene.BigInt(required=True, description="Each company's latest published season")
    collected_fen = graphene.BigInt(required=True)
    collection_rate = Decimal(required=True, description="收缴率 across those seasons, percent with 2 decimals")
    refreshed_at = DateTime(description="The stalest company summary (null before any refresh)")

    @staticmethod
    def resolve_tenants(root, info):
        return [TenantStatusCount(status=s, count=n) for s, n in root.tenants_by_status.items()]

    @staticmethod
    def resolve_tenant_count(root, info):
        return sum(root.tenants_by_status.values())

    @staticmethod
    def resolve_collection_rate(root, info):
        return collection_rate(billed_fen=root.billed_fen, collected_fen=root.collected_fen)


class PlatformChannelAmount(graphene.ObjectType):
    channel = graphene.Field(CollectionChannel, required=True)
    collected_fen = graphene.BigInt(required=True)
    payments = graphene.Int(required=True)
    refunded_fen = graphene.BigInt(required=True)
    tenants = graphene.Int(required=True, description="Companies that took money through this channel that day")


class PlatformDailyCollection(graphene.ObjectType):
    date = Date(required=True)
    channels = graphene.List(graphene.NonNull(PlatformChannelAmount), required=True,
                             description="Every channel, zeros included")
    collected_fen = graphene.BigInt(required=True)
    refunded_fen = graphene.BigInt(required=True)


class PlatformFigureQueries(graphene.ObjectType):
    platform_figures = PermissionsField(PlatformFigures, permissions=[IsOperator], required=True,
                                        description="Companies by status; houses, residents and 收缴率 across them")
    platform_collections_by_day = PermissionsField(
        graphene.List(graphene.NonNull(PlatformDailyCollection), required=True), permissions=[IsOperator],
        date_from=Date(required=True), date_to=Date(required=True, description="Inclusive"),
        description="Money collected per day and channel across companies, every day of the range (at most 366 "
                    "days; else BAD_USER_INPUT), from the companies' refreshed figures")

    @staticmethod
    def resolve_platform_figures(root, info):
        return platform_figures()

    @staticmethod
    def resolve_platform_collections_by_day(root, info, date_from, date_to):
        try:
            rows = platform_collections_by_day(date_from=date_from, date_to=date_to)
        except ValidationError as exc:
            raise bad_input(exc) from exc
        days: dict = defaultdict(list)
        for r in rows:
            days[r.day].append(PlatformChannelAmount(channel=r.channel, collected_fen=r.collected_fen,
                                                     payments=r.payments, refunded_fen=r.refunded_fen,
                                                     tenants=r.tenants))
        return [PlatformDailyCollection(date=day, channels=amounts,
                                        collected_fen=sum(a.collected_fen for a in amounts),
                                        refunded_fen=sum(a.refunded_fen for a in amounts))
                for day, amounts in days.items()]
