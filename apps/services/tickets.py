"""Repair, complaint and room-temperature tickets: submission and every move of the state machine described in
apps/services/models.py.

Each move locks the ticket row, checks the state (and, for a technician, that the ticket is theirs), writes the
new state by compare-and-set on the status it read and records the step through `events.ticket_event_add`
(timeline + audit) in the same transaction. Residents act through `resident=`, staff through `actor=` (a User);
a resident acting on a ticket of a house they have not bound gets the same NOT_FOUND as for a missing one."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Role, User
from apps.accounts.permissions import QUALITY_MANAGE, TICKET_CREATE, TICKET_DISPATCH, TICKET_VIEW, TICKET_WORK
from apps.messaging import hooks as messaging_hooks
from apps.properties.models import House, HouseBinding
from apps.tariffs.models import Season
from heat_platform.kernel import throttle
from heat_platform.kernel.errors import field_error
from heat_platform.kernel.locks import xact_lock

from .access import tickets_visible
from .cleaning import clean_text
from .errors import ServiceErrorCode as Code
from .events import ticket_event_add
from .models import ServiceSettings, Ticket, TicketCategory, TicketKind
from .photos import photos_attach
from .quality import temperature

S = Ticket.Status
# Without a quality rule in force, a temperature report is answered within a day and fixed within three.
FALLBACK_RESPOND_HOURS = 24
FALLBACK_RESOLVE_HOURS = 72
# A repair or complaint of a kind the company has no categories for.
DEFAULT_RESPOND_HOURS = 2
DEFAULT_RESOLVE_HOURS = 24
SUBMIT_LIMIT = throttle.Limit("services.ticket.submit", 10, 24 * 3600)
_PHONE = re.compile(r"\+?[0-9][0-9 -]{5,18}[0-9]")
ASSIGNEE_ROLES = (Role.TECHNICIAN, Role.TENANT_ADMIN)
NOTE_ROLES = tuple(dict.fromkeys((*TICKET_WORK, *TICKET_CREATE)))


# --- helpers ---------------------------------------------------------------------------------------------------

def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _not_found(field: str = "id") -> ValidationError:
    return field_error(field, _("找不到该工单。"), Code.NOT_FOUND)


def _state_error(ticket: Ticket, message: str | None = None) -> ValidationError:
    return field_error("__all__", message or _("工单当前状态（%(status)s）不允许此操作。")
                       % {"status": ticket.get_status_display()}, Code.NOT_ALLOWED_IN_STATE)


def _phone(value) -> str:
    text = str(value or "").strip()
    if text and not _PHONE.fullmatch(text):
        raise field_error("contact_phone", _("请输入正确的联系电话。"), Code.INVALID)
    return text


def _lock(ticket_id, *, actor=None, resident=None, any_ticket: bool = False) -> Ticket:
    """The ticket row, locked, if the caller may see it (`any_ticket`: staff whose moves check the assignment
    themselves, so that a technician hears NOT_ASSIGNED about a ticket taken from them); else NOT_FOUND."""
    try:
        pk = int(ticket_id)
    except (TypeError, ValueError):
        raise _not_found() from None
    qs = Ticket.objects.all() if any_ticket else tickets_visible(actor=actor, resident=resident)
    ticket = qs.select_for_update(of=("self",)).select_related("category").filter(pk=pk).first()
    if ticket is None:
        raise _not_found()
    return ticket


def _move(ticket: Ticket, to: str, **fields) -> None:
    """Compare-and-set: write `to` (and `fields`) only if the status is still what was read."""
    changed = Ticket.objects.filter(pk=ticket.pk, status=ticket.status).update(status=to, updated_at=timezone.now(),
                                                                               **fields)
    if changed != 1:
        raise field_error("__all__", _("工单刚被其他人处理过，请刷新后重试。"), Code.CONCURRENT_CHANGE)
    for name, value in fields.items():
        setattr(ticket, name, value)


def _transition(ticket: Ticket, to: str, *, action: str, actor=None, resident=None, note: str = "",
                public: bool = True, ip: str | None = None, **fields) -> Ticket:
    before = ticket.status
    _move(ticket, to, **fields)
    ticket.status = to
    event = ticket_event_add(ticket, action=action, from_status=before, to_status=to, actor=actor,
                             resident=resident, note=note, public=public, ip=ip)
    if action in messaging_hooks.TICKET_ACTIONS:  # assigned, resolved, rejected: the resident hears, after commit
        messaging_hooks.ticket_changed(ticket.pk, event.pk)
    return ticket


def _require_staff(actor, roles) -> None:
    if actor is None or not getattr(actor, "is_active", False) or actor.role not in roles:
        raise field_error("__all__", _("没有权限执行此操作。"), Code.NOT_FOUND)


def _require_worker(ticket: Ticket, actor) -> None:
    """TICKET_WORK: admins any ticket, technicians only their own."""
    _require_staff(actor, TICKET_WORK)
    if actor.role != Role.TENANT_ADMIN and ticket.assignee_id != actor.pk:
        raise field_error("__all__", _("该工单未派给您。"), Code.NOT_ASSIGNED)


# --- numbering and SLA -----------------------------------------------------------------------------------------

def ticket_number(now: dt.datetime) -> str:
    """T<yyyymmdd>-<6 digits>, counted per local day (call inside the creating transaction)."""
    day = timezone.localdate(now)
    prefix = f"T{day:%Y%m%d}-"
    xact_lock("services.ticket_no", prefix)
    last = Ticket.objects.filter(no__startswith=prefix).order_by("-no").values_list("no", flat=True).first()
    return f"{prefix}{(int(last[len(prefix):]) + 1) if last else 1:06d}"


def temperature_sla_hours(day: dt.date) -> tuple[int, int]:
    """(respond, resolve) hours for a temperature report: the quality rule's response time (and its grace for
    the fix), else 24 h / 72 h."""
    try:
        from .quality import rule_in_force
    except ImportError:
        return FALLBACK_RESPOND_HOURS, FALLBACK_RESOLVE_HOURS
    rule = rule_in_force(day)
    if rule is None:
        return FALLBACK_RESPOND_HOURS, FALLBACK_RESOLVE_HOURS
    return rule.response_hours, rule.response_hours + rule.grace_hours


def season_of(day: dt.date) -> Season | None:
    return Season.objects.filter(heating_start__lte=day, heating_end__gte=day).order_by("-heating_start").first()


def _open_shortfall(house_id: int):
    try:
        from .inspections import open_shortfall
    except ImportError:
        return None
    return open_shortfall(house_id)


# --- submission ------------------------------------------------------------------------------------------------

@transaction.atomic
def ticket_submit(*, house_id, kind: str, description: str, contact_name: str, contact_phone: str = "",
                  category_id=None, reported_temp=None, photo_ids=(), resident=None, actor=None,
                  now: dt.datetime | None = None, ip: str | None = None) -> Ticket:
    """A new ticket, by a resident for a house they have bound, or by staff (TICKET_CREATE) for a caller."""
    if (resident is None) == (actor is None):
        raise ValueError("ticket_submit needs a resident or a staff actor")
    now = _now(now)
    if actor is not None:
        _require_staff(actor, TICKET_CREATE)
    try:
        house_pk = int(house_id)
    except (TypeError, ValueError):
        raise field_error("house_id", _("找不到该房屋。"), Code.NOT_FOUND) from None
    house = House.objects.filter(pk=house_pk).first()
    if house is None:
        raise field_error("house_id", _("找不到该房屋。"), Code.NOT_FOUND)
    if resident is not None and not HouseBinding.objects.filter(house=house, resident=resident).exists():
        raise field_error("house_id", _("请先绑定该房屋。"), Code.NOT_BOUND)
    if kind not in TicketKind.values:
        raise field_error("kind", _("工单类型无效。"), Code.INVALID)
    description = clean_text("description", description, max_length=1000, required=True)
    contact_name = clean_text("contact_name", contact_name, max_length=32, required=True)
    contact_phone = _phone(contact_phone)
    day = timezone.localdate(now)
    category, season, temp = None, None, None
    if kind == TicketKind.TEMPERATURE:
        if house.heating_status != House.HeatingStatus.NORMAL:
            raise field_error("kind", _("该房屋已报停或停供，不供暖，无法报告室温。"), Code.NOT_ALLOWED_IN_STATE)
        temp = temperature("reported_temp", reported_temp)
        season = season_of(day)
        if season is None:
            raise field_error("kind", _("当前不在供暖期内，无法报告室温。"), Code.NO_SEASON)
        respond_h, resolve_h = temperature_sla_hours(day)
    else:
        categories = TicketCategory.objects.filter(kind=kind)
        if category_id not in (None, ""):
            try:
                category = categories.filter(pk=int(category_id), active=True).first()
            except (TypeError, ValueError):
                category = None
            if category is None:
                raise field_error("category_id", _("找不到该类别。"), Code.NOT_FOUND)
        elif categories.filter(active=True).exists():
            raise field_error("category_id", _("请选择类别。"), Code.REQUIRED)
        respond_h = category.respond_hours if category else DEFAULT_RESPOND_HOURS
        resolve_h = category.resolve_hours if category else DEFAULT_RESOLVE_HOURS
    if resident is not None and throttle.admit([(SUBMIT_LIMIT, resident.pk)]) is not None:
        wait = throttle.retry_after(SUBMIT_LIMIT, resident.pk)
        raise ValidationError({"__all__": [ValidationError(
            _("提交太频繁，请 %(wait)s后再试。") % {"wait": throttle.wait_text(wait)}, code=Code.RATE_LIMITED,
            params={"retry_after": wait})]})
    try:
        return _create(house=house, kind=kind, category=category, season=season, temp=temp, resident=resident,
                       actor=actor, contact_name=contact_name, contact_phone=contact_phone,
                       description=description, photo_ids=photo_ids, now=now, respond_h=respond_h,
                       resolve_h=resolve_h, ip=ip)
    except ValidationError:
        if resident is not None:
            throttle.refund(SUBMIT_LIMIT, resident.pk)  # refused after all (a photo id): not counted
        raise


def _create(*, house, kind, category, season, temp, resident, actor, contact_name, contact_phone, description,
            photo_ids, now, respond_h, resolve_h, ip) -> Ticket:
    ticket = Ticket.objects.create(
        no=ticket_number(now), kind=kind, category=category, house=house, season=season, resident=resident,
        created_by=actor, contact_name=contact_name, contact_phone=contact_phone, description=description,
        reported_temp=temp, status=S.SUBMITTED, submitted_at=now,
        respond_due_at=now + dt.timedelta(hours=respond_h), resolve_due_at=now + dt.timedelta(hours=max(
            resolve_h, respond_h)))
    if photo_ids:
        photos_attach(photo_ids=photo_ids, resident=resident, user=actor, ticket=ticket)
    ticket_event_add(ticket, action="submit", to_status=S.SUBMITTED, actor=actor, resident=resident, ip=ip,
                     kind=kind)
    return ticket


# --- staff moves -----------------------------------------------------------------------------------------------

@transaction.atomic
def ticket_accept(*, ticket_id, actor, note: str = "", now: dt.datetime | None = None,
                  ip: str | None = None) -> Ticket:
    _require_staff(actor, TICKET_DISPATCH)
    now = _now(now)
    ticket = _lock(ticket_id, actor=actor)
    if ticket.status != S.SUBMITTED:
        raise _state_error(ticket)
    note = clean_text("note", note, max_length=500)
    return _transition(ticket, S.ACCEPTED, action="accept", actor=actor, note=note, ip=ip, accepted_at=now,
                       respond_overdue=ticket.respond_overdue or now > ticket.respond_due_at)


def _assignee(assignee_id) -> User:
    try:
        pk = int(assignee_id)
    except (TypeError, ValueError):
        pk = None
    user = User.objects.filter(pk=pk, is_active=True, role__in=ASSIGNEE_ROLES).first() if pk else None
    if user is None:
        raise field_error("assignee_id", _("请选择本公司在职的维修人员。"), Code.INVALID_ASSIGNEE)
    return user


@transaction.atomic
def ticket_assign(*, ticket_id, assignee_id, actor, note: str = "", now: dt.datetime | None = None,
                  ip: str | None = None) -> Ticket:
    """Dispatch (or re-dispatch) to a technician; a SUBMITTED ticket is accepted on the way."""
    _require_staff(actor, TICKET_DISPATCH)
    now = _now(now)
    ticket = _lock(ticket_id, actor=actor)
    if ticket.status not in (S.SUBMITTED, S.ACCEPTED, S.ASSIGNED, S.ON_SITE):
        raise _state_error(ticket)
    assignee = _assignee(assignee_id)
    if ticket.status in (S.ASSIGNED, S.ON_SITE) and ticket.assignee_id == assignee.pk:
        raise field_error("assignee_id", _("工单已派给该人员。"), Code.NOT_ALLOWED_IN_STATE)
    note = clean_text("note", note, max_length=500)
    fields = {"assignee": assignee, "assigned_at": now}
    if ticket.accepted_at is None:
        fields.update(accepted_at=now, respond_overdue=ticket.respond_overdue or now > ticket.respond_due_at)
    shown = _("已派给 %(name)s") % {"name": assignee.shown_name}
    return _transition(ticket, S.ASSIGNED, action="assign", actor=actor, note=f"{shown}{'：' + note if note else ''}",
                       ip=ip, **fields)


@transaction.atomic
def ticket_start(*, ticket_id, actor, now: dt.datetime | None = None, ip: str | None = None) -> Ticket:
    """The technician is on site."""
    _require_staff(actor, TICKET_WORK)
    now = _now(now)
    ticket = _lock(ticket_id, actor=actor, any_ticket=True)
    _require_worker(ticket, actor)
    if ticket.status != S.ASSIGNED:
        raise _state_error(ticket)
    return _transition(ticket, S.ON_SITE, action="on_site", actor=actor, ip=ip, on_site_at=now)


@transaction.atomic
def ticket_resolve(*, ticket_id, resolution: str, actor, now: dt.datetime | None = None,
                   ip: str | None = None) -> Ticket:
    _require_staff(actor, TICKET_WORK)
    now = _now(now)
    ticket = _lock(ticket_id, actor=actor, any_ticket=True)
    _require_worker(ticket, actor)
    allowed = (S.ASSIGNED, S.ON_SITE) + ((S.ACCEPTED,) if actor.role == Role.TENANT_ADMIN else ())
    if ticket.status not in allowed:
        raise _state_error(ticket)
    resolution = clean_text("resolution", resolution, max_length=500, required=True)
    if ticket.kind == TicketKind.TEMPERATURE and _open_shortfall(ticket.house_id) is not None:
        raise _state_error(ticket, _("室温仍不达标（不达标期未结束），请先复测达标后再办结。"))
    return _transition(ticket, S.RESOLVED, action="resolve", actor=actor, note=resolution, ip=ip, resolved_at=now,
                       resolution=resolution, resolve_overdue=ticket.resolve_overdue or now > ticket.resolve_due_at)


@transaction.atomic
def ticket_reject(*, ticket_id, reason: str, actor, ip: str | None = None) -> Ticket:
    _require_staff(actor, TICKET_DISPATCH)
    ticket = _lock(ticket_id, actor=actor)
    if ticket.status not in (S.SUBMITTED, S.ACCEPTED):
        raise _state_error(ticket)
    reason = clean_text("reason", reason, max_length=500, required=True)
    return _transition(ticket, S.REJECTED, action="reject", actor=actor, note=reason, ip=ip, resolution=reason)


@transaction.atomic
def ticket_note(*, ticket_id, note: str, actor, public: bool = False, ip: str | None = None) -> Ticket:
    """A note on the timeline (internal unless `public`), in any state."""
    _require_staff(actor, NOTE_ROLES)
    ticket = _lock(ticket_id, actor=actor)
    note = clean_text("note", note, max_length=500, required=True)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    ticket_event_add(ticket, action="note", actor=actor, note=note, public=public, ip=ip)
    return ticket


# --- resident moves --------------------------------------------------------------------------------------------

def _reopen_open_until(ticket: Ticket, settings: ServiceSettings) -> dt.datetime | None:
    if ticket.status == S.RESOLVED:
        return None  # no limit while it waits for the resident
    if ticket.status == S.CLOSED and ticket.closed_at:
        return ticket.closed_at + dt.timedelta(days=settings.reopen_days)
    return None


def resident_actions(ticket: Ticket, *, settings: ServiceSettings | None = None,
                     now: dt.datetime | None = None) -> list[str]:
    """What the resident may do now: CONFIRM, REOPEN, CANCEL."""
    out = []
    if ticket.status == S.RESOLVED:
        out += ["CONFIRM", "REOPEN"]
    elif ticket.status == S.CLOSED and ticket.closed_at:
        settings = settings or ServiceSettings.get()
        if _now(now) <= _reopen_open_until(ticket, settings):
            out.append("REOPEN")
    if ticket.status in (S.SUBMITTED, S.ACCEPTED):
        out.append("CANCEL")
    return out


def staff_actions(ticket: Ticket, user) -> list[str]:
    """What this staff member may do now: ACCEPT, ASSIGN, START, RESOLVE, REJECT, INSPECT."""
    if user is None or not getattr(user, "role", None):
        return []
    out = []
    dispatcher = user.role in TICKET_DISPATCH
    worker = user.role in TICKET_WORK and (user.role == Role.TENANT_ADMIN or ticket.assignee_id == user.pk)
    if dispatcher and ticket.status == S.SUBMITTED:
        out.append("ACCEPT")
    if dispatcher and ticket.status in Ticket.OPEN:
        out.append("ASSIGN")
    if worker and ticket.status == S.ASSIGNED:
        out.append("START")
    if worker and (ticket.status in (S.ASSIGNED, S.ON_SITE) or (ticket.status == S.ACCEPTED and dispatcher)):
        out.append("RESOLVE")
    if dispatcher and ticket.status in (S.SUBMITTED, S.ACCEPTED):
        out.append("REJECT")
    if worker and ticket.kind == TicketKind.TEMPERATURE and ticket.status in (S.ASSIGNED, S.ON_SITE):
        out.append("INSPECT")
    return out


@transaction.atomic
def ticket_confirm(*, ticket_id, rating, comment: str = "", resident, now: dt.datetime | None = None,
                   ip: str | None = None) -> Ticket:
    """The resident confirms the fix and rates it (1–5): RESOLVED → CLOSED."""
    now = _now(now)
    ticket = _lock(ticket_id, resident=resident)
    if ticket.status != S.RESOLVED:
        raise _state_error(ticket)
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise field_error("rating", _("请给出 1～5 星的评价。"), Code.INVALID)
    comment = clean_text("comment", comment, max_length=300)
    return _transition(ticket, S.CLOSED, action="confirm", resident=resident, note=comment, ip=ip, closed_at=now,
                       rating=rating, rating_comment=comment)


@transaction.atomic
def ticket_reopen(*, ticket_id, reason: str, resident, now: dt.datetime | None = None,
                  ip: str | None = None) -> Ticket:
    """Not fixed after all: RESOLVED (or CLOSED within the company's reopen days) → ACCEPTED, to be dispatched
    again, with a new resolve deadline from now."""
    now = _now(now)
    ticket = _lock(ticket_id, resident=resident)
    if "REOPEN" not in resident_actions(ticket, now=now):
        if ticket.status == S.CLOSED:
            raise _state_error(ticket, _("工单关闭已超过可重新打开的期限，请提交新的工单。"))
        raise _state_error(ticket)
    reason = clean_text("reason", reason, max_length=500, required=True)
    if ticket.kind == TicketKind.TEMPERATURE:
        _respond, resolve_h = temperature_sla_hours(timezone.localdate(now))
    else:
        resolve_h = ticket.category.resolve_hours if ticket.category_id else DEFAULT_RESOLVE_HOURS
    return _transition(ticket, S.ACCEPTED, action="reopen", resident=resident, note=reason, ip=ip,
                       reopen_count=ticket.reopen_count + 1, resolved_at=None, closed_at=None, rating=None,
                       rating_comment="", resolution="", resolve_due_at=now + dt.timedelta(hours=resolve_h),
                       resolve_overdue=False, escalated_at=None)


@transaction.atomic
def ticket_cancel(*, ticket_id, reason: str = "", resident, now: dt.datetime | None = None,
                  ip: str | None = None) -> Ticket:
    """The resident withdraws a ticket nobody has been sent to yet: SUBMITTED / ACCEPTED → CANCELLED."""
    now = _now(now)
    ticket = _lock(ticket_id, resident=resident)
    if ticket.status not in (S.SUBMITTED, S.ACCEPTED):
        raise _state_error(ticket)
    reason = clean_text("reason", reason, max_length=500)
    return _transition(ticket, S.CANCELLED, action="cancel", resident=resident, note=reason, ip=ip, closed_at=now)


# --- system moves ----------------------------------------------------------------------------------------------

def ticket_auto_close(*, ticket_id: int, now: dt.datetime) -> bool:
    """RESOLVED → CLOSED by the system (the resident did not answer in time). False when it moved meanwhile."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(pk=ticket_id, status=S.RESOLVED).first()
        if ticket is None:
            return False
        _transition(ticket, S.CLOSED, action="auto_close", note=_("住户未确认，系统自动关闭"), closed_at=now)
        return True


# --- categories ------------------------------------------------------------------------------------------------

@transaction.atomic
def category_save(*, actor, values: dict, category_id=None, ip: str | None = None) -> TicketCategory:
    """Create or change a ticket category and its SLA (QUALITY_MANAGE). A category is never deleted (tickets keep
    it): switch it off with `active`."""
    from apps.audit.services import audit_record

    _require_staff(actor, QUALITY_MANAGE)
    if category_id not in (None, ""):
        try:
            category = TicketCategory.objects.select_for_update().filter(pk=int(category_id)).first()
        except (TypeError, ValueError):
            category = None
        if category is None:
            raise field_error("id", _("找不到该类别。"), Code.NOT_FOUND)
    else:
        category = TicketCategory()
    kind = values.get("kind", category.kind or None)
    if kind not in (TicketKind.REPAIR, TicketKind.COMPLAINT):
        raise field_error("kind", _("类别只用于报修和投诉。"), Code.INVALID)
    if category.pk and kind != category.kind:
        raise field_error("kind", _("已有类别不能改变类型。"), Code.INVALID)
    name = clean_text("name", values.get("name", category.name), max_length=32, required=True)
    respond = values.get("respond_hours", category.respond_hours)
    resolve = values.get("resolve_hours", category.resolve_hours)
    for field, hours in (("respond_hours", respond), ("resolve_hours", resolve)):
        if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 24 * 90:
            raise field_error(field, _("时限应为 1～2160 小时。"), Code.INVALID)
    if resolve < respond:
        raise field_error("resolve_hours", _("解决时限不能短于响应时限。"), Code.INVALID)
    if TicketCategory.objects.filter(kind=kind, name=name).exclude(pk=category.pk).exists():
        raise field_error("name", _("已有同名类别。"), Code.INVALID)
    position = values.get("position", category.position)
    if not isinstance(position, int) or not 0 <= position <= 1000:
        raise field_error("position", _("排序应为 0～1000。"), Code.INVALID)
    category.kind, category.name, category.respond_hours, category.resolve_hours = kind, name, respond, resolve
    category.active = bool(values.get("active", category.active if category.pk else True))
    category.position = position
    category.save()
    audit_record(actor=actor, action="ticket_category.save", target=category, ip=ip, name=name,
                 respond_hours=respond, resolve_hours=resolve, active=category.active)
    return category


def visible_to_staff(user) -> bool:
    return user is not None and user.role in TICKET_VIEW
