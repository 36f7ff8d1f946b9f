"""The knowledge base through its services: the default FAQ (idempotent seed, allowed markup only, the topics
residents ask about, neutral wording), search over title / keywords / text (published only for residents), the
view count, and typed refusals that change nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.messaging import content_selectors as sel
from apps.messaging import kb
from apps.messaging.kb_defaults import DEFAULT_KB
from apps.messaging.models import KbArticle, KbCategory
from apps.messaging.richtext import sanitize
from apps.messaging.templates import check_wording
from tests.factories.accounts import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant(alpha):
    with schema_context(alpha.schema):
        yield alpha


def _codes(exc: pytest.ExceptionInfo) -> dict[str, str]:
    return {field: errs[0].code for field, errs in exc.value.error_dict.items()}


def _titles(qs) -> list[str]:
    return [a.title for a in qs]


def test_the_default_faq_is_seeded_once_and_published(tenant):
    expected = sum(len(articles) for _name, articles in DEFAULT_KB)
    assert kb.kb_seed_defaults() == expected
    assert kb.kb_seed_defaults() == 0
    assert KbArticle.objects.filter(status="published").count() == expected
    assert list(KbCategory.objects.values_list("name", flat=True)) == [name for name, _a in DEFAULT_KB]
    # A company that deleted one gets it back on the next seed; the others stay single.
    KbArticle.objects.filter(title="如何申请报停？").delete()
    assert kb.kb_seed_defaults() == 1 and KbArticle.objects.count() == expected


def test_the_default_faq_answers_what_residents_ask_in_neutral_words():
    texts = {}
    for _name, articles in DEFAULT_KB:
        for title, keywords, body in articles:
            assert sanitize(body) == body.strip(), title  # only markup the sanitizer keeps
            check_wording(title + keywords + body, field="body")  # no dunning wording (催缴, 欠费停暖 …)
            texts[title] = body
    everything = "".join(texts.values())
    for fact in ("计费面积 × 单价", "基本热费", "违约金", "18℃", "补偿", "微信支付", "支付宝", "营业厅柜台",
                 "电子发票", "纳税人识别号", "施封", "启封"):
        assert fact in everything, fact


def test_search_matches_title_keywords_or_text_and_every_term(tenant):
    kb.kb_seed_defaults()
    published = lambda q: _titles(sel.kb_articles(published_only=True, search=q))  # noqa: E731
    assert published("违约金") == ["逾期缴费会产生违约金吗？"]
    assert published("税号") == ["缴费后如何开具发票？"]  # a keyword only
    assert published("阀门 施封") == ["如何申请报停？"]  # both terms, anywhere
    assert published("阀门 发票") == []
    assert published("PDF") == published("pdf") == ["缴费后如何开具发票？"]
    assert published("   ") == _titles(sel.kb_articles(published_only=True))
    category = KbCategory.objects.get(name="缴费与发票")
    KbArticle.objects.create(category=category, title="内部：开票流程", body="<p>x</p>", text="发票 内部",
                             status="draft")
    assert "内部：开票流程" not in published("发票")
    assert "内部：开票流程" in _titles(sel.kb_articles(published_only=False, search="发票"))
    counts = {c.name: c.article_count for c in sel.kb_categories(published_only=True)}
    assert counts["缴费与发票"] == 2
    assert {c.name: c.article_count for c in sel.kb_categories(published_only=False)}["缴费与发票"] == 3


def test_views_are_counted_in_the_database_and_edits_keep_them(tenant):
    kb.kb_seed_defaults()
    article = KbArticle.objects.first()
    assert kb.kb_article_viewed(article_id=article.pk, viewer="resident:1")
    assert kb.kb_article_viewed(article_id=article.pk, viewer="resident:2")
    assert article.view_count == 0  # the copy in hand is stale; the row counted
    kb.kb_article_save(actor=StaffFactory(role="tenant_admin"), article_id=article.pk, category_id=article.category_id,
                       title=article.title, body="<p>更新</p>", status="published")
    assert kb.kb_article_viewed(article_id=article.pk, viewer="resident:3")
    assert KbArticle.objects.get(pk=article.pk).view_count == 3


def test_a_reader_counts_once_per_article_per_day(tenant):
    import datetime as dt
    from unittest import mock

    from django.utils import timezone

    kb.kb_seed_defaults()
    first, second = KbArticle.objects.order_by("pk")[:2]
    for _ in range(30):  # thirty aliases in one request, or thirty readings
        kb.kb_article_viewed(article_id=first.pk, viewer="resident:7")
    assert not kb.kb_article_viewed(article_id=first.pk, viewer="resident:7")
    assert kb.kb_article_viewed(article_id=second.pk, viewer="resident:7")  # another article
    assert kb.kb_article_viewed(article_id=first.pk, viewer="resident:8")  # another reader
    counts = dict(KbArticle.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "view_count"))
    assert counts == {first.pk: 2, second.pk: 1}
    tomorrow = timezone.now() + dt.timedelta(days=1)
    with mock.patch("django.utils.timezone.now", return_value=tomorrow):
        assert kb.kb_article_viewed(article_id=first.pk, viewer="resident:7")  # the next day counts again
    assert KbArticle.objects.get(pk=first.pk).view_count == 3


def test_refusals_are_typed_and_change_nothing(tenant):
    actor = StaffFactory(role="tenant_admin")
    category = kb.kb_category_save(actor=actor, name="常见问题")
    with pytest.raises(ValidationError) as exc:
        kb.kb_category_save(actor=actor, name=" 常见问题 ")
    assert _codes(exc) == {"name": "INVALID"}
    for name, position, code in (("", 0, {"name": "REQUIRED"}), ("分" * 21, 0, {"name": "TOO_LONG"}),
                                 ("x", -1, {"position": "INVALID"}), ("x", 10_000, {"position": "INVALID"})):
        with pytest.raises(ValidationError) as exc:
            kb.kb_category_save(actor=actor, name=name, position=position)
        assert _codes(exc) == code
    with pytest.raises(ValidationError) as exc:
        kb.kb_article_save(actor=actor, category_id=category.pk, title="t" * 61, body="<script>x</script>",
                           keywords="k" * 121, status="live")
    assert _codes(exc) == {"title": "TOO_LONG", "body": "REQUIRED", "keywords": "TOO_LONG", "status": "INVALID"}
    article = kb.kb_article_save(actor=actor, category_id=category.pk, title="放气", body="<p>拧开放气阀</p>")
    assert (article.status, article.text) == ("draft", "拧开放气阀")
    with pytest.raises(ValidationError) as exc:
        kb.kb_category_delete(actor=actor, category_id=category.pk)
    assert _codes(exc) == {"id": "NOT_ALLOWED_IN_STATE"}
    with pytest.raises(ValidationError) as exc:
        kb.kb_article_save(actor=actor, article_id=999_999, category_id=category.pk, title="t", body="b")
    assert _codes(exc) == {"id": "NOT_FOUND"}
    assert KbCategory.objects.count() == 1 and KbArticle.objects.count() == 1
    kb.kb_article_delete(actor=actor, article_id=article.pk)
    kb.kb_category_delete(actor=actor, category_id=category.pk)
    assert list(AuditLog.objects.filter(action__startswith="kb.").order_by("pk").values_list("action", flat=True)) == [
        "kb.category.save", "kb.article.save", "kb.article.delete", "kb.category.delete"]
