"""Reads of the outbox for the API edges: a resident's inbox and unread count, the staff outbox listing with its
filters (deliveries loaded with the page, no query per row), the templates and the resident's preferences."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import Delivery, Message, MessageTemplate, SmsConsent
from .templates import ensure_default_templates


def inbox(*, resident) -> QuerySet[Message]:
    """The resident's messages, newest first (every message is in the inbox whatever its push did)."""
    return Message.objects.filter(resident=resident).exclude(status=Message.Status.CANCELLED).order_by(
        "-created_at", "-id")


def unread_count(*, resident) -> int:
    return inbox(resident=resident).filter(read_at__isnull=True).count()


def outbox_messages(*, status: str | None = None, channel: str | None = None, kind: str | None = None,
                    campaign_id: int | None = None) -> QuerySet[Message]:
    qs = Message.objects.all()
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if kind:
        qs = qs.filter(kind=kind)
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    return qs.select_related("resident").prefetch_related(
        Prefetch("deliveries", queryset=Delivery.objects.order_by("created_at", "id"))).order_by("-created_at", "-id")


def message_templates() -> list[MessageTemplate]:
    return sorted(ensure_default_templates().values(), key=lambda t: t.kind)


def sms_opted_in(*, resident) -> bool:
    return SmsConsent.objects.filter(resident=resident, opted_in=True).exists()
