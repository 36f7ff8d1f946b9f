"""Campaigns: who is chosen (bound, active, not erased residents; chosen communities; arrears), what the dry run
counts per channel, what the run enqueues (variables, keys, amounts due now), that a re-run sends nothing twice and
a new stage does, typed errors that change nothing, progress, query counts per chunk, and tenant isolation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.billing.models import Bill
from apps.messaging import campaigns as svc
from apps.messaging.models import (
    Campaign,
    Message,
    MessagingSettings,
    SubscriptionGrant,
)
from apps.properties.models import HouseBinding
from apps.tariffs.models import Season
from heat_platform.money import fen_to_yuan_str
from tests.factories.billing import bill_for
from tests.factories.messaging import DUE, PUBLISHED, _pay, _resident, _template, campaign_world
from tests.factories.properties import HouseFactory
from tests.factories.tariffs import plain_season


@pytest.fixture
def world(alpha):
    return campaign_world(alpha)


def _preview(world, kind=DUE, **kw):
    kw.setdefault("season_id", world.season.pk)
    return svc.campaign_preview(kind=kind, **kw)


def _run(world, kind=DUE, chunk_size=None, **kw) -> Campaign:
    kw.setdefault("season_id", world.season.pk)
    campaign = svc.campaign_start(kind=kind, actor=world.admin, **kw)
    return svc.campaign_run(campaign_id=campaign.pk, chunk_size=chunk_size)


def _pairs(kind=DUE, campaign=None) -> set[tuple[str, str]]:
    qs = Message.objects.filter(kind=kind)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return {(m.resident.openid, m.variables["account_no"]) for m in qs.select_related("resident")}


def test_payment_due_targets_bound_active_residents_with_something_due(alpha, world):
    with schema_context(alpha.schema):
        preview = _preview(world)
        assert preview["total"] == 5 and preview["already_sent"] == 0
        campaign = _run(world)
        assert _pairs() == {("o-r1", "A-1"), ("o-r2", "A-1"), ("o-r1", "A-4"), ("o-r4", "A-4"), ("o-r3", "B-1")}
        assert (campaign.status, campaign.total, campaign.processed, campaign.enqueued) == ("done", 5, 5, 5)


def test_community_filter_chooses_only_those_communities(alpha, world):
    with schema_context(alpha.schema):
        assert _preview(world, community_ids=[world.c2.pk])["total"] == 1
        assert _preview(world, community_ids=[str(world.c1.pk), world.c2.pk])["total"] == 5
        _run(world, community_ids=[world.c2.pk])
        assert _pairs() == {("o-r3", "B-1")}


def test_bill_published_reaches_paid_bills_unless_arrears_only(alpha, world):
    with schema_context(alpha.schema):
        assert _preview(world, PUBLISHED)["total"] == 6  # + r1's paid A-2
        assert _preview(world, PUBLISHED, arrears_only=True)["total"] == 5
        campaign = _run(world, PUBLISHED, community_ids=[world.c1.pk])
        assert _pairs(PUBLISHED) == {("o-r1", "A-1"), ("o-r2", "A-1"), ("o-r1", "A-2"), ("o-r1", "A-4"),
                                     ("o-r4", "A-4")}
        assert campaign.arrears_only is False


def test_variables_key_and_page(alpha, world):
    with schema_context(alpha.schema):
        _run(world, PUBLISHED, community_ids=[world.c1.pk])
        _run(world, DUE, stage="first")
        bill = world.bills["h4"]
        published = Message.objects.get(kind=PUBLISHED, resident=world.r4)
        due = Message.objects.get(kind=DUE, resident=world.r4)
        common = {"house": "幸福里3-2-601", "account_no": "A-4", "season": "2026-2027",
                  "due_date": world.season.payment_due.isoformat()}
        # bill published: the principal; payment due: what is due now (principal − paid)
        assert published.variables == {**common, "amount": "2148.00"} and bill.principal_fen == 214800
        assert due.variables == {**common, "amount": "1148.00"}
        assert due.dedup_key == f"payment_due:{world.season.pk}:first:{bill.pk}:{world.r4.pk}"
        assert due.page == f"pages/bill-detail/bill-detail?id={bill.pk}"


def test_payment_due_amount_includes_the_late_fee_due_now(alpha, world):
    with schema_context(alpha.schema):
        _run(world, season_id=world.older.pk)
        message = Message.objects.get(kind=DUE)
        # 10‰ late fee on the outstanding principal (tests/factories/tariffs.late_fee_season)
        assert message.resident == world.r3 and world.old_bill.principal_fen == 214800
        assert message.variables["amount"] == "2169.48"
        assert message.variables["season"] == "2025-2026"


def test_payment_due_amount_is_billings_amount_due_with_late_fees_paused_while_heat_was_stopped(alpha, world):
    from apps.billing.amounts import bill_amount_due
    from apps.properties.models import HeatingStatusChange

    with schema_context(alpha.schema):
        house = world.old_bill.house
        today = timezone.localdate()
        HeatingStatusChange.objects.create(house=house, from_status="normal", to_status="opted_out", reason="报停",
                                           effective_date=today - dt.timedelta(days=6), changed_by="test")
        _run(world, season_id=world.older.pk)
        expected = bill_amount_due(Bill.objects.get(pk=world.old_bill.pk))
        assert 0 < expected.late_fee_fen < 2148  # fewer late-fee days than the 10 of the plain case
        assert Message.objects.get(kind=DUE).variables["amount"] == fen_to_yuan_str(expected.total_fen)


def test_short_address_fits_wechat_thing_fields():
    assert svc.house_short_address("幸福里", "3号楼", "2单元", "501") == "幸福里3-2-501"
    assert svc.house_short_address("阳光城", "8栋", None, "101室") == "阳光城8-101"
    assert svc.house_short_address("社区5", "324号楼", None, "123") == "社区5 324-123"  # not "社区5324-123"
    long = svc.house_short_address("这是一个名字非常非常长的小区名称花园", "12号楼", "3单元", "1201")
    assert len(long) == 20 and long.endswith("12-3-1201") and long.startswith("这是一个")


def test_rerun_sends_nothing_twice_and_a_new_stage_does(alpha, world):
    with schema_context(alpha.schema):
        first = _run(world)
        assert Message.objects.count() == 5
        assert _preview(world)["already_sent"] == 5
        assert _preview(world)["by_channel"] == {"wechat": 0, "sms": 0, "in_app": 0}
        again = _run(world)
        assert (again.status, again.processed, again.enqueued) == ("done", 5, 0)
        assert Message.objects.count() == 5 and Message.objects.filter(campaign=first).count() == 5
        _pay(world.bills["h4"])  # r1 and r4 paid A-4: the next reminder leaves them out
        second = _run(world, stage="2")
        assert (second.enqueued, Message.objects.count()) == (3, 8)
        assert _pairs(campaign=second) == {("o-r1", "A-1"), ("o-r2", "A-1"), ("o-r3", "B-1")}


def test_preview_counts_per_channel(alpha, world):
    """r1: one one-time credit for two messages (A-1 by WeChat, A-4 by SMS: opted in with a phone); r2: a long-term
    grant; r3: SMS; r4: a revoked grant and no phone → in-app."""
    with schema_context(alpha.schema):
        SubscriptionGrant.objects.create(resident=world.r1, template_id="tpl-due", credits=1)
        SubscriptionGrant.objects.create(resident=world.r2, template_id="tpl-due", kind="long_term")
        SubscriptionGrant.objects.create(resident=world.r4, template_id="tpl-due", credits=3, status="revoked")
        SubscriptionGrant.objects.create(resident=world.r3, template_id="tpl-other", credits=3)
        preview = _preview(world)
        assert preview == {"total": 5, "already_sent": 0, "by_channel": {"wechat": 2, "sms": 2, "in_app": 1}}
        SubscriptionGrant.objects.filter(resident=world.r1).update(credits=2)
        assert _preview(world)["by_channel"] == {"wechat": 3, "sms": 1, "in_app": 1}
        # SMS switched off for the company: what WeChat cannot carry stays in-app
        settings = MessagingSettings.get()
        settings.sms_enabled = False
        settings.save(update_fields=["sms_enabled"])
        assert _preview(world)["by_channel"] == {"wechat": 3, "sms": 0, "in_app": 2}
        # a template without a WeChat id and with an SMS template still under review: in-app only
        _template(DUE, wechat="", sms=False)
        MessagingSettings.objects.filter(pk=1).update(sms_enabled=True)
        assert _preview(world)["by_channel"] == {"wechat": 0, "sms": 0, "in_app": 5}


def test_preview_changes_nothing(alpha, world):
    with schema_context(alpha.schema):
        MessagingSettings.objects.all().delete()
        _preview(world)
        assert not MessagingSettings.objects.exists() and not Campaign.objects.exists()
        assert not Message.objects.exists()


def test_start_records_an_audit_row_and_the_preview(alpha, world, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            campaign = svc.campaign_start(kind=DUE, season_id=world.season.pk, community_ids=[world.c1.pk],
                                          stage="1", actor=world.admin)
        assert len(callbacks) >= 1  # the run is queued after commit
        campaign.refresh_from_db()
        assert (campaign.status, campaign.total, campaign.created_by, campaign.arrears_only) == (
            "done", 4, world.admin, True)  # Celery is eager in tests: the callback ran the campaign
        assert campaign.preview == {"total": 4, "already_sent": 0, "by_channel": {"wechat": 0, "sms": 2, "in_app": 2}}
        audit = AuditLog.objects.get(action="campaign.start")
        assert (audit.actor_name, audit.target_id) == ("camp-admin", campaign.pk)
        assert audit.detail["season_id"] == world.season.pk and audit.detail["community_ids"] == [world.c1.pk]


BAD = [
    ({"kind": "payment_receipt"}, "kind", "INVALID"),
    ({"kind": ""}, "kind", "INVALID"),
    ({"season_id": "abc"}, "seasonId", "NO_SEASON"),
    ({"season_id": 10**9}, "seasonId", "NO_SEASON"),
    ({"season_id": None}, "seasonId", "NO_SEASON"),
    ({"stage": " "}, "stage", "REQUIRED"),
    ({"stage": "x" * 33}, "stage", "TOO_LONG"),
    ({"stage": "1:2"}, "stage", "INVALID"),
    ({"community_ids": [10**9]}, "communityIds", "INVALID_AUDIENCE"),
    ({"community_ids": ["x"]}, "communityIds", "INVALID_AUDIENCE"),
]


@pytest.mark.parametrize(("over", "field", "code"), BAD)
def test_bad_input_is_typed_and_changes_nothing(alpha, world, over, field, code):
    from django.core.exceptions import ValidationError

    with schema_context(alpha.schema):
        args = {"kind": DUE, "season_id": world.season.pk, "stage": "1", **over}
        for call in (lambda: svc.campaign_preview(**args), lambda: svc.campaign_start(**args, actor=world.admin)):
            with pytest.raises(ValidationError) as err:
                call()
            (key, errors), = err.value.error_dict.items()
            assert (key, errors[0].code) == (field, code)
        assert not Campaign.objects.exists() and not Message.objects.exists()
        assert not AuditLog.objects.filter(action="campaign.start").exists()


@pytest.mark.parametrize("status", [Season.Status.DRAFT, Season.Status.CLOSED])
def test_a_season_that_is_not_open_is_refused(alpha, world, status):
    from django.core.exceptions import ValidationError

    with schema_context(alpha.schema):
        Season.objects.filter(pk=world.season.pk).update(status=status)
        with pytest.raises(ValidationError) as err:
            svc.campaign_start(kind=DUE, season_id=world.season.pk, actor=world.admin)
        assert err.value.error_dict["seasonId"][0].code == "NO_SEASON"
        assert not Campaign.objects.exists() and not Message.objects.exists()


def test_a_running_campaign_of_the_same_kind_and_season_refuses_another(alpha, world):
    from django.core.exceptions import ValidationError

    with schema_context(alpha.schema):
        running = Campaign.objects.create(kind=DUE, season=world.season, status=Campaign.Status.RUNNING)
        for stage in ("1", "2"):
            with pytest.raises(ValidationError) as err:
                svc.campaign_start(kind=DUE, season_id=world.season.pk, stage=stage, actor=world.admin)
            assert err.value.error_dict["kind"][0].code == "CAMPAIGN_RUNNING"
        assert list(Campaign.objects.all()) == [running] and not Message.objects.exists()
        # another kind, or the same kind in another season, is not held up
        assert _run(world, PUBLISHED).status == "done"
        assert _run(world, season_id=world.older.pk).status == "done"
        Campaign.objects.filter(pk=running.pk).update(status=Campaign.Status.DONE)
        assert _run(world).status == "done"


def test_progress_per_chunk_and_queries_grow_with_chunks_not_pairs(alpha, world):
    with schema_context(alpha.schema):
        seen = []
        original = svc._rows

        def spy(spec, pairs, *args):
            campaign = Campaign.objects.get(kind=DUE, status="running")
            seen.append((campaign.processed, campaign.enqueued, len(pairs)))
            return original(spec, pairs, *args)

        svc._rows = spy
        try:
            campaign = _run(world, chunk_size=2)
        finally:
            svc._rows = original
        # chunks of 2 bills in id order: A-1 (r1, r2) and B-1 (r3); then A-4 (r1, r4)
        assert seen == [(0, 0, 3), (3, 3, 2)]
        assert (campaign.processed, campaign.enqueued, campaign.total) == (5, 5, 5)
        assert campaign.started_at <= campaign.finished_at

        # one chunk of 5 pairs costs what one chunk of 1 pair costs
        def queries(stage: str, **kw) -> int:
            campaign = svc.campaign_start(kind=DUE, season_id=world.season.pk, stage=stage, actor=world.admin, **kw)
            with CaptureQueriesContext(connection) as ctx:
                svc.campaign_run(campaign_id=campaign.pk, chunk_size=10)
            return len(ctx.captured_queries)

        assert queries("q1", community_ids=[world.c2.pk]) == queries("q5")


def test_a_failed_or_resumed_run_counts_what_it_really_sent(alpha, world):
    with schema_context(alpha.schema):
        campaign = svc.campaign_start(kind=DUE, season_id=world.season.pk, actor=world.admin)
        svc.campaign_run(campaign_id=campaign.pk, chunk_size=2)
        # a redelivered task of a worker that died mid-run: status back to running, counters half-way
        Campaign.objects.filter(pk=campaign.pk).update(status="running", processed=2, enqueued=2, finished_at=None)
        resumed = svc.campaign_run(campaign_id=campaign.pk, chunk_size=2)
        assert (resumed.status, resumed.processed, resumed.enqueued) == ("done", 5, 5)
        assert Message.objects.count() == 5
        # a finished campaign delivered again does nothing
        assert svc.campaign_run(campaign_id=campaign.pk).enqueued == 5 and Message.objects.count() == 5


def test_campaign_in_one_company_never_reaches_another(alpha, beta, world):
    with schema_context(beta.schema):
        season, plan = plain_season("2026-2027")
        house = HouseFactory(account_no="A-1")
        bill_for((season, plan), house)
        outsider = _resident("o-r1")
        HouseBinding.objects.create(resident=outsider, house=house)
        _template(DUE)
    with schema_context(alpha.schema):
        _run(world)
        assert Message.objects.count() == 5
    with schema_context(beta.schema):
        assert not Message.objects.exists() and not Campaign.objects.exists()
        assert svc.campaign_preview(kind=DUE, season_id=season.pk)["total"] == 1


def test_dates_are_the_seasons(alpha, world):
    with schema_context(alpha.schema):
        Season.objects.filter(pk=world.season.pk).update(payment_due=dt.date(2026, 12, 31))
        _run(world, community_ids=[world.c2.pk])
        assert Message.objects.get().variables["due_date"] == "2026-12-31"
        assert Decimal(Message.objects.get().variables["amount"]) > 0


# --- cancel and recovery ---------------------------------------------------------------------------------------

def test_cancel_stops_a_running_campaign_between_chunks_and_cancels_its_pending_messages(alpha, world):
    from django.core.exceptions import ValidationError

    with schema_context(alpha.schema):
        campaign = svc.campaign_start(kind=DUE, season_id=world.season.pk, actor=world.admin)

        def cancel_after_first_chunk(campaign_id, processed):
            svc.campaign_cancel(campaign_id=campaign_id, actor=world.admin)

        svc.CHUNK_HOOK = cancel_after_first_chunk
        try:
            ran = svc.campaign_run(campaign_id=campaign.pk, chunk_size=2)
        finally:
            svc.CHUNK_HOOK = None
        # the first chunk (A-1: r1, r2; B-1: r3) was enqueued, then cancelled; A-4's pairs never were
        assert ran.status == "cancelled" and ran.finished_at is not None
        messages = list(Message.objects.filter(campaign=campaign).values_list("status", flat=True))
        assert sorted(messages) == ["cancelled"] * 3
        assert not Message.objects.filter(variables__account_no="A-4").exists()
        assert AuditLog.objects.filter(action="campaign.cancel").count() == 1
        # a cancelled campaign no longer holds the season, is not run again and cannot be cancelled twice
        assert svc.campaign_run(campaign_id=campaign.pk).status == "cancelled"
        with pytest.raises(ValidationError) as err:
            svc.campaign_cancel(campaign_id=campaign.pk, actor=world.admin)
        assert err.value.error_dict["id"][0].code == "NOT_ALLOWED_IN_STATE"
        assert _run(world, stage="2").status == "done"


def test_channel_counts_keep_cancelled_apart_from_failed(alpha, world):
    with schema_context(alpha.schema):
        campaign = _run(world)
        ids = list(Message.objects.filter(campaign=campaign).order_by("pk").values_list("pk", flat=True))
        # a reminder withdrawn because its bill was paid, one that really failed, one still due
        Message.objects.filter(pk=ids[0]).update(status="cancelled", note="paid")
        Message.objects.filter(pk=ids[1]).update(status="failed")
        Message.objects.filter(pk=ids[2]).update(status="sent", channel="sms")
        Message.objects.filter(pk=ids[3]).update(status="sent", channel="in_app")
        other = Campaign.objects.create(kind="bill_published", season=world.season, stage="x")
        counts = svc.campaign_channel_counts([campaign.pk, other.pk])
    assert counts[campaign.pk] == {"wechat": 0, "sms": 1, "in_app": 1, "pending": 1, "failed": 1, "cancelled": 1}
    assert counts[other.pk] == {"wechat": 0, "sms": 0, "in_app": 0, "pending": 0, "failed": 0, "cancelled": 0}


def test_cancel_of_a_queued_campaign_sends_nothing_and_leaves_other_messages(alpha, world):
    from django.core.exceptions import ValidationError

    with schema_context(alpha.schema):
        done = _run(world, PUBLISHED)
        queued = svc.campaign_start(kind=DUE, season_id=world.season.pk, actor=world.admin)
        assert svc.campaign_cancel(campaign_id=str(queued.pk), actor=world.admin).status == "cancelled"
        assert svc.campaign_run(campaign_id=queued.pk).status == "cancelled"
        assert not Message.objects.filter(kind=DUE).exists()
        assert set(Message.objects.filter(campaign=done).values_list("status", flat=True)) == {"pending"}
        for bad, code in ((done.pk, "NOT_ALLOWED_IN_STATE"), (10**9, "NOT_FOUND"), ("x", "NOT_FOUND")):
            with pytest.raises(ValidationError) as err:
                svc.campaign_cancel(campaign_id=bad, actor=world.admin)
            assert err.value.error_dict["id"][0].code == code
        assert Campaign.objects.get(pk=done.pk).status == "done"


def test_the_run_task_is_redelivered_when_its_worker_dies():
    assert svc.campaign_run_task.acks_late is True
    assert svc.campaign_run_task.reject_on_worker_lost is True


def _hold_lock_elsewhere(schema: str, campaign_id: int):
    """The run lock held by another database session (a live worker): advisory locks are reentrant within one."""
    from heat_platform.kernel.locks import lock_key

    other = connection.copy()
    other.connect()
    with other.connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))",
                    [lock_key("messaging.campaign", campaign_id, schema=schema)])
    return other


def test_stale_queued_or_running_campaigns_whose_lock_is_free_are_run_again(alpha, world):
    with schema_context(alpha.schema):
        long_ago = timezone.now() - dt.timedelta(minutes=11)
        lost = Campaign.objects.create(kind=DUE, season=world.season, stage="1", total=5)
        Campaign.objects.filter(pk=lost.pk).update(created_at=long_ago)
        died = Campaign.objects.create(kind=PUBLISHED, season=world.season, stage="1", status="running",
                                       started_at=long_ago, processed=2)
        fresh = Campaign.objects.create(kind=DUE, season=world.older, stage="1")  # queued a minute ago
        working = Campaign.objects.create(kind=PUBLISHED, season=world.older, stage="1", status="running",
                                          started_at=long_ago)
        other = _hold_lock_elsewhere(alpha.schema, working.pk)
        try:
            requeued = svc.campaigns_requeue_stale()
        finally:
            other.close()
        assert requeued == [lost.pk, died.pk]
        # the eager task ran them: each sent its messages once
        statuses = dict(Campaign.objects.values_list("pk", "status"))
        assert (statuses[lost.pk], statuses[died.pk], statuses[fresh.pk], statuses[working.pk]) == (
            "done", "done", "queued", "running")
        assert Message.objects.filter(campaign=lost).count() == 5
        assert Message.objects.filter(campaign=died).count() == 6
        # nothing left to recover: a second sweep queues nothing new
        assert svc.campaigns_requeue_stale() == [working.pk]  # its worker is gone now (the session closed)


def test_the_requeue_sweep_is_on_the_beat_and_its_module_imported():
    from django.conf import settings

    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values()
                 if e["task"] == "messaging.campaigns_requeue_stale_all_tenants")
    assert entry["schedule"] <= 600
    assert "apps.messaging.campaigns" in settings.CELERY_IMPORTS
