from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OperatorAuditLog(models.Model):
    """Who did what to which company, and when (public schema)."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_username = models.CharField(max_length=150, blank=True)  # survives user deletion
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    tenant = models.ForeignKey("tenants.HeatingCompany", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="audit_log")
    detail = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("平台操作日志")
        verbose_name_plural = _("平台操作日志")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action}"
