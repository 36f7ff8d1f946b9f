"""Announcements and the knowledge base through GraphQL: staff write, publish and withdraw (ANNOUNCEMENT_MANAGE),
residents see only what reaches their houses, with their read state (IDOR: another community's, a draft, another
company's id answer null / NOT_FOUND), the knowledge base for residents (published only, search, view count) and
for editors (KB_MANAGE), permissions per role, and pictures in bodies carrying the company's full URL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.messaging import announcements as svc
from apps.messaging.kb import kb_seed_defaults
from apps.messaging.models import ContentImage, KbArticle, KbCategory
from apps.properties.models import HouseBinding
from tests.factories.accounts import StaffFactory
from tests.factories.properties import BuildingFactory, CommunityFactory, HouseFactory
from tests.queries import assert_same_queries_grown

pytestmark = pytest.mark.django_db

ADMIN_FIELDS = """id title summary body audience communityIds buildingIds status pinned publishAt expiresAt
  targetCount readCount createdBy"""
CREATE = f"""mutation($i: AnnouncementInput!) {{ createAnnouncement(input: $i) {{ announcement {{ {ADMIN_FIELDS} }}
  errors {{ field code message }} }} }}"""
UPDATE = f"""mutation($id: ID!, $i: AnnouncementInput!) {{ updateAnnouncement(id: $id, input: $i) {{
  announcement {{ {ADMIN_FIELDS} }} errors {{ field code }} }} }}"""
PUBLISH = """mutation($id: ID!, $at: DateTime) { publishAnnouncement(id: $id, publishAt: $at) {
  announcement { id status targetCount publishAt } errors { field code } } }"""
WITHDRAW = "mutation($id: ID!) { withdrawAnnouncement(id: $id) { announcement { id status } errors { field code } } }"
DELETE = "mutation($id: ID!) { deleteAnnouncement(id: $id) { deletedId errors { field code } } }"
ADMIN_LIST = f"""query($s: AnnouncementStatus, $q: String) {{ announcementsAdmin(status: $s, search: $q) {{ total
  items {{ {ADMIN_FIELDS} }} }} }}"""
MINE = """query { announcements { total unread items { id title summary body pinned publishedAt read } } }"""
ONE = "query($id: ID!) { announcement(id: $id) { id title read } }"
READ = "mutation($id: ID!) { markAnnouncementRead(id: $id) { announcement { id read } errors { field code } } }"
CATEGORIES = "query { kbCategories { id name position articleCount } }"
ARTICLES = """query($c: ID, $q: String) { kbArticles(categoryId: $c, search: $q) { total
  items { id title summary category { id name } } } }"""
ARTICLE = "query($id: ID!) { kbArticle(id: $id) { id title body viewCount status } }"
SAVE_CATEGORY = """mutation($id: ID, $i: KbCategoryInput!) { saveKbCategory(id: $id, input: $i) {
  category { id name position articleCount } errors { field code } } }"""
DELETE_CATEGORY = "mutation($id: ID!) { deleteKbCategory(id: $id) { deletedId errors { field code } } }"
SAVE_ARTICLE = """mutation($id: ID, $i: KbArticleInput!) { saveKbArticle(id: $id, input: $i) {
  article { id title body status keywords category { id } } errors { field code } } }"""
DELETE_ARTICLE = "mutation($id: ID!) { deleteKbArticle(id: $id) { deletedId errors { field code } } }"
ARTICLES_ADMIN = """query($s: KbArticleStatus) { kbArticlesAdmin(status: $s) { total items { id title status } } }"""
CATEGORIES_ADMIN = "query { kbCategoriesAdmin { id name articleCount } }"
SHA = "ab" * 32


@pytest.fixture
def world(alpha, make_resident, make_staff):
    """Two communities with a resident each (one with two houses), an admin token."""
    north_resident, north_token = make_resident(alpha, "o-north")
    south_resident, south_token = make_resident(alpha, "o-south")
    with schema_context(alpha.schema):
        north, south = CommunityFactory(name="北苑"), CommunityFactory(name="南苑")
        north_building = BuildingFactory(community=north)
        HouseBinding.objects.create(house=HouseFactory(building=north_building), resident=north_resident)
        HouseBinding.objects.create(house=HouseFactory(building=north_building), resident=north_resident)
        HouseBinding.objects.create(house=HouseFactory(building=BuildingFactory(community=south)),
                                    resident=south_resident)
    return {"north": str(north.pk), "south": str(south.pk), "north_building": str(north_building.pk),
            "north_token": north_token, "south_token": south_token, "admin": make_staff(alpha, "tenant_admin")}


def _input(**over) -> dict:
    return {"title": "停热通知", "body": "<p>因管网检修，12 月 8 日 9:00–17:00 停热。</p>", "audience": "ALL", **over}


def _create_and_publish(gql, alpha, token, **over) -> str:
    made = gql(alpha.host, CREATE, {"i": _input(**over)}, token=token)["data"]["createAnnouncement"]
    assert made["errors"] == [], made
    published = gql(alpha.host, PUBLISH, {"id": made["announcement"]["id"]}, token=token)["data"]
    assert published["publishAnnouncement"]["errors"] == []
    return made["announcement"]["id"]


def test_staff_publish_to_one_community_and_only_its_residents_see_it(gql, alpha, world):
    host = alpha.host
    made = gql(host, CREATE, {"i": _input(audience="COMMUNITIES", communityIds=[world["north"]], pinned=True,
                                          body='<p onclick="x()">停热<script>alert(1)</script></p>')},
               token=world["admin"])["data"]["createAnnouncement"]
    assert made["errors"] == []
    ann = made["announcement"]
    assert (ann["status"], ann["audience"], ann["communityIds"], ann["body"], ann["summary"], ann["targetCount"]) == (
        "DRAFT", "COMMUNITIES", [world["north"]], "<p>停热</p>", "停热", 0)
    assert gql(host, MINE, token=world["north_token"])["data"]["announcements"] == {"total": 0, "unread": 0,
                                                                                    "items": []}
    assert gql(host, ONE, {"id": ann["id"]}, token=world["north_token"])["data"]["announcement"] is None  # draft
    published = gql(host, PUBLISH, {"id": ann["id"]}, token=world["admin"])["data"]["publishAnnouncement"]
    assert published["announcement"]["status"] == "PUBLISHED" and published["announcement"]["targetCount"] == 1
    north = gql(host, MINE, token=world["north_token"])["data"]["announcements"]
    assert (north["total"], north["unread"], north["items"][0]["id"], north["items"][0]["read"],
            north["items"][0]["pinned"]) == (1, 1, ann["id"], False, True)
    # The south resident: not in their list, and asking by id or marking it read is NOT_FOUND (IDOR).
    assert gql(host, MINE, token=world["south_token"])["data"]["announcements"]["total"] == 0
    assert gql(host, ONE, {"id": ann["id"]}, token=world["south_token"])["data"]["announcement"] is None
    refused = gql(host, READ, {"id": ann["id"]}, token=world["south_token"])["data"]["markAnnouncementRead"]
    assert refused == {"announcement": None, "errors": [{"field": "id", "code": "NOT_FOUND"}]}
    # The north resident reads it, twice: one read.
    for _ in range(2):
        read = gql(host, READ, {"id": ann["id"]}, token=world["north_token"])["data"]["markAnnouncementRead"]
        assert read == {"announcement": {"id": ann["id"], "read": True}, "errors": []}
    assert gql(host, MINE, token=world["north_token"])["data"]["announcements"]["unread"] == 0
    listed = gql(host, ADMIN_LIST, {"s": "PUBLISHED"}, token=world["admin"])["data"]["announcementsAdmin"]
    assert listed["total"] == 1 and (listed["items"][0]["readCount"], listed["items"][0]["targetCount"]) == (1, 1)
    withdrawn = gql(host, WITHDRAW, {"id": ann["id"]}, token=world["admin"])["data"]["withdrawAnnouncement"]
    assert withdrawn == {"announcement": {"id": ann["id"], "status": "WITHDRAWN"}, "errors": []}
    assert gql(host, ONE, {"id": ann["id"]}, token=world["north_token"])["data"]["announcement"] is None


def test_another_companys_announcement_is_not_found(gql, alpha, beta, world, make_staff, make_resident):
    ann = _create_and_publish(gql, alpha, world["admin"])
    _resident, beta_token = make_resident(beta, "o-beta")
    beta_admin = make_staff(beta, "tenant_admin")
    assert gql(beta.host, ONE, {"id": ann}, token=beta_token)["data"]["announcement"] is None
    assert gql(beta.host, READ, {"id": ann}, token=beta_token)["data"]["markAnnouncementRead"]["errors"] == [
        {"field": "id", "code": "NOT_FOUND"}]
    for mutation, name in ((WITHDRAW, "withdrawAnnouncement"), (DELETE, "deleteAnnouncement"),
                           (PUBLISH, "publishAnnouncement")):
        payload = gql(beta.host, mutation, {"id": ann}, token=beta_admin)["data"][name]
        assert payload["errors"] == [{"field": "id", "code": "NOT_FOUND"}], name
    # An alpha token on beta's domain is refused outright.
    denied = gql(beta.host, MINE, token=world["north_token"])
    assert denied["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_typed_errors_change_nothing(gql, alpha, world):
    host = alpha.host
    bad = gql(host, CREATE, {"i": _input(title="", audience="BUILDINGS", buildingIds=["999999"])},
              token=world["admin"])["data"]["createAnnouncement"]
    assert bad["announcement"] is None
    assert {(e["field"], e["code"]) for e in bad["errors"]} == {("title", "REQUIRED"),
                                                                ("buildingIds", "INVALID_AUDIENCE")}
    soon = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    later = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    bad = gql(host, CREATE, {"i": _input(publishAt=later, expiresAt=soon)}, token=world["admin"])
    assert bad["data"]["createAnnouncement"]["errors"] == [
        {"field": "expiresAt", "code": "INVALID_SCHEDULE", "message": "过期时间须晚于发布时间。"}]
    assert gql(host, ADMIN_LIST, token=world["admin"])["data"]["announcementsAdmin"]["total"] == 0
    ann = _create_and_publish(gql, alpha, world["admin"])
    assert gql(host, DELETE, {"id": ann}, token=world["admin"])["data"]["deleteAnnouncement"]["errors"] == [
        {"field": "id", "code": "NOT_ALLOWED_IN_STATE"}]
    assert gql(host, DELETE, {"id": "abc"}, token=world["admin"])["data"]["deleteAnnouncement"]["errors"] == [
        {"field": "id", "code": "NOT_FOUND"}]


def test_scheduled_announcements_wait_and_edits_keep_the_schedule(gql, alpha, world):
    host = alpha.host
    at = (timezone.now() + dt.timedelta(hours=3)).replace(microsecond=0)
    made = gql(host, CREATE, {"i": _input(audience="BUILDINGS", buildingIds=[world["north_building"]])},
               token=world["admin"])["data"]["createAnnouncement"]["announcement"]
    published = gql(host, PUBLISH, {"id": made["id"], "at": at.isoformat()}, token=world["admin"])["data"]
    assert published["publishAnnouncement"]["announcement"]["status"] == "SCHEDULED"
    assert gql(host, MINE, token=world["north_token"])["data"]["announcements"]["total"] == 0
    edited = gql(host, UPDATE, {"id": made["id"], "i": _input(title="停热通知（更正）", audience="ALL")},
                 token=world["admin"])["data"]["updateAnnouncement"]
    assert edited["errors"] == [] and edited["announcement"]["status"] == "SCHEDULED"
    assert edited["announcement"]["targetCount"] == 2  # now everyone: counted again
    scheduled = gql(host, ADMIN_LIST, {"s": "SCHEDULED"}, token=world["admin"])["data"]["announcementsAdmin"]
    assert [i["id"] for i in scheduled["items"]] == [made["id"]]
    assert gql(host, ADMIN_LIST, {"s": "PUBLISHED"}, token=world["admin"])["data"]["announcementsAdmin"]["total"] == 0


def test_bodies_show_our_pictures_with_the_companys_address(gql, alpha, world):
    with schema_context(alpha.schema):
        ContentImage.objects.create(sha256=SHA, file=f"messaging/images/ab/{SHA}.png", content_type="image/png",
                                    width=10, height=10, size=100)
    body = (f'<p>范围</p><img src="https://elsewhere.example/files/messaging/images/{SHA}.png" alt="图">'
            f'<img src="/files/messaging/images/{"cd" * 32}.png">')  # the second is not this company's
    ann = _create_and_publish(gql, alpha, world["admin"], body=body)
    item = gql(alpha.host, MINE, token=world["north_token"])["data"]["announcements"]["items"][0]
    assert item["id"] == ann
    assert item["body"] == f'<p>范围</p><img src="http://{alpha.host}/files/messaging/images/{SHA}.png" alt="图">'


def test_announcement_lists_cost_the_same_for_one_or_many(gql, alpha, world):
    _create_and_publish(gql, alpha, world["admin"])

    def grow():
        with schema_context(alpha.schema):
            actor = StaffFactory(role="tenant_admin")
            for n in range(3):
                draft = svc.announcement_create(actor=actor, title=f"t{n}", body="b", audience="communities",
                                                community_ids=[int(world["north"])])
                svc.announcement_publish(announcement_id=draft.pk, actor=actor)

    def both():
        return (gql(alpha.host, MINE, token=world["north_token"])["data"]["announcements"]["total"],
                gql(alpha.host, ADMIN_LIST, token=world["admin"])["data"]["announcementsAdmin"]["total"])

    one, many = assert_same_queries_grown(both, grow)
    assert (one, many) == ((1, 1), (4, 4))


# --- the knowledge base ------------------------------------------------------------------------------------------

def test_residents_read_the_default_faq_search_it_and_views_count(gql, alpha, world):
    with schema_context(alpha.schema):
        added = kb_seed_defaults()
        assert added >= 8 and kb_seed_defaults() == 0  # idempotent
        draft_cat = KbCategory.objects.create(name="内部", position=99)
        draft = KbArticle.objects.create(category=draft_cat, title="内部草稿", body="<p>草稿</p>", text="草稿 报停")
    host, token = alpha.host, world["north_token"]
    categories = gql(host, CATEGORIES, token=token)["data"]["kbCategories"]
    # 内部 holds only a draft: residents do not see the category.
    assert [c["name"] for c in categories] == ["账单与收费", "报停与恢复供暖", "室温与服务", "缴费与发票"]
    found = gql(host, ARTICLES, {"q": "报停"}, token=token)["data"]["kbArticles"]
    titles = [i["title"] for i in found["items"]]
    assert "如何申请报停？" in titles and "报停后还需要缴费吗？" in titles and "内部草稿" not in titles
    by_keyword = gql(host, ARTICLES, {"q": "发票 抬头"}, token=token)["data"]["kbArticles"]["items"]
    assert [i["title"] for i in by_keyword] == ["缴费后如何开具发票？"]
    computed = gql(host, ARTICLES, {"q": "面积 × 单价"}, token=token)["data"]["kbArticles"]["items"]
    assert [i["title"] for i in computed] == ["采暖费是怎么计算的？"]
    first = categories[0]["id"]
    in_first = gql(host, ARTICLES, {"c": first}, token=token)["data"]["kbArticles"]
    assert in_first["total"] == categories[0]["articleCount"] == 3
    article = in_first["items"][0]["id"]
    assert gql(host, ARTICLE, {"id": article}, token=token)["data"]["kbArticle"]["viewCount"] == 1
    # Reading it again today, or asking for it under many aliases (as many root fields as a request may have),
    # is still one view of this resident's.
    assert gql(host, ARTICLE, {"id": article}, token=token)["data"]["kbArticle"]["viewCount"] == 1
    aliased = "query($id: ID!) { " + " ".join(f"a{i}: kbArticle(id: $id) {{ viewCount }}" for i in range(
        settings.GRAPHQL_MAX_ROOT_FIELDS)) + " }"
    answer = gql(host, aliased, {"id": article}, token=token)
    assert {a["viewCount"] for a in answer["data"].values()} == {1}, answer
    assert gql(host, ARTICLE, {"id": article}, token=world["south_token"])["data"]["kbArticle"]["viewCount"] == 2
    assert gql(host, ARTICLE, {"id": str(draft.pk)}, token=token)["data"]["kbArticle"] is None
    # Staff read it too (a collector answering a caller), without counting as a view.
    assert gql(host, ARTICLE, {"id": article}, token=world["admin"])["data"]["kbArticle"]["viewCount"] == 2


def test_editors_keep_categories_and_articles(gql, alpha, world, make_staff):
    host, token = alpha.host, world["admin"]
    cat = gql(host, SAVE_CATEGORY, {"i": {"name": "供热常识", "position": 5}}, token=token)["data"]["saveKbCategory"]
    assert cat["errors"] == [] and cat["category"]["articleCount"] == 0
    cat_id = cat["category"]["id"]
    dup = gql(host, SAVE_CATEGORY, {"i": {"name": "供热常识"}}, token=token)["data"]["saveKbCategory"]
    assert dup == {"category": None, "errors": [{"field": "name", "code": "INVALID"}]}
    saved = gql(host, SAVE_ARTICLE, {"i": {"categoryId": cat_id, "title": "暖气片放气",
                                           "body": '<p>拧开放气阀<img src="x" onerror="alert(1)"></p>',
                                           "keywords": "放气 不热", "status": "PUBLISHED"}},
                token=token)["data"]["saveKbArticle"]
    assert saved["errors"] == [] and saved["article"]["body"] == "<p>拧开放气阀</p>"
    article_id = saved["article"]["id"]
    refused = gql(host, DELETE_CATEGORY, {"id": cat_id}, token=token)["data"]["deleteKbCategory"]
    assert refused == {"deletedId": None, "errors": [{"field": "id", "code": "NOT_ALLOWED_IN_STATE"}]}
    bad = gql(host, SAVE_ARTICLE, {"i": {"categoryId": "999999", "title": "", "body": " "}},
              token=token)["data"]["saveKbArticle"]
    assert {(e["field"], e["code"]) for e in bad["errors"]} == {
        ("categoryId", "NOT_FOUND"), ("title", "REQUIRED"), ("body", "REQUIRED")}
    hidden = gql(host, SAVE_ARTICLE, {"id": article_id, "i": {"categoryId": cat_id, "title": "暖气片放气",
                                                              "body": "<p>x</p>", "status": "DRAFT"}},
                 token=token)["data"]["saveKbArticle"]
    assert hidden["article"]["status"] == "DRAFT"
    assert gql(host, ARTICLE, {"id": article_id}, token=world["north_token"])["data"]["kbArticle"] is None
    drafts = gql(host, ARTICLES_ADMIN, {"s": "DRAFT"}, token=token)["data"]["kbArticlesAdmin"]
    assert [i["id"] for i in drafts["items"]] == [article_id]
    assert {c["name"]: c["articleCount"] for c in
            gql(host, CATEGORIES_ADMIN, token=token)["data"]["kbCategoriesAdmin"]}["供热常识"] == 1
    assert gql(host, DELETE_ARTICLE, {"id": article_id}, token=token)["data"]["deleteKbArticle"]["errors"] == []
    assert gql(host, DELETE_CATEGORY, {"id": cat_id}, token=token)["data"]["deleteKbCategory"] == {
        "deletedId": cat_id, "errors": []}


@pytest.mark.parametrize(("query", "variables"), [
    (ADMIN_LIST, {}), (CREATE, {"i": _input()}), (PUBLISH, {"id": "1"}), (WITHDRAW, {"id": "1"}),
    (DELETE, {"id": "1"}), (UPDATE, {"id": "1", "i": _input()}), (CATEGORIES_ADMIN, {}), (ARTICLES_ADMIN, {}),
    (SAVE_CATEGORY, {"i": {"name": "x"}}), (DELETE_CATEGORY, {"id": "1"}), (DELETE_ARTICLE, {"id": "1"}),
    (SAVE_ARTICLE, {"i": {"categoryId": "1", "title": "t", "body": "b"}}),
])
def test_only_admins_manage_content(gql, alpha, world, make_staff, query, variables):
    for role in ("collector", "technician", "finance"):
        result = gql(alpha.host, query, variables, token=make_staff(alpha, role))
        assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED", role
    result = gql(alpha.host, query, variables, token=world["north_token"])
    assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert gql(alpha.host, query, variables)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_resident_fields_are_for_residents(gql, alpha, world, make_staff):
    for query in (MINE, READ):
        variables = {"id": "1"} if query == READ else {}
        result = gql(alpha.host, query, variables, token=make_staff(alpha, "collector"))
        assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert gql(alpha.host, CATEGORIES)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert gql(alpha.host, CATEGORIES, token=make_staff(alpha, "technician"))["data"]["kbCategories"] == []


def test_kb_lists_cost_the_same_for_one_or_many(gql, alpha, world):
    with schema_context(alpha.schema):
        KbArticle.objects.create(category=KbCategory.objects.create(name="一"), title="t", body="<p>b</p>", text="b",
                                 status="published")

    def grow():
        with schema_context(alpha.schema):
            kb_seed_defaults()

    def lists():
        return (len(gql(alpha.host, ARTICLES, token=world["north_token"])["data"]["kbArticles"]["items"]),
                len(gql(alpha.host, CATEGORIES, token=world["north_token"])["data"]["kbCategories"]))

    one, many = assert_same_queries_grown(lists, grow)
    assert one == (1, 1) and many[0] > 5 and many[1] == 5


def test_another_companys_articles_are_not_found(gql, alpha, beta, world, make_resident, make_staff):
    with schema_context(alpha.schema):
        kb_seed_defaults()
        article = KbArticle.objects.order_by("pk").last()
    _resident, beta_token = make_resident(beta, "o-beta-kb")
    assert gql(beta.host, ARTICLE, {"id": str(article.pk)}, token=beta_token)["data"]["kbArticle"] is None
    assert gql(beta.host, ARTICLES, token=beta_token)["data"]["kbArticles"] == {"total": 0, "items": []}
    beta_admin = make_staff(beta, "tenant_admin")
    payload = gql(beta.host, DELETE_ARTICLE, {"id": str(article.pk)}, token=beta_admin)["data"]["deleteKbArticle"]
    assert payload["errors"] == [{"field": "id", "code": "NOT_FOUND"}]
    with schema_context(alpha.schema):
        assert KbArticle.objects.filter(pk=article.pk).exists()
