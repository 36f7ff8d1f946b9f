from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditLog


def audit_record(*, actor: Any, action: str, target: models.Model | None = None, ip: str | None = None,
                 **detail: Any) -> AuditLog:
    """Append one audit row. `actor` is a staff User, a Resident or None (system).
    Never put secrets or full phone numbers in `detail`."""
    from apps.accounts.models import User
    from apps.residents.models import Resident

    if isinstance(actor, User):
        kind, actor_id, name = AuditLog.ActorKind.STAFF, actor.pk, actor.get_username()
    elif isinstance(actor, Resident):
        kind, actor_id, name = AuditLog.ActorKind.RESIDENT, actor.pk, actor.display_name or f"resident#{actor.pk}"
    else:
        kind, actor_id, name = AuditLog.ActorKind.SYSTEM, None, "system"
    return AuditLog.objects.create(
        actor_kind=kind, actor_id=actor_id, actor_name=name, action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=target.pk if target is not None else None, detail=detail, ip=ip,
    )
