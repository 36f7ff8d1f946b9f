"""State of the fake WeChat subscription-message API and the SMS sandbox's record. Public schema: like the real
services, one sandbox serves every company (an AppID or a phone is the key, never a tenant)."""

from __future__ import annotations

from django.db import models


class SandboxWxApp(models.Model):
    """A mini-program the fake WeChat knows: /cgi-bin/token checks its secret (only a hash is kept)."""

    appid = models.CharField(max_length=18, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.appid


class SandboxWxSubscription(models.Model):
    """What one user answered in `wx.requestSubscribeMessage` for one template of one mini-program.
    One-time: `credits` messages may be sent (each acceptance adds one, each successful send takes one).
    Long-term: unlimited while accepted. A rejection or ban means 43101 on send."""

    class Kind(models.TextChoices):
        ONE_TIME = "one_time"
        LONG_TERM = "long_term"

    class Status(models.TextChoices):
        ACCEPT = "accept"
        REJECT = "reject"
        BAN = "ban"  # the user switched the template (or all messages) off: no popup any more

    appid = models.CharField(max_length=18)
    openid = models.CharField(max_length=64)
    template_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ONE_TIME)
    credits = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["appid", "openid", "template_id"],
                                               name="sandbox_wx_one_subscription")]

    def __str__(self) -> str:
        return f"{self.appid}/{self.openid[:8]}… {self.template_id[:8]}… {self.status} ({self.credits})"


class SandboxWxMessage(models.Model):
    """Every subscribeMessage.send the fake WeChat answered after the token check: what would have reached the
    user's WeChat (errcode 0) or why not (the errcode and errmsg). The openid is kept whole: it is a fake."""

    appid = models.CharField(max_length=18)
    openid = models.CharField(max_length=64, blank=True)
    template_id = models.CharField(max_length=64, blank=True)
    title = models.CharField(max_length=40, blank=True)  # the library template's title, when the id is known
    page = models.CharField(max_length=255, blank=True)
    data = models.JSONField(default=dict, blank=True)
    miniprogram_state = models.CharField(max_length=10, blank=True)
    lang = models.CharField(max_length=8, blank=True)
    errcode = models.IntegerField(default=0)
    errmsg = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["appid", "openid", "-created_at"], name="sandbox_wx_msg_app_user")]

    def __str__(self) -> str:
        return f"{self.appid} → {self.openid[:8]}… {self.title or self.template_id} errcode={self.errcode}"


class SandboxSms(models.Model):
    """One text the sandbox SMS provider "sent". The phone is kept masked plus a keyed hash (filters and the
    vendor's per-phone cap), never in full."""

    phone_masked = models.CharField(max_length=16)
    phone_hash = models.CharField(max_length=64, db_index=True)
    sign_name = models.CharField(max_length=20)
    template = models.CharField(max_length=32)
    params = models.JSONField(default=dict, blank=True)
    text = models.CharField(max_length=500, blank=True)
    message_id = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["phone_hash", "sign_name", "template", "created_at"],
                                name="sandbox_sms_cap")]

    def __str__(self) -> str:
        return f"SMS to {self.phone_masked} {self.template}"
