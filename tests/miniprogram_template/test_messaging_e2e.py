"""The mini-program template's messaging pages (issue 17), run in Node (jest + miniprogram-simulate) against a live
server of this project (miniprogram-template/tests/e2e/resident-messaging.e2e.test.js): a sandbox resident sees the
announcement published to their community and not the one published to another, reads it, opens the knowledge
base, binds a phone and turns on SMS notices, and pays a bill — the pay tap's wx.requestSubscribeMessage is the
sandbox WeChat's phone side (POST /sandbox/wxapi/_client/subscribe), the answers are recorded with
recordSubscriptionResults before WeChat Pay opens, and the payment receipt reaches the sandbox WeChat through the
company's real subscription-message client. The database agrees afterwards."""

from __future__ import annotations

import os
import subprocess
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.factories.db import committed
from tests.factories.payments import APPID

from .conftest import TEMPLATE, require_template_packages

ACCOUNT_NO = "E2E00017"
RESIDENT = "messaging-e2e"
PHONE = "13900139017"
SECRET = "sandbox-secret"  # the committed company's MiniProgramAccount.app_secret (tests/conftest.py)
MINE = "关于本小区换热站检修临时停暖的通知"
OTHER = "其他小区管网改造通知"

pytestmark = pytest.mark.django_db


def _prepare(tenant, season_ns):
    """A house with a bill in one community, another community, the default message templates linked to the sandbox
    WeChat's library of the company's AppID (staff's 同步模板, over HTTP), the default FAQ, and one published
    announcement per community (the first pinned, with markup the sanitizer must strip)."""
    from apps.billing.services import bill_issue
    from apps.messaging.announcements import announcement_create, announcement_publish
    from apps.messaging.kb import kb_seed_defaults
    from apps.messaging.models import Announcement, MessageTemplate
    from apps.messaging.sandbox.services import sandbox_register_app
    from apps.messaging.templates import ensure_default_templates, sync_wechat_templates
    from tests.factories.accounts import StaffFactory
    from tests.factories.properties import CommunityFactory, HouseFactory

    with schema_context("public"):
        sandbox_register_app(APPID, SECRET)
    with schema_context(tenant.schema):
        house = HouseFactory(account_no=ACCOUNT_NO, owner_name="王建国", building_area=Decimal("80.00"))
        bill = bill_issue(house=house, season=season_ns.season, plan=season_ns.area)
        other = CommunityFactory(name="别处小区")
        admin = StaffFactory(username="messaging-e2e-admin", role="tenant_admin")
        ensure_default_templates()
        sync_wechat_templates(actor=admin)
        linked = dict(MessageTemplate.objects.exclude(wechat_template_id="").values_list("kind", "wechat_template_id"))
        kb_seed_defaults()
        ids = {}
        for title, community, pinned in ((MINE, house.community_id, True), (OTHER, other.pk, False)):
            draft = announcement_create(
                actor=admin, title=title, pinned=pinned, audience=Announcement.Audience.COMMUNITIES,
                community_ids=[community],
                body='<p>检修期间暂停供热。</p><p onclick="x()">请做好保暖。</p><script>alert(1)</script>')
            ids[title] = announcement_publish(announcement_id=draft.pk, actor=admin).pk
        return SimpleNamespace(house=house, bill=bill, linked=linked, mine=ids[MINE], other=ids[OTHER])


def _forget_sandbox(openid: str) -> None:
    from apps.messaging.sandbox.models import SandboxSms, SandboxWxMessage, SandboxWxSubscription
    from apps.messaging.sandbox.sms import phone_hash

    with schema_context("public"):
        SandboxWxMessage.objects.filter(appid=APPID, openid=openid).delete()
        SandboxWxSubscription.objects.filter(appid=APPID, openid=openid).delete()
        SandboxSms.objects.filter(phone_hash=phone_hash(PHONE)).delete()


def test_template_messaging_end_to_end(committed_tenant, live_server_url, settings):
    from apps.residents.providers.sandbox import sandbox_openid

    require_template_packages(".bin/jest")
    jest = TEMPLATE / "node_modules" / ".bin" / "jest"
    tenant, port = committed_tenant.info, live_server_url
    # the company's subscription-message client reaches the sandbox WeChat on the live server, as in `make run`
    settings.WECHAT_MESSAGE_API_BASE_URL = f"http://localhost:{port}/sandbox/wxapi"
    openid = sandbox_openid(APPID, RESIDENT)
    _forget_sandbox(openid)
    prepared = committed(_prepare, tenant, committed_tenant.season)
    assert prepared.linked.get("payment_receipt"), prepared.linked
    env = {**os.environ, "HEATCLOUD_E2E_API_BASE": f"http://127.0.0.1:{port}", "HEATCLOUD_E2E_HOST": tenant.host,
           "HEATCLOUD_E2E_SANDBOX_HOST": "localhost", "HEATCLOUD_E2E_ACCOUNT_NO": ACCOUNT_NO,
           "HEATCLOUD_E2E_OWNER_NAME": "王建国", "HEATCLOUD_E2E_RESIDENT": RESIDENT, "HEATCLOUD_E2E_PHONE": PHONE,
           "HEATCLOUD_E2E_APPID": APPID, "HEATCLOUD_E2E_OPENID": openid, "HEATCLOUD_E2E_SUBSCRIBE": "accept",
           "HEATCLOUD_E2E_ANNOUNCEMENT": MINE, "HEATCLOUD_E2E_OTHER_ANNOUNCEMENT": OTHER,
           "HEATCLOUD_E2E_MESSAGING": "1", "CI": "1"}
    try:
        result = subprocess.run([str(jest), "--selectProjects", "e2e", "--runInBand", "--colors=false",
                                 "--testPathPattern", "resident-messaging"],
                                cwd=TEMPLATE, env=env, capture_output=True, text=True, timeout=400, check=False)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-6000:]
        assert "skipped" not in result.stderr.split("Tests:")[-1], result.stderr[-2000:]
        connection.set_schema_to_public()
        _server_agrees(tenant, prepared, openid)
    finally:
        connection.set_schema_to_public()
        _forget_sandbox(openid)


def _server_agrees(tenant, prepared, openid: str) -> None:
    from apps.billing.models import Bill
    from apps.messaging.models import AnnouncementRead, Delivery, Message, SmsConsent, SubscriptionGrant
    from apps.messaging.sandbox.models import SandboxWxMessage, SandboxWxSubscription
    from apps.residents.models import Resident

    linked = prepared.linked
    with schema_context(tenant.schema):
        resident = Resident.objects.get(openid=openid)
        assert Bill.objects.get(pk=prepared.bill.pk).status == "paid"
        # read: only the announcement of the resident's community
        assert list(AnnouncementRead.objects.filter(resident=resident).values_list("announcement_id", flat=True)) \
            == [prepared.mine]
        consent = SmsConsent.objects.get(resident=resident)
        assert consent.opted_in and consent.source == "miniprogram" and consent.opted_in_at is not None
        # the pay tap's grants: the receipt's one-time credit was consumed by the receipt, the reminder's is left
        grants = {g.template_id: g for g in SubscriptionGrant.objects.filter(resident=resident)}
        receipt_tid, due_tid = linked["payment_receipt"], linked.get("payment_due")
        assert grants[receipt_tid].status == "active" and grants[receipt_tid].credits == 0
        assert grants[receipt_tid].last_result == "accept"
        if due_tid:
            assert grants[due_tid].credits == 1
        receipt = Message.objects.get(resident=resident, kind="payment_receipt")
        assert receipt.status == "sent" and receipt.channel == "wechat" and receipt.read_at is not None
        assert receipt.page.startswith("pages/order/order?outTradeNo=")
        delivery, = Delivery.objects.filter(message=receipt)
        assert delivery.channel == "wechat" and delivery.status == "sent" and openid not in delivery.target
    with schema_context("public"):
        sent = SandboxWxMessage.objects.filter(appid=APPID, openid=openid, errcode=0)
        assert [m.template_id for m in sent] == [receipt_tid]
        answered = dict(SandboxWxSubscription.objects.filter(appid=APPID, openid=openid)
                        .values_list("template_id", "status"))
        assert answered.get(receipt_tid) == "accept"
