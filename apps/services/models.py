"""Resident services of one company: repair and complaint tickets with SLAs, room-temperature reports with
inspections that open shortfall periods and turn into compensation, and 报停 / 恢复供暖 applications.

- A Ticket (报修 / 投诉 / 室温) moves SUBMITTED → ACCEPTED → ASSIGNED → ON_SITE → RESOLVED → CLOSED (the
  resident confirms and rates, or it auto-closes after `ServiceSettings.auto_close_days`); a resident reopens a
  RESOLVED (or recently CLOSED) ticket back to ACCEPTED; SUBMITTED/ACCEPTED may be CANCELLED by the resident
  or REJECTED by staff with a reason. Every move is a TicketEvent (the resident's timeline) and an audit row.
  SLA: `respond_due_at` (accepted by then) and `resolve_due_at` (resolved by then) from its category (or, for a
  temperature report, the quality rule's response hours); a sweep flags overdue tickets and escalates them to
  the admins once per deadline.
- A temperature ticket gets Inspections. A non-compliant inspection caused by the utility opens a
  ShortfallPeriod (band = that inspection's temperature); later inspections change the band from their day;
  a compliant one closes it. A closed period (or one still open when the season ends) gets a Compensation
  computed by `apps.services.compensation` from the QualityRule in force, credited through billing's ledger or
  refunded through payments' refund path, after finance approval above the company's threshold.
- An OptOutApplication (报停, or RESUME: 恢复供暖) for a season: SUBMITTED → APPROVED → SEALED (施封 recorded
  by a technician with a photo; resumption: valve unsealed) → EFFECTIVE (the house's heating status changed on
  the season's start / the effective date), or REJECTED / CANCELLED.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heat_platform.crypto import EncryptedTextField


class ServiceSettings(models.Model):
    """One row (pk 1) per company schema; `ServiceSettings.get()` creates it with the defaults."""

    class PaidCompensation(models.TextChoices):
        NEXT_BILL = "next_bill", _("抵扣下季热费")
        REFUND = "refund", _("原路退款")

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    auto_close_days = models.PositiveSmallIntegerField(_("解决后自动关闭(天)"), default=7)
    reopen_days = models.PositiveSmallIntegerField(_("关闭后可重新打开(天)"), default=15)
    # Compensation at or above this amount waits for finance's approval (0: every compensation does).
    approval_threshold_fen = models.BigIntegerField(_("补偿审批阈值(分)"), default=10000)
    paid_compensation = models.CharField(_("已缴清时的补偿方式"), max_length=10, choices=PaidCompensation.choices,
                                         default=PaidCompensation.NEXT_BILL)
    opt_out_deadline_days = models.PositiveSmallIntegerField(_("报停申请截止(供暖开始前天数)"), default=30)
    opt_out_requires_no_arrears = models.BooleanField(_("报停须无欠费"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("居民服务设置")
        verbose_name_plural = _("居民服务设置")

    def __str__(self) -> str:
        return "service settings"

    @classmethod
    def get(cls) -> ServiceSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class TicketKind(models.TextChoices):
    REPAIR = "repair", _("报修")
    COMPLAINT = "complaint", _("投诉")
    TEMPERATURE = "temperature", _("室温报告")


class TicketCategory(models.Model):
    """A kind of repair or complaint with its SLA (temperature reports take theirs from the quality rule)."""

    kind = models.CharField(_("类型"), max_length=12, choices=TicketKind.choices)
    name = models.CharField(_("名称"), max_length=32)
    respond_hours = models.PositiveSmallIntegerField(_("响应时限(小时)"), default=2)
    resolve_hours = models.PositiveSmallIntegerField(_("解决时限(小时)"), default=24)
    active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["kind", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="ticket_category_unique_name")]
        verbose_name = _("工单类别")
        verbose_name_plural = _("工单类别")

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        ACCEPTED = "accepted", _("已受理")
        ASSIGNED = "assigned", _("已派单")
        ON_SITE = "on_site", _("处理中")
        RESOLVED = "resolved", _("已解决")
        CLOSED = "closed", _("已关闭")
        CANCELLED = "cancelled", _("已撤销")
        REJECTED = "rejected", _("不予受理")

    OPEN = (Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED, Status.ON_SITE)

    no = models.CharField(_("工单号"), max_length=20, unique=True)  # e.g. T20261207-000123
    kind = models.CharField(_("类型"), max_length=12, choices=TicketKind.choices)
    category = models.ForeignKey(TicketCategory, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="tickets")
    house = models.ForeignKey("properties.House", on_delete=models.PROTECT, related_name="tickets")
    season = models.ForeignKey("tariffs.Season", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="tickets")  # temperature reports: the season reported in
    resident = models.ForeignKey("residents.Resident", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="tickets")  # null: filed by staff on a caller's behalf
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    contact_name = models.CharField(_("联系人"), max_length=32)
    contact_phone = EncryptedTextField(_("联系电话"), blank=True)
    description = models.TextField(_("描述"), max_length=1000)
    reported_temp = models.DecimalField(_("住户报告室温(℃)"), max_digits=4, decimal_places=1, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="assigned_tickets")
    submitted_at = models.DateTimeField(_("提交时间"))
    accepted_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    on_site_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    respond_due_at = models.DateTimeField(_("响应期限"))
    resolve_due_at = models.DateTimeField(_("解决期限"))
    respond_overdue = models.BooleanField(_("响应超时"), default=False)
    resolve_overdue = models.BooleanField(_("解决超时"), default=False)
    escalated_at = models.DateTimeField(_("已上报管理员"), null=True, blank=True)  # the first escalation
    # Each deadline is escalated once: when the respond / the (current) resolve deadline was escalated.
    respond_escalated_at = models.DateTimeField(_("响应超时上报时间"), null=True, blank=True)
    resolve_escalated_at = models.DateTimeField(_("解决超时上报时间"), null=True, blank=True)
    resolution = models.CharField(_("处理结果"), max_length=500, blank=True)
    rating = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True)  # 1–5
    rating_comment = models.CharField(_("评价"), max_length=300, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["status", "respond_due_at"], name="ticket_status_respond_idx"),
            models.Index(fields=["status", "resolve_due_at"], name="ticket_status_resolve_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status_idx"),
            models.Index(fields=["house", "submitted_at"], name="ticket_house_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="ticket_rating_1_to_5"),
            models.CheckConstraint(condition=~Q(kind="temperature") | Q(reported_temp__isnull=False),
                                   name="ticket_temperature_has_reading"),
        ]
        verbose_name = _("工单")
        verbose_name_plural = _("工单")

    def __str__(self) -> str:
        return self.no


class TicketEvent(models.Model):
    """One step of a ticket's timeline, shown to the resident (`public`) and to staff (all)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=24)  # submit, accept, assign, on_site, resolve, confirm, auto_close, …
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    actor_kind = models.CharField(max_length=10)  # resident | staff | system
    actor_name = models.CharField(max_length=64, blank=True)  # shown: "维修技术员 张师傅", "系统"
    note = models.CharField(max_length=500, blank=True)
    public = models.BooleanField(default=True)  # false: internal notes and escalations
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.action}"


class Photo(models.Model):
    """An uploaded picture (fault, thermometer, proof of ownership, valve seal) in the company's storage.
    Uploaded first (REST), then attached by id to one ticket / inspection / application by its uploader."""

    class Purpose(models.TextChoices):
        TICKET = "ticket", _("工单照片")
        THERMOMETER = "thermometer", _("温度计照片")
        INSPECTION = "inspection", _("检测照片")
        OWNERSHIP = "ownership", _("产权证明")
        SEAL = "seal", _("施封照片")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    path = models.CharField(max_length=200)  # in default_storage (the company's)
    content_type = models.CharField(max_length=32)  # image/jpeg | image/png | image/webp
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by_resident = models.ForeignKey("residents.Resident", null=True, blank=True,
                                             on_delete=models.SET_NULL, related_name="+")
    uploaded_by_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    inspection = models.ForeignKey("services.Inspection", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="photos")
    application = models.ForeignKey("services.OptOutApplication", null=True, blank=True,
                                    on_delete=models.CASCADE, related_name="photos")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return str(self.pk)


class QualityRule(models.Model):
    """A city's room-temperature rule as the company applies it, in force from `effective_from` to
    `effective_to` (inclusive; null: open-ended). Bands are degrees below standard → refund ratio:
    `bands` = [{"to": "2", "pct": "20"}, {"to": "4", "pct": "50"}, {"to": null, "pct": "100"}] means
    (0, 2] → 20 %, (2, 4] → 50 %, above 4 → 100 % with `band_edge` UPPER (the band includes its upper edge:
    16.0 ℃ under an 18 ℃ standard is "16–18 ℃"); LOWER makes it [0, 2), [2, 4) … (Beijing: "2–4 ℃ below")."""

    class FeeBase(models.TextChoices):
        FULL = "full", _("全部热费")
        EXCLUDING_BASIC = "excluding_basic", _("扣除基本热费后的热费")
        AFFECTED_AREA = "affected_area", _("仅不达标房间面积")

    class BandEdge(models.TextChoices):
        UPPER = "upper", _("含上限")
        LOWER = "lower", _("含下限")

    name = models.CharField(_("名称"), max_length=64)  # e.g. 天津市供热用热条例
    city = models.CharField(_("城市"), max_length=32)
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    standard_temp = models.DecimalField(_("标准室温(℃)"), max_digits=4, decimal_places=1)
    bands = models.JSONField(_("退费档位"))
    band_edge = models.CharField(_("档位边界"), max_length=6, choices=BandEdge.choices, default=BandEdge.UPPER)
    fee_base = models.CharField(_("退费基数"), max_length=16, choices=FeeBase.choices, default=FeeBase.FULL)
    response_hours = models.PositiveSmallIntegerField(_("上门检测时限(小时)"), default=24)
    grace_hours = models.PositiveSmallIntegerField(_("整改时限(小时)"), default=48)  # fixed within: no refund
    # Measurement procedure: no reading inside [no_measure_from, no_measure_to) local time (Harbin: 10–14 h).
    no_measure_from = models.TimeField(_("不测温开始"), null=True, blank=True)
    no_measure_to = models.TimeField(_("不测温结束"), null=True, blank=True)
    min_points = models.PositiveSmallIntegerField(_("每房间测点数"), default=1)
    height_m = models.DecimalField(_("测点高度(m)"), max_digits=3, decimal_places=1, default="1.4")
    procedure = models.CharField(_("测温规程"), max_length=500, blank=True)
    refund_deadline = models.CharField(_("退费期限"), max_length=32, blank=True)  # e.g. 次年6月30日前
    source = models.CharField(_("依据"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-effective_from", "id"]
        verbose_name = _("室温标准")
        verbose_name_plural = _("室温标准")

    def __str__(self) -> str:
        return self.name


class Inspection(models.Model):
    """A technician's measurement at a temperature-report ticket's house. `rooms` =
    [{"name": "主卧", "area": "15.20", "readings": ["16.4", "16.6"]}, …]; the room's temperature is the mean
    of its readings (rounded to 0.1 ℃), the house's the lowest room's (each room must meet the standard)."""

    class Cause(models.TextChoices):
        NONE = "none", _("达标")
        UTILITY = "utility", _("供热方原因")
        ALTERED_PIPES = "altered_pipes", _("住户私改管道")
        COVERED_RADIATORS = "covered_radiators", _("住户遮挡散热器")
        DRAINED_WATER = "drained_water", _("住户私放暖气水")
        OTHER_RESIDENT = "other_resident", _("其他住户原因")

    RESIDENT_CAUSES = (Cause.ALTERED_PIPES, Cause.COVERED_RADIATORS, Cause.DRAINED_WATER, Cause.OTHER_RESIDENT)

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="inspections")
    house = models.ForeignKey("properties.House", on_delete=models.PROTECT, related_name="inspections")
    rule = models.ForeignKey(QualityRule, on_delete=models.PROTECT, related_name="inspections")
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    measured_at = models.DateTimeField(_("测温时间"))
    rooms = models.JSONField(_("房间测温"))
    outdoor_temp = models.DecimalField(_("室外温度(℃)"), max_digits=4, decimal_places=1, null=True, blank=True)
    house_temp = models.DecimalField(_("室温(℃)"), max_digits=4, decimal_places=1)  # lowest room
    compliant = models.BooleanField(_("达标"))
    cause = models.CharField(_("原因"), max_length=20, choices=Cause.choices, default=Cause.NONE)
    device_no = models.CharField(_("测温仪编号"), max_length=32, blank=True)
    resident_signature = models.CharField(_("住户签字"), max_length=32, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["measured_at", "id"]

    def __str__(self) -> str:
        return f"inspection#{self.pk} ticket#{self.ticket_id}"


class ShortfallPeriod(models.Model):
    """Days a house was below standard through the utility's fault, from the non-compliant inspection's day
    to the day before the compliant re-inspection (or the season's last day)."""

    class Status(models.TextChoices):
        OPEN = "open", _("未整改")
        CLOSED = "closed", _("已整改")

    house = models.ForeignKey("properties.House", on_delete=models.PROTECT, related_name="shortfalls")
    season = models.ForeignKey("tariffs.Season", on_delete=models.PROTECT, related_name="shortfalls")
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="shortfalls")
    rule = models.ForeignKey(QualityRule, on_delete=models.PROTECT, related_name="shortfalls")
    opened_by = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="+")
    closed_by = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)  # last non-compliant day
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["house"], condition=Q(status="open"), name="one_open_shortfall_per_house"),
        ]

    def __str__(self) -> str:
        return f"shortfall#{self.pk} house#{self.house_id}"


class Compensation(models.Model):
    """The refund a closed shortfall period earns, with its explanation lines (one per band segment)."""

    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending_approval", _("待财务审批")
        APPROVED = "approved", _("已审批")  # being credited / refunded
        CREDITED = "credited", _("已抵扣账单")
        CARRIED = "carried", _("待抵扣下季热费")
        REFUNDING = "refunding", _("退款中")
        REFUNDED = "refunded", _("已退款")
        REJECTED = "rejected", _("已驳回")
        NONE_DUE = "none_due", _("无需补偿")

    class Method(models.TextChoices):
        BILL_CREDIT = "bill_credit", _("抵扣本季账单")
        NEXT_BILL = "next_bill", _("抵扣下季热费")
        REFUND = "refund", _("原路退款")

    period = models.OneToOneField(ShortfallPeriod, on_delete=models.PROTECT, related_name="compensation")
    house = models.ForeignKey("properties.House", on_delete=models.PROTECT, related_name="compensations")
    season = models.ForeignKey("tariffs.Season", on_delete=models.PROTECT, related_name="compensations")
    bill = models.ForeignKey("billing.Bill", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="compensations")
    amount_fen = models.BigIntegerField(_("补偿金额(分)"))
    days = models.PositiveIntegerField(_("不达标天数"))
    # [{"temp": "16.5", "below": "1.5", "pct": "30", "days": 12, "amount_fen": 2880, "text": "室温16.5℃，…"}]
    lines = models.JSONField()
    explanation = models.CharField(max_length=500)  # the lines joined: what the bill line says
    status = models.CharField(max_length=18, choices=Status.choices)
    method = models.CharField(max_length=12, choices=Method.choices, blank=True)
    credited_fen = models.BigIntegerField(default=0)  # on the season's bill
    carried_fen = models.BigIntegerField(default=0)  # as a HouseCredit for the next bill
    refunded_fen = models.BigIntegerField(default=0)
    refund = models.ForeignKey("payments.Refund", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gte=0), name="compensation_not_negative")]

    def __str__(self) -> str:
        return f"compensation#{self.pk} {self.amount_fen}"


class OptOutApplication(models.Model):
    class Kind(models.TextChoices):
        OPT_OUT = "opt_out", _("报停")
        RESUME = "resume", _("恢复供暖")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已批准，待施封")
        SEALED = "sealed", _("已施封")  # resume: valve unsealed / reopened
        EFFECTIVE = "effective", _("已生效")
        REJECTED = "rejected", _("已驳回")
        CANCELLED = "cancelled", _("已撤销")

    LIVE = (Status.SUBMITTED, Status.APPROVED, Status.SEALED, Status.EFFECTIVE)

    no = models.CharField(_("申请号"), max_length=20, unique=True)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    house = models.ForeignKey("properties.House", on_delete=models.PROTECT, related_name="opt_out_applications")
    season = models.ForeignKey("tariffs.Season", on_delete=models.PROTECT, related_name="opt_out_applications")
    resident = models.ForeignKey("residents.Resident", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="opt_out_applications")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    applicant_name = models.CharField(_("申请人"), max_length=32)
    contact_phone = EncryptedTextField(_("联系电话"), blank=True)
    reason = models.CharField(_("原因"), max_length=300)
    effective_date = models.DateField(_("生效日期"))  # opt-out: the season's start; resume: the day heat returns
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    sealed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    sealed_at = models.DateTimeField(null=True, blank=True)
    seal_no = models.CharField(_("封签号"), max_length=32, blank=True)
    effective_at = models.DateTimeField(null=True, blank=True)
    adjustment_fen = models.BigIntegerField(default=0)  # resume inside a billed season: what the bill changed by
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # One live application per house, season and kind.
            models.UniqueConstraint(fields=["house", "season", "kind"],
                                    condition=Q(status__in=["submitted", "approved", "sealed", "effective"]),
                                    name="one_live_opt_out_per_house_season_kind"),
        ]

    def __str__(self) -> str:
        return self.no
