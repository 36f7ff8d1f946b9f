"""Room-temperature rules of a company (QualityRule rows with effective dates) and the service settings.

- `rule_in_force(day)`: the rule whose effective range contains `day` (ranges never overlap: `rule_save`).
- `band_pct(rule, temp)`: the refund ratio (%) a house temperature earns under a rule (None when compliant).
- `rule_save`: create or change a rule, validated (bands increasing, ratios 0–100 % and non-decreasing, no
  overlapping effective ranges), serialised per company by an advisory lock so two saves cannot both pass the
  overlap check. Audited.
- `service_settings_save`: the company's ServiceSettings row (approval threshold, paid-season compensation
  method, ticket closing and 报停 deadlines). Audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from heat_platform.kernel.errors import field_error
from heat_platform.kernel.locks import xact_lock

from .cleaning import clean_text
from .errors import ServiceErrorCode as Code
from .models import QualityRule, ServiceSettings

TEMP_MIN, TEMP_MAX = Decimal("-10"), Decimal("40")
ONE_DECIMAL = Decimal("0.1")
RULE_FIELDS = ("name", "city", "effective_from", "effective_to", "standard_temp", "bands", "band_edge", "fee_base",
               "response_hours", "grace_hours", "no_measure_from", "no_measure_to", "min_points", "height_m",
               "procedure", "refund_deadline", "source")
SETTINGS_FIELDS = ("auto_close_days", "reopen_days", "approval_threshold_fen", "paid_compensation",
                   "opt_out_deadline_days", "opt_out_requires_no_arrears")


# --- reading ---------------------------------------------------------------------------------------------

def rule_in_force(day: dt.date) -> QualityRule | None:
    return (QualityRule.objects.filter(effective_from__lte=day)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day)).order_by("-effective_from").first())


def rules_list():
    return QualityRule.objects.order_by("-effective_from", "id")


def below_standard(rule: QualityRule, temp: Decimal) -> Decimal:
    return Decimal(rule.standard_temp) - Decimal(temp)


def band_pct(rule: QualityRule, temp: Decimal) -> Decimal | None:
    """The refund ratio in % for a room/house at `temp` under `rule`; None when it meets the standard."""
    below = below_standard(rule, temp)
    if below <= 0:
        return None
    lower_edge = rule.band_edge == QualityRule.BandEdge.LOWER
    for band in rule.bands:
        to = band.get("to")
        if to is None:
            return Decimal(str(band["pct"]))
        to = Decimal(str(to))
        if (below < to) if lower_edge else (below <= to):
            return Decimal(str(band["pct"]))
    return Decimal(str(rule.bands[-1]["pct"])) if rule.bands else Decimal(0)


# --- validation ------------------------------------------------------------------------------------------

def _decimal(field: str, value, *, code: str = Code.INVALID) -> Decimal:
    try:
        out = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise field_error(field, _("请输入数字。"), code) from None
    if not out.is_finite():
        raise field_error(field, _("请输入数字。"), code)
    return out


def temperature(field: str, value) -> Decimal:
    """A temperature in ℃: −10…40, at most one decimal."""
    if value is None or str(value).strip() == "":
        raise field_error(field, _("请填写温度。"), Code.REQUIRED)
    out = _decimal(field, value, code=Code.INVALID_TEMPERATURE)
    if out != out.quantize(ONE_DECIMAL) or not TEMP_MIN <= out <= TEMP_MAX:
        raise field_error(field, _("温度须在 -10～40℃ 之间，最多一位小数。"), Code.INVALID_TEMPERATURE)
    return out.quantize(ONE_DECIMAL)


def bands_clean(bands) -> list[dict]:
    """[{"to": "2", "pct": "20"}, …, {"to": None, "pct": "100"}]: edges increasing and positive, only the last
    open-ended, ratios 0–100 % and non-decreasing (a colder home never earns less)."""
    bad = field_error("bands", _("退费档位须按温差递增、比例在 0～100% 之间且不递减，仅最后一档可不设上限。"),
                      Code.INVALID_BANDS)
    if not isinstance(bands, (list, tuple)) or not bands or len(bands) > 10:
        raise bad
    out, last_to, last_pct = [], Decimal(0), Decimal(0)
    for i, band in enumerate(bands):
        if not isinstance(band, dict) or "pct" not in band:
            raise bad
        try:
            pct = Decimal(str(band["pct"]).strip())
            to = band.get("to")
            to = None if to is None or str(to).strip() == "" else Decimal(str(to).strip())
        except (InvalidOperation, ValueError, TypeError):
            raise bad from None
        if not pct.is_finite() or not Decimal(0) <= pct <= Decimal(100) or pct < last_pct:
            raise bad
        if pct != pct.quantize(Decimal("0.01")):
            raise bad
        if to is None:
            if i != len(bands) - 1:
                raise bad
        elif not to.is_finite() or to <= last_to or to > Decimal(50) or to != to.quantize(ONE_DECIMAL):
            raise bad
        out.append({"to": None if to is None else format(to.normalize(), "f"),
                    "pct": format(pct.normalize(), "f")})
        last_to, last_pct = (to if to is not None else last_to), pct
    return out


def _int(field: str, value, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise field_error(field, _("请输入 %(lo)s～%(hi)s 之间的整数。") % {"lo": lo, "hi": hi}, Code.INVALID)
    return value


def rule_clean(values: dict, *, current: QualityRule | None = None) -> dict:
    """Validated field values of a rule (missing keys keep `current`'s)."""
    def get(key, default=None):
        if key in values:
            return values[key]
        return getattr(current, key) if current is not None else default

    out = {
        "name": clean_text("name", get("name"), max_length=64, required=True),
        "city": clean_text("city", get("city"), max_length=32, required=True),
        "procedure": clean_text("procedure", get("procedure"), max_length=500),
        "refund_deadline": clean_text("refund_deadline", get("refund_deadline"), max_length=32),
        "source": clean_text("source", get("source"), max_length=300),
    }
    effective_from, effective_to = get("effective_from"), get("effective_to")
    if not isinstance(effective_from, dt.date):
        raise field_error("effective_from", _("请填写生效日期。"), Code.REQUIRED)
    if effective_to is not None and (not isinstance(effective_to, dt.date) or effective_to < effective_from):
        raise field_error("effective_to", _("失效日期不能早于生效日期。"), Code.INVALID)
    out.update(effective_from=effective_from, effective_to=effective_to)
    standard = get("standard_temp")
    if standard is None:
        raise field_error("standard_temp", _("请填写标准室温。"), Code.REQUIRED)
    standard = temperature("standard_temp", standard)
    if not Decimal(10) <= standard <= Decimal(30):
        raise field_error("standard_temp", _("标准室温须在 10～30℃ 之间。"), Code.INVALID_TEMPERATURE)
    out["standard_temp"] = standard
    out["bands"] = bands_clean(get("bands"))
    band_edge = get("band_edge", QualityRule.BandEdge.UPPER)
    if band_edge not in QualityRule.BandEdge.values:
        raise field_error("band_edge", _("档位边界无效。"), Code.INVALID)
    fee_base = get("fee_base", QualityRule.FeeBase.FULL)
    if fee_base not in QualityRule.FeeBase.values:
        raise field_error("fee_base", _("退费基数无效。"), Code.INVALID)
    out.update(band_edge=band_edge, fee_base=fee_base)
    out["response_hours"] = _int("response_hours", get("response_hours", 24), 1, 720)
    out["grace_hours"] = _int("grace_hours", get("grace_hours", 48), 0, 720)
    out["min_points"] = _int("min_points", get("min_points", 1), 1, 10)
    height = _decimal("height_m", get("height_m", Decimal("1.4")))
    if not Decimal("0.1") <= height <= Decimal("3") or height != height.quantize(ONE_DECIMAL):
        raise field_error("height_m", _("测点高度须在 0.1～3 米之间。"), Code.INVALID)
    out["height_m"] = height
    no_from, no_to = get("no_measure_from"), get("no_measure_to")
    if (no_from is None) != (no_to is None):
        raise field_error("no_measure_to", _("不测温时段须同时填写开始和结束。"), Code.INVALID)
    if no_from is not None and (not isinstance(no_from, dt.time) or not isinstance(no_to, dt.time)
                                or no_from >= no_to):
        raise field_error("no_measure_to", _("不测温时段的结束须晚于开始。"), Code.INVALID)
    out.update(no_measure_from=no_from, no_measure_to=no_to)
    return out


# --- writing ---------------------------------------------------------------------------------------------

# What may still change on a rule inspections or shortfall periods were judged by (their outcome must not move).
RULE_FIELDS_AFTER_USE = ("name", "procedure", "refund_deadline", "source", "effective_to")


def _in_use_check(current: QualityRule, clean: dict) -> None:
    """A rule in use keeps everything that decided an outcome; it may end (not before the last day it decided)."""
    from django.utils import timezone

    from .models import Inspection, ShortfallPeriod

    last = Inspection.objects.filter(rule=current).order_by("-measured_at").first()
    if last is None and not ShortfallPeriod.objects.filter(rule=current).exists():
        return
    for key, value in clean.items():
        if key not in RULE_FIELDS_AFTER_USE and value != getattr(current, key):
            raise field_error(key, _("该室温标准已用于测温或补偿，不能再修改此项；"
                                     "如标准有变，请设置失效日期并新建一条室温标准。"), Code.NOT_ALLOWED_IN_STATE)
    end = clean["effective_to"]
    last_day = timezone.localdate(last.measured_at) if last is not None else None
    if end is not None and last_day is not None and end < last_day:
        raise field_error("effective_to", _("失效日期不能早于按此标准的最后一次测温（%(day)s）。") % {
            "day": last_day.isoformat()}, Code.INVALID)

@transaction.atomic
def rule_save(*, actor, rule_id: int | None = None, values: dict, ip: str | None = None) -> QualityRule:
    """Create (no `rule_id`) or change a rule. `values` holds model field names; on a change, missing keys keep
    their value. Refuses a range that overlaps another rule's (OVERLAPPING_RULE)."""
    xact_lock("services.quality_rules")  # the overlap check and the write, one company at a time
    current = None
    if rule_id is not None:
        current = QualityRule.objects.select_for_update().filter(pk=rule_id).first()
        if current is None:
            raise field_error("id", _("找不到该室温标准。"), Code.NOT_FOUND)
    clean = rule_clean(values, current=current)
    if current is not None:
        _in_use_check(current, clean)
    start, end = clean["effective_from"], clean["effective_to"]
    others = QualityRule.objects.exclude(pk=rule_id) if rule_id is not None else QualityRule.objects.all()
    overlapping = others.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=start))
    if end is not None:
        overlapping = overlapping.filter(effective_from__lte=end)
    clash = overlapping.order_by("effective_from").first()
    if clash is not None:
        raise field_error("effective_from", _("与室温标准“%(name)s”（%(start)s 起）的生效期重叠。") % {
            "name": clash.name, "start": clash.effective_from.isoformat()}, Code.OVERLAPPING_RULE)
    if current is None:
        rule = QualityRule.objects.create(**clean)
        action = "quality_rule.create"
    else:
        for key, value in clean.items():
            setattr(current, key, value)
        current.save()
        rule, action = current, "quality_rule.update"
    audit_record(actor=actor, action=action, target=rule, ip=ip, city=rule.city,
                 effective_from=rule.effective_from.isoformat(),
                 effective_to=rule.effective_to.isoformat() if rule.effective_to else None,
                 standard_temp=str(rule.standard_temp), bands=rule.bands, fee_base=rule.fee_base)
    return rule


@transaction.atomic
def service_settings_save(*, actor, values: dict, ip: str | None = None) -> ServiceSettings:
    """Change the company's service settings (keys: SETTINGS_FIELDS; missing keys keep their value)."""
    row = ServiceSettings.get()
    row = ServiceSettings.objects.select_for_update().get(pk=row.pk)
    changed = {}
    limits = {"auto_close_days": (1, 90), "reopen_days": (0, 365), "opt_out_deadline_days": (0, 365)}
    for key, value in values.items():
        if key not in SETTINGS_FIELDS or value is None:
            continue
        if key in limits:
            value = _int(key, value, *limits[key])
        elif key == "approval_threshold_fen":
            value = _int(key, value, 0, 10**11)
        elif key == "paid_compensation":
            if value not in ServiceSettings.PaidCompensation.values:
                raise field_error(key, _("补偿方式无效。"), Code.INVALID)
        elif key == "opt_out_requires_no_arrears":
            value = bool(value)
        if getattr(row, key) != value:
            changed[key] = value
            setattr(row, key, value)
    if changed:
        row.save()
        audit_record(actor=actor, action="service_settings.update", target=row, ip=ip, **changed)
    return row
