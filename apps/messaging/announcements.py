"""Announcements: staff write them (sanitized rich text), choose who they reach (everyone, communities, buildings,
houses owing money now), schedule (`publish_at`), pin and expire them; residents mark them read.

DRAFT → PUBLISHED (at once or at publish_at; residents see it from publish_at until expires_at) → WITHDRAWN.
A draft may be deleted; a withdrawn one is kept (what was said, and to whom, stays on record) and may not be edited.
`target_count` (residents reached) is counted when published and again when a published one is edited. Every
change writes an audit row naming the staff member."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.properties.models import Building, Community
from heat_platform.kernel.errors import field_error

from . import richtext
from .content_selectors import announcement_for_resident, target_count
from .errors import MessagingErrorCode as Code
from .images import known_image_paths
from .models import Announcement, AnnouncementRead

Audience = Announcement.Audience
Status = Announcement.Status

MAX_BODY_CHARS = 20_000  # sanitized HTML
MAX_RAW_CHARS = 100_000  # what staff send, before sanitizing
MAX_TARGETS = 500  # communities or buildings in one announcement
# A publish time this far in the past (a slow clock, a form left open) counts as "now"; further back is an error.
PAST_TOLERANCE = dt.timedelta(minutes=5)


def _lock(announcement_id: int) -> Announcement:
    found = Announcement.objects.select_for_update().filter(pk=announcement_id).first()
    if found is None:
        raise field_error("id", _("找不到该公告。"), Code.NOT_FOUND)
    return found


def clean_rich_body(raw: str | None, *, field: str = "body") -> tuple[str, str]:
    """(sanitized HTML, its plain text). Pictures not in this company's store are dropped. REQUIRED when nothing
    readable is left, TOO_LONG when too long."""
    raw = raw or ""
    if len(raw) > MAX_RAW_CHARS:
        raise field_error(field, _("正文太长。"), Code.TOO_LONG)
    body = richtext.sanitize(raw)
    paths = richtext.image_paths(body)
    body = richtext.drop_images(body, set(paths) - known_image_paths(paths))
    text = richtext.plain_text(body)
    if not text and not richtext.image_paths(body):
        raise field_error(field, _("请填写正文。"), Code.REQUIRED)
    if len(body) > MAX_BODY_CHARS:
        raise field_error(field, _("正文不能超过 %(n)d 个字符。") % {"n": MAX_BODY_CHARS}, Code.TOO_LONG)
    return body, text


def _ids(values, field: str) -> list[int]:
    out = []
    for value in values or ():
        text = str(value).strip()
        if not (text.isascii() and text.isdigit() and len(text) < 19):
            raise field_error(field, _("发布范围包含无效的编号。"), Code.INVALID_AUDIENCE)
        out.append(int(text))
    out = sorted(set(out))
    if len(out) > MAX_TARGETS:
        raise field_error(field, _("发布范围最多 %(n)d 项。") % {"n": MAX_TARGETS}, Code.INVALID_AUDIENCE)
    return out


def _audience(audience: str, community_ids, building_ids) -> tuple[str, list[int], list[int]]:
    if audience not in Audience.values:
        raise field_error("audience", _("请选择发布范围。"), Code.INVALID_AUDIENCE)
    communities, buildings = _ids(community_ids, "community_ids"), _ids(building_ids, "building_ids")
    if audience == Audience.COMMUNITIES:
        if not communities:
            raise field_error("community_ids", _("请选择小区。"), Code.INVALID_AUDIENCE)
        if Community.objects.filter(pk__in=communities).count() != len(communities):
            raise field_error("community_ids", _("所选小区不存在。"), Code.INVALID_AUDIENCE)
        return audience, communities, []
    if audience == Audience.BUILDINGS:
        if not buildings:
            raise field_error("building_ids", _("请选择楼栋。"), Code.INVALID_AUDIENCE)
        if Building.objects.filter(pk__in=buildings).count() != len(buildings):
            raise field_error("building_ids", _("所选楼栋不存在。"), Code.INVALID_AUDIENCE)
        return audience, [], buildings
    return audience, [], []


def _title(title: str | None) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise field_error("title", _("请填写标题。"), Code.REQUIRED)
    if len(title) > 60:
        raise field_error("title", _("标题不能超过 %(n)d 个字。") % {"n": 60}, Code.TOO_LONG)
    return title


def _schedule(publish_at: dt.datetime | None, expires_at: dt.datetime | None, now: dt.datetime) -> None:
    if expires_at is not None:
        if expires_at <= (publish_at or now):
            raise field_error("expires_at", _("过期时间须晚于发布时间。"), Code.INVALID_SCHEDULE)
        if expires_at <= now:
            raise field_error("expires_at", _("过期时间已过。"), Code.INVALID_SCHEDULE)


def _fields(*, title, body, audience, community_ids, building_ids, pinned, publish_at, expires_at,
            now: dt.datetime) -> dict[str, Any]:
    errors: dict[str, list] = {}
    values: dict[str, Any] = {"pinned": bool(pinned)}
    checks = (lambda: {"title": _title(title)},
              lambda: dict(zip(("body", "text"), clean_rich_body(body), strict=True)),
              lambda: dict(zip(("audience", "community_ids", "building_ids"),
                               _audience(audience, community_ids, building_ids), strict=True)),
              lambda: _schedule(publish_at, expires_at, now) or {})
    for check in checks:  # every field checked, so the form shows all its errors at once
        try:
            values.update(check())
        except ValidationError as exc:
            for field, errs in exc.error_dict.items():
                errors.setdefault(field, []).extend(errs)
    if errors:
        raise ValidationError(errors)
    text = values.pop("text")
    values["summary"] = richtext.summary(text)
    values["publish_at"], values["expires_at"] = publish_at, expires_at
    return values


@transaction.atomic
def announcement_create(*, actor, title: str, body: str, audience: str = Audience.ALL, community_ids=(),
                        building_ids=(), pinned: bool = False, publish_at: dt.datetime | None = None,
                        expires_at: dt.datetime | None = None, now: dt.datetime | None = None) -> Announcement:
    """A DRAFT (publish it with announcement_publish). `publish_at` / `expires_at` are kept as the planned
    schedule."""
    now = now or timezone.now()
    values = _fields(title=title, body=body, audience=audience, community_ids=community_ids,
                     building_ids=building_ids, pinned=pinned, publish_at=publish_at, expires_at=expires_at, now=now)
    announcement = Announcement.objects.create(**values, created_by=actor)
    audit_record(actor=actor, action="announcement.create", target=announcement, title=announcement.title,
                 audience=announcement.audience)
    return announcement


@transaction.atomic
def announcement_update(*, announcement_id: int, actor, title: str, body: str, audience: str, community_ids=(),
                        building_ids=(), pinned: bool = False, publish_at: dt.datetime | None = None,
                        expires_at: dt.datetime | None = None, now: dt.datetime | None = None) -> Announcement:
    """Edit a draft or a published one (a scheduled one may be moved; a live one keeps its publish time unless
    given another ahead). A withdrawn announcement: NOT_ALLOWED_IN_STATE."""
    now = now or timezone.now()
    announcement = _lock(announcement_id)
    if announcement.status == Status.WITHDRAWN:
        raise field_error("id", _("已撤回的公告不能修改。"), Code.NOT_ALLOWED_IN_STATE)
    if announcement.status == Status.PUBLISHED:
        publish_at = _publish_time(publish_at, now) if publish_at is not None else announcement.publish_at
        if announcement.publish_at <= now:
            publish_at = announcement.publish_at  # already seen by residents: its date stays what they saw
    values = _fields(title=title, body=body, audience=audience, community_ids=community_ids,
                     building_ids=building_ids, pinned=pinned, publish_at=publish_at, expires_at=expires_at, now=now)
    for name, value in values.items():
        setattr(announcement, name, value)
    fields = [*values, "updated_at"]
    if announcement.status == Status.PUBLISHED:
        announcement.target_count = target_count(announcement)
        fields.append("target_count")
    announcement.save(update_fields=fields)
    audit_record(actor=actor, action="announcement.update", target=announcement, title=announcement.title,
                 audience=announcement.audience)
    return announcement


def _publish_time(publish_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if publish_at is None or now - PAST_TOLERANCE <= publish_at <= now:
        return now
    if publish_at < now:
        raise field_error("publish_at", _("发布时间不能早于现在。"), Code.INVALID_SCHEDULE)
    return publish_at


@transaction.atomic
def announcement_publish(*, announcement_id: int, actor, publish_at: dt.datetime | None = None,
                         now: dt.datetime | None = None) -> Announcement:
    """Publish a draft now, or at `publish_at` (default: the time planned on the draft, or now once that time has
    passed). Its expiry must come after. Counts the residents it reaches."""
    now = now or timezone.now()
    announcement = _lock(announcement_id)
    if announcement.status != Status.DRAFT:
        raise field_error("id", _("只有草稿可以发布。"), Code.NOT_ALLOWED_IN_STATE)
    planned = announcement.publish_at if announcement.publish_at and announcement.publish_at > now else None
    when = _publish_time(publish_at if publish_at is not None else planned, now)
    _schedule(when, announcement.expires_at, now)
    announcement.status, announcement.publish_at = Status.PUBLISHED, when
    announcement.target_count = target_count(announcement)
    announcement.save(update_fields=["status", "publish_at", "target_count", "updated_at"])
    audit_record(actor=actor, action="announcement.publish", target=announcement, publish_at=when.isoformat(),
                 target_count=announcement.target_count)
    return announcement


@transaction.atomic
def announcement_withdraw(*, announcement_id: int, actor) -> Announcement:
    """Take a published (or scheduled) announcement back: residents no longer see it."""
    announcement = _lock(announcement_id)
    if announcement.status != Status.PUBLISHED:
        raise field_error("id", _("只有已发布的公告可以撤回。"), Code.NOT_ALLOWED_IN_STATE)
    announcement.status = Status.WITHDRAWN
    announcement.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="announcement.withdraw", target=announcement)
    return announcement


@transaction.atomic
def announcement_delete(*, announcement_id: int, actor) -> None:
    """Delete a draft (published and withdrawn ones stay on record)."""
    announcement = _lock(announcement_id)
    if announcement.status != Status.DRAFT:
        raise field_error("id", _("只有草稿可以删除，已发布的公告请撤回。"), Code.NOT_ALLOWED_IN_STATE)
    audit_record(actor=actor, action="announcement.delete", target=announcement, title=announcement.title)
    announcement.delete()


def announcement_mark_read(*, resident, announcement_id: int, now: dt.datetime | None = None) -> Announcement:
    """Record that the resident read it (again: nothing changes). NOT_FOUND unless it is live and meant for them."""
    announcement = announcement_for_resident(resident, announcement_id, now=now)
    if announcement is None:
        raise field_error("id", _("找不到该公告。"), Code.NOT_FOUND)
    AnnouncementRead.objects.bulk_create([AnnouncementRead(announcement=announcement, resident=resident)],
                                         ignore_conflicts=True)
    announcement.is_read = True
    return announcement
