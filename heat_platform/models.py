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


class TenantSummary(models.Model):
    """One company's figures for the operator console, refreshed every few minutes
    by a beat task inside the company's own schema (tenants/stats.py), so platform
    pages read this table and never visit every schema per request."""

    tenant = models.OneToOneField("tenants.HeatingCompany", on_delete=models.CASCADE, primary_key=True,
                                  related_name="summary")
    houses = models.PositiveIntegerField(default=0)
    residents = models.PositiveIntegerField(default=0)  # active
    staff = models.PositiveIntegerField(default=0)  # active
    # The latest published season (by heating start) and its 收缴率 inputs, as billSummary counts them.
    season_name = models.CharField(max_length=32, blank=True)
    bill_count = models.PositiveIntegerField(default=0)
    paid_count = models.PositiveIntegerField(default=0)
    billed_fen = models.BigIntegerField(default=0)
    collected_fen = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("公司概况")
        verbose_name_plural = _("公司概况")

    def __str__(self) -> str:
        return f"summary of {self.tenant_id} at {self.refreshed_at:%Y-%m-%d %H:%M}"


class TenantDailyCollection(models.Model):
    """Money one company collected on one day (Asia/Shanghai) through one channel
    (payments' CollectionChannel), copied from its schema by the same refresh;
    days with no money have no row."""

    tenant = models.ForeignKey("tenants.HeatingCompany", on_delete=models.CASCADE, related_name="daily_collections")
    day = models.DateField()
    channel = models.CharField(max_length=8)
    collected_fen = models.BigIntegerField(default=0)
    payments = models.PositiveIntegerField(default=0)
    refunded_fen = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "day", "channel"], name="one_collection_row")]
        indexes = [models.Index(fields=["day"], name="tenant_collection_day")]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.day} {self.channel}"
