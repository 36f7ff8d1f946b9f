"""Reads of announcements and the knowledge base: what a resident sees (the announcements that reach one of their
bound houses, with their own read state; published articles), and the staff lists with read counts.

Reaching a house: ALL reaches every house; COMMUNITIES / BUILDINGS the houses there; ARREARS the houses owing money
now in an open season — billing's own arrears filter (`apps.billing.selectors.bill_list(in_arrears=True)`), read
when asked, so a house that pays stops seeing a reminder meant for those who owe."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from apps.billing.selectors import bill_list
from apps.properties.models import House, HouseBinding
from apps.tariffs.models import Season

from .models import Announcement, AnnouncementRead, KbArticle, KbCategory

Audience = Announcement.Audience
Status = Announcement.Status


class AnnouncementState:
    """What staff see in the list: the stored status and where `now` is between publish_at and expires_at."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"  # published, publish_at still ahead
    PUBLISHED = "published"  # visible to residents now
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    ALL = (DRAFT, SCHEDULED, PUBLISHED, EXPIRED, WITHDRAWN)


def announcement_state(announcement: Announcement, *, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    if announcement.status != Status.PUBLISHED:
        return announcement.status
    if announcement.publish_at and announcement.publish_at > now:
        return AnnouncementState.SCHEDULED
    if announcement.expires_at and announcement.expires_at <= now:
        return AnnouncementState.EXPIRED
    return AnnouncementState.PUBLISHED


def arrears_house_ids() -> QuerySet:
    """House ids (a subquery) owing money now in an open season."""
    return (bill_list(in_arrears=True).filter(season__status=Season.Status.OPEN).prefetch_related(None)
            .order_by().values("house_id"))


def reached_houses(*, audience: str, community_ids=(), building_ids=()) -> QuerySet[House]:
    if audience == Audience.ALL:
        return House.objects.all()
    if audience == Audience.COMMUNITIES:
        return House.objects.filter(community_id__in=list(community_ids))
    if audience == Audience.BUILDINGS:
        return House.objects.filter(building_id__in=list(building_ids))
    if audience == Audience.ARREARS:
        return House.objects.filter(pk__in=arrears_house_ids())
    return House.objects.none()


def target_count(announcement: Announcement) -> int:
    """Residents bound to at least one house the announcement reaches."""
    houses = reached_houses(audience=announcement.audience, community_ids=announcement.community_ids,
                            building_ids=announcement.building_ids)
    return HouseBinding.objects.filter(house__in=houses.values("pk")).values("resident_id").distinct().count()


def _live(now: dt.datetime) -> Q:
    return (Q(status=Status.PUBLISHED, publish_at__lte=now)
            & (Q(expires_at__isnull=True) | Q(expires_at__gt=now)))


def _reaching(resident) -> Q:
    """Announcements reaching one of the resident's bound houses (one query for the houses, one for arrears)."""
    houses = list(HouseBinding.objects.filter(resident=resident)
                  .values_list("house_id", "house__community_id", "house__building_id"))
    if not houses:
        return Q(pk__in=[])
    reach = Q(audience=Audience.ALL)
    for community_id in {c for _h, c, _b in houses}:
        reach |= Q(audience=Audience.COMMUNITIES, community_ids__contains=[community_id])
    for building_id in {b for _h, _c, b in houses}:
        reach |= Q(audience=Audience.BUILDINGS, building_ids__contains=[building_id])
    if House.objects.filter(pk__in=[h for h, _c, _b in houses]).filter(pk__in=arrears_house_ids()).exists():
        reach |= Q(audience=Audience.ARREARS)
    return reach


def announcements_for_resident(resident, *, now: dt.datetime | None = None) -> QuerySet[Announcement]:
    """Live announcements reaching the resident, pinned first then newest, each with `is_read`."""
    now = now or timezone.now()
    read = AnnouncementRead.objects.filter(announcement=OuterRef("pk"), resident=resident)
    return (Announcement.objects.filter(_live(now) & _reaching(resident)).annotate(is_read=Exists(read))
            .order_by("-pinned", "-publish_at", "-id"))


def announcement_for_resident(resident, announcement_id: int, *, now: dt.datetime | None = None) -> \
        Announcement | None:
    """The same None for a missing announcement, a draft, a withdrawn or expired one, and one not meant for them."""
    return announcements_for_resident(resident, now=now).filter(pk=announcement_id).first()


def announcements_for_staff(*, state: str | None = None, search: str | None = None,
                            now: dt.datetime | None = None) -> QuerySet[Announcement]:
    """Every announcement, pinned first then newest, each with `read_count`."""
    now = now or timezone.now()
    qs = Announcement.objects.annotate(read_count=Count("reads")).select_related("created_by")
    if state == AnnouncementState.DRAFT:
        qs = qs.filter(status=Status.DRAFT)
    elif state == AnnouncementState.WITHDRAWN:
        qs = qs.filter(status=Status.WITHDRAWN)
    elif state == AnnouncementState.SCHEDULED:
        qs = qs.filter(status=Status.PUBLISHED, publish_at__gt=now)
    elif state == AnnouncementState.PUBLISHED:
        qs = qs.filter(_live(now))
    elif state == AnnouncementState.EXPIRED:
        qs = qs.filter(status=Status.PUBLISHED, expires_at__lte=now)
    if search and search.strip():
        term = search.strip()
        qs = qs.filter(Q(title__icontains=term) | Q(summary__icontains=term))
    return qs.order_by("-pinned", "-created_at", "-id")


# --- knowledge base -----------------------------------------------------------------------------------------------

def kb_categories(*, published_only: bool) -> QuerySet[KbCategory]:
    """Categories with `article_count`. For residents: published articles only, and no empty category."""
    if not published_only:
        return KbCategory.objects.annotate(article_count=Count("articles")).order_by("position", "id")
    published = Q(articles__status=KbArticle.Status.PUBLISHED)
    return (KbCategory.objects.annotate(article_count=Count("articles", filter=published))
            .filter(article_count__gt=0).order_by("position", "id"))


def kb_articles(*, published_only: bool, category_id: int | None = None, search: str | None = None,
                status: str | None = None) -> QuerySet[KbArticle]:
    """Articles in the categories' order. `search`: a part of the title, keywords or text (Chinese has no word
    boundaries, so a plain substring match; every space-separated term must match)."""
    qs = KbArticle.objects.select_related("category")
    if published_only:
        qs = qs.filter(status=KbArticle.Status.PUBLISHED)
    elif status:
        qs = qs.filter(status=status)
    if category_id is not None:
        qs = qs.filter(category_id=category_id)
    for term in (search or "").split()[:5]:
        qs = qs.filter(Q(title__icontains=term) | Q(keywords__icontains=term) | Q(text__icontains=term))
    return qs.order_by("category__position", "category_id", "position", "id")


def kb_article_for_reader(article_id: int, *, published_only: bool) -> KbArticle | None:
    return kb_articles(published_only=published_only).filter(pk=article_id).first()
