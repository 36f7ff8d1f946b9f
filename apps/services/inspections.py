"""Room-temperature inspections and the shortfall periods they open and close (see apps/services/models.py).

`inspection_record` is what a technician (the ticket's assignee, or an admin) does at a temperature report's
house: validates the rooms and readings against the quality rule in force on the measured (local) day — the
rule's no-measurement hours, its points per room, −10…40 ℃ with one decimal — and computes each room's
temperature (mean of its readings, to 0.1 ℃ half-up) and the house's (the lowest room: every room must meet
the standard). Then, under the ticket's row lock and the house's open period's lock:
- not compliant, the utility's fault: opens a ShortfallPeriod from the measured day, or — one already open —
  the inspection sets the band from its day (the compensation engine splits the period by these);
- not compliant, the resident's fault (altered pipes, covered radiators, drained water…): no period; the
  resident's timeline says why no refund is due; a period already open closes (as below) and is compensated;
- compliant: closes the open period (last non-compliant day = the day before, at least its first day) and
  creates its Compensation (apps.services.compensation).
Per house, inspections are serialised (an advisory lock) and never go back in time: not before the house's
latest inspection, nor on a day a closed period already counted. Houses not heated (报停, 停供) get none.
An ASSIGNED ticket moves to ON_SITE (apps.services.tickets.ticket_start) in the same transaction."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Role
from apps.accounts.permissions import TICKET_WORK
from apps.audit.services import audit_record
from apps.properties.models import House
from apps.tariffs.models import Season
from heat_platform.kernel.errors import field_error
from heat_platform.kernel.locks import xact_lock

from .cleaning import clean_text
from .errors import ServiceErrorCode as Code
from .events import ticket_event_add
from .models import Inspection, ShortfallPeriod, Ticket, TicketKind
from .quality import ONE_DECIMAL, rule_in_force, temperature

MAX_ROOMS = 20
MAX_READINGS = 10
FUTURE_SLACK = dt.timedelta(minutes=10)


def open_shortfall(house_id: int) -> ShortfallPeriod | None:
    """The house's open shortfall period, if any (at most one: a database constraint)."""
    return ShortfallPeriod.objects.filter(house_id=house_id, status=ShortfallPeriod.Status.OPEN).first()


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


def _area(value) -> Decimal:
    try:
        area = Decimal(str(value).strip())
    except Exception:
        raise field_error("rooms", _("房间面积须为大于 0 的数字。"), Code.INVALID) from None
    if not area.is_finite() or not Decimal(0) < area <= Decimal(1000) or area != area.quantize(Decimal("0.01")):
        raise field_error("rooms", _("房间面积须为大于 0 的数字（最多两位小数）。"), Code.INVALID)
    return area.quantize(Decimal("0.01"))


def rooms_clean(rooms, *, min_points: int, standard: Decimal) -> list[dict]:
    """[{"name", "area", "readings"}] → the stored rooms with "temp" (mean, 0.1 ℃) and "compliant"."""
    if not isinstance(rooms, (list, tuple)) or not rooms:
        raise field_error("rooms", _("请至少填写一个房间的测温。"), Code.REQUIRED)
    if len(rooms) > MAX_ROOMS:
        raise field_error("rooms", _("最多 %(n)s 个房间。") % {"n": MAX_ROOMS}, Code.INVALID)
    out, names = [], set()
    for room in rooms:
        name = str(room.get("name") or "").strip()
        if not name:
            raise field_error("rooms", _("请填写房间名称。"), Code.REQUIRED)
        if len(name) > 16:
            raise field_error("rooms", _("房间名称最多 16 个字。"), Code.TOO_LONG)
        if name in names:
            raise field_error("rooms", _("房间名称重复：%(name)s") % {"name": name}, Code.INVALID)
        names.add(name)
        readings = room.get("readings") or []
        if not isinstance(readings, (list, tuple)) or len(readings) > MAX_READINGS:
            raise field_error("rooms", _("每个房间最多 %(n)s 个测点。") % {"n": MAX_READINGS}, Code.INVALID)
        if len(readings) < min_points:
            raise field_error("rooms", _("%(name)s：测温规程要求每个房间至少 %(n)s 个测点。") % {
                "name": name, "n": min_points}, Code.TOO_FEW_POINTS)
        values = [temperature("rooms", r) for r in readings]
        mean = (sum(values) / len(values)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
        out.append({"name": name, "area": str(_area(room.get("area"))), "readings": [str(v) for v in values],
                    "temp": str(mean), "compliant": mean >= standard})
    return out


def _lock_ticket(ticket_id, actor) -> Ticket:
    """The ticket, locked, if `actor` may see it (a technician: the tickets assigned to them); else NOT_FOUND."""
    from .access import tickets_visible

    try:
        pk = int(ticket_id)
    except (TypeError, ValueError):
        pk = None
    ticket = (tickets_visible(actor=actor).select_for_update(of=("self",)).select_related("house")
              .filter(pk=pk).first() if pk is not None else None)
    if ticket is None:
        raise field_error("ticket_id", _("找不到该工单。"), Code.NOT_FOUND)
    return ticket


def _day_text(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def _close(period: ShortfallPeriod, day: dt.date, inspection: Inspection) -> dt.date:
    """Close the open period at the day before `day` (at least its first day, at most its season's last)."""
    ended_on = min(max(day - dt.timedelta(days=1), period.started_on), period.season.heating_end)
    period.status, period.ended_on, period.closed_by = ShortfallPeriod.Status.CLOSED, ended_on, inspection
    period.save(update_fields=["status", "ended_on", "closed_by"])
    return ended_on


@transaction.atomic
def inspection_record(*, ticket_id, actor, measured_at: dt.datetime, rooms, cause: str,
                      outdoor_temp=None, device_no: str = "", resident_signature: str = "", note: str = "",
                      photo_ids=(), now: dt.datetime | None = None, ip: str | None = None) -> Inspection:
    """Record a measurement at a temperature report's house (see the module docstring)."""
    now = now or timezone.now()
    if actor is None or not getattr(actor, "is_active", False) or actor.role not in TICKET_WORK:
        raise field_error("ticket_id", _("找不到该工单。"), Code.NOT_FOUND)
    ticket = _lock_ticket(ticket_id, actor)
    if actor.role != Role.TENANT_ADMIN and ticket.assignee_id != actor.pk:
        raise field_error("ticket_id", _("该工单未派给您。"), Code.NOT_ASSIGNED)
    if ticket.kind != TicketKind.TEMPERATURE:
        raise field_error("ticket_id", _("只有室温报告工单可以录入测温。"), Code.NOT_ALLOWED_IN_STATE)
    if ticket.status not in (Ticket.Status.ASSIGNED, Ticket.Status.ON_SITE):
        raise field_error("ticket_id", _("工单当前状态（%(status)s）不能录入测温。") % {
            "status": ticket.get_status_display()}, Code.NOT_ALLOWED_IN_STATE)
    if ticket.house.heating_status != House.HeatingStatus.NORMAL:
        raise field_error("ticket_id", _("该房屋已报停或停供，不供暖，不能录入测温。"), Code.NOT_ALLOWED_IN_STATE)
    if not isinstance(measured_at, dt.datetime) or timezone.is_naive(measured_at):
        raise field_error("measured_at", _("请填写测温时间。"), Code.REQUIRED)
    # One house's inspections one at a time (two tickets of a house inspected at once would both open a period),
    # and never back in time: a day already counted by a period (open or closed) is never counted again.
    xact_lock("services.house_inspection", ticket.house_id)
    latest = Inspection.objects.filter(house_id=ticket.house_id).order_by("-measured_at").first()
    if latest is not None and measured_at < latest.measured_at:
        raise field_error("measured_at", _("测温时间不能早于该房屋上一次测温（%(at)s）。") % {
            "at": _local(latest.measured_at).strftime("%Y-%m-%d %H:%M")}, Code.INVALID)
    last_closed = (ShortfallPeriod.objects.filter(house_id=ticket.house_id, status=ShortfallPeriod.Status.CLOSED)
                   .order_by("-ended_on").first())
    if last_closed is not None and _local(measured_at).date() <= last_closed.ended_on:
        raise field_error("measured_at", _("%(day)s及以前的日子已计入室温不达标期，不能再补录测温。") % {
            "day": _day_text(last_closed.ended_on)}, Code.INVALID)
    if measured_at > now + FUTURE_SLACK:
        raise field_error("measured_at", _("测温时间不能晚于现在。"), Code.INVALID)
    if measured_at < ticket.submitted_at - dt.timedelta(days=1):
        raise field_error("measured_at", _("测温时间不能早于报告时间。"), Code.INVALID)
    local = _local(measured_at)
    day = local.date()
    rule = rule_in_force(day)
    if rule is None:
        raise field_error("measured_at", _("该日期没有生效的室温标准，请先设置室温标准。"), Code.NO_QUALITY_RULE)
    if rule.no_measure_from is not None and rule.no_measure_from <= local.time() < rule.no_measure_to:
        raise field_error("measured_at", _("按测温规程，%(a)s–%(b)s 之间不测温。") % {
            "a": rule.no_measure_from.strftime("%H:%M"), "b": rule.no_measure_to.strftime("%H:%M")},
            Code.MEASUREMENT_WINDOW)
    season = Season.objects.filter(heating_start__lte=day, heating_end__gte=day).order_by("-heating_start").first()
    if season is None:
        raise field_error("measured_at", _("测温日期不在采暖季内。"), Code.NO_SEASON)
    standard = Decimal(rule.standard_temp)
    stored_rooms = rooms_clean(rooms, min_points=rule.min_points, standard=standard)
    building_area = ticket.house.building_area
    total_area = sum(Decimal(r["area"]) for r in stored_rooms)
    if building_area is not None and total_area > Decimal(building_area):
        raise field_error("rooms", _("房间面积合计%(total)s㎡，超过房屋建筑面积%(area)s㎡。") % {
            "total": total_area, "area": building_area}, Code.INVALID)
    house_temp = min(Decimal(r["temp"]) for r in stored_rooms)
    compliant = house_temp >= standard
    if cause not in Inspection.Cause.values:
        raise field_error("cause", _("原因无效。"), Code.INVALID)
    if compliant:
        cause = Inspection.Cause.NONE
    elif cause == Inspection.Cause.NONE:
        raise field_error("cause", _("室温不达标，请选择原因（供热方或住户原因）。"), Code.REQUIRED)
    outdoor = None
    if outdoor_temp not in (None, ""):
        try:
            outdoor = Decimal(str(outdoor_temp)).quantize(ONE_DECIMAL)
        except Exception:
            raise field_error("outdoor_temp", _("室外温度须在 -50～50℃ 之间。"), Code.INVALID_TEMPERATURE) from None
        if not Decimal(-50) <= outdoor <= Decimal(50) or outdoor != Decimal(str(outdoor_temp)):
            raise field_error("outdoor_temp", _("室外温度须在 -50～50℃ 之间，最多一位小数。"), Code.INVALID_TEMPERATURE)
    device_no = clean_text("device_no", device_no, max_length=32)
    resident_signature = clean_text("resident_signature", resident_signature, max_length=32)
    note = clean_text("note", note, max_length=500)

    if ticket.status == Ticket.Status.ASSIGNED:
        from .tickets import ticket_start

        ticket = ticket_start(ticket_id=ticket.pk, actor=actor, now=now, ip=ip)
    inspection = Inspection.objects.create(
        ticket=ticket, house_id=ticket.house_id, rule=rule, technician=actor, measured_at=measured_at,
        rooms=stored_rooms, outdoor_temp=outdoor, house_temp=house_temp, compliant=compliant, cause=cause,
        device_no=device_no, resident_signature=resident_signature, note=note)
    if photo_ids:
        from .photos import photos_attach

        photos_attach(photo_ids=photo_ids, user=actor, inspection=inspection)

    period = (ShortfallPeriod.objects.select_for_update(of=("self",))
              .filter(house_id=ticket.house_id, status=ShortfallPeriod.Status.OPEN).first())
    below = standard - house_temp
    summary = _("测温%(temp)s℃（标准%(std)s℃）") % {"temp": house_temp, "std": standard}
    outcome, compensation = "", None
    if not compliant and cause == Inspection.Cause.UTILITY:
        if period is None:
            period = ShortfallPeriod.objects.create(house_id=ticket.house_id, season=season, ticket=ticket, rule=rule,
                                                    opened_by=inspection, started_on=day)
            outcome = "shortfall_open"
            text = _("%(summary)s，低于标准%(below)s℃，属供热方原因，自%(day)s起计入室温不达标期。") % {
                "summary": summary, "below": below, "day": _day_text(day)}
        else:
            outcome = "shortfall_band"
            text = _("%(summary)s，仍低于标准%(below)s℃，自%(day)s起按此温度计算。") % {
                "summary": summary, "below": below, "day": _day_text(day)}
    elif not compliant and period is not None:
        # The utility's shortfall ends where the resident's cause is found: the period closes the day before.
        ended_on = _close(period, day, inspection)
        outcome = "shortfall_close"
        text = _("%(summary)s，低于标准%(below)s℃，经检测系住户原因（%(cause)s），此后依规不予退费。"
                 "室温不达标期%(start)s至%(end)s共%(days)s天，按此计算补偿。") % {
            "summary": summary, "below": below, "cause": Inspection.Cause(cause).label,
            "start": _day_text(period.started_on), "end": _day_text(ended_on),
            "days": (ended_on - period.started_on).days + 1}
    elif not compliant:
        outcome = "resident_cause"
        text = _("%(summary)s，低于标准%(below)s℃，经检测系住户原因（%(cause)s），依规不予退费。") % {
            "summary": summary, "below": below, "cause": Inspection.Cause(cause).label}
    elif period is not None:
        ended_on = _close(period, day, inspection)
        outcome = "shortfall_close"
        text = _("%(summary)s，复测达标。室温不达标期%(start)s至%(end)s共%(days)s天。") % {
            "summary": summary, "start": _day_text(period.started_on), "end": _day_text(ended_on),
            "days": (ended_on - period.started_on).days + 1}
    else:
        outcome = "compliant"
        text = _("%(summary)s，室温达标。") % {"summary": summary}
    ticket_event_add(ticket, action="inspection", actor=actor, note=text, ip=ip, inspection_id=inspection.pk,
                     house_temp=str(house_temp), compliant=compliant, cause=cause, outcome=outcome,
                     shortfall_id=period.pk if period is not None else None)
    if outcome == "shortfall_close":
        from .compensation import compensation_create

        compensation = compensation_create(period, actor=actor)
    audit_record(actor=actor, action="inspection.record", target=inspection, ip=ip, ticket_no=ticket.no,
                 house_temp=str(house_temp), compliant=compliant, cause=cause, outcome=outcome,
                 compensation_id=compensation.pk if compensation is not None else None)
    return inspection
