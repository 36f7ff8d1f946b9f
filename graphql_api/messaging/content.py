"""Announcements and the knowledge base (apps/messaging/announcements.py, kb.py, content_selectors.py).

Residents: the live announcements that reach one of their bound houses, with their own read state (pinned first),
and the published knowledge base; anything else — a draft, a withdrawn or expired announcement, one for another
community, a draft article, another company's id — answers NOT_FOUND (null), like a missing one. Staff write,
target, schedule, publish and withdraw announcements (ANNOUNCEMENT_MANAGE) and keep the knowledge base (KB_MANAGE).
Bodies are sanitized HTML whose pictures carry this company's full URL (the mini-program's <rich-text> needs one).
The service phone residents call is `branding { servicePhone }`."""

import graphene

from apps.accounts.permissions import ANNOUNCEMENT_MANAGE, KB_MANAGE
from apps.messaging import announcements as svc
from apps.messaging import content_selectors as sel
from apps.messaging import kb
from apps.messaging.models import Announcement as _Announcement
from apps.messaging.models import KbArticle as _KbArticle
from apps.messaging.richtext import absolutize, summary

from ..core.ids import to_optional_pk, to_pk
from ..core.mutations import BaseMutation
from ..core.pagination import MAX_PAGE, page
from ..core.permissions import HasRole, IsResident, IsStaff, PermissionsField
from ..core.scalars import DateTime
from .types import MessagingError

WRITERS = (HasRole(*ANNOUNCEMENT_MANAGE),)
KB_EDITORS = (HasRole(*KB_MANAGE),)
READERS = (IsResident, IsStaff)  # the knowledge base: residents, and any staff member answering a caller

AnnouncementAudience = graphene.Enum.from_enum(_Announcement.Audience, name="AnnouncementAudience")
KbArticleStatus = graphene.Enum.from_enum(_KbArticle.Status, name="KbArticleStatus")


class AnnouncementStatus(graphene.Enum):
    """Where an announcement is: DRAFT; SCHEDULED (published, its time not come); PUBLISHED (residents see it
    now); EXPIRED; WITHDRAWN."""

    DRAFT = sel.AnnouncementState.DRAFT
    SCHEDULED = sel.AnnouncementState.SCHEDULED
    PUBLISHED = sel.AnnouncementState.PUBLISHED
    EXPIRED = sel.AnnouncementState.EXPIRED
    WITHDRAWN = sel.AnnouncementState.WITHDRAWN


def _body(root, info) -> str:
    return absolutize(root.body, info.context.build_absolute_uri("/"))


class Announcement(graphene.ObjectType):
    """An announcement as a resident sees it."""

    id = graphene.ID(required=True)
    title = graphene.String(required=True)
    summary = graphene.String(required=True)
    body = graphene.String(required=True, description="Sanitized HTML (for <rich-text>)")
    pinned = graphene.Boolean(required=True)
    published_at = DateTime(required=True)
    read = graphene.Boolean(required=True, description="I have opened it")

    resolve_body = staticmethod(_body)

    @staticmethod
    def resolve_published_at(root, info):
        return root.publish_at

    @staticmethod
    def resolve_read(root, info):
        return bool(root.is_read)


class AnnouncementPage(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(Announcement), required=True)
    total = graphene.Int(required=True)
    unread = graphene.Int(required=True, description="Of all my live announcements, how many I have not opened")


class AnnouncementAdmin(graphene.ObjectType):
    """An announcement as staff manage it."""

    id = graphene.ID(required=True)
    title = graphene.String(required=True)
    summary = graphene.String(required=True)
    body = graphene.String(required=True, description="Sanitized HTML")
    audience = graphene.Field(AnnouncementAudience, required=True)
    community_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    building_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    status = graphene.Field(AnnouncementStatus, required=True)
    pinned = graphene.Boolean(required=True)
    publish_at = DateTime(description="When residents start seeing it (planned, for a draft)")
    expires_at = DateTime(description="When residents stop seeing it; null: never")
    target_count = graphene.Int(required=True, description="Residents it reaches, counted when published")
    read_count = graphene.Int(required=True, description="Residents who opened it")
    created_by = graphene.String(description="Who wrote it")
    created_at = DateTime(required=True)
    updated_at = DateTime(required=True)

    resolve_body = staticmethod(_body)

    @staticmethod
    def resolve_audience(root, info):
        return root.audience

    @staticmethod
    def resolve_status(root, info):
        return sel.announcement_state(root)

    @staticmethod
    def resolve_read_count(root, info):
        return root.read_count

    @staticmethod
    def resolve_created_by(root, info):
        return root.created_by.shown_name if root.created_by_id else None


class AnnouncementAdminPage(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(AnnouncementAdmin), required=True)
    total = graphene.Int(required=True)


class AnnouncementInput(graphene.InputObjectType):
    title = graphene.String(required=True)
    body = graphene.String(required=True, description="HTML; sanitized on save (pictures: uploaded ones only)")
    audience = AnnouncementAudience(required=True)
    community_ids = graphene.List(graphene.NonNull(graphene.ID), description="COMMUNITIES: which ones")
    building_ids = graphene.List(graphene.NonNull(graphene.ID), description="BUILDINGS: which ones")
    pinned = graphene.Boolean()
    publish_at = DateTime(description="Planned publish time (publishAnnouncement uses it when given none)")
    expires_at = DateTime()


class KbCategory(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    position = graphene.Int(required=True)
    article_count = graphene.Int(required=True, description="Residents: published articles; staff lists: all")


class KbArticle(graphene.ObjectType):
    id = graphene.ID(required=True)
    category = graphene.Field(KbCategory, required=True)
    title = graphene.String(required=True)
    summary = graphene.String(required=True)
    body = graphene.String(required=True, description="Sanitized HTML (for <rich-text>)")
    keywords = graphene.String(required=True)
    status = graphene.Field(KbArticleStatus, required=True)
    position = graphene.Int(required=True)
    view_count = graphene.Int(required=True)
    updated_at = DateTime(required=True)

    resolve_body = staticmethod(_body)

    @staticmethod
    def resolve_category(root, info):
        category = root.category
        if not hasattr(category, "article_count"):
            category.article_count = 0  # not listed here; ask kbCategories for counts
        return category

    @staticmethod
    def resolve_summary(root, info):
        return summary(root.text)

    @staticmethod
    def resolve_status(root, info):
        return root.status


class KbArticlePage(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(KbArticle), required=True)
    total = graphene.Int(required=True)


class KbCategoryInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    position = graphene.Int()


class KbArticleInput(graphene.InputObjectType):
    category_id = graphene.ID(required=True)
    title = graphene.String(required=True)
    body = graphene.String(required=True)
    keywords = graphene.String()
    status = KbArticleStatus()
    position = graphene.Int()


def _page(qs, first, offset) -> dict:
    found = page(qs, first=first, offset=offset, default=20)
    return {"items": found["items"], "total": found["total_count"]}


class ContentQueries(graphene.ObjectType):
    announcements = PermissionsField(
        AnnouncementPage, required=True, permissions=[IsResident], first=graphene.Int(), offset=graphene.Int(),
        description=f"Announcements for my houses, pinned first then newest (at most {MAX_PAGE} a page)")
    announcement = PermissionsField(
        Announcement, permissions=[IsResident], id=graphene.ID(required=True),
        description="One of my announcements; null when it is not (or no longer) shown to me")
    kb_categories = PermissionsField(
        graphene.List(graphene.NonNull(KbCategory)), required=True, permissions=READERS,
        description="Knowledge-base categories with their published articles' count")
    kb_articles = PermissionsField(
        KbArticlePage, required=True, permissions=READERS, category_id=graphene.ID(), search=graphene.String(),
        first=graphene.Int(), offset=graphene.Int(),
        description="Published articles, by category order; `search`: part of a title, keyword or the text")
    kb_article = PermissionsField(
        KbArticle, permissions=READERS, id=graphene.ID(required=True),
        description="A published article (a resident's reading counts as a view); null otherwise")
    announcements_admin = PermissionsField(
        AnnouncementAdminPage, required=True, permissions=WRITERS, status=AnnouncementStatus(),
        search=graphene.String(), first=graphene.Int(), offset=graphene.Int(),
        description="Every announcement with its read and target counts, pinned first then newest")
    kb_categories_admin = PermissionsField(
        graphene.List(graphene.NonNull(KbCategory)), required=True, permissions=KB_EDITORS,
        description="Every category with the count of all its articles")
    kb_articles_admin = PermissionsField(
        KbArticlePage, required=True, permissions=KB_EDITORS, category_id=graphene.ID(), status=KbArticleStatus(),
        search=graphene.String(), first=graphene.Int(), offset=graphene.Int(),
        description="Every article (drafts too)")

    @staticmethod
    def resolve_announcements(root, info, first=None, offset=None):
        qs = sel.announcements_for_resident(info.context.actor.resident)
        found = _page(qs, first, offset)
        return AnnouncementPage(**found, unread=qs.filter(is_read=False).count())

    @staticmethod
    def resolve_announcement(root, info, id):
        return sel.announcement_for_resident(info.context.actor.resident, to_pk(id))

    @staticmethod
    def resolve_kb_categories(root, info):
        return list(sel.kb_categories(published_only=True))

    @staticmethod
    def resolve_kb_articles(root, info, category_id=None, search=None, first=None, offset=None):
        return KbArticlePage(**_page(sel.kb_articles(published_only=True, category_id=to_optional_pk(category_id),
                                                     search=search), first, offset))

    @staticmethod
    def resolve_kb_article(root, info, id):
        article = sel.kb_article_for_reader(to_pk(id), published_only=True)
        actor = info.context.actor
        # Residents' readings count, once a day each (staff reading to a caller do not count)
        if article is not None and actor.kind == "resident" and kb.kb_article_viewed(
                article_id=article.pk, viewer=f"resident:{actor.resident.pk}"):
            article.view_count += 1
        return article

    @staticmethod
    def resolve_announcements_admin(root, info, status=None, search=None, first=None, offset=None):
        qs = sel.announcements_for_staff(state=status.value if status else None, search=search)
        return AnnouncementAdminPage(**_page(qs, first, offset))

    @staticmethod
    def resolve_kb_categories_admin(root, info):
        return list(sel.kb_categories(published_only=False))

    @staticmethod
    def resolve_kb_articles_admin(root, info, category_id=None, status=None, search=None, first=None, offset=None):
        qs = sel.kb_articles(published_only=False, category_id=to_optional_pk(category_id),
                             status=status.value if status else None, search=search)
        return KbArticlePage(**_page(qs, first, offset))


# --- mutations ----------------------------------------------------------------------------------------------------

def _staff_view(announcement_id: int):
    return sel.announcements_for_staff().filter(pk=announcement_id).first()


def _announcement_args(data) -> dict:
    audience = data.get("audience")
    return {"title": data.get("title"), "body": data.get("body"), "audience": audience.value if audience else "",
            "community_ids": [str(v) for v in data.get("community_ids") or ()],
            "building_ids": [str(v) for v in data.get("building_ids") or ()],
            "pinned": bool(data.get("pinned")), "publish_at": data.get("publish_at"),
            "expires_at": data.get("expires_at")}


class _AnnouncementPayload:
    announcement = graphene.Field(AnnouncementAdmin)
    errors = graphene.List(graphene.NonNull(MessagingError), required=True)


class _DeletePayload:
    """What every delete answers: the id it was given (the row is gone), or errors."""

    deleted_id = graphene.ID()
    errors = graphene.List(graphene.NonNull(MessagingError), required=True)

    class Arguments:
        id = graphene.ID(required=True)


class CreateAnnouncement(_AnnouncementPayload, BaseMutation):
    """Write a draft announcement (publish it with publishAnnouncement)."""

    permissions = WRITERS

    class Arguments:
        input = AnnouncementInput(required=True)

    @classmethod
    def perform_mutation(cls, root, info, input):
        found = svc.announcement_create(actor=info.context.actor.user, **_announcement_args(input))
        return cls(announcement=_staff_view(found.pk), errors=[])


class UpdateAnnouncement(_AnnouncementPayload, BaseMutation):
    """Edit a draft or a published announcement (not a withdrawn one)."""

    permissions = WRITERS

    class Arguments:
        id = graphene.ID(required=True)
        input = AnnouncementInput(required=True)

    @classmethod
    def perform_mutation(cls, root, info, id, input):
        found = svc.announcement_update(announcement_id=to_pk(id), actor=info.context.actor.user,
                                        **_announcement_args(input))
        return cls(announcement=_staff_view(found.pk), errors=[])


class PublishAnnouncement(_AnnouncementPayload, BaseMutation):
    """Publish a draft now, or at `publishAt` (default: its planned time, else now)."""

    permissions = WRITERS

    class Arguments:
        id = graphene.ID(required=True)
        publish_at = DateTime()

    @classmethod
    def perform_mutation(cls, root, info, id, publish_at=None):
        found = svc.announcement_publish(announcement_id=to_pk(id), actor=info.context.actor.user,
                                         publish_at=publish_at)
        return cls(announcement=_staff_view(found.pk), errors=[])


class WithdrawAnnouncement(_AnnouncementPayload, BaseMutation):
    """Take a published or scheduled announcement back from residents."""

    permissions = WRITERS

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform_mutation(cls, root, info, id):
        found = svc.announcement_withdraw(announcement_id=to_pk(id), actor=info.context.actor.user)
        return cls(announcement=_staff_view(found.pk), errors=[])


class DeleteAnnouncement(_DeletePayload, BaseMutation):
    """Delete a draft (published ones are withdrawn instead, and stay on record)."""

    permissions = WRITERS

    @classmethod
    def perform_mutation(cls, root, info, id):
        svc.announcement_delete(announcement_id=to_pk(id), actor=info.context.actor.user)
        return cls(deleted_id=id, errors=[])


class MarkAnnouncementRead(BaseMutation):
    """I opened this announcement (again: nothing changes)."""

    permissions = (IsResident,)
    announcement = graphene.Field(Announcement)
    errors = graphene.List(graphene.NonNull(MessagingError), required=True)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform_mutation(cls, root, info, id):
        found = svc.announcement_mark_read(resident=info.context.actor.resident, announcement_id=to_pk(id))
        return cls(announcement=found, errors=[])


class SaveKbCategory(BaseMutation):
    """Create a category, or rename / reorder one (`id`)."""

    permissions = KB_EDITORS
    category = graphene.Field(KbCategory)
    errors = graphene.List(graphene.NonNull(MessagingError), required=True)

    class Arguments:
        id = graphene.ID()
        input = KbCategoryInput(required=True)

    @classmethod
    def perform_mutation(cls, root, info, input, id=None):
        found = kb.kb_category_save(actor=info.context.actor.user, name=input.get("name"),
                                    position=input.get("position"), category_id=to_optional_pk(id))
        return cls(category=sel.kb_categories(published_only=False).get(pk=found.pk), errors=[])


class DeleteKbCategory(_DeletePayload, BaseMutation):
    """Delete an empty category (one with articles is refused: NOT_ALLOWED_IN_STATE)."""

    permissions = KB_EDITORS

    @classmethod
    def perform_mutation(cls, root, info, id):
        kb.kb_category_delete(actor=info.context.actor.user, category_id=to_pk(id))
        return cls(deleted_id=id, errors=[])


class SaveKbArticle(BaseMutation):
    """Create an article, or edit one (`id`)."""

    permissions = KB_EDITORS
    article = graphene.Field(KbArticle)
    errors = graphene.List(graphene.NonNull(MessagingError), required=True)

    class Arguments:
        id = graphene.ID()
        input = KbArticleInput(required=True)

    @classmethod
    def perform_mutation(cls, root, info, input, id=None):
        status = input.get("status")
        category_id = to_pk(input.get("category_id"))
        found = kb.kb_article_save(
            actor=info.context.actor.user, category_id=category_id, title=input.get("title"),
            body=input.get("body"), keywords=input.get("keywords") or "",
            status=status.value if status else _KbArticle.Status.DRAFT, position=input.get("position"),
            article_id=to_optional_pk(id))
        return cls(article=sel.kb_articles(published_only=False).get(pk=found.pk), errors=[])


class DeleteKbArticle(_DeletePayload, BaseMutation):
    permissions = KB_EDITORS

    @classmethod
    def perform_mutation(cls, root, info, id):
        kb.kb_article_delete(actor=info.context.actor.user, article_id=to_pk(id))
        return cls(deleted_id=id, errors=[])


class ContentMutations(graphene.ObjectType):
    mark_announcement_read = MarkAnnouncementRead.Field()
    create_announcement = CreateAnnouncement.Field()
    update_announcement = UpdateAnnouncement.Field()
    publish_announcement = PublishAnnouncement.Field()
    withdraw_announcement = WithdrawAnnouncement.Field()
    delete_announcement = DeleteAnnouncement.Field()
    save_kb_category = SaveKbCategory.Field()
    delete_kb_category = DeleteKbCategory.Field()
    save_kb_article = SaveKbArticle.Field()
    delete_kb_article = DeleteKbArticle.Field()


__all__ = ["ContentMutations", "ContentQueries"]
