"""Messaging of one company: announcements, a knowledge base, and one outbox through which every message to a
resident goes (WeChat subscription message, SMS, in-app).

- An Announcement is written by staff (sanitized rich text with images), targeted (everyone, communities,
  buildings, or houses in arrears), scheduled (`publish_at`), pinned and expired; residents see the ones that
  reach one of their bound houses, with their own read state (AnnouncementRead).
- The knowledge base: KbCategory → KbArticle (published ones are shown to residents, searchable).
- A Message is one thing to tell one resident (a receipt, a reminder, a ticket update). It always lands in the
  resident's in-app inbox; the outbox (apps/messaging/outbox.py) also pushes it on the best channel it may use:
  WeChat subscription message if the resident holds a grant for the kind's template, else SMS if the resident
  opted in and the kind has an approved SMS template, else nothing more (in-app only). Quiet hours move a push to
  the end of the quiet window (`not_before`); per-resident and per-phone daily caps hold pushes back; failed
  pushes retry with backoff. `dedup_key` is unique: enqueueing the same thing twice (a re-run campaign, a replayed
  notify) makes no second message. Every push attempt is a Delivery row: the audit of what went to whom.
- MessageTemplate is the company's registry per message kind: the WeChat template id and how our variables fill
  its keywords, the SMS template code / approved text / signature, and the in-app title and body.
- SubscriptionGrant is the ledger of what a resident accepted in `wx.requestSubscribeMessage`: one-time grants are
  credits (one message each, consumed on send); 43101 from WeChat (refused / unsubscribed) revokes the grant.
- SmsConsent is the resident's opt-in to SMS notices, with when and where it was given (kept as proof).
- A Campaign sends one kind (bill published / payment due) to a season's residents, chosen by community and
  arrears, after a dry-run count per channel; it runs as a background job with progress.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MessageKind(models.TextChoices):
    BILL_PUBLISHED = "bill_published", _("账单出账通知")
    PAYMENT_DUE = "payment_due", _("缴费提醒")
    PAYMENT_RECEIPT = "payment_receipt", _("缴费成功通知")
    REFUND_RECEIPT = "refund_receipt", _("退款通知")
    INVOICE_ISSUED = "invoice_issued", _("电子发票开具通知")
    TICKET_UPDATE = "ticket_update", _("工单进度通知")


class Channel(models.TextChoices):
    WECHAT = "wechat", _("微信订阅消息")
    SMS = "sms", _("短信")
    IN_APP = "in_app", _("站内消息")


class MessagingSettings(models.Model):
    """One row (pk 1) per company schema; `MessagingSettings.get()` creates it with the defaults."""

    class MiniProgramState(models.TextChoices):
        FORMAL = "formal", _("正式版")
        TRIAL = "trial", _("体验版")
        DEVELOPER = "developer", _("开发版")

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    # Local (Asia/Shanghai) quiet window; start > end means it spans midnight (the default 21:00–08:00).
    quiet_start = models.TimeField(_("免打扰开始"), default="21:00")
    quiet_end = models.TimeField(_("免打扰结束"), default="08:00")
    sms_enabled = models.BooleanField(_("启用短信"), default=True)
    # The company's approved SMS signature (shown as 【…】); blank: the company's name.
    sms_sign_name = models.CharField(_("短信签名"), max_length=20, blank=True)
    resident_daily_cap = models.PositiveSmallIntegerField(_("每位住户每日推送上限"), default=5)
    phone_daily_cap = models.PositiveSmallIntegerField(_("每个手机号每日短信上限"), default=10)
    miniprogram_state = models.CharField(_("订阅消息跳转版本"), max_length=10, choices=MiniProgramState.choices,
                                         default=MiniProgramState.FORMAL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("消息设置")
        verbose_name_plural = _("消息设置")

    def __str__(self) -> str:
        return "messaging settings"

    @classmethod
    def get(cls) -> MessagingSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class MessageTemplate(models.Model):
    """How one kind of message reads on each channel. Variables are our names (see outbox.KIND_VARIABLES), e.g.
    `{"thing1": "house", "amount2": "amount"}` maps WeChat keywords to them; SMS params likewise."""

    class SmsApproval(models.TextChoices):
        PENDING = "pending", _("审核中")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("未通过")

    kind = models.CharField(_("消息类型"), max_length=20, choices=MessageKind.choices, unique=True)
    is_active = models.BooleanField(_("启用"), default=True)
    in_app_title = models.CharField(_("站内标题"), max_length=60)
    in_app_body = models.CharField(_("站内正文"), max_length=500)  # "{house}…{amount}元" (str.format_map, safe)
    wechat_template_id = models.CharField(_("微信模板ID"), max_length=64, blank=True)
    wechat_title = models.CharField(_("微信模板标题"), max_length=40, blank=True)
    wechat_page = models.CharField(_("点击跳转页面"), max_length=128, blank=True)  # e.g. pages/bills/bills
    wechat_fields = models.JSONField(_("微信字段映射"), default=dict, blank=True)  # keyword → variable
    sms_template_code = models.CharField(_("短信模板编号"), max_length=32, blank=True)
    sms_text = models.CharField(_("短信模板内容"), max_length=300, blank=True)  # "…${house}…" as approved
    sms_params = models.JSONField(_("短信参数映射"), default=dict, blank=True)  # template param → variable
    sms_approval = models.CharField(_("短信模板审核"), max_length=10, choices=SmsApproval.choices,
                                    default=SmsApproval.PENDING)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("消息模板")
        verbose_name_plural = _("消息模板")

    def __str__(self) -> str:
        return self.kind


class SubscriptionGrant(models.Model):
    """What a resident accepted for one WeChat template. One-time: `credits` messages may be sent (each acceptance
    adds one; a send consumes one). Long-term: unlimited while ACTIVE. REVOKED after a reject/ban or 43101."""

    class Kind(models.TextChoices):
        ONE_TIME = "one_time", _("一次性订阅")
        LONG_TERM = "long_term", _("长期订阅")

    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        REVOKED = "revoked", _("已拒绝/已退订")

    resident = models.ForeignKey("residents.Resident", on_delete=models.CASCADE, related_name="subscription_grants")
    template_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ONE_TIME)
    credits = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    last_result = models.CharField(max_length=16, blank=True)  # accept | reject | ban | filter | 43101
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resident", "template_id"], name="grant_unique")]

    def __str__(self) -> str:
        return f"grant {self.template_id} resident#{self.resident_id} ({self.status}, {self.credits})"


class SmsConsent(models.Model):
    """The resident's choice about SMS notices, and the proof of it (when, from where)."""

    class Source(models.TextChoices):
        MINIPROGRAM = "miniprogram", _("小程序")
        COUNTER = "counter", _("柜台")

    resident = models.OneToOneField("residents.Resident", on_delete=models.CASCADE, related_name="sms_consent")
    opted_in = models.BooleanField(default=False)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.MINIPROGRAM)
    ip = models.CharField(max_length=45, blank=True)
    changed_at = models.DateTimeField(auto_now=True)
    opted_in_at = models.DateTimeField(null=True, blank=True)
    opted_out_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sms consent resident#{self.resident_id}: {self.opted_in}"


class Campaign(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("发送中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")  # stopped by staff; its messages still pending were cancelled

    kind = models.CharField(_("类型"), max_length=20, choices=MessageKind.choices)  # BILL_PUBLISHED / PAYMENT_DUE
    season = models.ForeignKey("tariffs.Season", on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(_("批次"), max_length=32, default="1")  # part of each message's dedup key
    community_ids = models.JSONField(default=list, blank=True)  # [] = every community
    arrears_only = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    preview = models.JSONField(default=dict, blank=True)  # the dry-run counts it was started from
    total = models.PositiveIntegerField(default=0)  # residents × bills chosen
    enqueued = models.PositiveIntegerField(default=0)  # new messages (duplicates of earlier runs not counted)
    processed = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"campaign#{self.pk} {self.kind} season#{self.season_id} stage {self.stage}"


class Message(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")  # due at not_before (quiet hours, backoff or a cap move it)
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")  # pushed on `channel`, or in-app only
        UNCERTAIN = "uncertain", _("结果未知")  # SMS request may have reached the vendor: never resent
        FAILED = "failed", _("发送失败")  # gave up pushing; still in the inbox
        CANCELLED = "cancelled", _("已取消")

    resident = models.ForeignKey("residents.Resident", on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=20, choices=MessageKind.choices)
    dedup_key = models.CharField(max_length=120, unique=True)
    variables = models.JSONField(default=dict)  # what the templates are filled with (no secrets)
    title = models.CharField(max_length=60)
    body = models.CharField(max_length=500)
    page = models.CharField(max_length=128, blank=True)  # where tapping the message leads in the mini-program
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)  # the push channel used
    not_before = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=64, blank=True)  # "wechat:43101", "sms:isv.BUSINESS_LIMIT_CONTROL"
    note = models.CharField(max_length=64, blank=True)  # why it went in-app only: no_grant, quiet_hours, capped …
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["not_before"], condition=Q(status="pending"), name="message_due"),
            models.Index(fields=["resident", "-created_at"], name="message_inbox"),
            models.Index(fields=["campaign", "status"], name="message_campaign"),
        ]

    def __str__(self) -> str:
        return f"message#{self.pk} {self.kind} resident#{self.resident_id} ({self.status})"


class Delivery(models.Model):
    """One push attempt: the audit of what went to whom. `target` is masked (openid / phone)."""

    class Status(models.TextChoices):
        SENT = "sent", _("成功")
        FAILED = "failed", _("失败")
        UNCERTAIN = "uncertain", _("结果未知")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    target = models.CharField(max_length=64)
    template = models.CharField(max_length=64, blank=True)  # WeChat template id / SMS template code
    content = models.CharField(max_length=500, blank=True)  # the rendered text or data, as sent
    status = models.CharField(max_length=10, choices=Status.choices)
    error_code = models.CharField(max_length=64, blank=True)
    provider_message_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"delivery#{self.pk} {self.channel} {self.status}"


class Announcement(models.Model):
    class Audience(models.TextChoices):
        ALL = "all", _("全部住户")
        COMMUNITIES = "communities", _("指定小区")
        BUILDINGS = "buildings", _("指定楼栋")
        ARREARS = "arrears", _("欠费房屋")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")  # visible from publish_at until expires_at
        WITHDRAWN = "withdrawn", _("已撤回")

    title = models.CharField(_("标题"), max_length=60)
    body = models.TextField(_("正文"))  # sanitized HTML (apps/messaging/richtext.py)
    summary = models.CharField(_("摘要"), max_length=120, blank=True)  # plain text, derived from the body
    audience = models.CharField(_("发布范围"), max_length=12, choices=Audience.choices, default=Audience.ALL)
    community_ids = models.JSONField(default=list, blank=True)
    building_ids = models.JSONField(default=list, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    pinned = models.BooleanField(_("置顶"), default=False)
    publish_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    target_count = models.PositiveIntegerField(default=0)  # residents reached, counted on publish
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-pinned", "-publish_at", "-id"]
        verbose_name = _("公告")
        verbose_name_plural = _("公告")

    def __str__(self) -> str:
        return self.title


class AnnouncementRead(models.Model):
    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="reads")
    resident = models.ForeignKey("residents.Resident", on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["announcement", "resident"], name="announcement_read_once")]

    def __str__(self) -> str:
        return f"read announcement#{self.announcement_id} resident#{self.resident_id}"


class ContentImage(models.Model):
    """An image staff put in an announcement or article: re-encoded (no EXIF), served by its content hash."""

    sha256 = models.CharField(max_length=64, unique=True)
    file = models.CharField(max_length=160)  # storage name
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.file


class KbCategory(models.Model):
    name = models.CharField(_("分类名称"), max_length=20, unique=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class KbArticle(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    category = models.ForeignKey(KbCategory, on_delete=models.PROTECT, related_name="articles")
    title = models.CharField(_("标题"), max_length=60)
    body = models.TextField(_("正文"))  # sanitized HTML
    text = models.TextField(blank=True)  # the body as plain text, for search and summaries
    keywords = models.CharField(_("关键词"), max_length=120, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    view_count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category__position", "position", "id"]

    def __str__(self) -> str:
        return self.title
