"""Campaigns (apps/messaging/campaigns.py): a season's bill-published notices and payment-due reminders. Staff with
CAMPAIGN_MANAGE preview the audience per channel, start a campaign (a background job) and follow its progress."""

import graphene
from django.core.exceptions import ValidationError

from apps.accounts.permissions import CAMPAIGN_MANAGE
from apps.messaging import campaigns as svc
from apps.messaging.models import Campaign as _Campaign
from apps.messaging.models import MessageKind as _Kind

from ..core.errors import bad_input
from ..core.mutations import BaseMutation
from ..core.pagination import MAX_PAGE, page
from ..core.permissions import HasRole, PermissionsField
from ..core.scalars import Date, DateTime
from .types import MessagingError

MANAGERS = (HasRole(*CAMPAIGN_MANAGE),)


class CampaignKind(graphene.Enum):
    """What a campaign may send."""

    BILL_PUBLISHED = _Kind.BILL_PUBLISHED.value
    PAYMENT_DUE = _Kind.PAYMENT_DUE.value


CampaignStatus = graphene.Enum.from_enum(_Campaign.Status, name="CampaignStatus")


class CampaignInput(graphene.InputObjectType):
    kind = CampaignKind(required=True)
    season_id = graphene.ID(required=True, description="An open season (its bills are out)")
    community_ids = graphene.List(graphene.NonNull(graphene.ID),
                                  description=f"Only these communities (none: all), at most {svc.MAX_COMMUNITIES}")
    arrears_only = graphene.Boolean(default_value=False,
                                    description="Only bills with something due now (always so for PAYMENT_DUE)")
    stage = graphene.String(default_value="1", description="批次: a new stage reminds again everyone still chosen; "
                                                           "the same stage never sends a bill's message twice")


class ChannelCounts(graphene.ObjectType):
    wechat = graphene.Int(required=True)
    sms = graphene.Int(required=True)
    in_app = graphene.Int(required=True)


class CampaignPreview(graphene.ObjectType):
    """What a start would do now. byChannel counts the new messages (total − alreadySent); quiet hours and daily
    caps may still hold a push back when it is dispatched."""

    total = graphene.Int(required=True, description="Resident × bill pairs chosen")
    by_channel = graphene.Field(ChannelCounts, required=True)
    already_sent = graphene.Int(required=True, description="Pairs this stage already sent (sent nothing again)")

    @staticmethod
    def resolve_by_channel(root, info):
        return ChannelCounts(**root["by_channel"])

    @staticmethod
    def resolve_total(root, info):
        return root["total"]

    @staticmethod
    def resolve_already_sent(root, info):
        return root["already_sent"]


class CampaignMessageCounts(graphene.ObjectType):
    """The campaign's messages: sent per channel (in-app only included), still pending, failed (a real failure) and
    cancelled (withdrawn: the bill was paid meanwhile, or the campaign was cancelled)."""

    wechat = graphene.Int(required=True)
    sms = graphene.Int(required=True)
    in_app = graphene.Int(required=True)
    pending = graphene.Int(required=True)
    failed = graphene.Int(required=True)
    cancelled = graphene.Int(required=True)


class CampaignSeason(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    payment_due = Date(required=True)


class Campaign(graphene.ObjectType):
    id = graphene.ID(required=True)
    kind = graphene.Field(CampaignKind, required=True)
    season = graphene.Field(CampaignSeason, required=True)
    stage = graphene.String(required=True)
    community_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    arrears_only = graphene.Boolean(required=True)
    status = graphene.Field(CampaignStatus, required=True)
    status_text = graphene.String(required=True)
    total = graphene.Int(required=True, description="Pairs chosen (at start; when done: pairs processed)")
    processed = graphene.Int(required=True)
    enqueued = graphene.Int(required=True, description="New messages (earlier runs' duplicates not counted)")
    error = graphene.String(required=True)
    preview = graphene.Field(CampaignPreview, required=True, description="The counts it was started from")
    by_channel = graphene.Field(CampaignMessageCounts, required=True)
    created_by = graphene.String(required=True)
    created_at = DateTime(required=True)
    started_at = DateTime()
    finished_at = DateTime()

    @staticmethod
    def resolve_kind(root, info):
        return root.kind

    @staticmethod
    def resolve_status(root, info):
        return root.status

    @staticmethod
    def resolve_status_text(root, info):
        return root.get_status_display()

    @staticmethod
    def resolve_preview(root, info):
        preview = root.preview or {}
        return {"total": preview.get("total", 0), "already_sent": preview.get("already_sent", 0),
                "by_channel": {"wechat": 0, "sms": 0, "in_app": 0, **preview.get("by_channel", {})}}

    @staticmethod
    def resolve_by_channel(root, info):
        counts = getattr(root, "_channel_counts", None)
        if counts is None:  # a single campaign; pages load theirs in one query (_with_counts)
            counts = svc.campaign_channel_counts([root.pk])[root.pk]
        return CampaignMessageCounts(**counts)

    @staticmethod
    def resolve_created_by(root, info):
        return root.created_by.get_username() if root.created_by_id else ""


def _with_counts(campaigns: list) -> list:
    counts = svc.campaign_channel_counts([c.pk for c in campaigns])
    for c in campaigns:
        c._channel_counts = counts[c.pk]
    return campaigns


class CampaignPage(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(Campaign), required=True)
    total = graphene.Int(required=True)


def _args(data) -> dict:
    kind = data.get("kind")
    return {"kind": getattr(kind, "value", kind) or "", "season_id": data.get("season_id"),
            "community_ids": [str(c) for c in data.get("community_ids") or ()],
            "arrears_only": bool(data.get("arrears_only")), "stage": data.get("stage")}


class CampaignQueries(graphene.ObjectType):
    campaign_preview = PermissionsField(
        CampaignPreview, required=True, permissions=MANAGERS, input=CampaignInput(required=True),
        description="Dry run: the pairs a campaign would choose, those already sent, and per channel what the "
                    "outbox would use now")
    campaigns = PermissionsField(
        CampaignPage, required=True, permissions=MANAGERS, first=graphene.Int(default_value=20),
        offset=graphene.Int(default_value=0), description=f"Campaigns, newest first, at most {MAX_PAGE} a page")
    campaign = PermissionsField(Campaign, permissions=MANAGERS, id=graphene.ID(required=True),
                                description="One campaign with its progress; null when there is none")

    @staticmethod
    def resolve_campaign_preview(root, info, input):
        try:
            return svc.campaign_preview(**_args(input))
        except ValidationError as exc:
            raise bad_input(exc) from exc

    @staticmethod
    def resolve_campaigns(root, info, first=20, offset=0):
        result = page(svc.campaign_list(), first=first, offset=offset, default=20)
        return CampaignPage(items=_with_counts(result["items"]), total=result["total_count"])

    @staticmethod
    def resolve_campaign(root, info, id):
        return svc.campaign_get(id)


class StartCampaign(BaseMutation):
    """Start sending (a background job): refused for a season that is not open (NO_SEASON) and while another
    campaign of the same kind and season runs (CAMPAIGN_RUNNING)."""

    permissions = MANAGERS

    class Arguments:
        input = CampaignInput(required=True)

    campaign = graphene.Field(Campaign)
    errors = graphene.List(graphene.NonNull(MessagingError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, input):
        campaign = svc.campaign_start(**_args(input), actor=info.context.actor.user)
        return cls(campaign=svc.campaign_get(campaign.pk), errors=[])


class CancelCampaign(BaseMutation):
    """Stop a queued or running campaign: what it has not enqueued yet is never sent, and its messages still
    pending (held by quiet hours, a cap or a retry) are cancelled. A finished campaign: NOT_ALLOWED_IN_STATE;
    an unknown or another company's id: NOT_FOUND."""

    permissions = MANAGERS

    class Arguments:
        id = graphene.ID(required=True)

    campaign = graphene.Field(Campaign)
    errors = graphene.List(graphene.NonNull(MessagingError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, id):
        campaign = svc.campaign_cancel(campaign_id=id, actor=info.context.actor.user)
        return cls(campaign=svc.campaign_get(campaign.pk), errors=[])


class CampaignMutations(graphene.ObjectType):
    start_campaign = StartCampaign.Field()
    cancel_campaign = CancelCampaign.Field()
