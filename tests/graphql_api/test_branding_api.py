"""The branding API's query counts: the app's pre-login `branding` read is a
fixed handful of queries, and `miniprogramReleases` does not grow per row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.models import HeatingCompany, MiniProgramRelease
from tests.factories.tenants import ALPHA_APP_ID, BRANDING_QUERY, brand

RELEASES = "{ miniprogramReleases { templateId userVersion status reason errorCode releasedAt } }"


def _count(gql, host, query, token=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        result = gql(host, query, token=token)
    assert "errors" not in result, result
    return len(ctx.captured_queries)


@pytest.mark.usefixtures("mp_media")
def test_branding_read_is_a_fixed_number_of_queries(gql, alpha):
    empty = _count(gql, alpha.host, BRANDING_QUERY)
    brand(alpha, app_id=ALPHA_APP_ID, name="阿尔法热力")
    assert _count(gql, alpha.host, BRANDING_QUERY) == empty


def test_release_list_does_not_grow_with_rows(gql, alpha):
    token = gql.login(alpha.host, alpha.admin)
    company = HeatingCompany.objects.get(slug="alpha")

    def add(template_id):
        MiniProgramRelease.objects.create(tenant=company, template_id=template_id, user_version=f"1.{template_id}",
                                          app_id=ALPHA_APP_ID, ext_json="{}")

    add(1)
    one = _count(gql, alpha.host, RELEASES, token)
    add(2)
    add(3)
    assert _count(gql, alpha.host, RELEASES, token) == one
