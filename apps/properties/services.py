"""Writes on the house ledger and house binding."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from heat_platform.crypto import blind_index
from heat_platform.kernel import throttle
from heat_platform.kernel.errors import field_error
from tenants.validators import normalize_phone

from .errors import PropertyErrorCode
from .models import BindingSettings, HeatingStatusChange, House, HouseBinding
from .selectors import binding_settings_get

MAX_AREA = Decimal("100000")  # ㎡: anything larger is a typo, not a house
MAX_HOUSES_PER_RESIDENT = 20


def parse_area(value: Any, *, field: str, required: bool = True) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise field_error(field, _("此项必填。"), PropertyErrorCode.REQUIRED)
        return None
    try:
        area = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise field_error(field, _("面积必须是数字。"), PropertyErrorCode.INVALID_AREA) from exc
    if not area.is_finite() or area <= 0 or area > MAX_AREA or area.as_tuple().exponent < -2:
        raise field_error(field, _("面积须大于 0、不超过 100000 且最多两位小数。"), PropertyErrorCode.INVALID_AREA)
    return area


EDITABLE = ("room", "building_area", "usable_area", "category", "low_income", "meter_no", "owner_name",
            "owner_phone", "owner_id_no")


@transaction.atomic
def house_update(*, house_id: int, actor, changes: dict[str, Any], ip: str | None = None) -> House:
    """Edit a house's ledger fields. Audited with the names of changed fields
    (never their personal values)."""
    house = House.objects.select_for_update().filter(pk=house_id).first()
    if house is None:
        raise field_error("id", _("找不到该房屋。"), PropertyErrorCode.NOT_FOUND)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise field_error(sorted(unknown)[0], _("该字段不可修改。"), PropertyErrorCode.INVALID)
    errors: dict[str, list[ValidationError]] = {}
    clean: dict[str, Any] = {}
    for field, value in changes.items():
        try:
            clean[field] = _clean_field(field, value)
        except ValidationError as exc:
            for key, errs in exc.error_dict.items():
                errors.setdefault(key, []).extend(errs)
    if errors:
        raise ValidationError(errors)
    usable = clean.get("usable_area", house.usable_area)
    if usable is not None and usable > clean.get("building_area", house.building_area):
        # The import refuses this too; here either area may be the one that changed.
        field = "usable_area" if "usable_area" in clean else "building_area"
        raise field_error(field, _("套内面积不能大于建筑面积。"), PropertyErrorCode.INVALID_AREA)
    changed = [f for f, v in clean.items() if getattr(house, f) != v]
    for field in changed:
        setattr(house, field, clean[field])
    if "owner_phone" in changed:
        house.owner_phone_index = blind_index(house.owner_phone, purpose="phone") if house.owner_phone else ""
        changed.append("owner_phone_index")
    if "owner_id_no" in changed:
        house.owner_id_no_index = blind_index(house.owner_id_no, purpose="id_no") if house.owner_id_no else ""
        changed.append("owner_id_no_index")
    if changed:
        house.save(update_fields=[*changed, "updated_at"])
        audit_record(actor=actor, action="house.update", target=house, ip=ip,
                     fields=sorted(f for f in changed if not f.endswith("_index")))
    return house


def _clean_field(field: str, value: Any) -> Any:
    if field == "building_area":
        return parse_area(value, field=field)
    if field == "usable_area":
        return parse_area(value, field=field, required=False)
    if field == "category":
        if value not in House.Category.values:
            raise field_error(field, _("无效的类别。"), PropertyErrorCode.INVALID)
        return value
    if field == "low_income":
        if value not in House.LowIncome.values:
            raise field_error(field, _("无效的低保/特困标记。"), PropertyErrorCode.INVALID)
        return value
    if field == "owner_phone":
        if not value:
            return ""
        try:
            return normalize_phone(value)
        except ValidationError as exc:
            raise field_error(field, exc.messages[0], PropertyErrorCode.INVALID_PHONE) from exc
    text = (value or "").strip()
    if field == "owner_id_no" and ("*" in text or "＊" in text):
        # A masked number (as technicians and finance see it) would overwrite the real one.
        raise field_error(field, _("这是脱敏后的证件号码（含 *），保存会覆盖真实号码。"), PropertyErrorCode.INVALID)
    if field in ("room", "owner_name") and not text:
        raise field_error(field, _("此项必填。"), PropertyErrorCode.REQUIRED)
    max_len = House._meta.get_field(field).max_length or 64
    if len(text) > max_len:
        raise field_error(field, _("内容过长。"), PropertyErrorCode.INVALID)
    return text


@transaction.atomic
def house_change_heating_status(*, house_id: int, to_status: str, reason: str, actor,
                                effective_date: dt.date | None = None, ip: str | None = None) -> House:
    """报停 / 停供 / 恢复供热, with a reason; history feeds billing (proration, late-fee pauses)."""
    if to_status not in House.HeatingStatus.values:
        raise field_error("status", _("无效的供热状态。"), PropertyErrorCode.INVALID_STATUS)
    if not (reason or "").strip():
        raise field_error("reason", _("请填写原因。"), PropertyErrorCode.REQUIRED)
    house = House.objects.select_for_update().filter(pk=house_id).first()
    if house is None:
        raise field_error("id", _("找不到该房屋。"), PropertyErrorCode.NOT_FOUND)
    if house.heating_status == to_status:
        raise field_error("status", _("房屋已是该状态。"), PropertyErrorCode.INVALID_STATUS)
    effective = effective_date or timezone.localdate()
    HeatingStatusChange.objects.create(house=house, from_status=house.heating_status, to_status=to_status,
                                       reason=reason.strip()[:200], effective_date=effective,
                                       changed_by=getattr(actor, "username", "system"))
    audit_record(actor=actor, action="house.heating_status", target=house, ip=ip,
                 **{"from": house.heating_status, "to": to_status, "reason": reason.strip()[:200],
                    "effective_date": effective.isoformat()})
    house.heating_status = to_status
    house.save(update_fields=["heating_status", "updated_at"])
    return house


def _bind_limits(*, resident_id: int, account_no: str, ip: str | None) -> list[tuple[throttle.Limit, object]]:
    """Binding attempts are counted per resident, per target 户号 (whether or not
    it exists, so the limit reveals nothing; keys ignore case) and per client IP: a fresh resident
    or a fresh IP does not buy more guesses at one house."""
    conf = settings.BINDING_THROTTLE
    window = conf["WINDOW_SECONDS"]
    return [
        (throttle.Limit("bind.resident", conf["MAX_PER_RESIDENT"], window), resident_id),
        (throttle.Limit("bind.account_no", conf["MAX_PER_ACCOUNT_NO"], window), account_no),
        (throttle.Limit("bind.ip", conf["MAX_PER_IP"], window), ip or "unknown"),
    ]


def house_bind(*, resident, account_no: str, owner_name: str = "", phone_last4: str = "",
               role: str = HouseBinding.Role.OWNER, ip: str | None = None) -> HouseBinding:
    """Bind a house to a resident on proof: 户号 plus the owner's name or, where
    the company allows it (BindingSettings), the last 4 digits of the owner's
    phone. Wrong number, wrong name and wrong digits give one and the same
    error. Failed attempts are limited per resident, per target 户号 and per
    client IP (settings.BINDING_THROTTLE); a successful binding is not counted,
    but neither does it reset anything, so binding one's own house between
    guesses buys nothing. Failed attempts are audited outside any transaction
    so the rollback cannot erase them."""
    if role not in HouseBinding.Role.values:
        raise field_error("role", _("无效的关系。"), PropertyErrorCode.INVALID)
    account_no = (account_no or "").strip()
    if (phone_last4 or "").strip() and not binding_settings_get().allow_phone_last4:
        raise field_error("phone_last4", _("本公司不支持用手机号后 4 位绑定，请填写户主姓名。"),
                          PropertyErrorCode.PROOF_NOT_ALLOWED)
    limits = _bind_limits(resident_id=resident.pk, account_no=account_no, ip=ip)
    over = throttle.admit(limits)
    if over is not None:
        seconds = max(1, throttle.retry_after(*over))
        raise ValidationError(_("尝试次数过多，请 %(wait)s后再试。") % {"wait": throttle.wait_text(seconds)},
                              code=PropertyErrorCode.TOO_MANY_ATTEMPTS, params={"retry_after": seconds})
    house = House.objects.filter(account_no=account_no).first()
    if house is None or not _proof_matches(house, owner_name=owner_name, phone_last4=phone_last4):
        audit_record(actor=resident, action="house.bind_failed", ip=ip,
                     account_no_hash=hashlib.sha256(account_no.encode()).hexdigest()[:16])
        raise ValidationError(_("户号与户主信息不匹配。"), code=PropertyErrorCode.BINDING_FAILED)
    for limit, value in limits:  # the proof held: this attempt was no guess
        throttle.refund(limit, value)
    with transaction.atomic():
        House.objects.select_for_update().filter(pk=house.pk).first()  # serialises the cap check per house
        existing = HouseBinding.objects.filter(house=house, resident=resident).first()
        if existing:
            return existing
        if HouseBinding.objects.filter(house=house).count() >= settings.HOUSE_BINDING_CAP:
            raise ValidationError(_("该房屋绑定人数已达上限，请联系供热公司。"), code=PropertyErrorCode.HOUSE_FULL)
        if HouseBinding.objects.filter(resident=resident).count() >= MAX_HOUSES_PER_RESIDENT:
            raise ValidationError(_("绑定的房屋数量已达上限。"), code=PropertyErrorCode.TOO_MANY_HOUSES)
        binding = HouseBinding.objects.create(house=house, resident=resident, role=role)
        audit_record(actor=resident, action="house.bind", target=house, ip=ip, role=role)
    return binding


def _proof_matches(house: House, *, owner_name: str, phone_last4: str) -> bool:
    name = "".join((owner_name or "").split())
    if name:
        return name == "".join(house.owner_name.split())
    digits = (phone_last4 or "").strip()
    return len(digits) == 4 and digits.isdigit() and bool(house.owner_phone) and house.owner_phone.endswith(digits)


@transaction.atomic
def house_unbind(*, resident, house_id: int, ip: str | None = None) -> None:
    binding = HouseBinding.objects.select_for_update().filter(resident=resident, house_id=house_id).first()
    if binding is None:
        raise field_error("houseId", _("找不到该房屋。"), PropertyErrorCode.NOT_FOUND)
    house = binding.house
    binding.delete()
    audit_record(actor=resident, action="house.unbind", target=house, ip=ip)


@transaction.atomic
def binding_settings_update(*, actor, allow_phone_last4: bool, ip: str | None = None) -> BindingSettings:
    """The company admin decides which proofs residents may bind with. Audited
    with the old and new value; saving the same value again writes nothing."""
    row, _created = BindingSettings.objects.select_for_update().get_or_create(pk=1)
    if row.allow_phone_last4 != allow_phone_last4:
        audit_record(actor=actor, action="binding_settings.update", target=row, ip=ip,
                     allow_phone_last4={"from": row.allow_phone_last4, "to": allow_phone_last4})
        row.allow_phone_last4 = allow_phone_last4
        row.updated_by = getattr(actor, "username", "")
        row.save(update_fields=["allow_phone_last4", "updated_by", "updated_at"])
    return row


def bindings_remove_for_resident(*, resident) -> int:
    """Every house binding of a resident whose account is being deleted (apps/residents/erasure.py);
    the caller holds the transaction and writes the audit row. Returns how many were removed."""
    removed, _per_model = HouseBinding.objects.filter(resident=resident).delete()
    return removed
