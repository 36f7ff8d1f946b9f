"""消息中心 (issue 17) in a real browser: an admin publishes an announcement to one community, finance previews and
starts a payment-due reminder for that community and sees it finish, and 消息记录 shows the messages it made.

The shared console company gets, for this test only, a community of its own with two houses whose bills for the
open season are unpaid, and three residents bound to them (two to the first house, one to the second). Everything
the test added (announcement, campaign, messages, residents, houses, community) is removed again."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.factories.db import committed

TAG = f"{os.getpid() % 100000:05d}"
COMMUNITY = f"消息测试小区{TAG}"
TITLE = f"停热检修通知 {TAG}"
STAGE = f"e2e-{TAG}"


def _world(tenant):
    from apps.billing.models import Bill
    from apps.properties.models import HouseBinding
    from apps.tariffs.models import Season, TariffPlan
    from tests.factories.billing import bill_for
    from tests.factories.properties import BuildingFactory, CommunityFactory, HouseFactory
    from tests.factories.residents import ResidentFactory

    with schema_context(tenant.schema):
        season = Season.objects.get(status=Season.Status.OPEN)
        plan = TariffPlan.objects.filter(season=season, category="residential", pricing="area").first()
        community = CommunityFactory(name=COMMUNITY)
        building = BuildingFactory(community=community, name="1号楼")
        houses = [HouseFactory(building=building, room=room, account_no=f"E2E-M{TAG}{i}", owner_name="消息测试户")
                  for i, room in enumerate(("101", "102"))]
        for house in houses:
            bill = bill_for((season, plan), house)
            assert bill.status != Bill.Status.PAID
        residents = [ResidentFactory(openid=f"o-e2e-msg-{TAG}-{i}", display_name=f"消息测试住户{i}") for i in range(3)]
        for resident, house in zip(residents, (houses[0], houses[0], houses[1]), strict=True):
            HouseBinding.objects.create(resident=resident, house=house)
    return SimpleNamespace(season=season, community=community, houses=houses, residents=residents)


def _remove(tenant, world) -> None:
    from apps.messaging.models import Announcement, Campaign, Message
    from apps.properties.models import Building, Community, House
    from apps.residents.models import Resident

    from .conftest import purge_houses

    with schema_context(tenant.schema):
        Message.objects.filter(resident__in=world.residents).delete()  # deliveries cascade
        Campaign.objects.filter(stage=STAGE).delete()
        Announcement.objects.filter(title=TITLE).delete()  # read rows cascade
        Resident.objects.filter(pk__in=[r.pk for r in world.residents]).delete()  # bindings cascade
        purge_houses(House.objects.filter(pk__in=[h.pk for h in world.houses]))
        Building.objects.filter(community=world.community).delete()
        Community.objects.filter(pk=world.community.pk).delete()


@pytest.fixture
def world(console_tenant, console):
    made = committed(_world, console_tenant.info)
    yield made
    committed(_remove, console_tenant.info, made)


def _announcement(tenant):
    from apps.messaging.models import Announcement

    with schema_context(tenant.schema):
        row = Announcement.objects.get(title=TITLE)
        return SimpleNamespace(status=row.status, audience=row.audience, target_count=row.target_count,
                               community_ids=[str(c) for c in row.community_ids], body=row.body)


def _campaign(tenant):
    from apps.messaging.models import Campaign, Message

    with schema_context(tenant.schema):
        campaign = Campaign.objects.get(stage=STAGE)
        messages = Message.objects.filter(campaign=campaign)
        return SimpleNamespace(id=campaign.pk, status=campaign.status, total=campaign.total,
                               messages=messages.count(), kinds=set(messages.values_list("kind", flat=True)),
                               residents=set(messages.values_list("resident__openid", flat=True)))


def _pick(page, testid: str, option: str) -> None:
    page.get_by_test_id(testid).click()
    page.locator(f".ant-select-dropdown:visible .ant-select-item-option[title='{option}']").click()


def _log_out(page) -> None:
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    page.get_by_test_id("login-submit").wait_for()


def test_announcement_campaign_and_outbox(console, console_tenant, world):
    host = console_tenant.info.host
    tenant = console_tenant.info

    # --- the admin writes an announcement for the test community and publishes it now
    page = console.login(host, console_tenant.staff["TENANT_ADMIN"])
    expect(page.get_by_test_id("menugroup-announcements")).to_have_text("消息中心")
    page.get_by_test_id("menu-announcements").click()
    page.get_by_test_id("announcement-new").click()
    page.get_by_test_id("announcement-title").fill(TITLE)
    body = page.get_by_test_id("announcement-body-area")
    body.click()
    page.keyboard.type("12月10日 9:00–15:00 停热检修，请提前做好准备。")
    page.get_by_test_id("announcement-body-bold").click()
    page.keyboard.type("检修期间请勿自行开关阀门。")
    page.get_by_test_id("announcement-audience-COMMUNITIES").click()
    _pick(page, "announcement-communities", COMMUNITY)
    page.keyboard.press("Escape")
    page.get_by_test_id("announcement-pinned").click()
    console.shot("announcement-editor")
    page.get_by_test_id("announcement-save").click()
    row = page.locator("tr", has=page.get_by_text(TITLE, exact=True))
    expect(row.locator("[data-testid^='announcement-status-']")).to_have_attribute("data-status", "PUBLISHED")
    expect(row.locator("[data-testid^='announcement-reads-']")).to_have_text("0 / 3")
    expect(row.locator("[data-testid^='announcement-pinned-']")).to_be_visible()
    console.shot("announcement-published")
    found = committed(_announcement, tenant)
    assert (found.status, found.audience, found.community_ids, found.target_count) == (
        "published", "communities", [str(world.community.pk)], 3)
    assert "<b>" in found.body or "<strong>" in found.body  # the bold part survived the server's sanitizer

    # --- finance previews a payment-due reminder for the community, starts it and sees it finish
    _log_out(page)
    page = console.login(host, console_tenant.staff["FINANCE"])
    expect(page.get_by_test_id("menu-announcements")).to_have_count(0)
    page.get_by_test_id("menu-campaigns").click()
    expect(page.get_by_test_id("campaign-season")).to_contain_text(world.season.name)
    _pick(page, "campaign-communities", COMMUNITY)
    page.keyboard.press("Escape")
    page.get_by_test_id("campaign-stage").fill(STAGE)
    page.get_by_test_id("campaign-preview").click()
    expect(page.get_by_test_id("campaign-preview-total")).to_contain_text("3")
    expect(page.get_by_test_id("campaign-preview-already")).to_contain_text("0")
    channels = [page.get_by_test_id(f"campaign-preview-{c}").locator(".ant-statistic-content-value").inner_text()
                for c in ("wechat", "sms", "inapp")]
    assert sum(int(c) for c in channels) == 3, channels  # nobody granted WeChat or opted into SMS: all in-app
    console.shot("campaign-preview")
    page.get_by_test_id("campaign-start").click()
    page.get_by_test_id("campaign-start-confirm").click()
    campaign = page.locator("tr", has=page.get_by_text(STAGE, exact=True))
    status = campaign.locator("[data-testid^='campaign-status-']")
    expect(status).to_have_attribute("data-status", "DONE", timeout=30_000)
    expect(campaign.locator("[data-testid^='campaign-progress-']")).to_have_attribute("data-percent", "100")
    console.shot("campaign-done")
    made = committed(_campaign, tenant)
    assert (made.status, made.total, made.messages, made.kinds) == ("done", 3, 3, {"payment_due"})
    assert made.residents == {r.openid for r in world.residents}

    # --- 消息记录 shows the campaign's three messages, one per resident, with their push attempts
    page.get_by_test_id(f"campaign-messages-{made.id}").click()
    expect(page.get_by_test_id("page-title")).to_have_text("消息记录")
    rows = page.locator("[data-testid^='outbox-status-']")
    expect(rows).to_have_count(3)
    for resident in world.residents:
        expect(page.get_by_text(resident.display_name, exact=True)).to_be_visible()
    page.locator(".ant-table-row-expand-icon").first.click()
    expect(page.locator("[data-testid^='outbox-deliveries-']").first).to_be_visible()
    console.shot("outbox")
