"""Dashboard figures: each field is a few aggregate queries (the selectors say which)."""

from __future__ import annotations

from collections import defaultdict

import graphene
from django.core.exceptions import ValidationError

from apps.accounts.models import Role
from apps.accounts.permissions import BILL_VIEW, REPORT_VIEW
from apps.billing.selectors import arrears_aging, collection_by_community
from apps.payments.selectors_reports import collections_by_day

from ..core.errors import bad_input
from ..core.ids import to_optional_pk, to_pk
from ..core.permissions import HasRole, PermissionsField
from ..core.scalars import Date
from .types import ArrearsAging, ArrearsBucket, ChannelAmount, CommunityCollection, DailyCollection, DailyCollections


class ReportQueries(graphene.ObjectType):
    collection_by_community = PermissionsField(
        graphene.List(graphene.NonNull(CommunityCollection), required=True), permissions=[HasRole(*BILL_VIEW)],
        season_id=graphene.ID(required=True),
        description="收缴率 of a season per community (billSummary gives the whole company); by community name")
    collections_by_day = PermissionsField(
        DailyCollections, required=True, permissions=[HasRole(*REPORT_VIEW), HasRole(Role.COLLECTOR)],
        date_from=Date(required=True), date_to=Date(required=True, description="Inclusive"),
        description="Money collected per day and channel, every day of the range (at most 366 days; "
                    "else BAD_USER_INPUT). Collectors: only the counter money they took and handed back.")
    arrears_aging = PermissionsField(
        ArrearsAging, required=True, permissions=[HasRole(*BILL_VIEW)], season_id=graphene.ID(required=True),
        community_id=graphene.ID(),
        description="Principal owed on this season and the published seasons before it, by age in seasons")

    @staticmethod
    def resolve_collection_by_community(root, info, season_id):
        return [CommunityCollection(**row) for row in collection_by_community(season_id=to_pk(season_id))]

    @staticmethod
    def resolve_collections_by_day(root, info, date_from, date_to):
        actor = info.context.actor
        own = actor.user.pk if actor.role == Role.COLLECTOR else None
        try:
            rows = collections_by_day(date_from=date_from, date_to=date_to, collector_id=own)
        except ValidationError as exc:
            raise bad_input(exc) from exc
        by_day: dict = defaultdict(list)
        totals: dict = {}
        for r in rows:
            amount = ChannelAmount(channel=r.channel, collected_fen=r.collected_fen, count=r.count,
                                   refunded_fen=r.refunded_fen)
            by_day[r.day].append(amount)
            t = totals.setdefault(r.channel, [0, 0, 0])
            t[0], t[1], t[2] = t[0] + r.collected_fen, t[1] + r.count, t[2] + r.refunded_fen
        days = [DailyCollection(date=day, channels=amounts, collected_fen=sum(a.collected_fen for a in amounts),
                                refunded_fen=sum(a.refunded_fen for a in amounts),
                                net_fen=sum(a.collected_fen - a.refunded_fen for a in amounts))
                for day, amounts in by_day.items()]
        collected, refunded = sum(t[0] for t in totals.values()), sum(t[2] for t in totals.values())
        return DailyCollections(
            days=days, collected_fen=collected, refunded_fen=refunded, net_fen=collected - refunded,
            totals=[ChannelAmount(channel=ch, collected_fen=t[0], count=t[1], refunded_fen=t[2])
                    for ch, t in totals.items()])

    @staticmethod
    def resolve_arrears_aging(root, info, season_id, community_id=None):
        result = arrears_aging(season_id=to_pk(season_id), community_id=to_optional_pk(community_id))
        return ArrearsAging(
            as_of=result["as_of"], house_count=result["house_count"], outstanding_fen=result["outstanding_fen"],
            buckets=[ArrearsBucket(age=age, house_count=b["houses"], bill_count=b["bills"], outstanding_fen=b["owed"])
                     for age, b in result["buckets"].items()])
