"""The house ledger: 热源 → 换热站 → 小区 → 楼 → 单元 → 户."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from heat_platform.crypto import EncryptedTextField


class HeatSource(models.Model):
    name = models.CharField(_("热源"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("热源")
        verbose_name_plural = _("热源")

    def __str__(self) -> str:
        return self.name


class ExchangeStation(models.Model):
    name = models.CharField(_("换热站"), max_length=64, unique=True)
    heat_source = models.ForeignKey(HeatSource, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="stations")

    class Meta:
        verbose_name = _("换热站")
        verbose_name_plural = _("换热站")

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    name = models.CharField(_("小区"), max_length=64, unique=True)
    exchange_station = models.ForeignKey(ExchangeStation, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="communities")
    address = models.CharField(_("地址"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("小区")
        verbose_name_plural = _("小区")

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="buildings")
    name = models.CharField(_("楼号"), max_length=32)

    class Meta:
        ordering = ["community_id", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="building_unique_in_community")]
        verbose_name = _("楼")
        verbose_name_plural = _("楼")

    def __str__(self) -> str:
        return f"{self.community.name} {self.name}"


class Unit(models.Model):
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="units")
    name = models.CharField(_("单元"), max_length=32)

    class Meta:
        ordering = ["building_id", "name"]
        constraints = [models.UniqueConstraint(fields=["building", "name"], name="unit_unique_in_building")]
        verbose_name = _("单元")
        verbose_name_plural = _("单元")

    def __str__(self) -> str:
        return self.name


class House(models.Model):
    class Category(models.TextChoices):
        RESIDENTIAL = "residential", _("居民")
        NON_RESIDENTIAL = "non_residential", _("非居民")

    class LowIncome(models.TextChoices):
        NONE = "none", _("无")
        DIBAO = "dibao", _("低保")
        TEKUN = "tekun", _("特困")

    class HeatingStatus(models.TextChoices):
        NORMAL = "normal", _("正常供热")
        OPTED_OUT = "opted_out", _("报停")
        DISCONNECTED = "disconnected", _("停供/拆除")

    # Encrypted field -> (its blind-index column, index purpose); used by writes and key rotation.
    BLIND_INDEXES = {"owner_phone": ("owner_phone_index", "phone"), "owner_id_no": ("owner_id_no_index", "id_no")}

    account_no = models.CharField(_("户号"), max_length=32, unique=True)
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="houses")
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="houses")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="houses")
    room = models.CharField(_("室号"), max_length=32)
    building_area = models.DecimalField(_("建筑面积(㎡)"), max_digits=10, decimal_places=2)
    usable_area = models.DecimalField(_("套内面积(㎡)"), max_digits=10, decimal_places=2, null=True, blank=True)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, default=Category.RESIDENTIAL)
    low_income = models.CharField(_("低保/特困"), max_length=10, choices=LowIncome.choices, default=LowIncome.NONE)
    meter_no = models.CharField(_("热表编号"), max_length=64, blank=True)
    heating_status = models.CharField(_("供热状态"), max_length=20, choices=HeatingStatus.choices,
                                      default=HeatingStatus.NORMAL)
    owner_name = models.CharField(_("户主姓名"), max_length=64)
    owner_phone = EncryptedTextField(_("户主电话"), blank=True)
    owner_phone_index = models.CharField(max_length=64, blank=True)
    owner_id_no = EncryptedTextField(_("证件号码"), blank=True)
    owner_id_no_index = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account_no"]
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        # Plain btree indexes: db_index=True on a CharField also adds a LIKE
        # (varchar_pattern_ops) index nobody uses, and every index slows bulk imports.
        indexes = [
            models.Index(fields=["heating_status"], name="house_heating_status_idx"),
            models.Index(fields=["owner_phone_index"], name="house_phone_index_idx"),
            models.Index(fields=["owner_id_no_index"], name="house_id_no_index_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(building_area__gt=0), name="house_building_area_positive"),
            models.CheckConstraint(condition=models.Q(usable_area__isnull=True) | models.Q(usable_area__gt=0),
                                   name="house_usable_area_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.account_no} {self.address}"

    @property
    def address(self) -> str:
        unit = f"{self.unit.name}" if self.unit_id else ""
        return f"{self.community.name}{self.building.name}{unit}{self.room}"


class HeatingStatusChange(models.Model):
    """History of 报停/停供/恢复: billing prorates and pauses late fees from it."""

    house = models.ForeignKey(House, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=House.HeatingStatus.choices)
    to_status = models.CharField(max_length=20, choices=House.HeatingStatus.choices)
    reason = models.CharField(_("原因"), max_length=200)
    effective_date = models.DateField(_("生效日期"))
    changed_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.house_id}: {self.from_status} -> {self.to_status}"


class HouseBinding(models.Model):
    """A resident's link to a house. Several residents per house (capped), several houses per resident."""

    class Role(models.TextChoices):
        OWNER = "owner", _("户主")
        FAMILY = "family", _("家属")
        TENANT = "tenant", _("租户")

    house = models.ForeignKey(House, on_delete=models.CASCADE, related_name="bindings")
    resident = models.ForeignKey("residents.Resident", on_delete=models.CASCADE, related_name="bindings")
    role = models.CharField(_("关系"), max_length=10, choices=Role.choices, default=Role.OWNER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["house", "resident"], name="binding_unique")]

    def __str__(self) -> str:
        return f"{self.resident_id} -> {self.house_id} ({self.role})"


class BindingSettings(models.Model):
    """How residents of this company may prove a house is theirs: one row
    (pk 1) per company schema, absent until an admin first changes it, and
    then the defaults apply. The owner's name always works; the last 4 digits
    of the owner's phone are a weak proof (10 000 values, often guessable), so
    they are off unless the company turns them on."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    allow_phone_last4 = models.BooleanField(_("允许以户主手机号后 4 位绑定"), default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("房屋绑定设置")
        verbose_name_plural = _("房屋绑定设置")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="binding_settings_single_row")]

    def __str__(self) -> str:
        return f"binding settings (last4={'on' if self.allow_phone_last4 else 'off'})"
