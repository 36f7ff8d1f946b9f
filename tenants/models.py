"""Platform (public-schema) models: heating companies, their domains and the
pool of ready-made schemas that makes onboarding a rename."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from heat_platform.crypto import EncryptedTextField


class HeatingCompany(TenantMixin):
    class Status(models.TextChoices):
        ACTIVE = "active", _("正常")
        SUSPENDED = "suspended", _("已暂停")
        CLOSED = "closed", _("已关闭")

    name = models.CharField(_("公司名称"), max_length=100)
    slug = models.SlugField(_("标识"), max_length=30, unique=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = EncryptedTextField(_("联系电话"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    suspended_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)

    # Schemas are never created by save(): onboarding claims a pre-migrated spare
    # (tenants/spares.py), which is what keeps sign-up fast.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        verbose_name = _("供热公司")
        verbose_name_plural = _("供热公司")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    @property
    def is_platform(self) -> bool:
        return self.schema_name == "public"


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("域名")
        verbose_name_plural = _("域名")


class SpareSchema(models.Model):
    """A fully migrated, empty tenant schema waiting to be renamed into place.

    `migration_state` is a digest of the tenant apps' applied migrations; a spare
    is only claimed when it equals the running code's digest, so a spare made
    before a deploy is never handed out with missing tables."""

    schema_name = models.CharField(max_length=63, unique=True)
    migration_state = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.schema_name


class MiniProgramAccount(models.Model):
    """The company's own WeChat mini-program (AppID + secret), used for resident
    login and, later, branded builds. Public schema: publishing tools iterate it."""

    tenant = models.OneToOneField(HeatingCompany, on_delete=models.CASCADE, related_name="miniprogram")
    app_id = models.CharField(max_length=18, unique=True)
    app_secret = EncryptedTextField(blank=True)  # write-only in every API
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.app_id
