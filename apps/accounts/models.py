"""One user table per schema: in `public` it holds platform operators, in a
company's schema its staff. A row is only ever visible in its own schema."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "operator", _("平台运营")
    TENANT_ADMIN = "tenant_admin", _("管理员")
    COLLECTOR = "collector", _("收费员")
    TECHNICIAN = "technician", _("维修技术员")
    FINANCE = "finance", _("财务")


STAFF_ROLES = (Role.TENANT_ADMIN, Role.COLLECTOR, Role.TECHNICIAN, Role.FINANCE)


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
