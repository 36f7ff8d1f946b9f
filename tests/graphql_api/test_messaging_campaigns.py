"""Campaigns through GraphQL: preview, start (the run is the eager Celery task after commit), progress and per-channel
counts, typed errors that change nothing, who may call what, and another company's campaign answering null."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.messaging.models import Campaign, Channel, Message
from apps.messaging.outbox import dispatch_due
from tests.factories.messaging import FIELDS, LIST, ONE, PREVIEW, START, _vars, campaign_world


@pytest.fixture
def world(alpha):
    return campaign_world(alpha)

@pytest.fixture
def admin(make_staff, alpha):
    return make_staff(alpha, "tenant_admin")


def _quiet_now(alpha) -> None:
    """A quiet window around the current local time, whatever the hour the suite runs at: the campaign's
    messages are then held (pending) until the test dispatches them itself."""
    from apps.messaging.models import MessagingSettings
    from apps.messaging.quiet import local_zone

    now = timezone.now().astimezone(local_zone())
    with schema_context(alpha.schema):
        MessagingSettings.get()
        MessagingSettings.objects.update(quiet_start=(now - dt.timedelta(hours=2)).time(),
                                         quiet_end=(now + dt.timedelta(hours=2)).time())


def test_preview_start_and_follow_progress(gql, alpha, world, admin, django_capture_on_commit_callbacks):
    host = alpha.host
    _quiet_now(alpha)
    preview = gql(host, PREVIEW, _vars(world), token=admin)["data"]["campaignPreview"]
    assert preview == {"total": 5, "alreadySent": 0, "byChannel": {"wechat": 0, "sms": 3, "inApp": 2}}
    with django_capture_on_commit_callbacks(execute=True):
        payload = gql(host, START, _vars(world, communities=[str(world.c1.pk)]), token=admin)["data"]["startCampaign"]
    assert payload["errors"] == []
    campaign = payload["campaign"]
    # the payload shows the campaign as it was queued; the eager task ran it after commit
    assert (campaign["status"], campaign["total"], campaign["stage"], campaign["arrearsOnly"]) == (
        "QUEUED", 4, "1", True)
    assert campaign["preview"] == {"total": 4, "alreadySent": 0, "byChannel": {"wechat": 0, "sms": 2, "inApp": 2}}
    assert campaign["communityIds"] == [str(world.c1.pk)] and campaign["createdBy"].startswith("tenant_admin")
    done = gql(host, ONE, {"id": campaign["id"]}, token=admin)["data"]["campaign"]
    assert (done["status"], done["statusText"], done["total"], done["processed"], done["enqueued"]) == (
        "DONE", "已完成", 4, 4, 4)
    assert done["startedAt"] and done["finishedAt"] and done["season"]["name"] == "2026-2027"
    assert done["byChannel"] == {"wechat": 0, "sms": 0, "inApp": 0, "pending": 4, "failed": 0,
                                "cancelled": 0}

    with schema_context(alpha.schema):
        dispatch_due(limit=100)  # what the beat (or the campaign's dispatch task) does
        pending = Message.objects.filter(status="pending").count()
    counts = gql(host, ONE, {"id": campaign["id"]}, token=admin)["data"]["campaign"]["byChannel"]
    assert counts["pending"] == pending and sum(counts.values()) == 4

    again = gql(host, PREVIEW, _vars(world, communities=[str(world.c1.pk)]), token=admin)["data"]["campaignPreview"]
    assert again == {"total": 4, "alreadySent": 4, "byChannel": {"wechat": 0, "sms": 0, "inApp": 0}}


def test_channel_counts_follow_the_messages(gql, alpha, world, admin):
    with schema_context(alpha.schema):
        from apps.messaging.campaigns import campaign_run, campaign_start

        campaign = campaign_start(kind="payment_due", season_id=world.season.pk, actor=world.admin)
        campaign_run(campaign_id=campaign.pk)
        ids = list(Message.objects.filter(campaign=campaign).order_by("pk").values_list("pk", flat=True))
        Message.objects.filter(pk=ids[0]).update(status="sent", channel=Channel.WECHAT)
        Message.objects.filter(pk=ids[1]).update(status="uncertain", channel=Channel.SMS)
        Message.objects.filter(pk=ids[2]).update(status="sent", channel=Channel.IN_APP)
        Message.objects.filter(pk=ids[3]).update(status="failed", channel=Channel.WECHAT)
        # withdrawn (the bill was paid meanwhile): cancelled, not a failure
        Message.objects.filter(pk=ids[4]).update(status="cancelled", channel=Channel.IN_APP)
        other = Campaign.objects.create(kind="bill_published", season=world.season, stage="x")
    counts = gql(alpha.host, ONE, {"id": str(campaign.pk)}, token=admin)["data"]["campaign"]["byChannel"]
    assert len(ids) == 5
    assert counts == {"wechat": 1, "sms": 1, "inApp": 1, "pending": 0, "failed": 1, "cancelled": 1}
    page = gql(alpha.host, LIST, {"first": 10}, token=admin)["data"]["campaigns"]
    assert page["total"] == 2 and [i["id"] for i in page["items"]] == [str(other.pk), str(campaign.pk)]
    assert page["items"][1]["byChannel"] == {"inApp": 1, "pending": 0}
    assert gql(alpha.host, LIST, {"first": 1, "offset": 1}, token=admin)["data"]["campaigns"]["items"] == [
        {"id": str(campaign.pk), "stage": "1", "byChannel": {"inApp": 1, "pending": 0}}]


def test_campaign_list_query_count_does_not_grow_with_campaigns(gql, alpha, world, admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            data = gql(alpha.host, LIST, {"first": 50}, token=admin)
        assert "errors" not in data
        return len(ctx.captured_queries)

    with schema_context(alpha.schema):
        Campaign.objects.create(kind="payment_due", season=world.season, stage="a", created_by=world.admin)
    one = count()
    with schema_context(alpha.schema):
        for stage in "bcde":
            Campaign.objects.create(kind="payment_due", season=world.season, stage=stage, created_by=world.admin)
    assert count() == one


BAD = [
    ({"season": "abc"}, "seasonId", "NO_SEASON"),
    ({"stage": ""}, "stage", "REQUIRED"),
    ({"stage": "a b"}, "stage", "INVALID"),
    ({"communities": ["999999"]}, "communityIds", "INVALID_AUDIENCE"),
]


@pytest.mark.parametrize(("over", "field", "code"), BAD)
def test_bad_input_is_typed_and_changes_nothing(gql, alpha, world, admin, over, field, code):
    errors = gql(alpha.host, PREVIEW, _vars(world, **over), token=admin)["errors"]
    assert (errors[0]["extensions"]["code"], errors[0]["extensions"]["field"], errors[0]["extensions"]["reason"]) == (
        "BAD_USER_INPUT", field, code)
    payload = gql(alpha.host, START, _vars(world, **over), token=admin)["data"]["startCampaign"]
    assert payload["campaign"] is None and [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    with schema_context(alpha.schema):
        assert not Campaign.objects.exists() and not Message.objects.exists()


def test_an_unknown_kind_is_refused_by_the_schema(gql, alpha, world, admin):
    result = gql(alpha.host, START, _vars(world, kind="PAYMENT_RECEIPT"), token=admin)
    assert "errors" in result and result.get("data") is None
    with schema_context(alpha.schema):
        assert not Campaign.objects.exists()


def test_a_running_campaign_refuses_another(gql, alpha, world, admin):
    with schema_context(alpha.schema):
        Campaign.objects.create(kind="payment_due", season=world.season, status="queued")
    payload = gql(alpha.host, START, _vars(world, stage="2"), token=admin)["data"]["startCampaign"]
    assert payload["campaign"] is None and payload["errors"][0]["code"] == "CAMPAIGN_RUNNING"
    with schema_context(alpha.schema):
        assert Campaign.objects.count() == 1


@pytest.mark.parametrize(("role", "allowed"), [("tenant_admin", True), ("finance", True), ("collector", False),
                                               ("technician", False)])
def test_permissions_per_role(gql, alpha, world, make_staff, role, allowed):
    token = make_staff(alpha, role)
    with schema_context(alpha.schema):
        existing = Campaign.objects.create(kind="payment_due", season=world.season, stage="old", status="done")
    results = [gql(alpha.host, PREVIEW, _vars(world), token=token),
               gql(alpha.host, LIST, {}, token=token),
               gql(alpha.host, ONE, {"id": str(existing.pk)}, token=token),
               gql(alpha.host, START, _vars(world), token=token)]
    for result in results:
        if allowed:
            assert "errors" not in result, result
        else:
            assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    with schema_context(alpha.schema):
        assert Campaign.objects.count() == (2 if allowed else 1)


def test_residents_and_anonymous_callers_are_refused(gql, alpha, world, make_resident):
    _resident, token = make_resident(alpha, "o-campaign-caller")
    for tok, code in ((token, "PERMISSION_DENIED"), (None, "UNAUTHENTICATED")):
        for query, variables in ((PREVIEW, _vars(world)), (LIST, {}), (START, _vars(world))):
            result = gql(alpha.host, query, variables, token=tok)
            assert result["errors"][0]["extensions"]["code"] in (code, "PERMISSION_DENIED"), result
    with schema_context(alpha.schema):
        assert not Campaign.objects.exists()


def test_another_companys_campaign_is_not_found(gql, alpha, beta, world, admin, make_staff):
    with schema_context(alpha.schema):
        campaign = Campaign.objects.create(kind="payment_due", season=world.season, stage="1")
    beta_admin = make_staff(beta, "tenant_admin")
    assert gql(beta.host, ONE, {"id": str(campaign.pk)}, token=beta_admin)["data"]["campaign"] is None
    assert gql(beta.host, LIST, {}, token=beta_admin)["data"]["campaigns"] == {"total": 0, "items": []}
    # alpha's season id is no season of beta's
    payload = gql(beta.host, START, _vars(world), token=beta_admin)["data"]["startCampaign"]
    assert payload["errors"][0]["code"] == "NO_SEASON"
    # an alpha token is not accepted on beta's host
    assert "errors" in gql(beta.host, ONE, {"id": str(campaign.pk)}, token=admin)
    assert gql(alpha.host, ONE, {"id": "abc"}, token=admin)["data"]["campaign"] is None


CANCEL = f"mutation($id: ID!) {{ cancelCampaign(id: $id) {{ campaign {{ {FIELDS} }} errors {{ field code }} }} }}"


def test_cancel_a_queued_campaign_and_its_pending_messages(gql, alpha, world, admin, make_staff):
    with schema_context(alpha.schema):
        campaign = Campaign.objects.create(kind="payment_due", season=world.season, stage="1", status="running")
        Message.objects.create(resident=world.r1, kind="payment_due", dedup_key="payment_due:t:1", title="t", body="b",
                               campaign=campaign, not_before=campaign.created_at)
        Message.objects.create(resident=world.r2, kind="payment_due", dedup_key="payment_due:t:2", title="t", body="b",
                               campaign=campaign, not_before=campaign.created_at, status="sent",
                               channel=Channel.WECHAT)
    for role in ("collector", "technician"):
        result = gql(alpha.host, CANCEL, {"id": str(campaign.pk)}, token=make_staff(alpha, role))
        assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    with schema_context(alpha.schema):
        assert Campaign.objects.get(pk=campaign.pk).status == "running"
    payload = gql(alpha.host, CANCEL, {"id": str(campaign.pk)}, token=make_staff(alpha, "finance"))["data"][
        "cancelCampaign"]
    assert payload["errors"] == [] and payload["campaign"]["status"] == "CANCELLED"
    assert payload["campaign"]["statusText"] == "已取消" and payload["campaign"]["finishedAt"]
    # the withdrawn message is counted as cancelled, not as a failure
    assert payload["campaign"]["byChannel"] == {"wechat": 1, "sms": 0, "inApp": 0, "pending": 0, "failed": 0,
                                                "cancelled": 1}
    with schema_context(alpha.schema):
        assert dict(Message.objects.values_list("resident_id", "status")) == {world.r1.pk: "cancelled",
                                                                              world.r2.pk: "sent"}
    again = gql(alpha.host, CANCEL, {"id": str(campaign.pk)}, token=admin)["data"]["cancelCampaign"]
    assert again["campaign"] is None and again["errors"][0]["code"] == "NOT_ALLOWED_IN_STATE"
    # a new campaign of the same kind and season may start now
    started = gql(alpha.host, START, _vars(world, stage="2"), token=admin)["data"]["startCampaign"]
    assert started["errors"] == []


def test_another_companys_campaign_cannot_be_cancelled(gql, alpha, beta, world, admin, make_staff,
                                                        make_resident):
    with schema_context(alpha.schema):
        campaign = Campaign.objects.create(kind="payment_due", season=world.season, stage="1")
    beta_admin = make_staff(beta, "tenant_admin")
    payload = gql(beta.host, CANCEL, {"id": str(campaign.pk)}, token=beta_admin)["data"]["cancelCampaign"]
    assert payload["errors"][0]["code"] == "NOT_FOUND"
    with schema_context(alpha.schema):
        assert Campaign.objects.get(pk=campaign.pk).status == "queued"
    assert gql(alpha.host, CANCEL, {"id": str(campaign.pk)})["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    _resident, token = make_resident(alpha, "o-cancel-caller")
    result = gql(alpha.host, CANCEL, {"id": str(campaign.pk)}, token=token)
    assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    with schema_context(alpha.schema):
        assert Campaign.objects.get(pk=campaign.pk).status == "queued"
