from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heat_platform.crypto import EncryptedTextField
from heat_platform.pii import mask_phone


class Resident(models.Model):
    """A person who uses the company's mini-program (WeChat identity)."""

    BLIND_INDEXES = {"phone": ("phone_index", "phone")}  # see heat_platform.crypto / rotate_field_keys

    openid = models.CharField(max_length=64, unique=True)
    unionid = models.CharField(max_length=64, blank=True, db_index=True)
    # Alipay buyer id (2088…) or open_id, set by an Alipay mini-program login (a later channel).
    alipay_user_id = models.CharField(max_length=64, blank=True)
    display_name = models.CharField(_("昵称"), max_length=64, blank=True)
    phone = EncryptedTextField(_("手机号"), blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)  # blind index of phone
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)
    # Account deleted (apps/residents/erasure.py): identity fields emptied, openid replaced by a random
    # "erased:…" value; the row stays as the anonymous id its orders and payments point to.
    erased_at = models.DateTimeField(_("注销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("住户")
        verbose_name_plural = _("住户")

    def __str__(self) -> str:
        return self.display_name or f"resident#{self.pk}"

    @property
    def phone_masked(self) -> str | None:
        """138****5678, or None while no phone is bound."""
        return mask_phone(self.phone) if self.phone else None


class SmsCode(models.Model):
    """A 6-digit code texted to a phone so a resident can prove they hold it.

    Only a keyed hash of the code is stored (`code_hash`, HMAC with a per-row
    salt), and the phone only as its blind index. At most one code per phone is
    LIVE (a partial unique constraint); a new request replaces it. Rows are also
    the ledger the send limits count (per phone, per client IP)."""

    class Status(models.TextChoices):
        LIVE = "live", _("有效")
        USED = "used", _("已使用")
        REPLACED = "replaced", _("已被新验证码取代")
        EXPIRED = "expired", _("已过期")
        LOCKED = "locked", _("错误次数过多")
        FAILED = "failed", _("发送失败")

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="sms_codes")
    phone_index = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=64)
    salt = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.LIVE)
    attempts = models.PositiveSmallIntegerField(default=0)
    request_ip = models.CharField(max_length=45, blank=True)
    provider = models.CharField(max_length=16)
    provider_message_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        constraints = [
            models.UniqueConstraint(fields=["phone_index"], condition=Q(status="live"),
                                    name="residents_smscode_one_live_per_phone"),
        ]
        indexes = [
            models.Index(fields=["phone_index", "created_at"], name="residents_smscode_phone_idx"),
            models.Index(fields=["request_ip", "created_at"], name="residents_smscode_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"sms-code#{self.pk} {self.status}"
