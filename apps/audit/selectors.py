"""Reads of the two audit logs: a company's (AuditLog, in its schema) for its
admins, and the platform's (OperatorAuditLog, public schema) for operators.
Both newest first, filtered in SQL, paged by the caller."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from heat_platform.models import OperatorAuditLog

from .models import AuditLog


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of `day` where the company is (Asia/Shanghai): people filter by their own calendar days."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _common(qs: QuerySet, *, action: str | None, action_prefix: str | None, date_from: dt.date | None,
            date_to: dt.date | None) -> QuerySet:
    if action:
        qs = qs.filter(action=action)
    if action_prefix:
        qs = qs.filter(action__startswith=action_prefix)
    if date_from:
        qs = qs.filter(created_at__gte=_day_start(date_from))
    if date_to:  # inclusive: up to the next midnight
        qs = qs.filter(created_at__lt=_day_start(date_to + dt.timedelta(days=1)))
    return qs.order_by("-created_at", "-id")


def audit_log_list(*, actor_kind: str | None = None, actor_id: int | None = None, action: str | None = None,
                   action_prefix: str | None = None, target_type: str | None = None, target_id: int | None = None,
                   date_from: dt.date | None = None, date_to: dt.date | None = None) -> QuerySet[AuditLog]:
    """The current company's audit rows (its schema holds no one else's). One query per page."""
    qs = AuditLog.objects.all()
    if actor_kind:
        qs = qs.filter(actor_kind=actor_kind)
    if actor_id is not None:
        qs = qs.filter(actor_id=actor_id)
    if target_type:
        qs = qs.filter(target_type=target_type)
    if target_id is not None:
        qs = qs.filter(target_id=target_id)
    return _common(qs, action=action, action_prefix=action_prefix, date_from=date_from, date_to=date_to)


def audit_actions() -> list[str]:
    """The actions this company's log holds, for a filter's choices (from the action index)."""
    return list(AuditLog.objects.order_by("action").values_list("action", flat=True).distinct())


def operator_audit_log_list(*, actor_id: int | None = None, action: str | None = None,
                            action_prefix: str | None = None, tenant_id: int | None = None,
                            date_from: dt.date | None = None, date_to: dt.date | None = None
                            ) -> QuerySet[OperatorAuditLog]:
    """The platform's audit rows (operators' actions on companies), with their company."""
    qs = OperatorAuditLog.objects.select_related("tenant")
    if actor_id is not None:
        qs = qs.filter(actor_id=actor_id)
    if tenant_id is not None:
        qs = qs.filter(tenant_id=tenant_id)
    return _common(qs, action=action, action_prefix=action_prefix, date_from=date_from, date_to=date_to)


def operator_audit_actions() -> list[str]:
    return list(OperatorAuditLog.objects.order_by("action").values_list("action", flat=True).distinct())
