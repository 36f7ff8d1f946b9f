"""Publishing a season (draft → open): finance or an admin, once, stamped and
audited; opening a draft with setSeasonStatus publishes it the same way; the
demo seed publishes its season so `make run` shows residents their bills."""

import pytest
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.billing.demo import demo_billing_seed
from apps.tariffs.models import Season
from tests.factories.properties import HouseFactory
from tests.factories.tariffs import create_season

PUBLISH = """mutation($id: ID!) { publishSeason(id: $id) {
  season { id status published publishedAt publishedBy } errors { field code } } }"""


@pytest.mark.parametrize("role", ["finance", "tenant_admin"])
def test_finance_or_an_admin_publishes_a_draft_once_audited(gql, alpha, make_staff, role):
    token = make_staff(alpha, role)
    season_id = create_season(gql, alpha, token)["season"]["id"]
    with schema_context(alpha.schema):
        from apps.accounts.models import User

        me = User.objects.get(role=role, username__startswith=f"{role}-")
        User.objects.filter(pk=me.pk).update(display_name="王会计")
    published = gql(alpha.host, PUBLISH, {"id": season_id}, token=token)["data"]["publishSeason"]
    assert published["errors"] == []
    season = published["season"]
    assert (season["status"], season["published"], season["publishedBy"]) == ("OPEN", True, "王会计")
    assert season["publishedAt"]
    with schema_context(alpha.schema):
        row = Season.objects.get(pk=season_id)
        assert row.published_by_id == me.pk and row.published_at is not None
        audit = AuditLog.objects.get(action="season.publish")
        assert (audit.actor_name, audit.target_id, audit.detail["bills"]) == (me.username, row.pk, 0)
    again = gql(alpha.host, PUBLISH, {"id": season_id}, token=token)["data"]["publishSeason"]
    assert again == {"season": None, "errors": [{"field": "id", "code": "INVALID_STATUS"}]}
    with schema_context(alpha.schema):
        assert AuditLog.objects.filter(action="season.publish").count() == 1


@pytest.mark.parametrize("role", ["collector", "technician"])
def test_other_roles_cannot_publish(gql, alpha, make_staff, role):
    season_id = create_season(gql, alpha, make_staff(alpha, "finance"))["season"]["id"]
    result = gql(alpha.host, PUBLISH, {"id": season_id}, token=make_staff(alpha, role))
    assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    with schema_context(alpha.schema):
        assert Season.objects.get(pk=season_id).status == Season.Status.DRAFT


def test_opening_a_draft_with_set_season_status_is_publishing(gql, alpha, make_staff):
    token = make_staff(alpha, "finance")
    season_id = create_season(gql, alpha, token)["season"]["id"]
    q = ("mutation($id: ID!) { setSeasonStatus(id: $id, status: OPEN) "
         "{ season { status published publishedAt } errors { code } } }")
    season = gql(alpha.host, q, {"id": season_id}, token=token)["data"]["setSeasonStatus"]["season"]
    assert season["status"] == "OPEN" and season["published"] and season["publishedAt"]
    with schema_context(alpha.schema):
        assert AuditLog.objects.filter(action="season.publish", target_id=season_id).count() == 1


def test_the_demo_seed_publishes_its_season(alpha):
    with schema_context(alpha.schema):
        HouseFactory()
        assert demo_billing_seed() == 1
        season = Season.objects.get()
        assert season.status == Season.Status.OPEN and season.published_at is not None
        assert season.bills.count() == 1
        assert AuditLog.objects.get(action="season.publish").actor_name == "system"
