from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditLog(models.Model):
    """Who did what to which record, inside one company's schema (PIPL §51,
    Cybersecurity Law §21). Append-only: nothing updates or deletes rows."""

    class ActorKind(models.TextChoices):
        STAFF = "staff", _("员工")
        RESIDENT = "resident", _("住户")
        SYSTEM = "system", _("系统")

    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"]),
                   # The audit page filtered by who acted, newest first.
                   models.Index(fields=["actor_kind", "actor_id", "-created_at"], name="audit_actor_created")]
        verbose_name = _("操作日志")
        verbose_name_plural = _("操作日志")

    def __str__(self) -> str:
        return f"{self.actor_kind}:{self.actor_name} {self.action} {self.target_type}#{self.target_id}"
