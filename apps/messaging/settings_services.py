"""Writes of messaging settings: the company's (quiet hours, caps, SMS sign, which mini-program version a
subscription message opens) by staff, and a resident's SMS opt-in with its proof (when, from where)."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from heat_platform.kernel import throttle
from heat_platform.kernel.errors import field_error

from .errors import MessagingErrorCode as Code
from .models import MessagingSettings, SmsConsent
from .templates import check_wording

EDITABLE = ("quiet_start", "quiet_end", "sms_enabled", "sms_sign_name", "resident_daily_cap", "phone_daily_cap",
            "miniprogram_state")
MAX_RESIDENT_CAP = 20
# Vendors cap a phone at 50 notification SMS a day per sign + template (Aliyun): stay well below it.
MAX_PHONE_CAP = 40
_HHMM = re.compile(r"\d{2}:\d{2}", re.ASCII)
_SIGN = re.compile(r"^[\u4e00-\u9fa5A-Za-z0-9]{2,12}$")


# Resident writes that leave an audit row per call: a script must not flood the log.
OPT_IN_LIMIT = throttle.Limit("messaging.sms_opt_in", 20, 3600)
SUBSCRIBE_LIMIT = throttle.Limit("messaging.subscription_results", 60, 3600)


def throttle_resident(limit: throttle.Limit, resident) -> None:
    """RATE_LIMITED (with retry_after, seconds) once the resident used up `limit`; nothing is changed."""
    if throttle.admit([(limit, resident.pk)]) is not None:
        wait = throttle.retry_after(limit, resident.pk)
        raise ValidationError({"__all__": [ValidationError(
            _("操作太频繁，请 %(wait)s后再试。") % {"wait": throttle.wait_text(wait)}, code=Code.RATE_LIMITED,
            params={"retry_after": wait})]})


def _time(field: str, value) -> dt.time:
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    # exactly HH:MM: fromisoformat alone takes "08:00+08:00", "08:00:59.9" and "T0800" and drops the rest
    try:
        if not _HHMM.fullmatch(str(value)):
            raise ValueError(value)
        return dt.time.fromisoformat(str(value))
    except ValueError:
        raise field_error(field, _("时间格式应为 HH:MM。"), Code.INVALID) from None


def _cap(field: str, value, top: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
        raise field_error(field, _("应为 1～%(n)s 的整数。") % {"n": top}, Code.INVALID)
    return value


@transaction.atomic
def messaging_settings_update(*, actor, values: dict, ip: str | None = None) -> MessagingSettings:
    """Change the given settings; checked as a whole, nothing saved on an error. quiet_start == quiet_end: no
    quiet hours."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise field_error(sorted(unknown)[0], _("不能修改此项。"), Code.INVALID)
    clean: dict = {}
    for name in ("quiet_start", "quiet_end"):
        if name in values:
            clean[name] = _time(name, values[name])
    if "sms_enabled" in values:
        clean["sms_enabled"] = bool(values["sms_enabled"])
    if "sms_sign_name" in values:
        sign = str(values["sms_sign_name"] or "").strip().strip("【】")
        if sign and not _SIGN.match(sign):
            raise field_error("sms_sign_name", _("短信签名应为 2～12 个汉字、字母或数字。"), Code.INVALID)
        check_wording(sign, field="sms_sign_name")
        clean["sms_sign_name"] = sign
    if "resident_daily_cap" in values:
        clean["resident_daily_cap"] = _cap("resident_daily_cap", values["resident_daily_cap"], MAX_RESIDENT_CAP)
    if "phone_daily_cap" in values:
        clean["phone_daily_cap"] = _cap("phone_daily_cap", values["phone_daily_cap"], MAX_PHONE_CAP)
    if "miniprogram_state" in values:
        if values["miniprogram_state"] not in MessagingSettings.MiniProgramState.values:
            raise field_error("miniprogram_state", _("跳转版本无效。"), Code.INVALID)
        clean["miniprogram_state"] = values["miniprogram_state"]
    MessagingSettings.get()
    current = MessagingSettings.objects.select_for_update().get(pk=1)
    changed = [name for name, value in clean.items() if getattr(current, name) != value]
    for name in changed:
        setattr(current, name, clean[name])
    if changed:
        current.save(update_fields=[*changed, "updated_at"])
        audit_record(actor=actor, action="messaging.settings_update", target=current, ip=ip,
                     changes={name: str(clean[name]) for name in changed})
        if {"quiet_start", "quiet_end"} & set(changed):
            reschedule_quiet_holds(current)
    return current


def reschedule_quiet_holds(messaging_settings: MessagingSettings, *, now: dt.datetime | None = None) -> int:
    """New quiet hours apply to what the old ones hold: messages waiting only for the end of a quiet window (never
    tried, due later than now) are due again when the new window allows — at once if it is not quiet now, else at
    the new window's end. Retries waiting for their backoff keep their time. One UPDATE per kind; returns how many
    messages moved."""
    from . import quiet
    from .models import Message, MessageKind

    now = now or timezone.now()
    moved = 0
    for kind in MessageKind.values:
        due = quiet.release_time(now, kind=kind, messaging_settings=messaging_settings)
        moved += (Message.objects.filter(status=Message.Status.PENDING, attempts=0, kind=kind, not_before__gt=now)
                  .exclude(not_before=due).update(not_before=due))
    return moved


@transaction.atomic
def sms_opt_in_set(*, resident, opt_in: bool, ip: str | None = None, source: str = SmsConsent.Source.MINIPROGRAM,
                   now: dt.datetime | None = None) -> SmsConsent:
    """The resident's choice about SMS notices, kept with when and from where (proof of consent). Opting in needs
    a verified phone (NO_PHONE); opting out is always possible."""
    now = now or timezone.now()
    if source == SmsConsent.Source.MINIPROGRAM:
        throttle_resident(OPT_IN_LIMIT, resident)
    if opt_in and not resident.phone:
        raise field_error("opt_in", _("请先绑定手机号，再开启短信通知。"), Code.NO_PHONE)
    consent, _created = SmsConsent.objects.select_for_update().get_or_create(resident=resident)
    if consent.opted_in == opt_in and not _created:
        return consent
    consent.opted_in = opt_in
    consent.source = source
    consent.ip = (ip or "")[:45]
    if opt_in:
        consent.opted_in_at = now
    else:
        consent.opted_out_at = now
    consent.save()
    audit_record(actor=resident, action="messaging.sms_opt_in" if opt_in else "messaging.sms_opt_out",
                 target=resident, ip=ip, source=source)
    return consent
