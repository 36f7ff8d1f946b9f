import graphene

from apps.billing.selectors import ArrearsAge as _ArrearsAge

from ..core.scalars import Date, Decimal
from ..payments.types import CollectionChannel

ArrearsAge = graphene.Enum.from_enum(
    _ArrearsAge, name="ArrearsAge",
    description="Age of unpaid principal in heating seasons: this season before / after its payment due date, "
                "one season back, two, three or more")


class CommunityCollection(graphene.ObjectType):
    """收缴率 of one community in one season (waived and cancelled bills left out)."""

    community_id = graphene.ID(required=True)
    community_name = graphene.String(required=True)
    bill_count = graphene.Int(required=True)
    paid_count = graphene.Int(required=True)
    billed_fen = graphene.BigInt(required=True)
    collected_fen = graphene.BigInt(required=True)
    outstanding_fen = graphene.BigInt(required=True)
    collection_rate = Decimal(required=True, description="收缴率, percent with 2 decimals")


class ChannelAmount(graphene.ObjectType):
    channel = graphene.Field(CollectionChannel, required=True)
    collected_fen = graphene.BigInt(required=True, description="Paid orders, by the time they were paid")
    count = graphene.Int(required=True, description="Payments")
    refunded_fen = graphene.BigInt(required=True, description="Refunds completed that day")
    net_fen = graphene.BigInt(required=True, description="collected − refunded")

    @staticmethod
    def resolve_net_fen(root, info):
        return root.collected_fen - root.refunded_fen


class DailyCollection(graphene.ObjectType):
    date = Date(required=True)
    channels = graphene.List(graphene.NonNull(ChannelAmount), required=True,
                             description="Every channel, in CollectionChannel order, zeros included")
    collected_fen = graphene.BigInt(required=True)
    refunded_fen = graphene.BigInt(required=True)
    net_fen = graphene.BigInt(required=True)


class DailyCollections(graphene.ObjectType):
    """Money in per calendar day (Asia/Shanghai) and channel, every day of the range."""

    days = graphene.List(graphene.NonNull(DailyCollection), required=True)
    totals = graphene.List(graphene.NonNull(ChannelAmount), required=True, description="Per channel over the range")
    collected_fen = graphene.BigInt(required=True)
    refunded_fen = graphene.BigInt(required=True)
    net_fen = graphene.BigInt(required=True)


class ArrearsBucket(graphene.ObjectType):
    age = graphene.Field(ArrearsAge, required=True)
    house_count = graphene.Int(required=True)
    bill_count = graphene.Int(required=True)
    outstanding_fen = graphene.BigInt(required=True, description="Principal not yet paid (late fees not included)")


class ArrearsAging(graphene.ObjectType):
    as_of = Date(required=True)
    buckets = graphene.List(graphene.NonNull(ArrearsBucket), required=True,
                            description="Every age, youngest first, zeros included")
    house_count = graphene.Int(required=True, description="Houses owing anything (a house in several ages counts once)")
    outstanding_fen = graphene.BigInt(required=True)
