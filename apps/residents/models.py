from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from heat_platform.crypto import EncryptedTextField


class Resident(models.Model):
    """A person who uses the company's mini-program (WeChat identity)."""

    openid = models.CharField(max_length=64, unique=True)
    unionid = models.CharField(max_length=64, blank=True, db_index=True)
    display_name = models.CharField(_("昵称"), max_length=64, blank=True)
    phone = EncryptedTextField(_("手机号"), blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)  # blind index of phone
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("住户")
        verbose_name_plural = _("住户")

    def __str__(self) -> str:
        return self.display_name or f"resident#{self.pk}"
