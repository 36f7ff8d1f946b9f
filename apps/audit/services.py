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


# Keys of `detail` that can hold a person's identity (masked phones still narrow it down).
IDENTITY_DETAIL_KEYS = ("phone", "name", "display_name", "openid", "unionid")


def audit_redact_resident(*, resident_id: int) -> int:
    """The one exception to append-only: when a resident deletes their account (PIPL §47), the
    rows they acted in or that target them keep what happened, when and from which IP (the law
    wants access logs kept), but lose the name and identity details. Returns rows changed."""
    from django.db.models import Q

    rows = AuditLog.objects.filter(Q(actor_kind=AuditLog.ActorKind.RESIDENT, actor_id=resident_id)
                                   | Q(target_type="residents.resident", target_id=resident_id))
    changed = []
    for row in rows.only("pk", "actor_kind", "actor_id", "actor_name", "detail"):
        if row.actor_kind == AuditLog.ActorKind.RESIDENT and row.actor_id == resident_id:
            row.actor_name = f"resident#{resident_id}"
        row.detail = {k: v for k, v in (row.detail or {}).items() if k not in IDENTITY_DETAIL_KEYS}
        changed.append(row)
    AuditLog.objects.bulk_update(changed, ["actor_name", "detail"])
    return len(changed)
