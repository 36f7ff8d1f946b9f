"""The knowledge base: categories and articles written by staff (sanitized rich text), searched and read by
residents (published articles only), with a view count (one per reader, article and local day: re-reading, or
one request asking for the article under 30 aliases, counts once). `kb_seed_defaults` gives a company the default
FAQ (apps/messaging/kb_defaults.py)."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from heat_platform.kernel.errors import field_error

from . import richtext
from .announcements import clean_rich_body
from .errors import MessagingErrorCode as Code
from .kb_defaults import DEFAULT_KB
from .models import KbArticle, KbCategory

MAX_POSITION = 9999


def _text(value: str | None, field: str, limit: int, *, required: bool = True) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        raise field_error(field, _("请填写此项。"), Code.REQUIRED)
    if len(value) > limit:
        raise field_error(field, _("不能超过 %(n)d 个字。") % {"n": limit}, Code.TOO_LONG)
    return value


def _position(value: int | None) -> int:
    value = 0 if value is None else value
    if not 0 <= value <= MAX_POSITION:
        raise field_error("position", _("排序须在 0 到 %(n)d 之间。") % {"n": MAX_POSITION}, Code.INVALID)
    return value


@transaction.atomic
def kb_category_save(*, actor, name: str, position: int | None = 0, category_id: int | None = None) -> KbCategory:
    """Create a category, or rename / move one (`category_id`). Names are unique (INVALID)."""
    name = _text(name, "name", 20)
    position = _position(position)
    if category_id is None:
        category = KbCategory(name=name, position=position)
    else:
        category = KbCategory.objects.select_for_update().filter(pk=category_id).first()
        if category is None:
            raise field_error("id", _("找不到该分类。"), Code.NOT_FOUND)
        category.name, category.position = name, position
    if KbCategory.objects.filter(name=name).exclude(pk=category.pk).exists():
        raise field_error("name", _("已有同名分类。"), Code.INVALID)
    try:
        with transaction.atomic():
            category.save()
    except IntegrityError:  # the same name saved at the same moment
        raise field_error("name", _("已有同名分类。"), Code.INVALID) from None
    audit_record(actor=actor, action="kb.category.save", target=category, name=name)
    return category


@transaction.atomic
def kb_category_delete(*, actor, category_id: int) -> None:
    """Delete an empty category; one that still holds articles: NOT_ALLOWED_IN_STATE (move or delete them first)."""
    category = KbCategory.objects.select_for_update().filter(pk=category_id).first()
    if category is None:
        raise field_error("id", _("找不到该分类。"), Code.NOT_FOUND)
    if category.articles.exists():
        raise field_error("id", _("分类下还有文章，请先移走或删除文章。"), Code.NOT_ALLOWED_IN_STATE)
    audit_record(actor=actor, action="kb.category.delete", target=category, name=category.name)
    category.delete()


@transaction.atomic
def kb_article_save(*, actor, category_id: int, title: str, body: str, keywords: str = "",
                    status: str = KbArticle.Status.DRAFT, position: int | None = 0,
                    article_id: int | None = None) -> KbArticle:
    """Create or edit an article (sanitized body; its plain text kept for search)."""
    errors: dict[str, list] = {}
    values: dict = {}
    checks = {
        "title": lambda: _text(title, "title", 60),
        "keywords": lambda: _text(keywords, "keywords", 120, required=False),
        "position": lambda: _position(position),
        "body": lambda: clean_rich_body(body),
    }
    for name, check in checks.items():
        try:
            values[name] = check()
        except ValidationError as exc:
            for field, errs in exc.error_dict.items():
                errors.setdefault(field, []).extend(errs)
    category = KbCategory.objects.filter(pk=category_id).first()
    if category is None:
        errors.setdefault("category_id", []).append(ValidationError(_("找不到该分类。"), code=Code.NOT_FOUND))
    if status not in KbArticle.Status.values:
        errors.setdefault("status", []).append(ValidationError(_("状态无效。"), code=Code.INVALID))
    if errors:
        raise ValidationError(errors)
    if article_id is None:
        article = KbArticle()
    else:
        article = KbArticle.objects.select_for_update().filter(pk=article_id).first()
        if article is None:
            raise field_error("id", _("找不到该文章。"), Code.NOT_FOUND)
    article.category = category
    article.title, article.keywords, article.position, article.status = (
        values["title"], values["keywords"], values["position"], status)
    article.body, article.text = values["body"]
    if article_id is None:
        article.save()
    else:  # never view_count: views are counted in the row, not in this copy
        article.save(update_fields=["category", "title", "keywords", "position", "status", "body", "text",
                                    "updated_at"])
    audit_record(actor=actor, action="kb.article.save", target=article, title=article.title, status=status)
    return article


@transaction.atomic
def kb_article_delete(*, actor, article_id: int) -> None:
    article = KbArticle.objects.select_for_update().filter(pk=article_id).first()
    if article is None:
        raise field_error("id", _("找不到该文章。"), Code.NOT_FOUND)
    audit_record(actor=actor, action="kb.article.delete", target=article, title=article.title)
    article.delete()


def kb_article_viewed(*, article_id: int, viewer: str) -> bool:
    """Count `viewer`'s reading (e.g. "resident:12") of the article, at most once per local day; returns whether
    it counted. The day's mark is a cache key (per company: the cache's key function adds the schema) kept until
    local midnight; the count itself is in the database (no lost updates)."""
    now = timezone.localtime()
    midnight = timezone.make_aware(dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time()))
    key = f"messaging:kb-view:{now.date().isoformat()}:{viewer}:{article_id}"
    if not cache.add(key, 1, max(1, int((midnight - now).total_seconds()) + 1)):
        return False
    return bool(KbArticle.objects.filter(pk=article_id).update(view_count=F("view_count") + 1))


@transaction.atomic
def kb_seed_defaults() -> int:
    """Add the default categories and articles (published) that this company does not have yet, matched by name
    and title, so running it again (or after staff edited them) adds nothing twice. Returns articles added."""
    added = 0
    for position, (name, articles) in enumerate(DEFAULT_KB, start=1):
        category, _created = KbCategory.objects.get_or_create(name=name, defaults={"position": position * 10})
        existing = set(KbArticle.objects.filter(category=category).values_list("title", flat=True))
        for index, (title, keywords, raw) in enumerate(articles, start=1):
            if title in existing:
                continue
            body = richtext.sanitize(raw)
            KbArticle.objects.create(category=category, title=title, keywords=keywords, body=body,
                                     text=richtext.plain_text(body), status=KbArticle.Status.PUBLISHED,
                                     position=index * 10)
            added += 1
    return added
