"""A company that signs up starts with messaging ready: default templates and the default knowledge base, seeded
after the sign-up commits, in its own schema only."""

from __future__ import annotations

from django_tenants.utils import schema_context

from apps.messaging.kb_defaults import DEFAULT_KB
from apps.messaging.models import KbArticle, MessageKind, MessageTemplate
from tests.factories.signup import register


def test_signed_up_company_gets_templates_and_faq(gql, alpha, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema):
        before = KbArticle.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        assert register(gql)["tenant"]["slug"] == "hebei-heat"
    with schema_context("t_hebei_heat"):
        assert set(MessageTemplate.objects.values_list("kind", flat=True)) == set(MessageKind.values)
        assert KbArticle.objects.filter(status=KbArticle.Status.PUBLISHED).count() == sum(
            len(articles) for _name, articles in DEFAULT_KB)
    with schema_context(alpha.schema):  # nobody else's knowledge base changed
        assert KbArticle.objects.count() == before


def test_nothing_is_seeded_before_the_sign_up_commits(gql):
    register(gql)  # the test's transaction never commits: the seeding task was never queued
    with schema_context("t_hebei_heat"):
        assert not KbArticle.objects.exists()


def test_seeding_again_adds_nothing(gql, django_capture_on_commit_callbacks):
    from apps.messaging.onboarding import seed_company_defaults

    with django_capture_on_commit_callbacks(execute=True):
        register(gql)
    with schema_context("t_hebei_heat"):
        count = KbArticle.objects.count()
        assert seed_company_defaults() == 0
        assert KbArticle.objects.count() == count
